"""``run_artifact``: an exported artifact on a recording file, window by window.

The recording is read with :func:`wearsdk.io.read`; the channels the model card names are picked
(case-insensitive; ``channels=`` overrides), the card's preprocessing runs on the C++ core (the
recording's own rate is resampled to the model's, and the result says so), and the artifact runs on
every window of ``window_samples`` every ``hop_samples``. Windows that touch missing samples (NaN,
time gaps) are skipped and listed, never filled in.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch

from wearsdk.errors import ConfigError, ShapeError

__all__ = ["run_artifact"]


def run_artifact(artifact: str | Path, recording: str | Path, *, channels: list[str] | None = None,
                 read_options: dict[str, Any] | None = None) -> dict[str, Any]:
    """Returns ``{"outputs": (windows, ...) float32, "t_start_s": (windows,), "skipped_windows": [...],
    "resampled_from_hz": rate or None, "channels": [...], "card": {...}}``."""
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
        "outputs": np.stack(outputs).astype(np.float32) if outputs else np.zeros((0,), np.float32),
        "t_start_s": np.array(starts),
        "skipped_windows": skipped,
        "resampled_from_hz": None if rec.sampling_rate == spec.output_rate else rec.sampling_rate,
        "channels": wanted,
        "card": card,
    }
