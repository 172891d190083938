"""PPG systolic-peak detection, offline and streaming.

Causal band-pass 0.5-4 Hz (keeps the pulse fundamental up to 240 bpm, drops baseline drift, sensor
noise and the sharp edges of clipped pulses); local maxima of the filtered pulse at least 300 ms apart
(HR <= 200 bpm) are candidates. A candidate is a beat when its rise from the preceding trough exceeds
40 % of the median rise of the last eight beats; a smaller one arriving within 60 % of the median
interval after a beat is the dicrotic/diastolic wave and is rejected, and of two candidates closer than
half the median interval only the larger is kept (cf. the amplitude and timing rules of Elgendi et al.,
PLoS ONE 8:e76585, 2013).
Each beat is located on the raw signal: the maximum within +-80 ms of the filtered peak moved back by the
filter's group delay. ``ppg_peaks(x)`` is :class:`PpgPeakDetector` fed the whole signal at once.
"""

from __future__ import annotations

import numpy as np

from wearsdk.peaks._checks import as_signal, check_rate, hold_last_finite
from wearsdk.peaks._filter import _Bandpass

__all__ = ["PpgPeakDetector", "ppg_peaks"]

_MIN_GAP_S = 0.3
_TROUGH_S = 0.6
_REFINE_S = 0.08
_KEEP_S = 12.0


class PpgPeakDetector:
    """Streaming systolic-peak detector for one PPG channel (any units, pulses pointing up).

    ``push(chunk)`` takes ``(samples,)`` and returns newly final peak indices (global, int64);
    ``flush()`` returns the rest. NaN samples are held at the last valid value. If the sensor's pulses
    point down (raw light intensity), pass ``-x``.
    """

    def __init__(self, *, sampling_rate: float) -> None:
        self.fs = check_rate(sampling_rate, minimum=16.0, what="PPG peak detection")
        self._bp = _Bandpass(sampling_rate=self.fs, low=0.5, high=4.0, order=2)
        self._gap = int(round(_MIN_GAP_S * self.fs))
        self._trough = int(round(_TROUGH_S * self.fs))
        self._refine = max(1, int(round(_REFINE_S * self.fs)))
        self._keep = int(round(_KEEP_S * self.fs))
        self._raw = np.zeros(0)
        self._y = np.zeros(0)
        self._start = 0
        self._n = 0
        self._scanned = 1
        self._last_value = 0.0
        self._rises: list[float] = []
        self._rr: list[int] = []
        self._pending: tuple[int, float] | None = None  # accepted, may still be replaced
        self._last: tuple[int, float] | None = None

    def push(self, x: np.ndarray) -> np.ndarray:
        """Feed the next ``(samples,)`` chunk; returns newly final peak indices (int64)."""
        x, self._last_value = hold_last_finite(as_signal(x, allow_nan=True), self._last_value)
        self._raw = np.concatenate([self._raw, x])
        self._y = np.concatenate([self._y, self._bp(x)])
        self._n += x.size
        return self._process(final=False)

    def flush(self) -> np.ndarray:
        """End of stream: return the remaining peaks."""
        return self._process(final=True)

    def _process(self, final: bool) -> np.ndarray:
        end = self._n if final else self._n - self._gap
        out: list[int] = []
        lo = max(self._scanned, self._start + 1)
        if end - 1 > lo:
            m = self._y[lo - 1 - self._start: end + 1 - self._start]
            core = m[1:-1]
            pos = np.flatnonzero((core > m[:-2]) & (core >= m[2:]))
            self._scanned = end
            for p in pos:
                out.extend(self._classify(int(lo + p)))
        if final and self._pending is not None:
            out.append(self._locate(self._pending[0]))
            self._pending = None
        self._trim()
        return np.array(out, dtype=np.int64)

    def _classify(self, i: int) -> list[int]:
        a = max(i - self._trough, self._start)
        rise = float(self._y[i - self._start] - self._y[a - self._start: i + 1 - self._start].min())
        ref = float(np.median(self._rises)) if self._rises else 0.0
        pend = self._pending
        if pend is not None and i - pend[0] < self._gap:
            if rise > pend[1]:
                self._pending = (i, rise)
            return []
        if rise <= 0.4 * ref:
            return []
        if pend is not None and len(self._rr) >= 2:
            typical = float(np.median(self._rr))
            if i - pend[0] < 0.5 * typical:  # physiologically too early: keep the larger of the two
                if rise > pend[1]:
                    self._pending = (i, rise)
                return []
            if i - pend[0] < 0.6 * typical and rise < 0.7 * pend[1]:
                return []  # dicrotic / diastolic wave
        emitted: list[int] = []
        if pend is not None:
            emitted.append(self._locate(pend[0]))
            self._rises = (self._rises + [pend[1]])[-8:]
            if self._last is not None:
                self._rr = (self._rr + [pend[0] - self._last[0]])[-8:]
            self._last = pend
        self._pending = (i, rise)
        return emitted

    def _locate(self, i: int) -> int:
        c = i - int(round(self._bp.delay))
        lo, hi = max(c - self._refine, self._start), min(c + self._refine + 1, self._n)
        if hi <= lo:
            return i
        return int(lo + np.argmax(self._raw[lo - self._start: hi - self._start]))

    def _trim(self) -> None:
        drop = self._raw.size - self._keep
        if drop > 0:
            self._raw = self._raw[drop:]
            self._y = self._y[drop:]
            self._start += drop


def ppg_peaks(x: np.ndarray, *, sampling_rate: float) -> np.ndarray:
    """Systolic-peak sample indices (int64, increasing) of one PPG channel ``(samples,)``.

    ``sampling_rate`` in Hz (>= 16). Pulses must point up (blood volume); invert raw intensity first.
    Causal; identical to :class:`PpgPeakDetector` fed in chunks.

    Example:
        >>> from wearsdk.sim import Cohort
        >>> rec = Cohort(1, seed=0)[0].record(30.0)
        >>> peaks = ppg_peaks(rec.ppg[0], sampling_rate=64.0)
    """
    det = PpgPeakDetector(sampling_rate=sampling_rate)
    return np.unique(np.concatenate([det.push(x), det.flush()]))
