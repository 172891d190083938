"""Model cards: the input contract and provenance of every registered model, as data.

A :class:`ModelCard` is what a caller (the streaming session, the exporter, the runtime) reads to feed a
model correctly: sampling rate in Hz, window length in samples, channel or lead names, units, and the
preprocessing the weights were trained with. It also records the parameter count, the weights file and
its sha256, the training recipe and the measured metrics, so that an exported artifact can carry it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from wearsdk.errors import ConfigError
from wearsdk.signal import PreprocessSpec

__all__ = ["ModelCard", "Preprocessing"]

# Card normalisation name -> wearsdk.signal.PreprocessSpec norm.
_SPEC_NORMS = {"zscore_per_channel": "zscore", "none": "none"}


@dataclass(frozen=True)
class Preprocessing:
    """Preprocessing a model's inputs must receive before the first layer.

    Attributes:
        band_hz: ``(low, high)`` pass band of the causal band-pass filter, in Hz.
        filter_order: order of the Butterworth band-pass (second-order sections).
        normalisation: ``"zscore_per_channel"`` (each channel of each window to mean 0, SD 1) or
            ``"none"`` (physical units, e.g. mV, passed through).
    """

    band_hz: tuple[float, float]
    filter_order: int
    normalisation: str

    def __post_init__(self) -> None:
        lo, hi = self.band_hz
        if not 0 <= lo < hi:
            raise ConfigError(f"Preprocessing.band_hz: expected 0 <= low < high in Hz, got {self.band_hz}.")
        if self.filter_order <= 0:
            raise ConfigError(f"Preprocessing.filter_order: expected a positive order, got {self.filter_order}.")
        if self.normalisation not in _SPEC_NORMS:
            raise ConfigError(
                f"Preprocessing.normalisation: expected one of {sorted(_SPEC_NORMS)}, got {self.normalisation!r}."
            )

    def to_spec(self, *, sampling_rate: float, target_rate: float) -> PreprocessSpec:
        """The :class:`~wearsdk.signal.PreprocessSpec` that runs this preprocessing on input at
        ``sampling_rate`` Hz for a model at ``target_rate`` Hz (the C++ core's fused pipeline)."""
        return PreprocessSpec(sampling_rate=sampling_rate, target_rate=target_rate, low=float(self.band_hz[0]),
                              high=float(self.band_hz[1]), order=int(self.filter_order),
                              norm=_SPEC_NORMS[self.normalisation])


@dataclass(frozen=True)
class ModelCard:
    """Everything needed to feed, trust and reproduce a model.

    Attributes:
        name: registry name, e.g. ``"ppg_encoder_full"``.
        version: semantic version of the architecture and weights.
        task: ``"embedding"`` (an encoder) or ``"lead_reconstruction"`` (the 3 -> 12 lead VAE).
        sampling_rate_hz: the rate the model expects, in Hz. Inputs at another rate are resampled by the SDK.
        window_samples: input length in samples (``window_samples / sampling_rate_hz`` seconds).
        hop_samples: default hop between streaming windows, in samples.
        input_channels: channel names of the input, in order (e.g. ``("II", "V1", "V5")``).
        output_channels: channel names of a signal output (the VAE's 12 leads); empty for encoders.
        units: units of the input samples after preprocessing (``"z"`` = SD units, ``"mV"``).
        preprocessing: the :class:`Preprocessing` applied to the raw signal.
        embedding_dim: size of the embedding (encoders) or of the latent per time step (VAE).
        num_params: number of trainable parameters of the model as built from its config.
        weights_file: file name of the pretrained weights, or ``None`` when none are published.
        weights_sha256: sha256 of ``weights_file`` (hex), or ``None``.
        recipe: short description of the training recipe, with the paper it follows.
        paper: citation of the architecture / recipe.
        metrics: measured metrics (name -> value), empty until a trained checkpoint is published.
        config: the architecture config as a plain dict (reproduces the model with ``create_model``).
        training_data: what the published weights were trained on (which records, simulated or real).
        reproduce: the exact command(s) and seed that reproduce the published weights.
        limitations: what the published weights are not validated for.
    """

    name: str
    version: str
    task: str
    sampling_rate_hz: float
    window_samples: int
    hop_samples: int
    input_channels: tuple[str, ...]
    units: str
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
        if self.sampling_rate_hz <= 0:
            raise ConfigError(f"ModelCard.sampling_rate_hz: expected > 0 Hz, got {self.sampling_rate_hz}.")
        if self.window_samples <= 0 or self.hop_samples <= 0:
            raise ConfigError(
                f"ModelCard.window_samples / hop_samples: expected positive sample counts, got "
                f"{self.window_samples} / {self.hop_samples}."
            )
        if self.task not in ("embedding", "lead_reconstruction"):
            raise ConfigError(f"ModelCard.task: expected 'embedding' or 'lead_reconstruction', got {self.task!r}.")
        if (self.weights_file is None) != (self.weights_sha256 is None):
            raise ConfigError("ModelCard: weights_file and weights_sha256 must be given together (or neither).")

    def preprocess_spec(self, input_rate: float | None = None) -> PreprocessSpec:
        """How to turn raw input at ``input_rate`` Hz (default: the model's rate) into this model's input."""
        return self.preprocessing.to_spec(sampling_rate=input_rate or self.sampling_rate_hz,
                                          target_rate=self.sampling_rate_hz)

    @property
    def window_seconds(self) -> float:
        """Window length in seconds."""
        return self.window_samples / self.sampling_rate_hz

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dict (for manifests and reports)."""
        return dataclasses.asdict(self)

    def replace(self, **changes: Any) -> ModelCard:
        """A copy with some fields changed (e.g. ``metrics`` after evaluation)."""
        return dataclasses.replace(self, **changes)
