"""Unit and channel-name normalisation shared by the readers."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from wearsdk.errors import DataFormatError
from wearsdk.signal.spec import STANDARD_LEADS

__all__ = ["normalise_unit", "normalise_channel", "to_canonical_units", "channel_indices"]

# voltage unit (lower case) -> factor to mV
_VOLT = {"v": 1000.0, "volt": 1000.0, "mv": 1.0, "millivolt": 1.0, "uv": 1e-3, "µv": 1e-3, "μv": 1e-3,
         "microvolt": 1e-3, "nv": 1e-6}
# other units we know and keep (lower case -> canonical spelling)
_OTHER = {"": "", "nu": "NU", "z": "z", "adu": "adu", "bpm": "bpm", "mmhg": "mmHg", "g": "g",
          "m/s^2": "m/s^2", "m/s2": "m/s^2", "counts": "counts", "a.u.": "a.u.", "au": "a.u.", "%": "%",
          "degc": "degC", "ms": "ms", "s": "s", "hpa": "hPa", "deg/s": "deg/s", "rad/s": "rad/s"}

_LEAD_NAMES = {n.lower(): n for n in STANDARD_LEADS}


def normalise_unit(unit: str, channel: str) -> tuple[str, float]:
    """Canonical unit and the factor to multiply values by (voltages become mV).

    Raises :class:`DataFormatError` for a unit we do not know, naming the channel and the fix.
    """
    key = unit.strip().lower()
    if key in _VOLT:
        return "mV", _VOLT[key]
    if key in _OTHER:
        return _OTHER[key], 1.0
    raise DataFormatError(
        f"channel {channel!r} has unknown unit {unit!r}; known units are voltages "
        f"({sorted(_VOLT)}) and {sorted(k for k in _OTHER if k)}. Pass units={{{channel!r}: 'mV'}} "
        "(or the right unit) to read() to say what it is."
    )


def normalise_channel(name: str) -> str:
    """Standard spelling of 12-lead names (``"avr"`` -> ``"aVR"``, ``"ii"`` -> ``"II"``); others unchanged."""
    return _LEAD_NAMES.get(name.strip().lower(), name.strip())


def to_canonical_units(x: np.ndarray, names: Sequence[str], units: Sequence[str]) -> list[str]:
    """Scales each row of ``x`` ``(channels, samples)`` in place to its canonical unit (voltages to mV) and
    returns those units, one per channel (``units``: each channel's unit as the file states it)."""
    out = []
    for i, (name, unit) in enumerate(zip(names, units, strict=True)):
        canon, factor = normalise_unit(unit, name)
        x[i] *= factor
        out.append(canon)
    return out


def channel_indices(names: Sequence[str], channels: Sequence[str] | None, where: str,
                    noun: str = "channel") -> list[int]:
    """Indices of ``channels`` in ``names`` (all of them when ``None``); :class:`DataFormatError` naming
    ``where`` and listing ``names`` when one is absent."""
    if channels is None:
        return list(range(len(names)))
    missing = [c for c in channels if c not in names]
    if missing:
        raise DataFormatError(f"{where} has no {noun}(s) {missing}; it has {list(names)}.")
    return [names.index(c) for c in channels]
