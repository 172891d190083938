"""``run_artifact``: an exported artifact on a recording file, window by window.

The recording is read with :func:`wearsdk.io.read` and cut into the model card's windows by
:func:`wearsdk.stream.recording_windows` (channels picked case-insensitively, ``channels=`` overriding; PPG that
points down refused unless listed in ``invert``; dropouts of at most 50 ms bridged and counted; the card's
preprocessing on the C++ core, resampling the recording to the model's rate, and the result says so). Windows that
touch longer gaps are skipped and listed, never filled in.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch

from wearsdk.errors import ConfigError, StreamGapError

__all__ = ["run_artifact"]


def run_artifact(artifact: str | Path, recording: str | Path, *, channels: list[str] | None = None,
                 invert: list[str] | None = None, read_options: dict[str, Any] | None = None) -> dict[str, Any]:
    """Runs the window program in the folder ``artifact`` (verified by :func:`wearsdk.runtime.load`) on every
    model window of ``recording`` (any file :func:`wearsdk.io.read` takes, with ``read_options``).
    ``channels``: recording channels in the model's input order; ``invert``: recording channels to negate first
    (raw PPG photodiode counts).

    Returns ``{"outputs": (windows, ...) float32, "t_start_s": (windows,) s, "skipped_windows": [s, ...],
    "resampled_from_hz": rate or None, "channels": [...], "inverted": [...], "bridged_samples": int,
    "card": ModelCard, "trained": bool}``.

    Raises:
        ArtifactIntegrityError: ``artifact`` is not an artifact folder (or its manifest.json), or fails its sha256.
        ConfigError: ``artifact`` is a streaming program or has no model card.
        StreamGapError: every window of the recording touches missing samples, so none could run.
    """
    from wearsdk.io import read
    from wearsdk.runtime.artifact import load
    from wearsdk.stream import recording_windows

    art = load(artifact)
    if art.streaming:
        raise ConfigError(f"{artifact} is a streaming program (one hop per call); run_artifact takes window "
                          "artifacts. Export without --streaming, or feed the program with wearsdk.stream.")
    if art.card is None:
        raise ConfigError(f"{artifact} was exported without a model card, so its channels, rate and preprocessing "
                          "are unknown; expected an artifact of a registered model (wearsdk export --model NAME).")
    win = recording_windows(read(recording, **(read_options or {})), art.card, channels=channels, invert=invert)
    if not len(win.x):
        raise StreamGapError(
            f"{recording}: all {len(win.skipped_s)} window(s) of {art.card.window_seconds:g} s touch missing samples "
            f"(gaps over 50 ms; windows starting at {win.skipped_s[:5]} s ...), so the model ran on none; expected at "
            "least one window without a gap. Check the recording's valid samples, or feed a stretch without gaps."
        )
    outputs = [art(torch.from_numpy(w).unsqueeze(0))[0][0].numpy() for w in win.x]
    return {
        "outputs": np.stack(outputs).astype(np.float32),
        "t_start_s": np.round(win.t_start_s, 3),
        "skipped_windows": win.skipped_s,
        "resampled_from_hz": win.resampled_from_hz,
        "channels": win.channels,
        "inverted": win.inverted,
        "bridged_samples": win.bridged_samples,
        "card": art.card,
        "trained": art.trained,
    }
