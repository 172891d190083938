"""Test-side ECG measurements applied identically to simulated and real 12-lead records.

Median beat per lead around R peaks, then global (all-lead) fiducials: QRS on/offset from the summed
absolute slope of the leads (> 15 % of its maximum), T end where the spatial T magnitude falls below 15 %
of its peak, P onset where the spatial P magnitude rises above 15 % of its peak.
"""

from __future__ import annotations

import numpy as np

from wearsdk.peaks import ecg_peaks

_INDEPENDENT = [0, 1, 6, 7, 8, 9, 10, 11]  # I, II, V1..V6
PRE_S, POST_S = 0.35, 0.65


def median_beats(ecg: np.ndarray, fs: float, peaks: np.ndarray | None = None) -> np.ndarray:
    """(12, window) median beat, each lead's baseline = median of its 40 ms before P onset region."""
    if peaks is None:
        peaks = ecg_peaks(ecg[1], sampling_rate=fs)
    pre, post = int(PRE_S * fs), int(POST_S * fs)
    peaks = peaks[(peaks > pre) & (peaks < ecg.shape[1] - post)]
    rr = np.diff(peaks) / fs
    keep = np.ones(peaks.size, bool)
    if rr.size > 2:  # drop beats around irregular intervals (ectopy)
        med = np.median(rr)
        bad = np.abs(rr - med) > 0.2 * med
        keep[1:] &= ~bad
        keep[:-1] &= ~bad
    segs = np.stack([ecg[:, k - pre:k + post] for k in peaks[keep]])
    beat = np.median(segs, axis=0)
    base = beat[:, : int(0.04 * fs)].mean(axis=1, keepdims=True)
    return beat - base


def fiducials(beat: np.ndarray, fs: float) -> dict[str, float]:
    """PR, QRS, QT (s) and amplitudes (mV) of a (12, window) median beat from :func:`median_beats`."""
    r = int(PRE_S * fs)
    sub = beat[_INDEPENDENT]
    slope = np.abs(np.diff(sub, axis=1)).sum(axis=0) * fs
    win_on, win_off = r - int(0.12 * fs), r + int(0.16 * fs)
    thr = 0.15 * slope[win_on:win_off].max()
    active = np.flatnonzero(slope[win_on:win_off] >= thr) + win_on
    on, off = int(active.min()), int(active.max())
    mag = np.sqrt((sub**2).sum(axis=0))
    t_lo, t_hi = off + int(0.06 * fs), r + int(0.6 * fs)
    t_peak = t_lo + int(np.argmax(mag[t_lo:t_hi]))
    below = np.flatnonzero(mag[t_peak:t_hi] < 0.15 * mag[t_peak])
    t_end = t_peak + (int(below[0]) if below.size else t_hi - t_peak)
    p_lo, p_hi = r - int(0.32 * fs), on - int(0.02 * fs)
    p_peak = p_lo + int(np.argmax(mag[p_lo:p_hi]))
    before = np.flatnonzero(mag[p_lo:p_peak] < 0.15 * mag[p_peak])
    p_on = p_lo + (int(before[-1]) if before.size else 0)
    ii, v1, v5 = beat[1], beat[6], beat[10]
    qrs = slice(on, off + 1)
    return {
        "pr": (on - p_on) / fs,
        "qrs": (off - on) / fs,
        "qt": (t_end - on) / fs,
        "r_ii": float(ii[qrs].max()),
        "s_v1": float(-v1[qrs].min()),
        "r_v5": float(v5[qrs].max()),
        "t_ii": float(ii[t_peak]),
        "p_amp": float(mag[p_peak]),
    }
