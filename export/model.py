"""``export_model``: a registered model, exported the way its card says it is fed.

The calibration (int8) and parity windows come from the simulator, preprocessed exactly as the model
card prescribes, so an artifact never depends on data that is not shipped.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch

from wearsdk.errors import CheckpointError, ConfigError
from wearsdk.export.coreml import export_coreml, export_coreml_streaming
from wearsdk.export.executorch import export_executorch
from wearsdk.export.onnx import export_onnx
from wearsdk.export.preprocessing import WithPreprocessing
from wearsdk.export.streaming import export_executorch_streaming
from wearsdk.quant.config import CALIBRATION_SEED, CALIBRATION_WINDOWS
from wearsdk.signal import PreprocessSpec, preprocess

__all__ = ["export_model", "simulated_windows", "BACKENDS", "CALIBRATION_WINDOWS"]

BACKENDS = ("executorch", "coreml", "onnx")
_WARMUP_S = 5.0  # filter settling before each window


def _raw_recording(card: Any, seconds: float, index: int, rate: float, seed: int) -> np.ndarray:
    """``(channels, n)`` raw simulator samples of the card's input channels at ``rate`` Hz: participant
    ``index % 32``, segment ``index // 32``. Encoder windows cycle through rest, walking, arm movement and running
    (each participant's segments through all four): int8 ranges calibrated at rest only clip motion windows (PPG
    encoder, held-out windows: embedding cosine 0.997 rest-calibrated vs 0.9996 across activities). The lead
    VAE's chest-patch windows are at rest."""
    from wearsdk.sim import ACTIVITY_CYCLE, LEADS, PPG_CHANNELS, Cohort

    channels = tuple(card.input_channels)
    cohort = Cohort(32, seed=seed)
    person = cohort[index % 32]
    cycle = ACTIVITY_CYCLE[(index + index // 32) % len(ACTIVITY_CYCLE)]
    activity = cycle if card.task == "embedding" else "rest"
    if set(channels) <= set(LEADS):
        rec = person.record(seconds, sampling_rates={"ecg": rate}, segment=index // 32, activity=activity)
        return rec.ecg[[LEADS.index(c) for c in channels]]
    if len(channels) == len(PPG_CHANNELS):
        rec = person.record(seconds, sampling_rates={"ppg": rate}, segment=index // 32, activity=activity)
        return rec.ppg
    raise ConfigError(f"no simulated stream for input channels {channels}; pass calibration windows yourself.")


def _device_rate(card: Any) -> float:
    """The raw rate a device records the card's inputs at: ECG electrodes at 500 Hz (a chest patch), PPG
    at the model's rate (a watch)."""
    from wearsdk.sim import LEADS

    return 500.0 if set(card.input_channels) <= set(LEADS) else float(card.sampling_rate_hz)


def simulated_windows(card: Any, n: int, *, seed: int = 0, input_rate: float | None = None) -> torch.Tensor:
    """``(n, channels, window)`` model inputs from ``n`` simulated segments, preprocessed by the card's
    spec (raw at ``input_rate``, default the device's rate, then band-pass, resample and normalise)."""
    spec = card.preprocess_spec(input_rate or _device_rate(card))
    window_s = card.window_samples / card.sampling_rate_hz
    out = []
    for i in range(n):
        raw = _raw_recording(card, window_s + _WARMUP_S, i, spec.sampling_rate, seed)
        pre = preprocess(raw, PreprocessSpec(**{**spec.to_dict(), "norm": "none"}))[..., -card.window_samples :]
        out.append(pre if spec.norm == "none" else (pre - pre.mean(-1, keepdims=True)) / pre.std(-1, keepdims=True))
    return torch.from_numpy(np.stack(out).astype(np.float32))


def export_model(name: str, out: str | Path, *, backend: str = "executorch", precision: str = "fp32",
                 streaming: bool = False, with_preprocessing: bool = False, input_rate: float | None = None,
                 checkpoint: str | Path | None = None, pretrained: bool = False, allow_untrained: bool = False,
                 hop: int | None = None, calibration: int = CALIBRATION_WINDOWS,
                 seed: int = CALIBRATION_SEED) -> Path:
    """Exports the registered model ``name`` and returns the manifest path (see ``wearsdk export --help``)."""
    from wearsdk.models import create_model

    if backend not in BACKENDS:
        raise ConfigError(f"backend must be one of {BACKENDS}, got {backend!r}.")
    if not (pretrained or checkpoint or allow_untrained):
        raise CheckpointError(
            f"{name}: give trained weights (--pretrained for the bundled ones, or --checkpoint PATH); an untrained "
            "model exports only with --allow-untrained, and its manifest then says so."
        )
    model = create_model(name, pretrained=pretrained, checkpoint_path=checkpoint).eval()
    card = model.card
    trained = bool(pretrained or checkpoint)
    x = simulated_windows(card, max(calibration, 8), seed=seed)
    tag = f"{name}" if trained else f"{name}_untrained"
    if streaming:
        if backend not in ("executorch", "coreml"):
            raise ConfigError("--streaming is available for the executorch and coreml backends.")
        spec = card.preprocess_spec(input_rate)
        hop = hop or card.hop_samples
        seconds = card.window_samples / card.sampling_rate_hz * 3
        stream = torch.from_numpy(_raw_recording(card, seconds, 0, spec.sampling_rate, seed + 1)).unsqueeze(0)
        if backend == "coreml":
            return export_coreml_streaming(model, out, name=tag, spec=spec, window=card.window_samples, hop=hop,
                                           channels=len(card.input_channels), raw_stream=stream.contiguous(),
                                           precision="int8" if precision == "int8" else "fp16",
                                           with_preprocessing=with_preprocessing, model_card=card, trained=trained)
        return export_executorch_streaming(model, out, name=tag, spec=spec, window=card.window_samples, hop=hop,
                                           channels=len(card.input_channels), parity_stream=stream.contiguous(),
                                           precision=precision, calibration=x, model_card=card, trained=trained)
    example = (x[:1],)
    parity = x[: min(8, len(x))]
    if with_preprocessing:
        spec = card.preprocess_spec(input_rate)
        raw_len = int(round(card.window_samples * spec.sampling_rate / card.sampling_rate_hz))
        model = WithPreprocessing(model, spec).eval()
        parity = torch.stack([torch.from_numpy(_raw_recording(card, raw_len / spec.sampling_rate, i,
                                                              spec.sampling_rate, seed)[..., :raw_len])
                              for i in range(4)])
        example = (parity[:1],)
        if precision == "int8":
            raise ConfigError("--with-preprocessing exports fp32 (the preprocessing op stays float); drop --quant "
                              "int8 or export without it.")
    if backend == "executorch":
        return export_executorch(model, out, name=tag, example_inputs=example, precision=precision,
                                 calibration=x if precision == "int8" else None, parity_windows=parity,
                                 model_card=card, trained=trained)
    if backend == "coreml":
        return export_coreml(model, out, name=tag, example_inputs=example, reference_windows=parity[:2],
                             precision="int8" if precision == "int8" else "fp16", model_card=card, trained=trained)
    if precision != "fp32":
        raise ConfigError("the ONNX export is fp32 (for comparison); use --quant fp32.")
    return export_onnx(model, out, name=tag, example_inputs=example, parity_windows=parity, model_card=card,
                       trained=trained)
