"""R-peak detection, offline and streaming, after Pan & Tompkins (IEEE TBME 32:230-236, 1985).

Causal pipeline: 12 ms running median (removes one-sample spikes) -> band-pass 5-15 Hz -> derivative ->
square -> 150 ms moving-window integration (MWI). QRS candidates are the MWI maxima that are the largest
MWI *maximum* within +-200 ms (only other maxima compete, not the decaying flank of a neighbour, so a beat
riding on the energy tail of a large ectopic beat or artifact just before it is still seen). They are
classified with the adaptive signal/noise peak levels of Pan & Tompkins (threshold = NPK + 0.25 (SPK -
NPK); the SPK update is clipped at 3x so one large artifact does not hide the next beats) and a 200 ms
refractory period.

T-wave rejection, for a candidate inside 360 ms of the last QRS or, once four RR intervals are known,
inside 70 % of their median (the QT interval shortens with the heart rate: Bazett, Heart 7:353-370,
1920): a T wave has under half the QRS's steepest 5-15 Hz slope (Pan & Tompkins), or under half its MWI
energy, or under half its peak 15-40 Hz amplitude. The last is a second scale: the QRS is the only
ECG wave with much energy above 15 Hz, so a T wave taller and steeper than the QRS still fails it
(cf. the multi-band QRS detectors of Afonso et al., IEEE TBME 46:192-202, 1999). These tests compare
with the last QRS, which may itself have been an ectopic beat or an artifact much larger than the
rhythm's beats. So a candidate in its T-wave window is still a QRS when the rhythm expects a beat there
(within 15 % of the median RR after the QRS before the last one), its +-60 ms window correlates >= 0.9
with the running median beat of the last eight QRS (a template, detrended; the template matching of
Hamilton & Tompkins' and later beat classifiers, e.g. de Chazal et al. 2004) and it passes the same
T-wave tests against the median features of those beats.

A QRS is retracted when the next one shows it was an artifact (an electrode pop or a motion spike between
two beats): it came before 70 % of the median RR, the next QRS comes within 15 % of one median RR after the
QRS before it (the rhythm ignored it) with the shape and size of the recent beats, and it is over twice
their size in all three features, with their polarity (template correlation >= 0.5). Premature
supraventricular beats keep the beats' size and reset the rhythm; ventricular ones have their own wide
shape and, almost always, a pause after them. Peaks are emitted one QRS late, so this changes no output
already given.

Search-back (Pan & Tompkins): when no QRS came for 1.5 x the median of the last eight RR intervals (or
1 s before two are known), and once more at the end of the stream, every rejected candidate above half
the threshold that fits the gap is accepted, the largest first, each at least max(200 ms, 0.6 RR) from
the others, so two missed beats in one gap are both recovered (candidates rejected as T waves are not
eligible). Pan & Tompkins waited 1.66 RR; a missed beat followed by a premature (ectopic) beat at
0.6 RR leaves a gap of only 1.6 RR, which 1.5 RR still catches. After 2.5 s without a QRS the signal level
is halved, so a large artifact cannot silence the detector.

Location: every filter is causal, so the MWI peak lags the R wave. Each accepted QRS is searched in the
MWI window moved back by the band-pass group delay (+-50 ms), narrowed to +-75 ms (half the widest QRS)
around its strongest 15-40 Hz activity, as the largest deviation of the raw signal from its 200 ms
running median (a baseline that follows wander, steps and the slower P and T waves but not
the QRS: de Chazal et al., IEEE TBME 51:1196-1206, 2004), then moved to the extremum of that polarity
within +-20 ms, so a notched R is marked at the same point in every beat. Two QRS located within 200 ms
count once. ``ecg_peaks(x)`` is :class:`EcgPeakDetector` fed the whole signal at once, so offline and
streaming results are identical.
"""

from __future__ import annotations

import numpy as np

from wearsdk.peaks._checks import as_signal, check_rate, check_samples, hold_last_finite
from wearsdk.peaks._filter import _Bandpass

__all__ = ["EcgPeakDetector", "ecg_peaks"]

_REFRACTORY_S = 0.2
_TWAVE_S = 0.36
_MWI_S = 0.15
_LEARN_S = 2.0
_REFINE_S = 0.05
_BASE_S = 0.1
_PEAK_S = 0.02
_HALF_QRS_S = 0.075
_KEEP_S = 12.0
_LOST_S = 2.5
_SEARCH_BACK_RR = 1.5  # gap, in median RR intervals, that triggers search-back
_SHAPE_S = 0.06  # half width of the beat window compared with the running template
_MATCH = 0.9  # template correlation of a beat with the shape of the recent beats
_ON_TIME_RR = 0.15  # a beat within this fraction of the median RR of where the rhythm expects it


def _corr(a: np.ndarray, b: np.ndarray) -> float:
    den = float(np.sqrt((a @ a) * (b @ b)))
    return float(a @ b) / den if den > 0 else 0.0


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
        self._hp = _Bandpass(sampling_rate=self.fs, low=15.0, high=40.0, order=2)
        self._mwi_n = max(1, int(round(_MWI_S * self.fs)))
        self._refr = int(round(_REFRACTORY_S * self.fs))
        self._twave = int(round(_TWAVE_S * self.fs))
        self._learn = int(round(_LEARN_S * self.fs))
        self._refine = max(1, int(round(_REFINE_S * self.fs)))
        self._base = max(1, int(round(_BASE_S * self.fs)))
        self._peak = max(1, int(round(_PEAK_S * self.fs)))
        self._half_qrs = max(1, int(round(_HALF_QRS_S * self.fs)))
        self._keep = int(round(_KEEP_S * self.fs))
        self._memory = int(round((_KEEP_S - 2.0) * self.fs))  # oldest candidate search-back may revisit
        self._med_n = max(1, int(0.012 * self.fs) | 1)
        self._med_tail: np.ndarray | None = None
        self._raw = np.zeros(0)  # raw samples from global index self._start
        self._mwi = np.zeros(0)
        self._sq = np.zeros(0)  # squared slope of the band-passed signal
        self._hf = np.zeros(0)  # |15-40 Hz band|: the QRS has energy there, T waves hardly any
        self._start = 0
        self._n = 0  # samples seen
        self._last_value = 0.0
        self._prev_y = np.zeros(2)
        self._sq_tail = np.zeros(0)
        self._scanned = 0  # global index up to which MWI maxima were classified
        self._spk = self._npk = None
        self._qrs: list[tuple] = []  # accepted, not emitted: (index, MWI, slope^2, |HF|, R peak)
        self._noise: list[tuple[int, float, float, float]] = []  # rejected candidates since the last QRS
        self._rr: list[int] = []
        self._last_qrs: tuple | None = None
        self._last_r = -(10**12)  # last emitted R peak (global index)
        self._start_idx = 0
        self._lost = int(round(_LOST_S * self.fs))
        self._shape_n = max(2, int(round(_SHAPE_S * self.fs)))
        self._prev_qrs: int | None = None  # MWI index of the QRS before the last one
        self._beats: list[tuple[np.ndarray, tuple[float, ...]]] = []  # last eight QRS: (shape, features)
        self._undo: tuple | None = None  # state before the last QRS was accepted (see _retract_last)

    # -- signal path ---------------------------------------------------------------------------
    def _hold_nan(self, x: np.ndarray) -> np.ndarray:
        x, self._last_value = hold_last_finite(x, self._last_value)
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
        self._hf = np.concatenate([self._hf, np.abs(self._hp(x))])
        self._n += x.size
        return self._process(final=False)

    def flush(self) -> np.ndarray:
        """End of stream: classify what is left and return the remaining R peaks."""
        return self._process(final=True)

    # -- decision logic --------------------------------------------------------------------------
    def _candidates(self, final: bool) -> list[tuple[int, float, float, float]]:
        """MWI maxima in [scanned, n - refractory) (or to the end when ``final``) that are the largest MWI
        maximum within +-200 ms, as ``(index, MWI value, largest squared slope in the MWI window)``.

        Only other maxima count, not the slopes of a neighbouring complex: a beat that rides on the
        decaying energy of a large ectopic beat or artifact just before it stays a candidate."""
        s, r = self._start, self._refr
        end = self._n if final else self._n - r - 1
        lo = max(self._scanned, s + 1)
        if end <= lo:
            return []
        a = max(lo - r, s + 1)
        b = min(end + r, self._n - 1)  # local maxima are decidable in [a, b)
        m = self._mwi[a - 1 - s: b + 1 - s]
        core = m[1:-1]
        is_max = (core > m[:-2]) & (core >= m[2:])
        peak_val = np.where(is_max, core, -np.inf)
        self._scanned = end
        out = []
        for p in np.flatnonzero(is_max[lo - a: end - a]):
            k = int(p) + lo - a
            i = a + k
            if peak_val[max(k - r, 0): k + r + 1].max() > core[k]:
                continue  # a wiggle of a larger complex
            w = max(i - self._mwi_n + 1, s) - s
            h = max(i - self._mwi_n - int(round(self._bp.delay)), s) - s
            out.append((i, float(core[k]), float(self._sq[w: i + 1 - s].max()), float(self._hf[h: i + 1 - s].max())))
        return out

    def _locate(self, i: int) -> int:
        """R peak on the raw (despiked) signal for an MWI maximum at global index ``i``.

        The QRS lies in the MWI window moved back by the band-pass group delay (widened by ``_REFINE_S``
        on each side), within ``_HALF_QRS_S`` of the window's largest 15-40 Hz amplitude. There the R
        peak is the largest deviation of the raw signal from its running median over ``2 _BASE_S``
        (200 ms). That median is the baseline under the QRS: it follows wander, steps and the slower P
        and T waves but ignores the QRS, which fills less than half of the window (the baseline estimate
        of de Chazal et al., IEEE TBME 51:1196-1206, 2004)."""
        d = int(round(self._bp.delay))
        w, h = self._refine, self._base
        lo = max(i - self._mwi_n - d - w, self._start)
        hi = min(i - d + w + 1, self._n)
        if hi <= lo:
            return i
        # The R peak lies inside the QRS, which is at most ~150 ms wide, and so does the strongest 15-40 Hz
        # activity: keep +-75 ms around the latter (drops broad P/T and motion waves in the window).
        dh = int(round(self._hp.delay))
        hseg = self._hf[min(lo + dh, self._n - 1) - self._start: min(hi + dh, self._n) - self._start]
        if hseg.size:
            c = lo + int(np.argmax(hseg))
            lo, hi = max(lo, c - self._half_qrs), min(hi, c + self._half_qrs + 1)
        a, b = max(lo - h, self._start), min(hi + h, self._n)
        seg = np.pad(self._raw[a - self._start: b - self._start], (h - (lo - a), h - (b - hi)), mode="edge")
        base = np.median(np.lib.stride_tricks.sliding_window_view(seg, 2 * h + 1), axis=1)
        dev = seg[h: h + hi - lo] - base
        k = int(np.argmax(np.abs(dev)))
        # the extremum of that polarity within +-_PEAK_S: the same point of a notched or slurred R in
        # every beat, whatever the running baseline does across the notch
        k0 = k - self._peak  # seg extends h >= _peak samples beyond the window on both sides
        sign = 1.0 if dev[k] >= 0 else -1.0
        k = k0 + int(np.argmax(sign * seg[h + k0: h + k + self._peak + 1]))
        return lo + k - self._med_n // 2

    def _shape(self, r: int) -> np.ndarray:
        """The beat at R peak ``r`` (global index): its window of +-``_SHAPE_S`` on the despiked signal,
        minus its least-squares line (the baseline wander across one beat)."""
        q = r + self._med_n // 2 - self._start  # into the despiked buffer
        h = self._shape_n
        seg = self._raw[max(q - h, 0): q + h + 1]
        if seg.size < 2 * h + 1:
            seg = np.pad(seg, (max(h - q, 0), 2 * h + 1 - seg.size - max(h - q, 0)), mode="edge")
        t = np.arange(seg.size) - h
        seg = seg - seg.mean()
        return seg - t * float(t @ seg) / float(t @ t)

    def _typical(self) -> tuple[np.ndarray, tuple[float, ...]] | None:
        """Median beat (template) and median features of the last eight QRS, once four are known."""
        if len(self._beats) < 4:
            return None
        shapes, feats = zip(*self._beats, strict=True)
        return np.median(shapes, axis=0), tuple(np.median(feats, axis=0))

    def _on_time(self, i: int) -> bool:
        """Whether a candidate at MWI index ``i`` is where the rhythm expects the beat after the QRS before
        the last one (within 15 % of the median RR interval), once four intervals are known."""
        if self._prev_qrs is None or len(self._rr) < 4:
            return False
        rr = float(np.median(self._rr))
        return abs(i - self._prev_qrs - rr) < _ON_TIME_RR * rr

    def _accept(self, cand: tuple[int, float, float, float], weight: float, r: int | None = None) -> None:
        """Accept a QRS; ``r``, its R peak, is located here unless given (it is stored with the candidate)."""
        r = self._locate(cand[0]) if r is None else r
        shape = self._shape(r)
        if self._last_is_artifact(cand, shape):
            self._retract_last()
        self._undo = (self._last_qrs, self._prev_qrs, self._spk)
        self._beats = (self._beats + [(shape, cand[1:4])])[-8:]
        cand = (*cand[:4], r)
        if self._last_qrs is not None:
            self._prev_qrs = self._last_qrs[0]
            self._rr = (self._rr + [cand[0] - self._last_qrs[0]])[-8:]
        # Clip the update so one huge artifact cannot blind the detector for the next beats.
        self._spk = weight * min(cand[1], 3.0 * self._spk) + (1 - weight) * self._spk
        self._qrs.append(cand)
        self._last_qrs = cand
        self._noise = []

    def _last_is_artifact(self, cand: tuple[int, float, float, float], shape: np.ndarray) -> bool:
        """Whether the last QRS, judged now that the next one ``cand`` (with its beat ``shape``) is known, was
        an artifact: it came early (under 70 % of the median RR), the rhythm ignored it (``cand`` lies within
        15 % of one median RR after the QRS before it, with the shape and size of the recent beats), and it
        is over twice as large as those beats in all three features while keeping their polarity (template
        correlation >= 0.5). Premature supraventricular beats keep the beats' size and reset the rhythm;
        ventricular ones have their own (wide) shape; an electrode pop or a motion spike between two beats
        towers over them and leaves the rhythm as it was."""
        last, before = self._last_qrs, self._undo[0] if self._undo is not None else None
        if last is None or before is None or len(self._rr) < 5 or len(self._beats) < 5 or last not in self._qrs:
            return False
        rr = float(np.median(self._rr[:-1]))
        if last[0] - before[0] >= 0.7 * rr or abs(cand[0] - before[0] - rr) >= _ON_TIME_RR * rr:
            return False
        shapes, feats = zip(*self._beats[:-1], strict=True)
        template, typical = np.median(shapes[-8:], axis=0), tuple(np.median(feats[-8:], axis=0))
        return (_smaller(typical, last[1:4], every=True) and _corr(self._beats[-1][0], template) >= 0.5
                and _corr(shape, template) >= _MATCH and not _smaller(cand[1:4], typical)
                and not _smaller(typical, cand[1:4]))

    def _retract_last(self) -> None:
        """Take back the last accepted QRS (not yet emitted, and not the first: its RR interval is dropped
        too): the state returns to before it was accepted."""
        self._qrs.remove(self._last_qrs)
        self._last_qrs, self._prev_qrs, self._spk = self._undo
        self._beats, self._rr = self._beats[:-1], self._rr[:-1]
        self._undo = None

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
        if final:
            self._end_search_back()
        out = self._emit(final)
        self._trim()
        return out

    def _classify(self, cand: tuple[int, float, float, float]) -> None:
        i, v, slope, hf = cand
        thr = self._npk + 0.25 * (self._spk - self._npk)
        last = self._last_qrs
        since = i - (last[0] if last is not None else self._start_idx)
        if since > self._lost:
            # No QRS for a long time: the signal level was set by an artifact; let it fall.
            self._spk = max(0.5 * self._spk, self._npk)
            thr = self._npk + 0.25 * (self._spk - self._npk)
        self._noise = [c for c in self._noise if i - c[0] < self._memory]  # still inside the buffer
        if last is not None:
            typical_rr = float(np.median(self._rr)) if len(self._rr) >= 2 else self.fs  # 60 bpm prior
            if i - last[0] > _SEARCH_BACK_RR * typical_rr and self._noise:
                self._search_back(0.5 * thr, max(self._refr, 0.6 * typical_rr), i)
                last = self._last_qrs
        if last is not None and i - last[0] < self._refr:
            return  # refractory (only equal maxima can be this close)
        if v > thr:
            typical = self._typical()
            r = self._locate(i)
            # The T wave follows the QRS by about the QT interval, which shortens with the heart rate
            # (Bazett 1920): once four intervals are known the window is at most 70 % of their median.
            twave = self._twave if len(self._rr) < 4 else min(self._twave, 0.7 * float(np.median(self._rr)))
            if last is not None and i - last[0] < twave and _smaller(cand[1:4], last[1:4]) and not (
                    typical is not None and self._on_time(i) and _corr(self._shape(r), typical[0]) >= _MATCH
                    and not _smaller(cand[1:4], typical[1])):
                # T wave: under half the last QRS's steepest slope (squared: a quarter), half its energy or
                # half its 15-40 Hz amplitude; unless the last "QRS" came early (an ectopic beat or an
                # artifact) and this one comes on time, with the shape and size of the recent beats
                self._npk = 0.125 * v + 0.875 * self._npk
                return
            self._accept(cand, 0.125, r)
        else:
            self._npk = 0.125 * v + 0.875 * self._npk
            self._noise.append(cand)

    def _end_search_back(self) -> None:
        """At the end of the stream, search back over a final gap longer than ``_SEARCH_BACK_RR`` RR as well."""
        last = self._last_qrs
        if last is None or not self._noise:
            return
        typical_rr = float(np.median(self._rr)) if len(self._rr) >= 2 else self.fs
        if self._n - last[0] > _SEARCH_BACK_RR * typical_rr:
            thr = self._npk + 0.25 * (self._spk - self._npk)
            self._search_back(0.5 * thr, max(self._refr, 0.6 * typical_rr), self._n + self._refr)

    def _search_back(self, thr: float, gap: float, until: int) -> None:
        """Pan & Tompkins' search-back with the lower threshold, for every missed beat of a long gap: the
        largest rejected candidates above ``thr``, each at least ``gap`` samples from the last QRS, from
        the candidate at ``until`` that ended the gap and from one another, are accepted in time order."""
        taken = [self._last_qrs[0], until]
        found = []
        for c in sorted(self._noise, key=lambda c: -c[1]):
            if c[1] <= thr:
                break
            if min(abs(c[0] - t) for t in taken) >= gap and c[0] > self._last_qrs[0]:
                taken.append(c[0])
                found.append(c)
        for c in sorted(found):
            self._accept(c, 0.25)

    def _emit(self, final: bool) -> np.ndarray:
        ready = self._qrs if final else self._qrs[:-1]
        out = []
        for c in ready:
            r = c[4]
            if r - self._last_r >= self._refr:  # two candidates landing on one beat count once
                out.append(r)
                self._last_r = r
        self._qrs = [] if final else self._qrs[-1:]
        return np.array(out, dtype=np.int64)

    def _trim(self) -> None:
        drop = max(self._raw.size - self._keep, 0)
        self._raw, self._mwi, self._sq, self._hf = (b[drop:] for b in (self._raw, self._mwi, self._sq, self._hf))
        self._start += drop


def _smaller(f: tuple, ref: tuple, every: bool = False) -> bool:
    """Features ``(MWI, slope^2, |HF|)`` of a T wave against those of a QRS: under half the QRS's in any of
    them (squared slope: a quarter), or in every one of them when ``every``."""
    below = (f[1] < 0.25 * ref[1], f[0] < 0.5 * ref[0], f[2] < 0.5 * ref[2])
    return all(below) if every else any(below)


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
    check_samples(x, what="ecg_peaks", shape="(samples,)")
    return np.unique(np.concatenate([det.push(x), det.flush()]))
