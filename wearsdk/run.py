"""``run_artifact``: an exported artifact on a recording file, window by window.

The recording is read with :func:`wearsdk.io.read` and cut into the model card's windows by
:func:`wearsdk.windows.recording_windows` (channels picked case-insensitively, ``channels=`` overriding; PPG that
points down refused unless listed in ``invert``; dropouts of at most 50 ms bridged and counted; the card's
preprocessing on the C++ core, resampling the recording to the model's rate, and the result says so). Windows that
touch longer gaps are skipped and listed, never filled in.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch

from wearsdk.errors import ConfigError

__all__ = ["run_artifact"]


def run_artifact(artifact: str | Path, recording: str | Path, *, channels: list[str] | None = None,
                 invert: list[str] | None = None, read_options: dict[str, Any] | None = None) -> dict[str, Any]:
    """``invert``: recording channels to negate first (raw PPG photodiode counts).

    Returns ``{"outputs": (windows, ...) float32, "t_start_s": (windows,), "skipped_windows": [...],
    "resampled_from_hz": rate or None, "channels": [...], "inverted": [...], "bridged_samples": int,
    "card": {...}}``."""
    from wearsdk.io import read
    from wearsdk.runtime import load
    from wearsdk.windows import recording_windows

    art = load(artifact)
    if art.manifest.get("streaming"):
        raise ConfigError(f"{artifact} is a streaming program (one hop per call); run_artifact takes window "
                          "artifacts. Export without --streaming, or feed the program with wearsdk.stream.")
    card = art.card
    for key in ("input_channels", "sampling_rate_hz", "window_samples", "hop_samples", "preprocessing"):
        if key not in card:
            raise ConfigError(f"{artifact}: its manifest's model card lacks {key!r}; re-export it with wearsdk export.")
    win = recording_windows(read(recording, **(read_options or {})), card, channels=channels, invert=invert)
    outputs = [art(torch.from_numpy(w).unsqueeze(0))[0][0].numpy() for w in win.x]
    return {
        "outputs": np.stack(outputs).astype(np.float32) if outputs else np.zeros((0,), np.float32),
        "t_start_s": np.round(win.t_start_s, 3),
        "skipped_windows": win.skipped_s,
        "resampled_from_hz": win.resampled_from_hz,
        "channels": win.channels,
        "inverted": win.inverted,
        "bridged_samples": win.bridged_samples,
        "card": card,
    }
