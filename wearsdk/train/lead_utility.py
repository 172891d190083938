"""Diagnostic utility of reconstructed 12-lead ECG (issue 24): does a 12-lead superclass classifier trained on
real leads keep its accuracy on leads reconstructed from II, V1, V5?

A small 1-D CNN (:class:`SuperclassCNN`) learns the five PTB-XL diagnostic superclasses (NORM, MI, STTC, CD,
HYP, multi-label, from each record's SCP codes mapped through ``scp_statements.csv``) from the real 12 leads of
the training folds (strat_fold 1-8), then scores the validation fold (9) four ways with the same weights:

- ``real``: the real 12 leads;
- ``vae``: leads reconstructed by :func:`wearsdk.reconstruct_12lead` from the real II, V1, V5 (the card's
  zero-phase path at 100 Hz; the shared PTB-XL records are band-passed 0.5-40 Hz and z-scored per lead, so each
  reconstructed lead is z-scored over the record as the real ones are);
- ``linear_map``: the least-squares map :class:`~wearsdk.train.metrics.LinearLeadMap` fitted on the training
  folds, each lead z-scored the same way;
- ``inputs_only``: II, V1, V5 and zeros in the nine other leads.

Scores: macro and per-superclass AUROC (a class without positives or negatives in the validation fold is
skipped and listed), per-lead Pearson r and MSE of the two reconstructions, and the calibration of the VAE's
posterior spread (``samples=K``): Spearman rho between each record's and lead's mean spread and its mean
absolute error, across records x the nine reconstructed leads.
"""

from __future__ import annotations

import ast
import csv
import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

import wearsdk.signal as ws
from wearsdk._integrity import sha256_bytes
from wearsdk._paths import output_folder
from wearsdk.errors import DataFormatError, ShapeError
from wearsdk.reconstruct import INPUT_LEADS, OUTPUT_LEADS, reconstruct_12lead
from wearsdk.train.data import PTBXLLeads, ptbxl_root
from wearsdk.train.metrics import LinearLeadMap
from wearsdk.train.real.datasets import scp_classes

__all__ = [
    "SUPERCLASSES",
    "SuperclassCNN",
    "superclass_labels",
    "load_ptbxl_superclasses",
    "train_classifier",
    "cached_classifier",
    "predict",
    "auroc_scores",
    "spread_calibration",
    "utility_report",
    "ptbxl_utility_suite",
]

#: PTB-XL diagnostic superclasses, in the order of the classifier's outputs.
SUPERCLASSES: tuple[str, ...] = ("NORM", "MI", "STTC", "CD", "HYP")
#: The four ways the validation fold is scored.
ARMS: tuple[str, ...] = ("real", "vae", "linear_map", "inputs_only")
_IN_ROWS = [OUTPUT_LEADS.index(n) for n in INPUT_LEADS]
_OUT_ROWS = [i for i in range(len(OUTPUT_LEADS)) if i not in _IN_ROWS]
_RATE_HZ = PTBXLLeads.sampling_rate_hz


def superclass_labels(root: str | Path) -> dict[int, np.ndarray]:
    """``ecg_id -> (5,)`` float32 0/1 superclass targets from ``labels.csv`` + ``scp_statements.csv`` in ``root``.

    A record belongs to a superclass when any of its SCP codes (whatever the likelihood, as in PTB-XL's own
    example code) is a diagnostic statement of that ``diagnostic_class``."""
    labels = Path(root) / "labels.csv"
    if not labels.is_file():
        raise DataFormatError(f"PTB-XL folder {str(root)!r}: expected labels.csv (ecg_id, scp_codes) beside "
                              "scp_statements.csv and records_index.csv.")
    code_class = {code: cls for code, cls in scp_classes(root).items() if cls in SUPERCLASSES}
    out: dict[int, np.ndarray] = {}
    with labels.open() as fh:
        for r in csv.DictReader(fh):
            y = np.zeros(len(SUPERCLASSES), np.float32)
            for code in ast.literal_eval(r["scp_codes"]):
                if code in code_class:
                    y[SUPERCLASSES.index(code_class[code])] = 1.0
            out[int(r["ecg_id"])] = y
    return out


def load_ptbxl_superclasses(root: str | Path, split: str, max_records: int | None = None
                            ) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """One split of the shared PTB-XL subset: ``(x12 (n, 12, 1000) z-units at 100 Hz, y (n, 5) 0/1, ids)``
    (``split`` ``"train"`` = strat_fold 1-8, ``"val"`` = fold 9; ``max_records``: the first N, for tests)."""
    data = PTBXLLeads(root, split, max_records=max_records)
    labels = superclass_labels(root)
    ecg_ids = [int(i.removeprefix("ptbxl")) for i in data.ids]
    missing = [i for i in ecg_ids if i not in labels]
    if missing:
        raise DataFormatError(f"PTB-XL labels.csv lacks {len(missing)} record(s) of split {split!r} "
                              f"(first ecg_id {missing[0]}); expected one row per record.")
    return data.data.numpy(), np.stack([labels[i] for i in ecg_ids]), list(data.ids)


class SuperclassCNN(nn.Module):
    """Multi-label ECG classifier: ``(batch, leads, samples)`` z-scored leads at 100 Hz -> ``(batch, classes)``
    logits. A 2-sample average pool, four strided conv/BatchNorm/ReLU blocks (16-64 channels), global average
    and max pooling, one linear layer (~16k parameters at 12 leads; sized to train in CPU minutes)."""

    def __init__(self, leads: int = 12, classes: int = len(SUPERCLASSES)) -> None:
        super().__init__()
        layers: list[nn.Module] = [nn.AvgPool1d(2)]
        prev = leads
        for ch, k in ((16, 7), (32, 5), (32, 5), (64, 3)):
            layers += [nn.Conv1d(prev, ch, k, stride=2, padding=k // 2, bias=False), nn.BatchNorm1d(ch), nn.ReLU()]
            prev = ch
        self.features = nn.Sequential(*layers)
        self.head = nn.Linear(2 * prev, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.features(x)
        return self.head(torch.cat([h.mean(-1), h.amax(-1)], dim=1))


def train_classifier(x12: np.ndarray, y: np.ndarray, *, epochs: int = 20, seed: int = 0, batch: int = 32,
                     lr: float = 2e-3, progress: bool = True) -> SuperclassCNN:
    """Train a :class:`SuperclassCNN` on ``x12 (n, leads, samples)`` and 0/1 targets ``y (n, classes)`` (AdamW,
    BCE, cosine learning rate, a random circular time shift per record as augmentation; seeded). Returns it in
    eval mode."""
    from tqdm.auto import tqdm

    if len(x12) != len(y) or len(x12) == 0:
        raise ShapeError(f"train_classifier: expected as many records as targets (at least one), got {len(x12)} "
                         f"records and {len(y)} targets.")
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    model = SuperclassCNN(x12.shape[1], y.shape[1])
    x, t = torch.as_tensor(x12, dtype=torch.float32), torch.as_tensor(y, dtype=torch.float32)
    steps = epochs * -(-len(x) // batch)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=1e-2)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=max(steps, 1))
    loss_fn = nn.BCEWithLogitsLoss()
    model.train()
    for _ in tqdm(range(epochs), desc="superclass classifier", disable=not progress, leave=False):
        order = torch.randperm(len(x), generator=gen)
        for i in range(0, len(x), batch):
            idx = order[i : i + batch]
            shift = int(torch.randint(0, x.shape[-1], (1,), generator=gen))
            loss = loss_fn(model(torch.roll(x[idx], shift, dims=-1)), t[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
    return model.eval()


def cached_classifier(x12: np.ndarray, y: np.ndarray, *, epochs: int = 20, seed: int = 0,
                      cache_dir: str | Path | None = None, progress: bool = True) -> tuple[SuperclassCNN, Path, bool]:
    """:func:`train_classifier`, kept in the user cache: ``(model, weights path, reused)``. The file is keyed by
    the sha256 of the training records, targets, epochs, seed and architecture; default folder
    ``$WEARSDK_CACHE_DIR/classifiers`` (else ``~/.cache/wearsdk/classifiers``)."""
    from wearsdk.runtime.cache import default_cache_dir

    folder = output_folder(cache_dir or default_cache_dir().parent / "classifiers", what="classifier cache")
    spec = json.dumps({"arch": "SuperclassCNN-v2", "epochs": epochs, "seed": seed, "shape": list(x12.shape)})
    key = sha256_bytes(np.ascontiguousarray(x12, np.float32).tobytes() + np.asarray(y, np.float32).tobytes()
                       + spec.encode())
    path = folder / f"superclass_cnn_{key[:16]}.pt"
    model = SuperclassCNN(x12.shape[1], y.shape[1])
    if path.is_file():
        model.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
        return model.eval(), path, True
    model = train_classifier(x12, y, epochs=epochs, seed=seed, progress=progress)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    torch.save(model.state_dict(), tmp)
    tmp.replace(path)
    return model, path, False


@torch.no_grad()
def predict(model: nn.Module, x12: np.ndarray, batch: int = 128) -> np.ndarray:
    """Class probabilities ``(n, classes)`` of ``model`` on ``x12 (n, leads, samples)``."""
    x = torch.as_tensor(np.asarray(x12, np.float32))
    return torch.cat([torch.sigmoid(model(x[i : i + batch])) for i in range(0, len(x), batch)]).numpy()


def auroc_scores(y: np.ndarray, p: np.ndarray) -> dict[str, Any]:
    """``{"macro": mean AUROC over scorable classes, "per_class": {name: AUROC}, "skipped": [names]}``; a class
    with no positive or no negative record in ``y`` cannot be scored and is skipped."""
    from sklearn.metrics import roc_auc_score

    per, skipped = {}, []
    for c, name in enumerate(SUPERCLASSES[: y.shape[1]]):
        if 0 < y[:, c].sum() < len(y):
            per[name] = float(roc_auc_score(y[:, c], p[:, c]))
        else:
            skipped.append(name)
    return {"macro": float(np.mean(list(per.values()))) if per else float("nan"), "per_class": per,
            "skipped": skipped}


def spread_calibration(spread: np.ndarray, error: np.ndarray) -> float:
    """Spearman rank correlation between a predicted ``spread`` and the actual absolute ``error``, any equal
    shapes (e.g. ``(records, leads)`` means), pooled: > 0 when larger spread goes with larger error."""
    from scipy.stats import spearmanr

    if np.shape(spread) != np.shape(error) or np.size(spread) < 3:
        raise ShapeError(f"spread_calibration: expected spread and error of one shape with >= 3 values, got "
                         f"{np.shape(spread)} and {np.shape(error)}.")
    return float(spearmanr(np.ravel(spread), np.ravel(error)).statistic)


def _zscore(x: np.ndarray) -> np.ndarray:
    return np.asarray(ws.zscore(np.ascontiguousarray(x, np.float32), eps=1e-6), np.float32)


def _lead_scores(pred: np.ndarray, truth: np.ndarray) -> dict[str, Any]:
    from wearsdk.train.losses import pearson_r

    r = pearson_r(torch.from_numpy(pred).double(), torch.from_numpy(truth).double()).numpy()  # (n, 12)
    mse = ((pred.astype(np.float64) - truth) ** 2).mean(-1)
    return {"pearson_r": {n: float(r[:, i].mean()) for i, n in enumerate(OUTPUT_LEADS)},
            "mse": {n: float(mse[:, i].mean()) for i, n in enumerate(OUTPUT_LEADS)},
            "mean_r_reconstructed": float(r[:, _OUT_ROWS].mean()),
            "mse_reconstructed": float(mse[:, _OUT_ROWS].mean()), "record_r": r[:, _OUT_ROWS].mean(1)}


def utility_report(vae: Any, classifier: nn.Module, train_x12: np.ndarray, val_x12: np.ndarray, val_y: np.ndarray,
                   *, samples: int = 8, seed: int = 0, progress: bool = True) -> tuple[dict[str, Any], dict]:
    """Score ``classifier`` on the validation records four ways (module docstring) and the reconstructions.

    Args:
        vae: the lead model, as ``reconstruct_12lead(model=...)`` takes it (name, module or artifact folder).
        classifier: trained on real 12 leads, ``(n, 12, samples)`` -> logits.
        train_x12: training records ``(n, 12, samples)`` z-units at 100 Hz (the linear map is fitted on them).
        val_x12, val_y: validation records and their 0/1 targets ``(n, classes)``.
        samples: posterior draws per record for the spread (``>= 2``; 0 skips the calibration check).

    Returns:
        ``(report, arrays)``: the JSON-ready report (``auroc``, ``leads``, ``calibration``, ``records``) and
        ``{"real", "vae", "linear_map"}`` arrays ``(n, 12, samples)`` plus ``record_r`` for figures.
    """
    from tqdm.auto import tqdm

    means, spreads = [], []
    for x in tqdm(val_x12, desc="reconstruct", disable=not progress, leave=False):
        out = reconstruct_12lead(x[_IN_ROWS], sampling_rate=_RATE_HZ, model=vae, samples=samples or None, seed=seed)
        mean, spread = (out.mean, out.spread) if samples else (out, np.zeros_like(out))
        scale = mean.std(-1, keepdims=True) + 1e-6  # z-scoring the mean scales its spread alike
        means.append(_zscore(mean))
        spreads.append(spread / scale)
    vae_z, spread_z = np.stack(means), np.stack(spreads)
    linear = LinearLeadMap().fit(train_x12[:, _IN_ROWS], train_x12)
    lin_z = _zscore(linear.predict(val_x12[:, _IN_ROWS]).numpy())
    inputs_only = np.zeros_like(val_x12)
    inputs_only[:, _IN_ROWS] = val_x12[:, _IN_ROWS]
    arms = {"real": val_x12, "vae": vae_z, "linear_map": lin_z, "inputs_only": inputs_only}
    auroc = {name: auroc_scores(val_y, predict(classifier, x)) for name, x in arms.items()}
    leads = {name: _lead_scores(arms[name], val_x12) for name in ("vae", "linear_map")}
    record_r = leads["vae"].pop("record_r")
    leads["linear_map"].pop("record_r")
    report: dict[str, Any] = {"auroc": auroc, "leads": leads, "records": {"validation": len(val_x12)}}
    if samples:
        err = np.abs(vae_z - val_x12).mean(-1)[:, _OUT_ROWS]  # (n, 9)
        spr = spread_z.mean(-1)[:, _OUT_ROWS]
        report["calibration"] = {
            "samples": samples, "seed": seed,
            "spearman_records_x_leads": spread_calibration(spr, err),
            "spearman_records": spread_calibration(spr.mean(1), err.mean(1)) if len(err) >= 3 else None,
            "mean_spread_z": float(spr.mean()), "mean_abs_error_z": float(err.mean())}
    return report, {**arms, "record_r": record_r}


def plot_utility(report: dict[str, Any], path: str | Path, title: str = "") -> Path:
    """Bar chart of the four arms' macro and per-superclass AUROC, written as a PNG at ``path``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from wearsdk._paths import output_file

    out = output_file(path, what="figure path")
    auroc = report["auroc"]
    groups = ["macro", *auroc["real"]["per_class"]]
    fig, ax = plt.subplots(figsize=(10, 4.5))
    width = 0.8 / len(ARMS)
    for a, arm in enumerate(ARMS):
        vals = [auroc[arm]["macro"] if g == "macro" else auroc[arm]["per_class"].get(g, np.nan) for g in groups]
        bars = ax.bar(np.arange(len(groups)) + (a - 1.5) * width, vals, width, label=arm)
        ax.bar_label(bars, fmt="%.3f", fontsize=7, rotation=90, padding=2)
    ax.set_xticks(np.arange(len(groups)), groups)
    ax.set_ylim(0.4, 1.08)
    ax.axhline(0.5, color="0.5", lw=0.8, ls="--")
    ax.set_ylabel("AUROC (validation fold)")
    ax.legend(ncol=4, fontsize=8, loc="upper left")
    ax.set_title(title or "12-lead superclass classifier on real vs reconstructed leads")
    fig.tight_layout()
    fig.savefig(out, dpi=100)
    plt.close(fig)
    return out


def ptbxl_utility_suite(model: str = "lead_vae_compact", *, out: str | Path | None = None,
                        root: str | Path | None = None, epochs: int = 20, samples: int = 8, seed: int = 0,
                        max_train: int | None = None, max_val: int | None = None,
                        cache_dir: str | Path | None = None, progress: bool = True,
                        write_json: bool = True) -> dict[str, Any]:
    """The ``ptbxl`` suite of ``wearsdk evaluate``: diagnostic utility of ``model``'s reconstructions.

    Reads the shared PTB-XL subset (``root``, default ``../shared/data/real/ptbxl``), trains or reuses the
    cached superclass classifier on the real leads of strat_fold 1-8 (:func:`cached_classifier`), scores fold 9
    four ways (:func:`utility_report`, ``samples`` posterior draws for the spread) and, with ``out``, writes
    ``<model>_ptbxl.json`` (as ``wearsdk evaluate --suite ptbxl`` names it), ``<model>_ptbxl_utility.png``
    (the bars) and ``<model>_ptbxl_worst.png`` / ``<model>_ptbxl_median.png`` (real vs reconstructed 12 leads,
    z-units, of the records with the lowest and the median mean r over the nine reconstructed leads; the JSON
    only with ``write_json``). ``model``: a registered name or a lead-VAE module. Returns the report, its
    headline figures under ``"summary"``."""
    from wearsdk.plot import plot_12lead

    root = Path(root) if root is not None else ptbxl_root()
    tr_x, tr_y, _ = load_ptbxl_superclasses(root, "train", max_train)
    va_x, va_y, va_ids = load_ptbxl_superclasses(root, "val", max_val)
    classifier, path, reused = cached_classifier(tr_x, tr_y, epochs=epochs, seed=seed, cache_dir=cache_dir,
                                                 progress=progress)
    report, arrays = utility_report(model, classifier, tr_x, va_x, va_y, samples=samples, seed=seed,
                                    progress=progress)
    order = np.argsort(arrays["record_r"])
    picks = {"worst": int(order[0]), "median": int(order[len(order) // 2])}
    name = model if isinstance(model, str) else model.card.name
    cal = report.get("calibration", {})
    summary = {**{f"macro_auroc_{arm}": report["auroc"][arm]["macro"] for arm in ARMS},
               "mean_r_reconstructed_vae": report["leads"]["vae"]["mean_r_reconstructed"],
               "mean_r_reconstructed_linear_map": report["leads"]["linear_map"]["mean_r_reconstructed"],
               "spread_error_spearman": cal.get("spearman_records_x_leads")}
    report = {
        "suite": "ptbxl", "model": name, "summary": summary,
        "data": {"root": str(root), "train": "strat_fold 1-8", "validation": "strat_fold 9",
                 "records": {"train": len(tr_x), "validation": len(va_x)},
                 "positives": {"train": dict(zip(SUPERCLASSES, tr_y.sum(0).astype(int).tolist(), strict=True)),
                               "validation": dict(zip(SUPERCLASSES, va_y.sum(0).astype(int).tolist(), strict=True))}},
        "classifier": {"arch": "SuperclassCNN (avg pool 2, 4 strided conv blocks 16-64 ch, avg+max pool, linear)",
                       "epochs": epochs, "seed": seed, "weights": path.name, "reused_from_cache": reused,
                       "macro_auroc_real": report["auroc"]["real"]["macro"]},
        **report,
        "examples": {k: {"record": va_ids[i], "mean_r_reconstructed": float(arrays["record_r"][i])}
                     for k, i in picks.items()},
    }
    if out is not None:
        folder = output_folder(out, what="evaluate --out")
        stem = f"{name}_ptbxl"
        if write_json:
            (folder / f"{stem}.json").write_text(json.dumps(report, indent=1) + "\n")
        plot_utility(report, folder / f"{stem}_utility.png",
                     f"{name}: PTB-XL fold 9 superclass AUROC, classifier trained on real 12 leads (folds 1-8)")
        for k, i in picks.items():
            plot_12lead(arrays["vae"][i], folder / f"{stem}_{k}.png", sampling_rate=_RATE_HZ,
                        truth=arrays["real"][i], measured=INPUT_LEADS,
                        title=f"{va_ids[i]} ({k} of fold 9, mean r {arrays['record_r'][i]:.3f}); z-units, grey = real")
    return report
