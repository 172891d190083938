"""``run_artifact``: an exported artifact on a recording file, window by window.

The recording is read with :func:`wearsdk.io.read`; the channels the model card names are picked
(case-insensitive; ``channels=`` overrides), the card's preprocessing runs on the C++ core (the
recording's own rate is resampled to the model's, and the result says so), and the artifact runs on
every window of ``window_samples`` every ``hop_samples``. Windows that touch missing samples (NaN,
time gaps) are skipped and listed, never filled in. PPG channels whose pulses point down (raw light intensity)
raise :class:`~wearsdk.errors.SignalPolarityError` unless listed in ``invert`` (negated before anything else).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch

from wearsdk.errors import ConfigError, ShapeError, SignalPolarityError

__all__ = ["run_artifact"]


def run_artifact(artifact: str | Path, recording: str | Path, *, channels: list[str] | None = None,
                 invert: list[str] | None = None, read_options: dict[str, Any] | None = None) -> dict[str, Any]:
    """``invert``: recording channels to negate first (raw PPG photodiode counts).

    Returns ``{"outputs": (windows, ...) float32, "t_start_s": (windows,), "skipped_windows": [...],
    "resampled_from_hz": rate or None, "channels": [...], "inverted": [...], "card": {...}}``."""
    from wearsdk.io import read
    from wearsdk.models.card import Preprocessing
    from wearsdk.runtime import load
    from wearsdk.signal import PreprocessSpec, preprocess, zscore

    art = load(artifact)
    if art.manifest.get("streaming"):
        raise ConfigError(f"{artifact} is a streaming program (one hop per call); run_artifact takes window "
                          "artifacts. Export without --streaming, or feed the program with wearsdk.stream.")
    card = art.card
    for key in ("input_channels", "sampling_rate_hz", "window_samples", "hop_samples", "preprocessing"):
        if key not in card:
            raise ConfigError(f"{artifact}: its manifest's model card lacks {key!r}; re-export it with wearsdk export.")
    rec = read(recording, **(read_options or {}))
    wanted = list(channels or card["input_channels"])
    lowered = [c.lower() for c in rec.channels]
    missing = [c for c in wanted if c.lower() not in lowered]
    if missing:
        raise ShapeError(f"{recording} has no channel(s) {missing} (it has {list(rec.channels)}); the model needs "
                         f"{list(card['input_channels'])}. Pass --channels to map the recording's names in that order.")
    rows = [lowered.index(c.lower()) for c in wanted]
    x = rec.signals[rows].astype(np.float64)
    valid = rec.valid[rows].all(axis=0)
    flip = {c.lower() for c in invert or ()}
    unknown = sorted(flip - {c.lower() for c in wanted})
    if unknown:
        raise ShapeError(f"invert names {unknown}, which are not among the channels fed to the model {wanted}.")
    x[[c.lower() in flip for c in wanted]] *= -1.0
    if str(card.get("name", "")).startswith("ppg"):
        _check_ppg_polarity(x, valid, rec.sampling_rate, wanted, recording)
    pre = card["preprocessing"]
    spec = Preprocessing(band_hz=tuple(pre["band_hz"]), filter_order=int(pre["filter_order"]),
                         normalisation=pre["normalisation"]).to_spec(sampling_rate=rec.sampling_rate,
                                                                     target_rate=float(card["sampling_rate_hz"]))
    # Filter through the gaps on held values (they are excluded below), so one NaN cannot poison the stream.
    held = np.where(valid, x, np.nan)
    idx = np.where(valid, np.arange(x.shape[1]), 0)
    np.maximum.accumulate(idx, out=idx)
    held = np.nan_to_num(held[:, idx] if valid.any() else np.zeros_like(x))
    y = preprocess(held.astype(np.float32), PreprocessSpec(**{**spec.to_dict(), "norm": "none"}))
    ratio = spec.output_rate / spec.sampling_rate
    window, hop = int(card["window_samples"]), int(card["hop_samples"])
    if y.shape[-1] < window:
        raise ShapeError(f"{recording} lasts {rec.duration_s:.1f} s; the model needs windows of "
                         f"{window / spec.output_rate:.1f} s.")
    outputs, starts, skipped = [], [], []
    for s in range(0, y.shape[-1] - window + 1, hop):
        a, b = int(s / ratio), int(np.ceil((s + window) / ratio))
        if not valid[a:b].all():
            skipped.append(round(s / spec.output_rate, 3))
            continue
        w = y[:, s : s + window]
        w = w if spec.norm == "none" else zscore(w, robust=spec.norm == "robust", eps=spec.eps)
        outputs.append(art(torch.from_numpy(np.ascontiguousarray(w)).unsqueeze(0))[0][0].numpy())
        starts.append(round(s / spec.output_rate, 3))
    return {
        "inverted": list(dict.fromkeys(c for c in wanted if c.lower() in flip)),
        "outputs": np.stack(outputs).astype(np.float32) if outputs else np.zeros((0,), np.float32),
        "t_start_s": np.array(starts),
        "skipped_windows": skipped,
        "resampled_from_hz": None if rec.sampling_rate == spec.output_rate else rec.sampling_rate,
        "channels": wanted,
        "card": card,
    }


def _check_ppg_polarity(x: np.ndarray, valid: np.ndarray, fs: float, names: list[str], recording: Any) -> None:
    """Raise if a PPG channel's pulses point down (:func:`wearsdk.peaks.ppg_polarity` on its valid samples)."""
    from wearsdk.peaks import ppg_polarity

    if valid.sum() < 3 * fs or fs < 16:
        return
    for row, name in zip(x, names, strict=True):
        if ppg_polarity(np.where(valid, row, np.nan), sampling_rate=fs) < 0:
            raise SignalPolarityError(
                f"{recording}: the pulses of PPG channel {name!r} point down (a fast fall, a slow rise: raw "
                "photodiode intensity, which falls as blood volume rises); the model expects blood volume up. "
                f"Negate it: --invert {name} (wearsdk run) or invert=[{name!r}] (run_artifact)."
            )
