"""PPG systolic-peak detection, offline and streaming: two event-related moving averages (Elgendi et al.,
PLoS ONE 8:e76585, 2013), made causal.

Causal band-pass 0.5-8 Hz (order 2), negative half clipped and squared (``z``), so the systolic upstroke
dominates. Two centred moving averages of ``z``: over 111 ms (``ma_peak``, the width of a systolic peak) and
667 ms (``ma_beat``, about one beat). A *block of interest* is a run where ``ma_peak > 1.02 ma_beat``; a block
at least 111 ms long holds one systolic peak, at its largest filtered value. (Elgendi et al. add 0.02 times the
mean of ``z`` over the whole record; a running mean of ``z`` would carry a large artifact's energy for many
seconds, so the offset here is relative to the local ``ma_beat``.) Of two peaks closer than 300 ms (HR > 200 bpm)
the larger is kept. There are no learned amplitude or interval references, so a large motion artifact or a
change of sensor contact cannot lock the detector out or make it count every other beat: it follows the
signal again within one beat.

Centring the averages needs ``333 ms`` of look-ahead; peaks are final one 300 ms gap after their block ends.
Each peak is located on the raw signal: the maximum within +-80 ms of the filtered peak moved back by the
filter's group delay. ``ppg_peaks(x)`` is :class:`PpgPeakDetector` fed the whole signal at once.
"""

from __future__ import annotations

import numpy as np

from wearsdk.peaks._checks import as_signal, check_rate, check_samples, hold_last_finite
from wearsdk.peaks._filter import _Bandpass

__all__ = ["PpgPeakDetector", "ppg_peaks"]

_PEAK_S = 0.111  # W1 of Elgendi et al.: systolic-peak width
_BEAT_S = 0.667  # W2: one beat
_BETA = 0.02  # relative offset of the block threshold over ma_beat
_MIN_GAP_S = 0.3
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
        self._bp = _Bandpass(sampling_rate=self.fs, low=0.5, high=8.0, order=2)
        self._w1 = max(1, int(round(_PEAK_S * self.fs)))
        self._w2 = max(self._w1 + 1, int(round(_BEAT_S * self.fs)))
        self._ahead = self._w2 // 2  # look-ahead of the centred averages
        self._gap = int(round(_MIN_GAP_S * self.fs))
        self._refine = max(1, int(round(_REFINE_S * self.fs)))
        self._keep = int(round(_KEEP_S * self.fs))
        self._raw = np.zeros(0)
        self._y = np.zeros(0)  # band-passed signal
        self._z = np.zeros(0)  # clipped and squared
        self._start = 0  # global index of the buffers' first sample
        self._n = 0
        self._next = 0  # next global index whose block membership is decided
        self._last_value = 0.0
        self._block: tuple[int, int, float] | None = None  # open block: (start, argmax of y, max of y)
        self._pending: tuple[int, float] | None = None  # last peak (index, y), may still be replaced

    def push(self, x: np.ndarray) -> np.ndarray:
        """Feed the next ``(samples,)`` chunk; returns newly final peak indices (int64)."""
        x, self._last_value = hold_last_finite(as_signal(x, allow_nan=True), self._last_value)
        y = self._bp(x)
        z = np.maximum(y, 0.0) ** 2
        self._raw = np.concatenate([self._raw, x])
        self._y = np.concatenate([self._y, y])
        self._z = np.concatenate([self._z, z])
        self._n += x.size
        return self._process(final=False)

    def flush(self) -> np.ndarray:
        """End of stream: return the remaining peaks (the last ``333 ms`` are judged with shorter averages)."""
        return self._process(final=True)

    def _centred_mean(self, lo: int, hi: int, w: int) -> np.ndarray:
        """Mean of ``z`` over ``w`` samples centred on each global index in ``[lo, hi)``, clipped to the
        buffered samples (each value sums exactly the same samples in any chunking)."""
        half = w // 2
        a, b = lo - half, hi - half + w - 1
        z = self._z[max(a, self._start) - self._start: min(b, self._n) - self._start]
        z = np.pad(z, (max(self._start - a, 0), max(b - self._n, 0)), mode="edge")  # lo < n: never empty
        return np.lib.stride_tricks.sliding_window_view(z, w).mean(axis=1)

    def _process(self, final: bool) -> np.ndarray:
        end = self._n if final else self._n - self._ahead
        out: list[int] = []
        if end > self._next:
            lo, hi = self._next, end
            ma_peak = self._centred_mean(lo, hi, self._w1)
            ma_beat = self._centred_mean(lo, hi, self._w2)
            inside = ma_peak > (1.0 + _BETA) * ma_beat
            y = self._y[lo - self._start: hi - self._start]
            for k in range(hi - lo):
                out.extend(self._step(lo + k, bool(inside[k]), float(y[k])))
            self._next = end
        if final:
            if self._block is not None:
                out.extend(self._close_block(self._n))
            if self._pending is not None:
                out.append(self._locate(self._pending[0]))
                self._pending = None
        self._trim()
        return np.array(out, dtype=np.int64)

    def _step(self, i: int, inside: bool, y: float) -> list[int]:
        """One sample's block membership; returns peaks that became final."""
        out: list[int] = []
        if self._pending is not None and i - self._pending[0] > self._gap and self._block is None:
            out.append(self._locate(self._pending[0]))
            self._pending = None
        if inside:
            if self._block is None:
                self._block = (i, i, y)
            elif y > self._block[2]:
                self._block = (self._block[0], i, y)
        elif self._block is not None:
            out.extend(self._close_block(i))
        return out

    def _close_block(self, end: int) -> list[int]:
        """End the open block at ``end`` (exclusive); a long enough one holds a peak."""
        start, peak, value = self._block
        self._block = None
        if end - start < self._w1:
            return []
        out: list[int] = []
        pend = self._pending
        if pend is not None and peak - pend[0] < self._gap:
            if value > pend[1]:
                self._pending = (peak, value)
            return []
        if pend is not None:
            out.append(self._locate(pend[0]))
        self._pending = (peak, value)
        return out

    def _locate(self, i: int) -> int:
        c = i - int(round(self._bp.delay))
        lo, hi = max(c - self._refine, self._start), min(c + self._refine + 1, self._n)
        if hi <= lo:
            return i
        return int(lo + np.argmax(self._raw[lo - self._start: hi - self._start]))

    def _trim(self) -> None:
        drop = max(self._raw.size - self._keep, 0)
        self._raw, self._y, self._z = (b[drop:] for b in (self._raw, self._y, self._z))
        self._start += drop


def ppg_peaks(x: np.ndarray, *, sampling_rate: float) -> np.ndarray:
    """Systolic-peak sample indices (int64, increasing) of one PPG channel ``(samples,)``.

    ``sampling_rate`` in Hz (>= 16). Pulses must point up (blood volume); invert raw intensity first.
    Causal apart from 333 ms of look-ahead; identical to :class:`PpgPeakDetector` fed in chunks.

    Example:
        >>> from wearsdk.sim import Cohort
        >>> rec = Cohort(1, seed=0)[0].record(30.0)
        >>> peaks = ppg_peaks(rec.ppg[0], sampling_rate=64.0)
    """
    det = PpgPeakDetector(sampling_rate=sampling_rate)
    check_samples(x, what="ppg_peaks", shape="(samples,)")
    return np.unique(np.concatenate([det.push(x), det.flush()]))
