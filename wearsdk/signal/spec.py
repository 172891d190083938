"""What a stream of samples is: :class:`SignalSpec` (modality, sampling rate, channel names, units), and the
names of the standard ECG leads, defined once for the whole SDK."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from wearsdk.errors import SignalSpecError

__all__ = ["SignalSpec", "MODALITIES", "STANDARD_LEADS", "PATCH_LEADS"]

#: Modalities the SDK models: photoplethysmography and electrocardiography (one lead or several).
MODALITIES: tuple[str, ...] = ("ppg", "ecg")

#: The 12 standard ECG leads, in the conventional order.
STANDARD_LEADS: tuple[str, ...] = ("I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6")

#: The leads a chest patch records and the lead VAE takes (WearECG's reduced set).
PATCH_LEADS: tuple[str, ...] = ("II", "V1", "V5")


@dataclass(frozen=True)
class SignalSpec:
    """A stream of samples, as data.

    Attributes:
        modality: ``"ppg"`` or ``"ecg"`` (a 12-lead ECG is ``"ecg"`` with the 12 lead names as channels).
        sampling_rate_hz: samples per second per channel, Hz.
        channels: channel names, in order (ECG leads spelled as in :data:`STANDARD_LEADS`).
        units: units of the samples, e.g. ``"mV"``, ``"z"`` (SD units after a per-window z-score), ``"NU"``.
    """

    modality: str
    sampling_rate_hz: float
    channels: tuple[str, ...]
    units: str

    def __post_init__(self) -> None:
        if isinstance(self.channels, (list, tuple)):  # JSON and configs give lists
            object.__setattr__(self, "channels", tuple(self.channels))
        if self.modality not in MODALITIES:
            raise SignalSpecError(f"SignalSpec.modality: expected one of {MODALITIES}, got {self.modality!r}.")
        if not (isinstance(self.sampling_rate_hz, (int, float)) and math.isfinite(self.sampling_rate_hz)
                and self.sampling_rate_hz > 0):
            raise SignalSpecError(f"SignalSpec.sampling_rate_hz: expected a finite rate > 0 Hz, got "
                                  f"{self.sampling_rate_hz!r}.")
        if not self.channels or not all(isinstance(c, str) and c for c in self.channels):
            raise SignalSpecError(f"SignalSpec.channels: expected one or more channel names, got {self.channels!r}.")
        if len(set(self.channels)) != len(self.channels) and self.modality == "ecg":
            raise SignalSpecError(f"SignalSpec.channels: ECG lead names must be distinct, got {self.channels!r}.")

    @property
    def num_channels(self) -> int:
        return len(self.channels)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (channels as a list)."""
        return {"modality": self.modality, "sampling_rate_hz": float(self.sampling_rate_hz),
                "channels": list(self.channels), "units": self.units}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SignalSpec:
        """Inverse of :meth:`to_dict`; a missing or unknown key raises :class:`SignalSpecError` naming it."""
        keys = {"modality", "sampling_rate_hz", "channels", "units"}
        if not isinstance(data, dict) or set(data) != keys:
            got = sorted(data) if isinstance(data, dict) else type(data).__name__
            raise SignalSpecError(f"SignalSpec.from_dict: expected the keys {sorted(keys)}, got {got}.")
        return cls(modality=str(data["modality"]), sampling_rate_hz=float(data["sampling_rate_hz"]),
                   channels=tuple(str(c) for c in data["channels"]), units=str(data["units"]))
