"""The one container every reader returns."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from wearsdk.errors import DataFormatError, SamplingRateError, UnknownNameError

__all__ = ["Annotations", "Recording", "BEAT_SYMBOLS"]

#: WFDB annotation symbols that mark a heart beat (MIT-BIH convention).
BEAT_SYMBOLS = frozenset("NLRBAaJSVrFejnE/fQ?")


@dataclass(frozen=True)
class Annotations:
    """Event annotations: ``sample`` (events,) int64 indices at the recording's rate, ``symbol`` and
    ``aux`` (free text, e.g. WFDB rhythm changes ``"(AFIB"``) per event, and the annotator name."""

    sample: np.ndarray
    symbol: tuple[str, ...]
    aux: tuple[str, ...]
    annotator: str = "atr"

    @property
    def beats(self) -> np.ndarray:
        """Sample indices of beat annotations only (symbols in :data:`BEAT_SYMBOLS`)."""
        keep = np.array([s in BEAT_SYMBOLS for s in self.symbol], dtype=bool)
        return self.sample[keep] if keep.size else self.sample[:0]


@dataclass(frozen=True)
class Recording:
    """A recording in physical units.

    Attributes:
        signals: (channels, samples) float64; ECG in mV; NaN where a sample is missing.
        sampling_rate: Hz (uniform; irregular sources are resampled by the reader).
        channels: channel names, e.g. ``("I", "II", ..., "V6")``, ``("PLETH",)``.
        units: unit per channel after normalisation (``"mV"`` for every voltage channel).
        valid: (channels, samples) bool, False where the sample was missing (dropout, NaN, time gap).
        annotations: beat / rhythm annotations, or None.
        start_time: absolute time of sample 0, s since the Unix epoch, when the source has one.
        metadata: reader name, source path, header comments and other free text.
    """

    signals: np.ndarray
    sampling_rate: float
    channels: tuple[str, ...]
    units: tuple[str, ...]
    valid: np.ndarray
    annotations: Annotations | None = None
    start_time: float | None = None
    metadata: dict[str, object] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # The one gate every reader's output passes: a Recording is never silently unusable.
        rate = self.sampling_rate
        if not isinstance(rate, (int, float, np.floating)) or not np.isfinite(rate) or rate <= 0:
            raise SamplingRateError(
                f"{self.metadata.get('path', 'recording')}: sampling rate must be a finite number > 0 Hz, got "
                f"{rate!r}; pass sampling_rate=HZ for files that do not store it."
            )
        if self.signals.ndim != 2 or self.signals.shape[0] != len(self.channels) or 0 in self.signals.shape:
            raise DataFormatError(
                f"{self.metadata.get('path', 'recording')}: expected (channels, samples) with >= 1 channel and "
                f">= 1 sample for channels {list(self.channels)}, got signals of shape {self.signals.shape}; the "
                "file holds no usable samples."
            )
        if self.valid.shape != self.signals.shape or len(self.units) != len(self.channels):
            raise DataFormatError(f"{self.metadata.get('path', 'recording')}: inconsistent channels/units/valid mask.")

    @property
    def duration_s(self) -> float:
        """Length in seconds."""
        return self.signals.shape[1] / self.sampling_rate

    def channel(self, name: str) -> np.ndarray:
        """One channel ``(samples,)`` by name (case-insensitive)."""
        lowered = [c.lower() for c in self.channels]
        if name.lower() not in lowered:
            raise UnknownNameError(f"no channel {name!r} in this recording; it has {list(self.channels)}.")
        return self.signals[lowered.index(name.lower())]
