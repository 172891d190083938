"""Pulse-shape signal quality: how alike the beats of a window are (template matching).

For each window, every beat (from ``-0.3`` to ``+0.7`` median intervals around its peak, on the
0.5-8 Hz band-passed signal) is correlated with the window's mean beat; the window's quality is the
mean correlation (Orphanidou et al., IEEE JBHI 19:832-838, 2015, who accept PPG windows above ~0.86).
Motion artifacts, arrhythmia and wrong peaks all lower it.
"""

from __future__ import annotations

import numpy as np

from wearsdk.errors import ConfigError
from wearsdk.peaks._checks import as_signal, check_rate
from wearsdk.peaks._filter import _Bandpass

__all__ = ["ppg_quality", "GOOD_QUALITY"]

#: Template correlation above which a window counts as clean (Orphanidou et al. 2015).
GOOD_QUALITY = 0.86


def ppg_quality(x: np.ndarray, peaks: np.ndarray, *, sampling_rate: float, window_s: float = 10.0) -> np.ndarray:
    """Template-matching quality of a PPG channel ``(samples,)`` per window of ``window_s`` seconds.

    Args:
        x: one PPG channel, any units, pulses up.
        peaks: its systolic peaks (sample indices, e.g. from :func:`~wearsdk.peaks.ppg_peaks`).
        sampling_rate: Hz.
        window_s: window length, s.

    Returns:
        ``(windows,)`` mean beat-to-template correlation in [-1, 1]; NaN where a window has < 3 beats.
        Compare with :data:`GOOD_QUALITY`.
    """
    fs = check_rate(sampling_rate, minimum=16.0, what="ppg_quality")
    sig = as_signal(x, allow_nan=True)
    if not np.isfinite(window_s) or window_s <= 0:
        raise ConfigError(f"window_s={window_s!r} must be a positive number of seconds.")
    sig = np.where(np.isfinite(sig), sig, np.nanmedian(sig) if np.isfinite(sig).any() else 0.0)
    y = _Bandpass(sampling_rate=fs, low=0.5, high=8.0, order=2)(sig)
    peaks = np.asarray(peaks, dtype=np.int64)
    n_win = int(sig.size // int(round(window_s * fs)))
    out = np.full(n_win, np.nan)
    if peaks.size < 3:
        return out
    rr = float(np.median(np.diff(peaks)))
    pre, post = int(0.3 * rr), int(0.7 * rr)
    peaks = peaks[(peaks >= pre) & (peaks + post < sig.size)]
    which = (peaks // int(round(window_s * fs))).astype(np.int64)
    for w in range(n_win):
        sel = peaks[which == w]
        if sel.size < 3:
            continue
        beats = np.stack([y[p - pre: p + post] for p in sel])
        beats = beats - beats.mean(axis=1, keepdims=True)
        template = beats.mean(axis=0)
        norm = np.linalg.norm(beats, axis=1) * np.linalg.norm(template)
        out[w] = float(np.mean(beats @ template / np.where(norm > 0, norm, np.inf)))
    return out
