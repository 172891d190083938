"""Pretrained records: what a shipped weights file is, as data beside it.

Each published variant has two files in a weights folder (the package's ``wearsdk/models/weights/`` by default):
``<name>.pt`` (the weights: a plain fp32 state dict, or ``{"model": state dict, "heads": heads payload}`` for the
encoders, whose linear heads ride in the same file) and ``<name>.json``, its :class:`PretrainedRecord`: the file's
name and sha256, the architecture config it fits, and the card fields it publishes (version, recipe, training data,
the command that reproduces it, limitations, measured metrics and, where the published weights differ from the
variant's defaults, the input signal spec and preprocessing).

The registry (:func:`wearsdk.models.create_model`) reads the record of the model it builds and applies it to the card
when the record's config equals the model's (the published variant's default config); ``pretrained=True`` then loads
the weights after checking their sha256 against the record. Records and weights are written together by
:func:`bundle` (``wearsdk bundle``), never edited by hand.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch
from torch import nn

from wearsdk._integrity import sha256_file
from wearsdk._paths import input_file, output_folder
from wearsdk.errors import ArtifactIntegrityError, ConfigError
from wearsdk.models.card import ModelCard, Preprocessing, _check_keys
from wearsdk.signal import SignalSpec

if TYPE_CHECKING:
    from wearsdk.models.heads import LinearHeads

__all__ = ["PretrainedRecord", "read_record", "record_path", "weights_folder", "read_about", "bundle"]

# Card fields a record publishes (``signal`` and ``preprocessing`` only when not None).
_CARD_FIELDS = ("weights_file", "weights_sha256", "version", "recipe", "training_data", "reproduce", "limitations",
                "metrics", "signal", "preprocessing")


@dataclass(frozen=True)
class PretrainedRecord:
    """The record of one published weights file (``<name>.json`` beside ``<name>.pt``).

    Attributes:
        name: the registered model the weights belong to.
        weights_file: file name of the weights, in the same folder as the record.
        weights_sha256: hex sha256 of ``weights_file``; loading refuses any other content.
        config: the architecture config the weights fit (``card.config``, JSON form); the record applies to a
            model whose card has exactly this config.
        version: version of the published weights.
        recipe: how they were trained.
        training_data: which records (simulated or real) they were trained on.
        reproduce: the exact commands and seeds that reproduce them.
        limitations: what they are not validated for.
        metrics: measured figures, name -> value.
        signal: the input :class:`~wearsdk.signal.SignalSpec` when it differs from the variant's default (e.g. the
            lead VAE, trained on z-scored leads), else ``None``.
        preprocessing: the :class:`~wearsdk.models.Preprocessing` when it differs from the default, else ``None``.
        notes: background to the figures (key: a metric name or a topic), kept in the record, not on the card.
    """

    name: str
    weights_file: str
    weights_sha256: str
    config: dict[str, Any]
    version: str
    recipe: str
    training_data: str
    reproduce: str
    limitations: str
    metrics: dict[str, float] = field(default_factory=dict)
    signal: SignalSpec | None = None
    preprocessing: Preprocessing | None = None
    notes: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if len(self.weights_sha256) != 64 or any(c not in "0123456789abcdef" for c in self.weights_sha256):
            raise ConfigError(f"PretrainedRecord({self.name!r}).weights_sha256: expected 64 lowercase hex digits, "
                              f"got {self.weights_sha256!r}; write records with wearsdk.models.bundle.")
        if not self.weights_file or Path(self.weights_file).name != self.weights_file:
            raise ConfigError(f"PretrainedRecord({self.name!r}).weights_file: expected a bare file name beside the "
                              f"record, got {self.weights_file!r}.")
        object.__setattr__(self, "config", json.loads(json.dumps(self.config)))
        object.__setattr__(self, "metrics", {k: float(v) for k, v in self.metrics.items()})

    def fits(self, card: ModelCard) -> bool:
        """Whether these weights fit the model of ``card`` (same name, same architecture config)."""
        return card.name == self.name and card.config == self.config

    def apply(self, card: ModelCard) -> ModelCard:
        """``card`` with the fields this record publishes (weights file and sha256, provenance, metrics, and the
        signal spec / preprocessing where given)."""
        changes = {k: getattr(self, k) for k in _CARD_FIELDS if getattr(self, k) is not None}
        return card.replace(**changes)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict; :meth:`from_dict` inverts it."""
        out = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        out["signal"] = None if self.signal is None else self.signal.to_dict()
        out["preprocessing"] = None if self.preprocessing is None else self.preprocessing.to_dict()
        out["metrics"], out["notes"] = dict(self.metrics), dict(self.notes)
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PretrainedRecord:
        """The record of :meth:`to_dict`; a missing or unknown key raises :class:`ConfigError` naming it."""
        _check_keys(cls, data)
        signal, pre = data.get("signal"), data.get("preprocessing")
        return cls(**{**data, "signal": None if signal is None else SignalSpec.from_dict(signal),
                      "preprocessing": None if pre is None else Preprocessing.from_dict(pre),
                      "metrics": dict(data.get("metrics", {})), "notes": dict(data.get("notes", {}))})

    @classmethod
    def read(cls, path: str | Path) -> PretrainedRecord:
        """The record stored at ``path`` (a ``<name>.json`` written by :func:`bundle`)."""
        path = input_file(path, what="pretrained record", error=ArtifactIntegrityError,
                          use="the JSON file written by 'wearsdk bundle' beside the weights")
        try:
            data = json.loads(path.read_text())
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ArtifactIntegrityError(
                f"pretrained record {str(path)!r} is not valid JSON ({exc}); expected the file written by "
                "'wearsdk bundle'. Reinstall wearsdk or restore the file from the repository."
            ) from exc
        return cls.from_dict(data)

    def write(self, folder: str | Path) -> Path:
        """Write ``<folder>/<name>.json`` (sorted keys, one trailing newline); returns its path."""
        path = weights_folder(folder, create=True) / f"{self.name}.json"
        path.write_text(json.dumps(self.to_dict(), indent=1, sort_keys=True, ensure_ascii=False) + "\n")
        return path


def weights_folder(weights_dir: str | Path | None = None, *, create: bool = False) -> Path:
    """``weights_dir`` (default: the package's, ``wearsdk.models._registry.WEIGHTS_DIR``) as a folder, made when
    ``create``; a path that is a file raises :class:`ConfigError`."""
    from wearsdk.models import _registry

    folder = Path(weights_dir) if weights_dir is not None else _registry.WEIGHTS_DIR
    return output_folder(folder, what="weights_dir", create=create, use="a folder of <model>.pt weights and "
                         "<model>.json records (default: the package's wearsdk/models/weights)")


def record_path(name: str, weights_dir: str | Path | None = None) -> Path:
    """Where the record of model ``name`` lives: ``<weights_dir>/<name>.json``."""
    return weights_folder(weights_dir) / f"{name}.json"


def read_record(name: str, weights_dir: str | Path | None = None) -> PretrainedRecord | None:
    """The record of model ``name`` in ``weights_dir`` (default: the package's), or ``None`` when it has none."""
    path = record_path(name, weights_dir)
    if not path.exists():
        return None
    record = PretrainedRecord.read(path)
    if record.name != name:
        raise ArtifactIntegrityError(f"pretrained record {str(path)!r} describes model {record.name!r}, expected "
                                     f"{name!r}; records are named <model>.json. Rewrite it with 'wearsdk bundle'.")
    return record


def read_about(source: str | Path | PretrainedRecord, name: str) -> dict[str, Any]:
    """The keyword arguments of :func:`bundle` for model ``name`` from a JSON file (or a record): version, recipe,
    training_data, reproduce, limitations and optionally metrics, notes, signal, preprocessing. An existing record
    serves (its name must be ``name``; its weights file, sha256 and config are dropped: bundle writes new ones).
    Raises :class:`~wearsdk.DataFormatError` for a path that is not a file, :class:`ConfigError` for one that is not
    JSON and for missing or unknown keys."""
    if isinstance(source, PretrainedRecord):
        data = source.to_dict()
    else:
        path = input_file(source, what="about (a JSON file with version, recipe, training_data, reproduce and "
                                        "limitations)")
        try:
            data = json.loads(path.read_text())
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ConfigError(f"about {str(path)!r} is not JSON ({exc}); expected a JSON object.") from exc
        if not isinstance(data, dict):
            raise ConfigError(f"about {str(path)!r}: expected a JSON object, got {type(data).__name__}.")
    if data.get("name", name) != name:
        raise ConfigError(f"about: this is the record of {data['name']!r}, not of {name!r}.")
    written = {"name", "weights_file", "weights_sha256", "config"}  # bundle writes these itself
    text = ("version", "recipe", "training_data", "reproduce", "limitations")
    allowed = {f.name for f in dataclasses.fields(PretrainedRecord)} - written
    unknown, missing = sorted(set(data) - allowed - written), sorted(k for k in text if k not in data)
    if unknown or missing:
        raise ConfigError(f"about: unknown key(s) {unknown}, missing key(s) {missing}; expected {sorted(text)} and "
                          "optionally metrics, notes, signal, preprocessing.")
    about = {k: v for k, v in data.items() if k in allowed}
    if about.get("signal") is not None:
        about["signal"] = SignalSpec.from_dict(about["signal"])
    if about.get("preprocessing") is not None:
        about["preprocessing"] = Preprocessing.from_dict(about["preprocessing"])
    return about


def bundle(
    model: nn.Module,
    *,
    version: str,
    recipe: str,
    training_data: str,
    reproduce: str,
    limitations: str,
    metrics: dict[str, float] | None = None,
    heads: LinearHeads | None = None,
    signal: SignalSpec | None = None,
    preprocessing: Preprocessing | None = None,
    notes: dict[str, str] | None = None,
    weights_dir: str | Path | None = None,
) -> PretrainedRecord:
    """Publish ``model``'s weights: write ``<weights_dir>/<name>.pt`` and its record ``<name>.json``.

    The weights file holds the fp32 state dict, or ``{"model": state dict, "heads": heads.to_payload()}`` when
    ``heads`` (a :class:`~wearsdk.models.LinearHeads` on the model's ``(batch, embedding_dim)`` output) are given;
    the record names the file, its sha256 and ``model.card.config``, plus the provenance given here. After this,
    ``create_model(name, pretrained=True, weights_dir=weights_dir)`` (with the overrides the model was built with)
    loads exactly these weights. ``weights_dir`` defaults to the package's ``wearsdk/models/weights``.

    Raises :class:`ConfigError` for a model without a card, a file given as ``weights_dir``, or heads whose width
    is not the model's embedding size.
    """
    card = getattr(model, "card", None)
    if not isinstance(card, ModelCard):
        raise ConfigError(f"bundle: expected a model built by wearsdk.models.create_model (with a ModelCard as "
                          f".card), got {type(model).__name__} without one.")
    if heads is not None and heads.embed_dim != card.embedding_dim:
        raise ConfigError(f"bundle: the heads read {heads.embed_dim}-d embeddings, but {card.name!r} returns "
                          f"{card.embedding_dim}-d ones; fit the heads on this model's embeddings.")
    folder = weights_folder(weights_dir, create=True)
    state = {k: v.detach().float().contiguous().clone() if v.is_floating_point() else v.detach().clone()
             for k, v in model.state_dict().items()}
    path = folder / f"{card.name}.pt"
    torch.save(state if heads is None else {"model": state, "heads": heads.to_payload()}, path)
    record = PretrainedRecord(
        name=card.name, weights_file=path.name, weights_sha256=sha256_file(path), config=card.config,
        version=version, recipe=recipe, training_data=training_data, reproduce=reproduce, limitations=limitations,
        metrics=dict(metrics or {}), signal=signal, preprocessing=preprocessing, notes=dict(notes or {}),
    )
    record.write(folder)
    return record
