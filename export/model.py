"""``export_model``: a registered model, exported by a registered backend the way its card says it is fed.

The int8 calibration and parity windows are :func:`wearsdk.sim.model_windows` of the card (the windows the
heads are fitted on, for the same seed); raw streams for streaming and in-graph preprocessing parity are
:func:`wearsdk.sim.windows.raw_window`. An artifact never depends on data that is not shipped.
"""

from __future__ import annotations

from pathlib import Path

import torch

from wearsdk._paths import output_folder
from wearsdk.errors import CheckpointError, ConfigError
from wearsdk.export.registry import PARITY_WINDOWS, ExportJob, get_backend
from wearsdk.quant.config import CALIBRATION_SEED, CALIBRATION_WINDOWS

__all__ = ["export_model"]


def export_model(name: str, out: str | Path, *, backend: str = "executorch", precision: str = "fp32",
                 streaming: bool = False, with_preprocessing: bool = False, input_rate: float | None = None,
                 checkpoint: str | Path | None = None, pretrained: bool = False, allow_untrained: bool = False,
                 hop: int | None = None, calibration: int = CALIBRATION_WINDOWS,
                 seed: int = CALIBRATION_SEED) -> Path:
    """Exports the registered model ``name`` into the folder ``out`` with the backend registered as
    ``backend`` (:func:`~wearsdk.export.list_backends`) and returns the manifest path (see
    ``wearsdk export --help``). ``calibration`` simulated windows (at least :data:`PARITY_WINDOWS`) of cohort
    ``seed`` calibrate int8 and check parity.

    Raises:
        UnknownNameError: ``backend`` is not registered (the message lists those that are).
        ConfigError: the backend cannot build the request (the message says what it supports); a zero-phase
            model with ``streaming`` or ``with_preprocessing``; ``out`` is a file; ``calibration < 1``.
        CheckpointError: no weights given (``pretrained``, ``checkpoint``, or ``allow_untrained``).
    """
    from wearsdk.models import create_model
    from wearsdk.sim import model_windows

    exporter = get_backend(backend)
    exporter.check(backend, precision=precision, streaming=streaming, with_preprocessing=with_preprocessing)
    if isinstance(calibration, bool) or not isinstance(calibration, int) or calibration < 1:
        raise ConfigError(f"calibration must be a positive number of simulated windows (default "
                          f"{CALIBRATION_WINDOWS}), got {calibration!r}.")
    if not (pretrained or checkpoint or allow_untrained):
        raise CheckpointError(
            f"{name}: give trained weights (--pretrained for the bundled ones, or --checkpoint PATH); an untrained "
            "model exports only with --allow-untrained, and its manifest then says so."
        )
    out = output_folder(out)
    model = create_model(name, pretrained=pretrained, checkpoint_path=checkpoint).eval()
    card = model.card
    if (streaming or with_preprocessing) and card.preprocessing.phase != "causal":
        raise ConfigError(
            f"{name}'s preprocessing is {card.preprocessing.phase} (a forward-backward band-pass over whole records, "
            "offline), so it has no streaming program and no in-graph preprocessing, which filter causally as "
            "samples arrive. Export its window program (without --streaming / --with-preprocessing) and filter "
            "whole records on the host with card.preprocessing.filter()."
        )
    trained = bool(pretrained or checkpoint)
    windows = torch.from_numpy(model_windows(card, max(calibration, PARITY_WINDOWS), seed=seed))
    job = ExportJob(model=model, card=card, out=out, name=name if trained else f"{name}_untrained",
                    precision=precision, streaming=streaming, with_preprocessing=with_preprocessing,
                    input_rate=input_rate, hop=hop or card.hop_samples, calibration=windows, seed=seed,
                    trained=trained)
    return exporter.export(job)
