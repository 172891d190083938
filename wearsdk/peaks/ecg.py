"""R-peak detection, offline and streaming, after Pan & Tompkins (IEEE TBME 32:230-236, 1985).

Causal pipeline: 12 ms running median (removes one-sample spikes) -> band-pass 5-15 Hz -> derivative ->
square -> 150 ms moving-window integration (MWI). MWI maxima that dominate +-200 ms are QRS candidates,
classified with the adaptive signal/noise peak levels of Pan & Tompkins (threshold = NPK + 0.25 (SPK -
NPK); the SPK update is clipped at 3x so one large artifact does not hide the next beats), a 200 ms
refractory period, T-wave rejection (a candidate within 360 ms of a QRS with under half its steepest
slope or half its MWI energy) and search-back when no QRS came for 1.66 x the median of the last eight RR
intervals (or 1 s before two are known); after 2.5 s without a QRS the signal level is halved, so a
large artifact cannot silence the detector. Because every filter is causal, the MWI peak lags the R
wave; each accepted QRS is located on the raw signal as the largest deviation from the local median in
the 250 ms before the MWI peak (the lag of the band-pass plus the MWI); two QRS located within 200 ms
count once. ``ecg_peaks(x)`` is :class:`EcgPeakDetector` fed the whole signal at once, so offline and
streaming results are identical.
"""

from __future__ import annotations

import numpy as np

from wearsdk.peaks._checks import as_signal, check_rate
from wearsdk.peaks._filter import _Bandpass

__all__ = ["EcgPeakDetector", "ecg_peaks"]

_REFRACTORY_S = 0.2
_TWAVE_S = 0.36
_MWI_S = 0.15
_LEARN_S = 2.0
_SEARCH_S = 0.25
_KEEP_S = 12.0
_LOST_S = 2.5


class EcgPeakDetector:
    """Streaming R-peak detector for one ECG lead (mV, any polarity) at ``sampling_rate`` Hz.

    ``push(chunk)`` takes ``(samples,)`` of any length and returns the R peaks (global sample indices,
    int64) that became final; ``flush()`` returns the rest at the end of the stream. Peaks come out about
    one beat late (a candidate is final once the next 200 ms refractory window has passed). NaN samples
    (dropouts) are held at the last valid value.

    >>> det = EcgPeakDetector(sampling_rate=250.0)
    >>> peaks = np.concatenate([det.push(chunk) for chunk in np.array_split(x, 50)] + [det.flush()])
    ... # doctest: +SKIP
    """

    def __init__(self, *, sampling_rate: float) -> None:
        self.fs = check_rate(sampling_rate, minimum=50.0, what="ECG R-peak detection")
        self._bp = _Bandpass(sampling_rate=self.fs, low=5.0, high=15.0, order=2)
        self._mwi_n = max(1, int(round(_MWI_S * self.fs)))
        self._refr = int(round(_REFRACTORY_S * self.fs))
        self._twave = int(round(_TWAVE_S * self.fs))
        self._learn = int(round(_LEARN_S * self.fs))
        self._search = int(round(_SEARCH_S * self.fs))
        self._keep = int(round(_KEEP_S * self.fs))
        self._med_n = max(1, int(0.012 * self.fs) | 1)
        self._med_tail: np.ndarray | None = None
        self._raw = np.zeros(0)  # raw samples from global index self._start
        self._mwi = np.zeros(0)
        self._sq = np.zeros(0)  # squared slope of the band-passed signal
        self._start = 0
        self._n = 0  # samples seen
        self._last_value = 0.0
        self._prev_y = np.zeros(2)
        self._sq_tail = np.zeros(0)
        self._scanned = 0  # global index up to which MWI maxima were classified
        self._spk = self._npk = None
        self._qrs: list[tuple[int, float, float]] = []  # accepted, not emitted: (index, MWI, slope^2)
        self._noise: list[tuple[int, float, float]] = []  # rejected candidates since the last QRS
        self._rr: list[int] = []
        self._last_qrs: tuple[int, float, float] | None = None
        self._last_r = -(10**12)  # last emitted R peak (global index)
        self._start_idx = 0
        self._lost = int(round(_LOST_S * self.fs))

    # -- signal path ---------------------------------------------------------------------------
    def _hold_nan(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64)
        bad = ~np.isfinite(x)
        if bad.any():
            idx = np.where(~bad, np.arange(x.size), -1)
            np.maximum.accumulate(idx, out=idx)
            x = np.where(idx >= 0, x[np.maximum(idx, 0)], self._last_value)
        if x.size:
            self._last_value = float(x[-1])
        return x

    def _despike(self, x: np.ndarray) -> np.ndarray:
        """Causal running median over ~12 ms (delay ``k // 2`` samples): removes one- or few-sample
        spikes and keeps the QRS. The stream starts as if preceded by its first sample."""
        k = self._med_n
        if k == 1 or x.size == 0:
            return x
        if self._med_tail is None:
            self._med_tail = np.full(k - 1, x[0])
        ext = np.concatenate([self._med_tail, x])
        self._med_tail = ext[-(k - 1):]
        return np.median(np.lib.stride_tricks.sliding_window_view(ext, k), axis=1)

    def _feature(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """MWI and squared slope of the band-passed signal for a new chunk."""
        y = self._bp(x)
        ext = np.concatenate([self._prev_y, y])
        self._prev_y = ext[-2:]
        sq = ((ext[2:] - ext[:-2]) * (0.5 * self.fs)) ** 2
        ext_sq = np.concatenate([self._sq_tail, sq])
        csum = np.concatenate([[0.0], np.cumsum(ext_sq)])
        k = self._mwi_n
        lead = self._sq_tail.size
        idx = np.arange(lead, lead + sq.size)
        lo = np.maximum(idx + 1 - k, 0)
        mwi = (csum[idx + 1] - csum[lo]) / k
        self._sq_tail = ext_sq[-(k - 1):] if k > 1 else np.zeros(0)
        return mwi, sq

    # -- public API ------------------------------------------------------------------------------
    def push(self, x: np.ndarray) -> np.ndarray:
        """Feed the next ``(samples,)`` chunk; returns newly final R-peak indices (int64)."""
        x = self._despike(self._hold_nan(as_signal(x, allow_nan=True)))
        self._raw = np.concatenate([self._raw, x])
        mwi, sq = self._feature(x)
        self._mwi = np.concatenate([self._mwi, mwi])
        self._sq = np.concatenate([self._sq, sq])
        self._n += x.size
        return self._process(final=False)

    def flush(self) -> np.ndarray:
        """End of stream: classify what is left and return the remaining R peaks."""
        return self._process(final=True)

    # -- decision logic --------------------------------------------------------------------------
    def _candidates(self, final: bool) -> list[tuple[int, float, float]]:
        """MWI maxima in [scanned, n - refractory) (or to the end when ``final``) that dominate +-200 ms,
        as ``(index, MWI value, largest squared slope in the MWI window)``."""
        end = self._n if final else self._n - self._refr
        lo = max(self._scanned, self._start + 1)
        if end - 1 <= lo:
            return []
        m = self._mwi[lo - 1 - self._start: end + 1 - self._start]
        core = m[1:-1]
        is_max = (core > m[:-2]) & (core >= m[2:])
        self._scanned = end
        pos = np.flatnonzero(is_max)
        out = []
        for p in pos:
            i = int(lo + p)
            w_lo, w_hi = max(i - self._refr, self._start) - self._start, min(i + self._refr + 1, self._n)
            if self._mwi[w_lo: w_hi - self._start].max() > core[p]:
                continue  # not the dominant maximum within +-200 ms: a wiggle of a larger complex
            a = max(i - self._mwi_n + 1, self._start) - self._start
            out.append((i, float(core[p]), float(self._sq[a: i + 1 - self._start].max())))
        return out

    def _locate(self, i: int) -> int:
        """R peak on the raw (despiked) signal for an MWI maximum at global index ``i``: the largest
        deviation from the local median in the ``_SEARCH_S`` window before the delay-corrected MWI peak."""
        lo = max(i - self._search - int(round(self._bp.delay)), self._start)
        seg = self._raw[lo - self._start: i + 1 - self._start]
        if seg.size == 0:
            return i
        return int(lo + np.argmax(np.abs(seg - np.median(seg)))) - self._med_n // 2

    def _accept(self, cand: tuple[int, float, float], weight: float) -> None:
        if self._last_qrs is not None:
            self._rr = (self._rr + [cand[0] - self._last_qrs[0]])[-8:]
        # Clip the update so one huge artifact cannot blind the detector for the next beats.
        self._spk = weight * min(cand[1], 3.0 * self._spk) + (1 - weight) * self._spk
        self._qrs.append(cand)
        self._last_qrs = cand
        self._noise = []

    def _process(self, final: bool) -> np.ndarray:
        if self._spk is None:
            if self._n < self._learn and not final:
                return np.zeros(0, dtype=np.int64)
            first = self._mwi[: self._learn]
            # initial signal level: a quarter of the median of the four 0.5 s maxima (one artifact in the
            # learning window cannot set it)
            blocks = first[: first.size // 4 * 4].reshape(4, -1).max(axis=1) if first.size >= 4 else first
            self._spk = 0.25 * float(np.median(blocks)) if first.size else 0.0
            self._npk = 0.5 * float(first.mean()) if first.size else 0.0
        for cand in self._candidates(final):
            self._classify(cand)
        out = self._emit(final)
        self._trim()
        return out

    def _classify(self, cand: tuple[int, float, float]) -> None:
        i, v, slope = cand
        thr = self._npk + 0.25 * (self._spk - self._npk)
        last = self._last_qrs
        since = i - (last[0] if last is not None else self._start_idx)
        if since > self._lost:
            # No QRS for a long time: the signal level was set by an artifact; let it fall.
            self._spk = max(0.5 * self._spk, self._npk)
            thr = self._npk + 0.25 * (self._spk - self._npk)
        if last is not None:
            typical_rr = float(np.median(self._rr)) if len(self._rr) >= 2 else self.fs  # 60 bpm prior
            if i - last[0] > 1.66 * typical_rr and self._noise:
                best = max((c for c in self._noise if c[0] - last[0] > self._refr), key=lambda c: c[1],
                           default=None)
                if best is not None and best[1] > 0.5 * thr:
                    self._accept(best, 0.25)
                    last = self._last_qrs
        if last is not None and i - last[0] < self._refr:
            return  # refractory (only equal maxima can be this close)
        if v > thr:
            if last is not None and i - last[0] < self._twave and (slope < 0.25 * last[2] or v < 0.5 * last[1]):
                # T wave: under half the QRS's steepest slope (squared: a quarter) or half its energy
                self._npk = 0.125 * v + 0.875 * self._npk
                return
            self._accept(cand, 0.125)
        else:
            self._npk = 0.125 * v + 0.875 * self._npk
            self._noise.append(cand)

    def _emit(self, final: bool) -> np.ndarray:
        ready = self._qrs if final else self._qrs[:-1]
        out = []
        for c in ready:
            r = self._locate(c[0])
            if r - self._last_r >= self._refr:  # two candidates landing on one beat count once
                out.append(r)
                self._last_r = r
        self._qrs = [] if final else self._qrs[-1:]
        return np.array(out, dtype=np.int64)

    def _trim(self) -> None:
        drop = self._raw.size - self._keep
        if drop > 0:
            self._raw = self._raw[drop:]
            self._mwi = self._mwi[drop:]
            self._sq = self._sq[drop:]
            self._start += drop


def ecg_peaks(x: np.ndarray, *, sampling_rate: float) -> np.ndarray:
    """R-peak sample indices (int64, increasing) of one ECG lead ``(samples,)`` at ``sampling_rate`` Hz.

    Works on any lead and polarity (the peak is the largest QRS deflection); tolerates baseline wander,
    powerline noise and NaN dropouts. Causal and identical to :class:`EcgPeakDetector` fed in chunks.

    Example:
        >>> from wearsdk.sim import Cohort
        >>> rec = Cohort(1, seed=0)[0].record(20.0)
        >>> peaks = ecg_peaks(rec.lead("II"), sampling_rate=500.0)
    """
    det = EcgPeakDetector(sampling_rate=sampling_rate)
    return np.unique(np.concatenate([det.push(x), det.flush()]))
