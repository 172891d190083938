"""``quantize_model``: a registered model to a static int8 program (``torch.export.save``) and a report.

    report = quantize_model("ppg_encoder_compact", "out/q", pretrained=True)   # -> out/q/quant_report.json

Calibration windows are simulated (:func:`wearsdk.sim.model_windows`) or come from a ``.npy`` file of
model inputs; the int8-vs-fp32 agreement is measured on simulated windows from other participants (another
seed). The deployable ExecuTorch program is ``wearsdk export --quant int8``; this is the step before it, to
decide calibration and what stays in float.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from wearsdk._integrity import sha256_file
from wearsdk._paths import input_file, output_folder
from wearsdk.errors import CheckpointError, ConfigError, DataFormatError, DTypeError, NonFiniteInputError, ShapeError
from wearsdk.models.card import ModelCard
from wearsdk.quant.config import CALIBRATION_WINDOWS, int8_config_for
from wearsdk.quant.pt2e import output_cosine, quantize, run_batched
from wearsdk.quant.qat import qat_finetune
from wearsdk.quant.sensitivity import sensitivity_report
from wearsdk.quant.versions import tool_versions

__all__ = ["quantize_model", "load_calibration", "REPORT_FORMAT", "QAT_WINDOWS"]

QAT_WINDOWS = 512  # simulated windows for quantization-aware fine-tuning (32 participants x 16 segments)

REPORT_FORMAT = "wearsdk-quant-report/1"


def load_calibration(path: str | Path, card: ModelCard) -> torch.Tensor:
    """``(n, channels, samples)`` float32 model inputs from a ``.npy`` file, checked against ``card``
    (channels and window length; preprocessed as the card says, which a file cannot prove)."""
    path = Path(path)
    want = (len(card.input_channels), card.window_samples)
    spec = (f"(N, {want[0]}, {want[1]}) float32: N windows of {card.name}'s channels {tuple(card.input_channels)}, "
            f"{card.window_samples} samples at {card.sampling_rate_hz:g} Hz, preprocessed as its card says "
            f"(wearsdk.stream.recording_windows(recording, card))")
    input_file(path, what="calibration file", use=f"a .npy array {spec}")
    try:
        x = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError) as exc:
        raise DataFormatError(f"calibration file {str(path)!r} is not a readable .npy array ({exc}); expected {spec}, "
                              "written with np.save.") from exc
    if not isinstance(x, np.ndarray):
        raise DataFormatError(f"calibration file {str(path)!r} is an .npz archive; expected one .npy array {spec}.")
    if x.dtype != np.float32:
        raise DTypeError(f"calibration file {str(path)!r} holds {x.dtype}, expected {spec}. Convert it with "
                         "np.save(path, x.astype(np.float32)).")
    if x.ndim != 3:
        raise ShapeError(f"calibration file {str(path)!r} holds shape {x.shape}, expected {spec}.")
    if x.shape[0] == 0:
        raise ConfigError(f"calibration file {str(path)!r} holds no windows (shape {x.shape}); expected {spec}.")
    if x.shape[1:] != want:
        raise ShapeError(f"calibration file {str(path)!r} holds windows of {x.shape[1:]}, expected {spec}.")
    finite = np.isfinite(x).reshape(x.shape[0], -1).all(1)
    if not finite.all():
        bad = np.flatnonzero(~finite).tolist()
        raise NonFiniteInputError(f"calibration file {str(path)!r}: windows {bad[:5]}{' ...' if len(bad) > 5 else ''} "
                                  "hold NaN or inf; drop them or repair the gaps before calibrating.")
    return torch.from_numpy(np.ascontiguousarray(x))


def _sim_windows(card: ModelCard, n: int, *, seed: int) -> torch.Tensor:
    """``(n, channels, window_samples)`` float32 simulated model inputs (:func:`wearsdk.sim.model_windows`)."""
    from wearsdk.sim import model_windows

    return torch.from_numpy(model_windows(card, n, seed=seed))


def _agreement(reference: torch.nn.Module, candidate: torch.nn.Module,
               x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """``(cosine per window, reference outputs, candidate outputs)`` on ``x`` (the candidate is run one window at
    a time, as the quantized graphs need)."""
    with torch.no_grad():
        want = reference(x)
    got = run_batched(candidate, x)
    cos = torch.nn.functional.cosine_similarity(got.reshape(len(got), -1).double(),
                                                want.reshape(len(want), -1).double(), dim=1)
    return cos, want, got


def quantize_model(name: str, out: str | Path, *, checkpoint: str | Path | None = None, pretrained: bool = False,
                   allow_untrained: bool = False, calibration: str | Path = "sim", windows: int | None = None,
                   eval_windows: int = 16, keep_float: Sequence[str] = (), sensitivity: bool | Sequence[str] = False,
                   seed: int = 0, qat_steps: int = 0, qat_windows: int | None = None, qat_lr: float = 5e-4) -> Path:
    """Quantizes the registered model ``name`` (static int8, XNNPACK scheme) into ``out`` and returns the
    report path.

    Writes ``<name>_int8.pt2`` (``torch.export.save`` of the quantized program; ``<name>_untrained_int8.pt2``
    for random weights) and ``quant_report.json``. ``calibration`` is ``"sim"`` (``windows`` simulated
    windows, default ``CALIBRATION_WINDOWS`` = 128, from ``seed``) or a ``.npy`` file of ``(N, channels,
    samples)`` float32 model inputs (all N, or the first ``windows``). ``eval_windows`` simulated windows from
    ``seed + 1`` (other participants) measure int8 vs fp32. ``sensitivity`` adds the per-layer report: ``True``
    for every conv/linear layer (one quantization each: minutes for a deep model), or a list of module names.
    Weights: ``pretrained``, ``checkpoint`` or, to test the toolchain only, ``allow_untrained`` (the report
    then says ``trained: false``).

    ``qat_steps > 0`` first fine-tunes the weights quantization-aware (:func:`~wearsdk.quant.qat_finetune`, on
    ``qat_windows`` simulated windows, default ``QAT_WINDOWS`` = 512, of seed ``seed + 2``, learning rate
    ``qat_lr``), writes them as ``<name>_qat.pt`` (a checkpoint that ``create_model(name, checkpoint_path=...)``
    and ``--checkpoint`` of ``wearsdk export`` / ``quantize`` load) and quantizes those; the report's ``qat``
    section holds the loss history and the held-out int8-vs-fp32 cosine of the weights before and after.
    """
    from wearsdk.models import create_model
    from wearsdk.models._registry import read_checkpoint

    if windows is not None and (not isinstance(windows, int) or windows < 1):
        raise ConfigError(f"windows must be a positive number of calibration windows, got {windows!r}.")
    if not isinstance(qat_steps, int) or qat_steps < 0:
        raise ConfigError(f"qat_steps must be an int >= 0 (0: no quantization-aware fine-tuning), got {qat_steps!r}.")
    if qat_windows is not None and (not isinstance(qat_windows, int) or qat_windows < 2):
        raise ConfigError(f"qat_windows must be at least 2 simulated windows (default {QAT_WINDOWS}), got "
                          f"{qat_windows!r}.")
    if not isinstance(eval_windows, int) or eval_windows < 1:
        raise ConfigError(f"eval_windows must be a positive number of held-out windows, got {eval_windows!r}.")
    if not (pretrained or checkpoint or allow_untrained):
        raise CheckpointError(
            f"{name}: give trained weights (--pretrained for the bundled ones, or --checkpoint PATH); an untrained "
            "model quantizes only with --allow-untrained, and its report then says so."
        )
    out = output_folder(out, what="out", use="a folder for the int8 program and quant_report.json", create=False)
    started = time.perf_counter()
    model = create_model(name, pretrained=pretrained, checkpoint_path=checkpoint).eval()
    config = int8_config_for(model, keep_float=tuple(keep_float))
    card = model.card
    trained = bool(pretrained or checkpoint)
    if str(calibration) == "sim":
        n = CALIBRATION_WINDOWS if windows is None else windows
        if n < config.min_calibration_windows:
            raise ConfigError(f"{n} calibration windows asked for, static int8 needs >= "
                              f"{config.min_calibration_windows} (default {CALIBRATION_WINDOWS}).")
        calib = _sim_windows(card, n, seed=seed)
        source: dict[str, Any] = {"source": "sim", "seed": seed}
    else:
        calib = load_calibration(calibration, card)
        calib = calib if windows is None else calib[:windows]
        source = {"source": str(calibration)}
    held_out = _sim_windows(card, eval_windows, seed=seed + 1)
    example = (held_out[:1],)
    qat = None
    if qat_steps:
        if not trained:
            raise CheckpointError("quantization-aware fine-tuning of random weights teaches nothing; give trained "
                                  "weights (--pretrained or --checkpoint).")
        before, _, _ = _agreement(model, quantize(model, config, example_inputs=example, calibration=calib), held_out)
        qat_windows = QAT_WINDOWS if qat_windows is None else qat_windows
        original = model
        model, history = qat_finetune(model, config, windows=_sim_windows(card, qat_windows, seed=seed + 2),
                                      steps=qat_steps, lr=qat_lr, batch=min(32, qat_windows))
        kept, _, _ = _agreement(original, model, held_out)  # the tuned float model against the original
        out.mkdir(parents=True, exist_ok=True)
        tuned = out / f"{name}_qat.pt"
        run_config = read_checkpoint(checkpoint).get("config", {}) if checkpoint else {}
        qat = {"steps": qat_steps, "lr": qat_lr, "windows": qat_windows, "source": "sim", "seed": seed + 2,
               "from": "pretrained" if pretrained else str(checkpoint), "history": history,
               "cosine_mean_before": float(before.mean()), "cosine_min_before": float(before.min()),
               "float_cosine_to_original_mean": float(kept.mean()), "float_cosine_to_original_min": float(kept.min()),
               "weights": tuned.name}
        torch.save({"model": model.state_dict(), "card": card.to_dict(),
                    "config": {**run_config, "model": name, "model_overrides": run_config.get("model_overrides", {}),
                               "qat": {k: v for k, v in qat.items() if k != "history"}}}, tuned)
    qmodel = quantize(model, config, example_inputs=example, calibration=calib)
    cos, want, got = _agreement(model, qmodel, held_out)
    layers = None
    if sensitivity:
        ranked = sensitivity_report(model, example_inputs=example, calibration=calib, evaluation=held_out,
                                    config=config, layers=None if sensitivity is True else list(sensitivity))
        layers = {
            "how": "each conv/linear layer also kept in float, one at a time; cosine_gain = its cosine vs fp32 "
                   "minus the all-int8 one. Keep the top layers in float with --keep-float if the cosine is short.",
            "cosine_all_int8": ranked[0].cosine_all_int8 if ranked else None,
            "layers": [{"name": r.name, "cosine_without": r.cosine_without, "cosine_gain": r.cosine_gain}
                       for r in ranked],
        }
    out.mkdir(parents=True, exist_ok=True)
    program = out / f"{name if trained else name + '_untrained'}_int8.pt2"
    torch.export.save(torch.export.export(qmodel, example, strict=False), program)
    report = {
        "format": REPORT_FORMAT,
        "model": name,
        "version": card.version,
        "trained": trained,
        "weights": "pretrained" if pretrained else (str(checkpoint) if checkpoint else "untrained (random)"),
        "input": {"shape": list(example[0].shape), "channels": list(card.input_channels),
                  "sampling_rate_hz": card.sampling_rate_hz},
        "config": config.to_dict(),
        "calibration": {**source, "windows": len(calib)},
        "int8_vs_fp32": {
            "windows": len(held_out), "source": "sim", "seed": seed + 1, "held_out": True,
            "cosine_mean": output_cosine(got, want), "cosine_min": float(cos.min()),
            "max_abs_diff": float((got - want).abs().max()), "fp32_abs_max": float(want.abs().max()),
        },
        "sensitivity": layers,
        "qat": qat,
        "program": {"file": program.name, "bytes": program.stat().st_size,
                    "sha256": sha256_file(program),
                    "load": f"torch.export.load({program.name!r}).module()"},
        "seconds": round(time.perf_counter() - started, 1),
        "versions": tool_versions(),
    }
    path = out / "quant_report.json"
    path.write_text(json.dumps(report, indent=1) + "\n")
    return path
