"""``run_artifact``: an exported artifact on a recording file, window by window.

The artifact is a folder written by ``wearsdk export``, or the name of a registered model with bundled weights:
its int8 ExecuTorch export is taken from the artifact cache (:func:`wearsdk.runtime.cached_artifact`), exported
there on first use by the ``exporter`` the caller passes (the runtime imports no build-time layer).

The recording is read with :func:`wearsdk.io.read` and cut into the model card's windows by
:func:`wearsdk.stream.recording_windows` (channels picked case-insensitively, ``channels=`` overriding; PPG that
points down refused unless listed in ``invert``; dropouts of at most 50 ms bridged and counted; the card's
preprocessing on the C++ core, resampling the recording to the model's rate, and the result says so). Windows that
touch longer gaps are skipped and listed, never filled in.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from wearsdk.errors import ConfigError, StreamGapError
from wearsdk.runtime.artifact import Artifact, load
from wearsdk.runtime.cache import Exporter, cached_artifact

if TYPE_CHECKING:
    from wearsdk.models import ModelCard
    from wearsdk.stream import RecordingWindows

__all__ = ["resolve_artifact", "run_artifact"]


def _names_a_model(artifact: str | Path) -> bool:
    """Whether ``artifact`` is a registered model's name (and not an existing path)."""
    from wearsdk.models import list_models

    return isinstance(artifact, str) and artifact in list_models() and not Path(artifact).exists()


def resolve_artifact(artifact: str | Path, *, cache_dir: str | Path | None = None,
                     exporter: Exporter | None = None) -> Artifact:
    """The verified artifact in the folder ``artifact`` (or its manifest.json); a registered model's name that is
    not an existing path gives its bundled weights' int8 ExecuTorch artifact from the cache in ``cache_dir``
    (default :func:`wearsdk.runtime.cache.default_cache_dir`), exported by ``exporter`` on a miss."""
    if _names_a_model(artifact):
        return cached_artifact(artifact, backend="executorch", precision="int8", cache_dir=cache_dir,
                               exporter=exporter)
    return load(artifact)


def _bundled_heads(artifact: str | Path, art: Artifact, outputs: np.ndarray) -> dict[str, np.ndarray]:
    """Head name -> ``(windows,)`` values of the bundled linear heads on ``outputs`` (embeddings), when
    ``artifact`` named a registered encoder whose bundled weights carry heads (the artifact then runs exactly
    those weights); ``{}`` otherwise (an artifact folder may hold any weights: its heads are unknown)."""
    from wearsdk.models import LinearHeads
    from wearsdk.models._registry import read_checkpoint, verified_bundle

    if not (_names_a_model(artifact) and art.card.task == "embedding"):
        return {}
    blob = read_checkpoint(verified_bundle(art.card))  # the bundle read and verified once
    if not (isinstance(blob, dict) and "heads" in blob):
        return {}
    return {k: v.astype(np.float32) for k, v in LinearHeads.from_payload(blob["heads"]).predict(outputs).items()}


def run_artifact(artifact: str | Path, recording: str | Path, *, channels: list[str] | None = None,
                 invert: list[str] | None = None, read_options: dict[str, Any] | None = None,
                 cache_dir: str | Path | None = None, exporter: Exporter | None = None) -> dict[str, Any]:
    """Runs the window program ``artifact`` (a folder verified by :func:`wearsdk.runtime.load`, or a registered
    model's name: see :func:`resolve_artifact`, with ``cache_dir`` and ``exporter``) on every model window of
    ``recording`` (any file :func:`wearsdk.io.read` takes, with ``read_options``).
    ``channels``: recording channels in the model's input order; ``invert``: recording channels to negate first
    (raw PPG photodiode counts). The recording is read and cut before a model name is exported, so bad input is
    refused in seconds.

    Returns ``{"outputs": (windows, ...) float32, "heads": {head name: (windows,)} (the bundled linear heads,
    when ``artifact`` names a registered encoder whose weights carry them, else empty), "t_start_s": (windows,) s,
    "skipped_windows": [s, ...],
    "resampled_from_hz": rate or None, "channels": [...], "inverted": [...], "bridged_samples": int,
    "card": ModelCard, "trained": bool}``.

    Raises:
        ArtifactIntegrityError: ``artifact`` is not an artifact folder (or its manifest.json), or fails its sha256;
            a model name whose export is not cached, without an ``exporter``.
        CheckpointError: ``artifact`` names a model without bundled weights.
        ConfigError: ``artifact`` is a streaming program or has no model card.
        StreamGapError: every window of the recording touches missing samples, so none could run.
    """
    from wearsdk.io import read
    from wearsdk.models import get_model_card
    from wearsdk.stream import recording_windows

    signal = read(recording, **(read_options or {}))

    def windows(card: ModelCard) -> RecordingWindows:
        win = recording_windows(signal, card, channels=channels, invert=invert)
        if not len(win.x):
            raise StreamGapError(
                f"{recording}: all {len(win.skipped_s)} window(s) of {card.window_seconds:g} s touch missing "
                f"samples (gaps over 50 ms; windows starting at {win.skipped_s[:5]} s ...), so the model ran on none; "
                "expected at least one window without a gap. Check the recording's valid samples, or feed a stretch "
                "without gaps."
            )
        return win

    # a model name: the recording is cut for the registry's card (the one its export carries) and refused before
    # the export, which takes minutes on a cache miss; a folder's card is in its manifest
    win = windows(get_model_card(artifact)) if _names_a_model(artifact) else None
    art = resolve_artifact(artifact, cache_dir=cache_dir, exporter=exporter)
    if art.streaming:
        raise ConfigError(f"{artifact} is a streaming program (one hop per call); run_artifact takes window "
                          "artifacts. Export without --streaming, or feed the program with wearsdk.stream.")
    if art.card is None:
        raise ConfigError(f"{artifact} was exported without a model card, so its channels, rate and preprocessing "
                          "are unknown; expected an artifact of a registered model (wearsdk export --model NAME).")
    if win is None:
        win = windows(art.card)
    outputs = np.stack([art(torch.from_numpy(w).unsqueeze(0))[0][0].numpy() for w in win.x]).astype(np.float32)
    return {
        "outputs": outputs,
        "heads": _bundled_heads(artifact, art, outputs),
        "t_start_s": np.round(win.t_start_s, 3),
        "skipped_windows": win.skipped_s,
        "resampled_from_hz": win.resampled_from_hz,
        "channels": win.channels,
        "inverted": win.inverted,
        "bridged_samples": win.bridged_samples,
        "card": art.card,
        "trained": art.trained,
    }
