"""Pulse-shape features of a PPG recording, measured the same way on simulated and real PPG.

The signal is resampled to :data:`ANALYSIS_RATE` (100 Hz) and band-passed 0.3-10 Hz zero-phase (order 2), so
devices of any native rate and coupling are read alike. Beats are cut at their feet (the minimum between
consecutive systolic peaks of :func:`wearsdk.ppg_peaks`; at a record's edges the minimum within one median beat
before the first / after the last peak, kept only if it is not on the edge itself), the line between the two feet
is subtracted, and each beat is resampled to 101 points over one period and scaled to a systolic height of 1.
Per beat (all dimensionless):

* ``rise``: foot-to-systolic-peak time / period;
* ``width``: fraction of the period the pulse spends above half its height;
* ``reflection``: reflection index, height of the diastolic point / systolic height (Chowienczyk et al., JACC
  34:2007, 1999), searched from 0.05 of the period after the systolic peak to 0.9 of the period: the most
  prominent local maximum there (the diastolic peak) if one rises >= 0.01 above the dip before it (the dicrotic
  notch), else the inflection point (the most prominent local maximum of the slope; Millasseau et al., Clin Sci
  103:371, 2002, type C waves), else 0 (a smooth decline);
* ``notch``: diastolic peak height minus the lowest point before it (0 when the notch has faded);
* ``skewness``: skewness of the first difference of the beat (> 0: fast upstroke, slow decline).

A recording's features are the medians over its beats (robust to the odd mis-cut beat).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
from scipy.signal import find_peaks

from wearsdk.errors import ConfigError
from wearsdk.peaks import ppg_peaks
from wearsdk.signal import bandpass, resample

__all__ = ["ANALYSIS_RATE", "FEATURES", "PulseFeatures", "beat_features", "pulse_beats", "pulse_features"]

#: Hz: every PPG is resampled to this rate before its pulses are measured.
ANALYSIS_RATE = 100.0
#: Feature names, in :class:`PulseFeatures` order.
FEATURES: tuple[str, ...] = ("rise", "width", "reflection", "notch", "skewness")
_POINTS = 101  # samples per normalised beat (foot to next foot)
_BAND = (0.3, 10.0)  # Hz, zero-phase analysis band
_MIN_SECONDS = 1.5
_MIN_NOTCH = 0.01  # of the systolic height: shallower dips between two maxima are ripple, not a notch


@dataclass(frozen=True)
class PulseFeatures:
    """Per-recording pulse features (medians over ``beats`` beats); see the module docstring."""

    rise: float
    width: float
    reflection: float
    notch: float
    skewness: float
    beats: int

    def as_dict(self) -> dict[str, float]:
        """``{name: value}`` for the names in :data:`FEATURES` plus ``beats``."""
        return asdict(self)


def _skewness(v: np.ndarray) -> float:
    d = v - v.mean()
    sd = float(np.sqrt(np.mean(d**2)))
    return float(np.mean(d**3) / sd**3) if sd > 0 else 0.0


def beat_features(beat: np.ndarray) -> np.ndarray:
    """``(5,)`` features (:data:`FEATURES` order) of one beat ``(samples,)`` cut foot to next foot (any length
    >= 8, any units, pulse pointing up). The line between its end points is removed first."""
    b = np.asarray(beat, dtype=np.float64)
    if b.ndim != 1 or b.size < 8 or not np.isfinite(b).all():
        raise ConfigError(f"beat_features needs one finite beat (samples,) of >= 8 samples, got shape {b.shape}; "
                          "cut beats foot to foot (pulse_features does it for a whole recording).")
    b = b - np.linspace(b[0], b[-1], b.size)
    s = np.interp(np.linspace(0.0, b.size - 1.0, _POINTS), np.arange(b.size), b)
    top = int(np.argmax(s))
    if s[top] <= 0:
        raise ConfigError("beat_features got a beat without a pulse above its feet; is the PPG inverted "
                          "(check wearsdk.ppg_polarity) or cut at the wrong points?")
    s = s / s[top]
    lo = min(top + int(0.05 * (_POINTS - 1)), _POINTS - 3)
    hi = max(int(0.9 * (_POINTS - 1)), lo + 2)
    seg = s[lo : hi + 1]
    peaks, props = find_peaks(seg, prominence=_MIN_NOTCH)
    if peaks.size:  # a diastolic peak after the notch
        dia = peaks[np.argmax(props["prominences"])]
        reflection, notch = float(seg[dia]), float(seg[dia] - seg[:dia].min())
    else:
        bends, props = find_peaks(np.diff(seg), prominence=0.0)
        # no notch: the inflection point, where the decline pauses most; none: no trace of a diastolic wave
        reflection, notch = (float(seg[bends[np.argmax(props["prominences"])]]) if bends.size else 0.0), 0.0
    rise = top / (_POINTS - 1)
    return np.array([rise, float((s > 0.5).mean()), reflection, notch, _skewness(np.diff(s))])


def _feet(y: np.ndarray, peaks: np.ndarray) -> list[int]:
    rr = int(np.median(np.diff(peaks))) if peaks.size > 1 else int(ANALYSIS_RATE)
    spans = [(max(peaks[0] - rr, 0), peaks[0])]
    spans += list(zip(peaks[:-1], peaks[1:], strict=True))
    spans.append((peaks[-1], min(peaks[-1] + rr, y.size - 1)))
    feet = []
    for a, b in spans:
        if b - a < 2:
            continue
        f = int(a + np.argmin(y[a : b + 1]))
        if 0 < f < y.size - 1:
            feet.append(f)
    return feet


def pulse_beats(x: np.ndarray, *, sampling_rate: float) -> list[np.ndarray]:
    """The complete beats of one PPG segment ``(samples,)`` at ``sampling_rate`` Hz (pulses up), each cut foot to
    foot at :data:`ANALYSIS_RATE` Hz after the analysis band-pass (see the module docstring), in time order."""
    fs = float(sampling_rate)
    y = np.asarray(resample(np.asarray(x, np.float32), sampling_rate=fs, target_rate=ANALYSIS_RATE), np.float64)
    y = np.asarray(bandpass(y - np.median(y), sampling_rate=ANALYSIS_RATE, low=_BAND[0], high=_BAND[1], order=2,
                            zero_phase=True), np.float64)
    peaks = ppg_peaks(y, sampling_rate=ANALYSIS_RATE)
    if peaks.size == 0:
        return []
    feet = _feet(y, peaks)
    period = np.median(np.diff(feet)) if len(feet) > 1 else 0
    out = []
    for a, b in zip(feet[:-1], feet[1:], strict=True):
        one_peak = np.count_nonzero((peaks > a) & (peaks < b)) == 1
        if one_peak and 0.7 * period <= b - a <= 1.3 * period:
            out.append(y[a : b + 1])
    return out


def pulse_features(recordings: np.ndarray | Sequence[np.ndarray], *, sampling_rate: float) -> PulseFeatures:
    """Pulse features of one recording: a PPG channel ``(samples,)`` at ``sampling_rate`` Hz, pulses up, or a
    sequence of such segments of one person (e.g. PPG-BP's three 2.1 s segments), whose beats are pooled.

    Raises :class:`ConfigError` for a segment under 1.5 s, non-finite samples, or no complete beat.
    """
    segments = [recordings] if isinstance(recordings, np.ndarray) and recordings.ndim == 1 else list(recordings)
    if not np.isfinite(sampling_rate) or sampling_rate < 16.0:
        raise ConfigError(f"pulse_features: sampling_rate={sampling_rate!r} Hz; pass the PPG's rate (>= 16 Hz).")
    beats: list[np.ndarray] = []
    for seg in segments:
        seg = np.asarray(seg, dtype=np.float64)
        if seg.ndim != 1 or seg.size < _MIN_SECONDS * sampling_rate or not np.isfinite(seg).all():
            raise ConfigError(f"pulse_features needs finite 1-D segments of >= {_MIN_SECONDS} s "
                              f"({int(_MIN_SECONDS * sampling_rate)} samples), got shape {seg.shape}; fill or drop "
                              "dropouts first.")
        beats += pulse_beats(seg, sampling_rate=float(sampling_rate))
    if not beats:
        raise ConfigError("pulse_features found no complete beat (foot, one systolic peak, foot); pass a longer "
                          "or cleaner PPG with the pulses pointing up (wearsdk.ppg_polarity).")
    med = np.median(np.stack([beat_features(b) for b in beats]), axis=0)
    return PulseFeatures(*(float(v) for v in med), beats=len(beats))
