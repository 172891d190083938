"""Which way a PPG channel's pulses point: blood volume up (as every wearsdk model expects) or inverted.

Raw photodiode intensity falls when blood volume rises, so many devices' raw counts are upside down. A PPG
pulse rises fast (systolic upstroke, ~0.1-0.15 s) and falls slowly (diastolic run-off), so the first
difference of the 0.5-8 Hz band-passed signal has rare large positive values and many small negative ones:
its skewness is positive with pulses up. Measured by :func:`ppg_asymmetry` (docs/sim.md): Challenge 2015 v102s
PLETH +0.91, E2E-PPG smartwatch counts negated +1.25 (raw: -1.25), BITalino finger PPG +1.80; simulated channels
about +1.7 to +2.0 (the volume-pulse model of 2026-11-29). HeartPy's example PPGs (sharp, nearly symmetric peaks of
an AC-coupled sensor) give -0.16 and -0.45: undecided at the default threshold.
"""

from __future__ import annotations

import numpy as np

from wearsdk.errors import ConfigError
from wearsdk.peaks._checks import as_signal, check_rate
from wearsdk.signal import bandpass

__all__ = ["ppg_polarity", "ppg_asymmetry", "POLARITY_THRESHOLD"]

#: |asymmetry| below which :func:`ppg_polarity` does not decide (motion, noise, too few beats).
POLARITY_THRESHOLD = 0.6
_SEGMENT_S = 10.0


def _skewness(v: np.ndarray) -> float:
    d = v - v.mean()
    sd = float(np.sqrt(np.mean(d**2)))
    return float(np.mean(d**3) / sd**3) if sd > 0 else 0.0


def ppg_asymmetry(x: np.ndarray, *, sampling_rate: float) -> float:
    """Pulse asymmetry of one PPG channel ``(samples,)`` at ``sampling_rate`` Hz (>= 16): the median over
    10 s segments (one shorter segment if the signal lasts under 10 s; at least 3 s) of the skewness of the
    first difference of the zero-phase 0.5-8 Hz band-passed signal (:func:`wearsdk.signal.bandpass`, order 2; the
    upper edge at most 0.45 ``sampling_rate``). NaN samples are
    held at the median. > 0: fast upstroke, slow decay (pulses up); < 0: inverted."""
    fs = check_rate(sampling_rate, minimum=16.0, what="ppg_asymmetry")
    sig = as_signal(x, allow_nan=True)
    if sig.size < 3.0 * fs:
        raise ConfigError(f"ppg_asymmetry needs at least 3 s of signal ({int(3 * fs)} samples at {fs:g} Hz), "
                          f"got {sig.size}; pass a longer stretch.")
    if not np.isfinite(sig).any():
        raise ConfigError("ppg_asymmetry got a signal without one finite sample.")
    sig = np.where(np.isfinite(sig), sig, np.nanmedian(sig))
    # minus the first sample: the core's float32 keeps the pulses of large raw counts
    y = bandpass(sig - sig[0], sampling_rate=fs, low=0.5, high=min(8.0, 0.45 * fs), order=2, zero_phase=True)
    dy = np.diff(y.astype(np.float64))
    seg = max(int(round(_SEGMENT_S * fs)), 1)
    segments = [dy[i:i + seg] for i in range(0, dy.size - seg + 1, seg)] or [dy]
    return float(np.median([_skewness(s) for s in segments]))


def ppg_polarity(x: np.ndarray, *, sampling_rate: float, threshold: float = POLARITY_THRESHOLD) -> int:
    """``+1`` if the pulses of one PPG channel ``(samples,)`` point up, ``-1`` if inverted (raw light
    intensity: negate it), ``0`` if :func:`ppg_asymmetry` is within ``threshold`` of zero (undecided:
    motion, noise, no pulses).

    Example:
        >>> from wearsdk.sim import Cohort
        >>> ppg = Cohort(1, seed=0)[0].record(30.0).ppg[0]
        >>> ppg_polarity(ppg, sampling_rate=64.0), ppg_polarity(-ppg, sampling_rate=64.0)
        (1, -1)
    """
    a = ppg_asymmetry(x, sampling_rate=sampling_rate)
    return 0 if abs(a) < threshold else int(np.sign(a))
