"""Wrist motion per window from an accelerometer: how much the wrist moves, and at what rhythm.

Walking and running swing the arm at half the step cadence (~0.8-1.5 Hz), with harmonics at the cadence
itself; wrist PPG picks up the same rhythm through the sensor's contact pressure and venous volume, and
a pulse-peak detector can lock onto it (Zhang et al., TROIKA, IEEE TBME 62:522-531, 2015). Both figures
come from the 0.5-4 Hz band, where gait and gesture energy lies and gravity (0 Hz) does not.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from wearsdk.errors import ConfigError, DTypeError, ShapeError, SignalSpecError
from wearsdk.peaks._checks import check_rate, check_samples, check_window, hold_last_finite

__all__ = ["wrist_motion", "follows_motion", "WristMotion", "MOVING_G", "MOTION_BAND_HZ"]

#: Band RMS (g) above which the wrist counts as moving: a still wrist shows ~0.002-0.02 g in the band
#: (the E2E-PPG smartwatch at rest: 0.002-0.004 g), walking ~0.2-0.4 g, running ~0.8 g.
MOVING_G = 0.1
_MAX_MEDIAN_G = 4.0  # a wrist never sits at 4 g for half the time: such data are m/s^2 or raw counts
#: Frequency band of gait and gestures, Hz.
MOTION_BAND_HZ = (0.5, 4.0)
_LOCK_TOLERANCE = 0.08  # beat rate within 8 % of a multiple of the movement frequency
_LOCK_MULTIPLES = (0.5, 1.0, 2.0)  # arm swing is half the step cadence; either may dominate either signal


class WristMotion(NamedTuple):
    """Per-window wrist motion: ``frequency_hz`` (windows,), the dominant frequency of the band (summed
    over axes), Hz; ``rms_g`` (windows,), the RMS of the band's acceleration vector, g."""

    frequency_hz: np.ndarray
    rms_g: np.ndarray


def wrist_motion(acc: np.ndarray, *, sampling_rate: float, window_s: float = 10.0) -> WristMotion:
    """Dominant movement frequency and movement strength per window of an accelerometer.

    Args:
        acc: ``(axes, samples)`` float acceleration in g (1-3 axes; divide m/s^2 by 9.80665); integer ADC
            counts and data whose median magnitude exceeds 4 g (m/s^2, counts) are refused. Gravity and slow
            posture changes fall below the band and do not count. NaN dropouts hold the last value.
        sampling_rate: Hz of ``acc``, at least 8 (twice the band's top).
        window_s: window length, s; windows are consecutive, the last partial one is dropped.

    Returns:
        :class:`WristMotion` with one value per window; compare ``rms_g`` with :data:`MOVING_G`.

    Example:
        >>> t = np.arange(640) / 64.0
        >>> m = wrist_motion(np.stack([0.4 * np.sin(2 * np.pi * 1.3 * t), 0 * t, 1 + 0 * t]), sampling_rate=64.0)
        >>> round(float(m.frequency_hz[0]), 2), round(float(m.rms_g[0]), 2)
        (1.3, 0.28)
    """
    fs = check_rate(sampling_rate, minimum=2.0 * MOTION_BAND_HZ[1], what="wrist_motion")
    window_s = check_window(window_s)
    a = np.asarray(acc)
    if a.dtype.kind in "iub":
        raise DTypeError(f"acc has integer dtype {a.dtype}: raw ADC counts are not g. Convert first, e.g. "
                         "wearsdk.signal.from_adc(acc, gain=<counts per g from the sensor's datasheet>).")
    if a.dtype.kind != "f":
        raise DTypeError(f"acc must be floating-point acceleration in g, got dtype {a.dtype}.")
    if a.ndim == 1:
        a = a[None]
    if a.ndim != 2 or not 1 <= a.shape[0] <= 3:
        raise ShapeError(f"acc must be shaped (axes, samples) with 1-3 axes, got {np.shape(acc)}; "
                         "a (samples, 3) array needs .T.")
    check_samples(a, what="wrist_motion", shape="(axes, samples)")
    a = np.stack([hold_last_finite(axis, 0.0)[0] for axis in a.astype(np.float64)])
    norm = np.linalg.norm(a, axis=0)
    if norm.size and np.median(norm) > _MAX_MEDIAN_G:
        raise SignalSpecError(f"acc has a median magnitude of {np.median(norm):.3g}, not g (gravity alone is 1 g): "
                              "divide m/s^2 by 9.80665, or raw counts by the sensor's counts per g.")
    n = int(round(window_s * fs))
    if n < 2:
        raise ConfigError(f"window_s={window_s} s holds under two samples at {fs} Hz.")
    n_win = a.shape[1] // n
    segs = a[:, : n_win * n].reshape(a.shape[0], n_win, n)
    segs = segs - segs.mean(axis=2, keepdims=True)
    lo, hi = MOTION_BAND_HZ
    # strength: the band's share of the variance (Parseval on the plain spectrum, one-sided)
    f = np.fft.rfftfreq(n, 1.0 / fs)
    band = (f >= lo) & (f <= hi)
    power = np.abs(np.fft.rfft(segs, axis=2)[..., band]) ** 2
    rms = np.sqrt(2.0 * power.sum(axis=(0, 2)) / n**2)
    # rhythm: peak of the Hann-windowed spectrum, zero-padded to ~1/8 of a bin
    nfft = 1 << int(np.ceil(np.log2(8 * n)))
    fz = np.fft.rfftfreq(nfft, 1.0 / fs)
    bz = (fz >= lo) & (fz <= hi)
    spec = (np.abs(np.fft.rfft(segs * np.hanning(n), nfft, axis=2)[..., bz]) ** 2).sum(axis=0)
    freq = fz[bz][np.argmax(spec, axis=1)] if n_win else np.zeros(0)
    return WristMotion(frequency_hz=freq, rms_g=rms)


def follows_motion(rate_bpm: np.ndarray, motion: WristMotion) -> np.ndarray:
    """Whether each window's beat rate may be the wrist's movement rather than the pulse: the wrist moves
    (``rms_g >= MOVING_G``) and ``rate_bpm`` lies within 8 % of 0.5, 1 or 2 times its movement frequency.

    Args:
        rate_bpm: ``(windows,)`` beat rate per window, bpm (NaN: no rate).
        motion: the same windows' :class:`WristMotion`.

    Returns:
        ``(windows,)`` bool; False where the rate or the motion is NaN.
    """
    rate = np.asarray(rate_bpm, dtype=np.float64)
    freq, rms = (np.asarray(v, dtype=np.float64) for v in motion)
    if not rate.shape == freq.shape == rms.shape:
        raise ShapeError(f"rate_bpm {rate.shape} and motion {freq.shape} must cover the same windows.")
    off = np.min([np.abs(rate - m * 60.0 * freq) for m in _LOCK_MULTIPLES], axis=0)
    return (off <= _LOCK_TOLERANCE * rate) & (rms >= MOVING_G)
