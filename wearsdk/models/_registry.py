"""The model registry: ``register_model``, ``create_model``, ``list_models``.

Registration is explicit: each model file decorates one short builder function per variant, and
:mod:`wearsdk.models` imports those files, so ``list_models()`` is complete as soon as
``wearsdk.models`` is imported. Published weights are data, not code: ``<name>.pt`` and its pretrained record
``<name>.json`` in a weights folder (:mod:`wearsdk.models.pretrained`), applied to the card here.
"""

from __future__ import annotations

import difflib
import fnmatch
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from torch import nn

from wearsdk._integrity import sha256_file
from wearsdk._paths import input_file
from wearsdk.errors import ArtifactIntegrityError, CheckpointError, ConfigError, UnknownNameError
from wearsdk.models.card import ModelCard
from wearsdk.models.pretrained import read_record, weights_folder

__all__ = [
    "register_model",
    "create_model",
    "list_models",
    "is_model",
    "get_model_card",
    "WEIGHTS_DIR",
    "bundled_weights_path",
    "load_pretrained",
    "verified_bundle",
    "read_checkpoint",
    "model_from_checkpoint",
]

#: The package's published weights (``<name>.pt``) and their pretrained records (``<name>.json``).
WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"

_MODELS: dict[str, Callable[..., nn.Module]] = {}


def register_model(fn: Callable[..., nn.Module]) -> Callable[..., nn.Module]:
    """Register a builder ``fn(**overrides) -> nn.Module`` under its function name."""
    name = fn.__name__
    if name in _MODELS:
        raise ConfigError(f"model {name!r} is registered twice; expected one builder function per name: rename one "
                          "of them.")
    _MODELS[name] = fn
    return fn


def list_models(pattern: str = "*") -> list[str]:
    """Sorted names of the registered models matching a shell-style ``pattern`` (e.g. ``"*_compact"``)."""
    return sorted(n for n in _MODELS if fnmatch.fnmatch(n, pattern))


def is_model(name: str) -> bool:
    """Whether ``name`` is a registered model."""
    return name in _MODELS


def create_model(
    name: str,
    pretrained: bool = False,
    checkpoint_path: str | Path | None = None,
    weights_dir: str | Path | None = None,
    **overrides: Any,
) -> nn.Module:
    """Build a registered model.

    Args:
        name: a name from :func:`list_models`.
        pretrained: load the published weights (``card.weights_file`` in ``weights_dir``, offline) after checking
            their sha256 against ``card.weights_sha256``. Raises :class:`CheckpointError` for a model with no
            published weights for this config (pass ``checkpoint_path`` to load weights you trained) and
            :class:`~wearsdk.ArtifactIntegrityError` for a file that is missing, truncated or modified.
        checkpoint_path: a file written by ``wearsdk train`` (or a plain ``state_dict``); its keys and
            shapes must match the model built from ``name`` and ``overrides``.
        weights_dir: folder of published weights and their records (``<name>.pt`` + ``<name>.json``, written by
            ``wearsdk bundle``); default: the package's ``wearsdk/models/weights``. Its record of ``name``, if any,
            fills the card (weights file, sha256, provenance, metrics) when its config equals the model's.
        **overrides: fields of the model's config dataclass (e.g. ``drop_path_rate=0.1``,
            ``in_chans=2``); an unknown key raises :class:`~wearsdk.ConfigError` naming it.

    Returns:
        The model in eval mode is *not* forced; it is returned as built (train mode), with ``.card``.
    """
    if name not in _MODELS:
        close = difflib.get_close_matches(str(name), list_models(), n=3, cutoff=0.6)
        raise UnknownNameError(
            f"unknown model {name!r}" + (f"; did you mean {close}?" if close else "")
            + f" Expected one of {list_models()} (wearsdk.list_models())."
        )
    if pretrained and checkpoint_path is not None:
        raise CheckpointError(
            f"create_model({name!r}): got both pretrained=True and checkpoint_path={str(checkpoint_path)!r}; "
            "expected one source of weights. Drop one of them."
        )
    model = _MODELS[name](**overrides)
    record = read_record(name, weights_dir)
    if record is not None and record.fits(model.card):
        model.card = record.apply(model.card)
    elif pretrained and record is not None:
        differ = sorted(k for k in {**record.config, **model.card.config}
                        if record.config.get(k) != model.card.config.get(k))
        raise CheckpointError(
            f"model {name!r} has no published pretrained weights for this configuration: the published ones fit "
            f"another config (differing in {differ}); build it without those overrides, or pass "
            "checkpoint_path=... for weights you trained."
        )
    if pretrained:
        load_pretrained(model, weights_dir)
    if checkpoint_path is not None:
        load_weights(model, checkpoint_path)
    return model


def get_model_card(name: str, weights_dir: str | Path | None = None, **overrides: Any) -> ModelCard:
    """The :class:`~wearsdk.models.ModelCard` of a registered model (builds it once to count params)."""
    return create_model(name, weights_dir=weights_dir, **overrides).card


def bundled_weights_path(card: ModelCard, weights_dir: str | Path | None = None) -> Path:
    """Path of the published weights of a model card (``weights_dir / card.weights_file``; default folder
    :data:`WEIGHTS_DIR`).

    Raises :class:`CheckpointError` when the card names no published weights.
    """
    if card.weights_file is None:
        raise CheckpointError(
            f"model {card.name!r} has no published pretrained weights (card.weights_file is None "
            "for this configuration); train it with 'wearsdk train' and pass "
            "checkpoint_path=... instead."
        )
    return weights_folder(weights_dir) / card.weights_file


def verified_bundle(card: ModelCard, weights_dir: str | Path | None = None) -> Path:
    """Path of the bundled weights of ``card`` after checking the file's sha256 against ``card.weights_sha256``.

    A missing, truncated or modified file raises :class:`~wearsdk.ArtifactIntegrityError` (the bundled weights
    are part of the shipped artifact) naming the file and how to restore it."""
    path = bundled_weights_path(card, weights_dir)
    fix = (
        "Reinstall wearsdk (pip install --force-reinstall wearsdk) or restore the file from the wearsdk "
        "repository (it is tracked in git); do not edit bundled weights, pass checkpoint_path=... for your own."
    )
    if not path.is_file():
        raise ArtifactIntegrityError(f"bundled weights {str(path)!r} of model {card.name!r} are missing. {fix}")
    digest = sha256_file(path)
    if digest != card.weights_sha256:
        raise ArtifactIntegrityError(
            f"bundled weights {str(path)!r} of model {card.name!r} have sha256 {digest}, expected "
            f"{card.weights_sha256} (from the model card): the file is truncated, corrupted or replaced. {fix}"
        )
    return path


def load_pretrained(model: nn.Module, weights_dir: str | Path | None = None) -> None:
    """Load the published weights named by ``model.card`` into ``model``, offline, after
    :func:`verified_bundle`. ``weights_dir`` defaults to :data:`WEIGHTS_DIR` (the package's
    ``models/weights`` folder)."""
    load_weights(model, verified_bundle(model.card, weights_dir))


def read_checkpoint(path: str | Path) -> Any:
    """The object stored in a weights / checkpoint file (``torch.load``, tensors only, on the CPU); a missing,
    corrupt or truncated file raises :class:`CheckpointError`."""
    path = input_file(path, what="checkpoint", error=CheckpointError,
                      use="a file written by 'wearsdk train', e.g. runs/<run>/model.pt")
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises several types for corrupt files
        raise CheckpointError(
            f"checkpoint {str(path)!r} could not be read ({type(exc).__name__}: {exc}); it is corrupt or truncated."
        ) from exc


def model_from_checkpoint(path: str | Path, name: str | None = None) -> nn.Module:
    """The model stored in a checkpoint (eval mode): a ``wearsdk train`` / ``distill`` ``model.pt`` or checkpoint
    (its trainer config names the model and its overrides), a ``wearsdk quantize`` ``<model>_qat.pt`` or a bundled
    weights file (its card or ``name`` names the model, built with the default config). ``name``, when given, must
    agree with the file. Raises :class:`CheckpointError` when the model cannot be told or the weights do not fit."""
    blob = read_checkpoint(path)
    blob = blob if isinstance(blob, dict) else {}
    config, card = blob.get("config"), blob.get("card")
    stored = (config.get("model") if isinstance(config, dict) else None) or (
        card.get("name") if isinstance(card, dict) else None)
    if name is not None and stored is not None and stored != name:
        raise CheckpointError(f"checkpoint {str(path)!r} holds {stored!r}, not {name!r}; pass the matching model "
                              "name (or none: the file names its model).")
    if (name or stored) is None:
        raise CheckpointError(f"checkpoint {str(path)!r} does not say which model it holds (no trainer config or "
                              "card inside); expected a file written by 'wearsdk train', or pass the model name.")
    overrides = config.get("model_overrides", {}) if isinstance(config, dict) else {}
    return create_model(name or stored, checkpoint_path=path, **overrides).eval()


def load_weights(model: nn.Module, path: str | Path) -> None:
    """Load a trainer checkpoint or a plain state dict into ``model``, verifying keys and shapes."""
    blob = read_checkpoint(path)
    state = blob.get("model", blob) if isinstance(blob, dict) else None
    if not isinstance(state, dict):
        raise CheckpointError(f"checkpoint {str(path)!r} holds no state dict.")
    state = {k.removeprefix("module."): v for k, v in state.items()}
    own = model.state_dict()
    missing = sorted(set(own) - set(state))
    unexpected = sorted(set(state) - set(own))
    bad_shape = sorted(k for k in set(own) & set(state) if tuple(own[k].shape) != tuple(state[k].shape))
    if missing or unexpected or bad_shape:
        raise CheckpointError(
            f"checkpoint {str(path)!r} does not match model {getattr(model, 'card', None) and model.card.name!r}: "
            f"missing {missing[:5]}, unexpected {unexpected[:5]}, shape mismatch {bad_shape[:5]}. "
            "Build the model with the same name and overrides it was trained with."
        )
    model.load_state_dict(state)
