"""Evaluation of trained runs: the lead VAE against the linear map, the encoders by linear probes.

* :func:`lead_vae_report` fits the least-squares linear map (DESIGN.md section 7, "3 -> 12 leads") on the same
  training records the VAE saw, then reports, on each evaluation set, per-lead Pearson r, the mean r over the 9
  reconstructed leads, MSE/MAE (in the units of the data: z-units for per-lead z-scored records) and the
  FID-style distance in a fixed encoder's space.
* :func:`encoder_probe_report` scores frozen embeddings of an encoder, a randomly initialised encoder of the
  same architecture and hand-crafted features with linear probes on held-out participants.
* :func:`evaluate_run` does the right one for a finished ``wearsdk train`` run folder and writes a JSON report
  (what ``wearsdk evaluate RUN_DIR`` is meant to call).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

import wearsdk.signal as ws
from wearsdk.errors import CheckpointError
from wearsdk.train.config import TrainConfig, apply_overrides, config_from_dict
from wearsdk.train.metrics import LinearLeadMap, ecg_frechet_distance, reconstruction_metrics

__all__ = ["lead_vae_report", "encoder_probe_report", "evaluate_run", "sim_labels", "SIM_PROBE_TARGETS"]

#: Simulator traits and conditions probed on held-out participants (sim cohorts only).
SIM_PROBE_TARGETS = ("age", "bmi", "resting_hr", "sex_male", "af")


@torch.no_grad()
def lead_vae_report(
    model: nn.Module,
    train_12: torch.Tensor,
    eval_sets: dict[str, torch.Tensor],
    batch: int = 64,
    zscore_outputs: bool = False,
) -> dict[str, Any]:
    """Compare ``model`` (a :class:`~wearsdk.models.LeadVAE`) with the linear map fitted on ``train_12``.

    Args:
        model: the VAE; its config names the input and output leads.
        train_12: training records ``(records, 12, samples)`` (the linear map is fitted on these).
        eval_sets: name -> records ``(records, 12, samples)`` in the same units and lead order.
        zscore_outputs: z-score every predicted lead over time before the metrics (for per-lead z-scored
            records, whose targets have SD 1 by construction; a model trained with the scale-invariant loss
            predicts shape, not scale). MSE of the raw outputs is kept as ``mse_reconstructed_raw``.

    Returns:
        ``{set_name: {"records": n, "vae": metrics, "linear_map": metrics}}`` where metrics are those of
        :func:`~wearsdk.train.metrics.reconstruction_metrics` plus ``"frechet_distance"``.
    """
    c = model.config
    rows = [c.out_leads.index(n) for n in c.in_leads]
    linear = LinearLeadMap().fit(train_12[:, rows], train_12)
    model.eval()
    report: dict[str, Any] = {}
    for name, x12 in eval_sets.items():
        x_in = x12[:, rows]
        pred = torch.cat([model(x_in[i : i + batch]).float() for i in range(0, len(x_in), batch)])
        lin = linear.predict(x_in)
        entry: dict[str, Any] = {"records": int(len(x12))}
        for label, p in (("vae", pred), ("linear_map", lin)):
            raw = reconstruction_metrics(p, x12, c.out_leads, c.in_leads)
            if zscore_outputs:
                p = ws.zscore(p, eps=1e-6)
            m = reconstruction_metrics(p, x12, c.out_leads, c.in_leads)
            m["mse_reconstructed_raw"] = raw["mse_reconstructed"]
            m["frechet_distance"] = ecg_frechet_distance(p, x12) if len(x12) > 16 else None
            entry[label] = m
        report[name] = entry
    return report


def encoder_probe_report(
    encoder: nn.Module,
    train_windows: Any,
    test_windows: Any,
    labels: dict[str, dict[str, float]],
    seed: int = 0,
) -> dict[str, dict[str, dict[str, float]]]:
    """Linear probes of three frozen feature sets on the same participant-level split.

    Args:
        encoder: the trained encoder (``(batch, channels, samples) -> (batch, embedding)``).
        train_windows, test_windows: :class:`~wearsdk.train.data.WindowDataset` of disjoint participants.
        labels: target name -> {participant id -> value} (0/1 values make a classification target).
        seed: seed of the randomly initialised encoder of the same architecture.

    Returns:
        ``{"encoder" | "random_init" | "handcrafted": {target: scores}}`` (see
        :func:`~wearsdk.train.probes.probe_scores`).
    """
    from wearsdk.models import create_model
    from wearsdk.train.probes import handcrafted_features, participant_embeddings, probe_scores

    card = encoder.card
    torch.manual_seed(seed)
    random_init = create_model(card.name, **card.config)
    feature_sets = {
        "encoder": (participant_embeddings(encoder, train_windows), participant_embeddings(encoder, test_windows)),
        "random_init": (
            participant_embeddings(random_init, train_windows),
            participant_embeddings(random_init, test_windows),
        ),
        "handcrafted": (
            handcrafted_features(train_windows, card.sampling_rate_hz),
            handcrafted_features(test_windows, card.sampling_rate_hz),
        ),
    }

    def targets(ids: list[str]) -> dict[str, np.ndarray]:
        return {name: np.array([values[i] for i in ids], dtype=np.float64) for name, values in labels.items()}

    return {
        name: probe_scores(tr_x, targets(tr_ids), te_x, targets(te_ids))
        for name, ((tr_ids, tr_x), (te_ids, te_x)) in feature_sets.items()
    }


def sim_labels(dataset: Any) -> dict[str, dict[str, float]] | None:
    """Probe targets ``{trait: {"sim<pid>": value}}`` of a simulated dataset's cohort, or ``None`` when the
    dataset does not come from ``wearsdk.sim``."""
    source = getattr(dataset, "source", dataset)
    cohort = getattr(source, "cohort", None)
    if cohort is None:
        return None
    table = cohort.traits_table()
    return {t: {f"sim{i}": float(table[t][i]) for i in range(len(cohort))} for t in SIM_PROBE_TARGETS}


def _resolve_run(path: Path) -> tuple[Path, Path]:
    """``(run folder, weights file)`` for a run folder or a weights file inside one (``RUN/model.pt`` or
    ``RUN/checkpoints/step_*.pt``)."""
    if not path.exists():
        raise CheckpointError(f"{str(path)!r} does not exist; expected a 'wearsdk train' run folder (config.json, "
                              "model.pt) or a .pt weights file inside one.")
    if path.is_dir():
        run_dir, weights = path, path / "model.pt"
    elif path.suffix != ".pt":
        raise CheckpointError(
            f"{str(path)!r} is a {path.suffix or 'plain'} file; expected a 'wearsdk train' run folder or a .pt weights "
            "file inside one (RUN/model.pt, RUN/checkpoints/step_*.pt). Pass the run folder."
        )
    else:
        run_dir = next((d for d in (path.parent, path.parent.parent) if (d / "config.json").is_file()), path.parent)
        weights = path
    if not (run_dir / "config.json").is_file() or not weights.is_file():
        raise CheckpointError(
            f"{str(path)!r} is not a finished run: expected a folder with config.json and model.pt (written at the "
            "last step), or a weights file inside such a folder; finish it with 'wearsdk train ... --resume'."
        )
    return run_dir, weights


def _read_config(run_dir: Path) -> TrainConfig:
    """The :class:`~wearsdk.train.config.TrainConfig` stored in ``run_dir/config.json``."""
    try:
        data = json.loads((run_dir / "config.json").read_text())
    except ValueError as exc:
        raise CheckpointError(
            f"{str(run_dir / 'config.json')!r} is not valid JSON ({exc}); it is corrupt or was edited by hand. "
            "It is written by 'wearsdk train'; restore it or retrain the run."
        ) from exc
    return config_from_dict(data)


def evaluate_run(
    run: str | Path, report_path: str | Path | None = None, overrides: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Evaluate the model of a run folder (``config.json`` + ``model.pt``) on its own data split.

    ``run`` is the run folder or a weights file inside it (``model.pt``, ``checkpoints/step_*.pt``).
    ``overrides`` are dotted config values applied before the data are built (see
    :func:`~wearsdk.train.config.apply_overrides`), e.g. ``{"data.source": "ptbxl", "data.root": PATH}`` to
    evaluate on other records. ``lead_vae`` runs: :func:`lead_vae_report` on the validation records (predictions
    z-scored per lead when the run used the scale-invariant loss). ``*_ssl`` runs on the simulator:
    :func:`encoder_probe_report` for :data:`SIM_PROBE_TARGETS`; other SSL sources only have the trainer's
    participant-retrieval metric, which is reported. Writes the report as JSON to ``report_path`` (default
    ``RUN_DIR/evaluation.json``).
    """
    from wearsdk.models import create_model
    from wearsdk.train.trainer import build_datasets, build_task

    run_dir, weights = _resolve_run(Path(run))
    config = apply_overrides(_read_config(run_dir), overrides or {})
    model = create_model(config.model, checkpoint_path=weights, **config.model_overrides).eval()
    train_ds, val_ds = build_datasets(config)
    report: dict[str, Any] = {
        "run": run_dir.name,
        "weights": str(weights.relative_to(run_dir)) if weights.is_relative_to(run_dir) else str(weights),
        "recipe": config.recipe,
        "data": config.to_dict()["data"],
        "model": model.card.to_dict(),
    }
    if config.is_lead_vae:
        train_12 = torch.stack([train_ds[i][1] for i in range(len(train_ds))])
        val_12 = torch.stack([val_ds[i][1] for i in range(len(val_ds))])
        report["results"] = lead_vae_report(
            model, train_12, {"validation": val_12}, zscore_outputs=config.vae.recon == "zscore_mse"
        )
    else:
        labels = sim_labels(val_ds)
        if labels is not None:
            report["probes"] = encoder_probe_report(model, train_ds, val_ds, labels, seed=config.seed)
        task = build_task(config, (train_ds, val_ds))
        task.module.encoder.load_state_dict(model.state_dict())
        report["participant_retrieval"] = task.evaluate(task.module, torch.device("cpu"))
    path = Path(report_path) if report_path is not None else run_dir / "evaluation.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=1, default=float))
    return report
