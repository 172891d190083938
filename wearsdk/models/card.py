"""Model cards: the one typed contract of every model's inputs, outputs and provenance.

A :class:`ModelCard` is what every consumer (training, the streaming session, the exporter, the runtime, the
firmware config) reads to feed a model correctly: its input :class:`~wearsdk.signal.SignalSpec` (modality,
sampling rate, channel names, units), window and hop in samples, and the :class:`Preprocessing` the weights
were trained with. It also records the parameter count, the weights file and its sha256, the training recipe and
the measured metrics. It round-trips through JSON exactly (``ModelCard.from_dict(card.to_dict()) == card``) and
is embedded in every artifact manifest.

The one path from raw samples to model inputs is the card's preprocessing in two steps:
:meth:`Preprocessing.filter` (band-pass and resampling over a whole record or stream) and
:meth:`Preprocessing.normalise` (each window on its own).
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from wearsdk.errors import ConfigError
from wearsdk.signal import PreprocessSpec, SignalSpec

__all__ = ["ModelCard", "Preprocessing", "TASKS", "PHASES", "NORMALISATIONS"]

#: What a model computes: an embedding (encoders) or a signal (the 3 -> 12 lead VAE).
TASKS: tuple[str, ...] = ("embedding", "lead_reconstruction")
#: ``"causal"``: the filter streams (device, C++ core, in-graph op); ``"zero_phase"``: forward-backward over the
#: whole record, offline only (what 12-lead archives such as PTB-XL did).
PHASES: tuple[str, ...] = ("causal", "zero_phase")
#: Card normalisation name -> :class:`~wearsdk.signal.PreprocessSpec` norm.
NORMALISATIONS: dict[str, str] = {"zscore_per_channel": "zscore", "none": "none"}

_EPS = PreprocessSpec.__dataclass_fields__["eps"].default


@dataclass(frozen=True)
class Preprocessing:
    """Preprocessing a model's inputs must receive before the first layer, in this order: a Butterworth
    band-pass (``phase``), resampling to the model's rate, windows, then ``normalisation`` of each window.

    Attributes:
        band_hz: ``(low, high)`` pass band, in Hz.
        filter_order: order of the Butterworth band-pass (second-order sections).
        normalisation: ``"zscore_per_channel"`` (each channel of each window to mean 0, SD 1) or ``"none"``
            (physical units, e.g. mV, passed through).
        phase: ``"causal"`` (band-pass at the input rate, then resample: the device pipeline) or
            ``"zero_phase"`` (resample, then forward-backward band-pass at the model's rate: offline only).
    """

    band_hz: tuple[float, float]
    filter_order: int
    normalisation: str
    phase: str = "causal"

    def __post_init__(self) -> None:
        lo, hi = self.band_hz
        if not 0 <= lo < hi:
            raise ConfigError(f"Preprocessing.band_hz: expected 0 <= low < high in Hz, got {self.band_hz}.")
        if self.filter_order <= 0:
            raise ConfigError(f"Preprocessing.filter_order: expected a positive order, got {self.filter_order}.")
        if self.normalisation not in NORMALISATIONS:
            raise ConfigError(
                f"Preprocessing.normalisation: expected one of {sorted(NORMALISATIONS)}, got {self.normalisation!r}."
            )
        if self.phase not in PHASES:
            raise ConfigError(f"Preprocessing.phase: expected one of {PHASES}, got {self.phase!r}.")

    def to_spec(self, *, sampling_rate: float, target_rate: float) -> PreprocessSpec:
        """The fused causal pipeline (:class:`~wearsdk.signal.PreprocessSpec`: band-pass, resample, normalise)
        for input at ``sampling_rate`` Hz and a model at ``target_rate`` Hz: what the C++ core, the in-graph
        preprocessing op and the firmware run. A zero-phase model has none (:class:`ConfigError`)."""
        if self.phase != "causal":
            raise ConfigError(
                "this model's preprocessing is zero-phase (offline, whole records), so it has no streaming "
                "pipeline; use card.preprocessing.filter() on whole records instead."
            )
        return PreprocessSpec(sampling_rate=sampling_rate, target_rate=target_rate, low=float(self.band_hz[0]),
                              high=float(self.band_hz[1]), order=int(self.filter_order),
                              norm=NORMALISATIONS[self.normalisation])

    def filter(self, x: Any, *, sampling_rate: float, target_rate: float) -> np.ndarray:
        """Band-pass and resample a whole record ``(..., channels, samples)`` at ``sampling_rate`` Hz to
        ``target_rate`` Hz, from rest, as :attr:`phase` says; float32 ``(..., channels, samples')``."""
        from wearsdk.signal import bandpass, preprocess, resample

        lo, hi = float(self.band_hz[0]), float(self.band_hz[1])
        if self.phase == "causal":
            spec = PreprocessSpec(sampling_rate=sampling_rate, target_rate=target_rate, low=lo, high=hi,
                                  order=int(self.filter_order), norm="none")
            return np.asarray(preprocess(x, spec), np.float32)
        y = x if sampling_rate == target_rate else resample(x, sampling_rate=sampling_rate, target_rate=target_rate)
        return np.asarray(bandpass(y, sampling_rate=target_rate, low=lo, high=hi, order=int(self.filter_order),
                                   zero_phase=True), np.float32)

    def normalise(self, windows: Any) -> Any:
        """Each channel of each window ``(..., channels, window)`` normalised as :attr:`normalisation` says
        (:func:`wearsdk.signal.zscore`), numpy or torch like the input."""
        from wearsdk.signal import zscore

        return windows if self.normalisation == "none" else zscore(windows, eps=_EPS)

    def to_dict(self) -> dict[str, Any]:
        return {"band_hz": [float(self.band_hz[0]), float(self.band_hz[1])], "filter_order": int(self.filter_order),
                "normalisation": self.normalisation, "phase": self.phase}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Preprocessing:
        _check_keys(cls, data)
        return cls(band_hz=(float(data["band_hz"][0]), float(data["band_hz"][1])),
                   filter_order=int(data["filter_order"]), normalisation=str(data["normalisation"]),
                   phase=str(data.get("phase", "causal")))


@dataclass(frozen=True)
class ModelCard:
    """Everything needed to feed, trust and reproduce a model.

    Attributes:
        name: registry name, e.g. ``"ppg_encoder_full"``.
        version: semantic version of the architecture and weights.
        task: one of :data:`TASKS`.
        signal: the input :class:`~wearsdk.signal.SignalSpec` after preprocessing: modality, the model's rate
            (inputs at another rate are resampled by the SDK), channel names in order, units.
        window_samples: input length in samples (``window_samples / sampling_rate_hz`` seconds).
        hop_samples: default hop between streaming windows, in samples.
        preprocessing: the :class:`Preprocessing` applied to the raw signal.
        embedding_dim: size of the embedding (encoders) or of the latent per time step (VAE).
        num_params: number of trainable parameters of the model as built from its config.
        recipe: short description of the training recipe, with the paper it follows.
        paper: citation of the architecture / recipe.
        output_channels: channel names of a signal output (the VAE's 12 leads); empty for encoders.
        weights_file: file name of the pretrained weights, or ``None`` when none are published.
        weights_sha256: sha256 of ``weights_file`` (hex), or ``None``.
        metrics: measured metrics (name -> value), empty until a trained checkpoint is published.
        config: the architecture config as a JSON-ready dict (reproduces the model with ``create_model``).
        training_data: what the published weights were trained on (which records, simulated or real).
        reproduce: the exact command(s) and seed that reproduce the published weights.
        limitations: what the published weights are not validated for.
    """

    name: str
    version: str
    task: str
    signal: SignalSpec
    window_samples: int
    hop_samples: int
    preprocessing: Preprocessing
    embedding_dim: int
    num_params: int
    recipe: str
    paper: str
    output_channels: tuple[str, ...] = ()
    weights_file: str | None = None
    weights_sha256: str | None = None
    metrics: dict[str, float] = field(default_factory=dict)
    config: dict[str, Any] = field(default_factory=dict)
    training_data: str = ""
    reproduce: str = ""
    limitations: str = ""

    def __post_init__(self) -> None:
        if self.window_samples <= 0 or self.hop_samples <= 0:
            raise ConfigError(
                f"ModelCard.window_samples / hop_samples: expected positive sample counts, got "
                f"{self.window_samples} / {self.hop_samples}."
            )
        if self.task not in TASKS:
            raise ConfigError(f"ModelCard.task: expected one of {TASKS}, got {self.task!r}.")
        if (self.weights_file is None) != (self.weights_sha256 is None):
            raise ConfigError("ModelCard: weights_file and weights_sha256 must be given together (or neither).")
        # the config is held in its JSON form (lists, not tuples), so a card read back from JSON is equal
        object.__setattr__(self, "config", json.loads(json.dumps(self.config)))

    @property
    def modality(self) -> str:
        """``"ppg"`` or ``"ecg"`` (from :attr:`signal`)."""
        return self.signal.modality

    @property
    def sampling_rate_hz(self) -> float:
        """The model's input rate, Hz."""
        return self.signal.sampling_rate_hz

    @property
    def input_channels(self) -> tuple[str, ...]:
        """Input channel names, in order."""
        return self.signal.channels

    @property
    def units(self) -> str:
        """Units of the model's input samples."""
        return self.signal.units

    @property
    def window_seconds(self) -> float:
        """Window length in seconds."""
        return self.window_samples / self.sampling_rate_hz

    def preprocess_spec(self, input_rate: float | None = None) -> PreprocessSpec:
        """The fused causal pipeline from raw input at ``input_rate`` Hz (default: the model's rate) to this
        model's input (:meth:`Preprocessing.to_spec`)."""
        return self.preprocessing.to_spec(sampling_rate=input_rate or self.sampling_rate_hz,
                                          target_rate=self.sampling_rate_hz)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (for manifests, pretrained records and reports); :meth:`from_dict` inverts it."""
        out = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        out["signal"] = self.signal.to_dict()
        out["preprocessing"] = self.preprocessing.to_dict()
        out["output_channels"] = list(self.output_channels)
        out["metrics"] = {k: float(v) for k, v in self.metrics.items()}
        out["config"] = json.loads(json.dumps(self.config))
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModelCard:
        """The card of :meth:`to_dict` (or of a manifest's ``model_card``); a missing or unknown key raises
        :class:`ConfigError` naming it."""
        _check_keys(cls, data)
        return cls(**{**data, "signal": SignalSpec.from_dict(data["signal"]),
                      "preprocessing": Preprocessing.from_dict(data["preprocessing"]),
                      "output_channels": tuple(data.get("output_channels", ())),
                      "metrics": dict(data.get("metrics", {})), "config": dict(data.get("config", {}))})

    def replace(self, **changes: Any) -> ModelCard:
        """A copy with some fields changed (e.g. ``metrics`` after evaluation)."""
        return dataclasses.replace(self, **changes)


def _check_keys(cls: type, data: Any) -> None:
    fields = dataclasses.fields(cls)
    names = {f.name for f in fields}
    required = {f.name for f in fields if f.default is dataclasses.MISSING
                and f.default_factory is dataclasses.MISSING}
    if not isinstance(data, dict):
        raise ConfigError(f"{cls.__name__}.from_dict: expected a dict, got {type(data).__name__}.")
    unknown, missing = sorted(set(data) - names), sorted(required - set(data))
    if unknown or missing:
        raise ConfigError(f"{cls.__name__}.from_dict: unknown key(s) {unknown}, missing key(s) {missing}; "
                          f"expected the keys {sorted(names)} (a card written by ModelCard.to_dict).")
