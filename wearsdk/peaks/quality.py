"""Pulse-shape signal quality: how alike the beats of a window are (template matching).

For each window, every beat (from ``-0.3`` to ``+0.7`` median intervals around its peak, on the
0.5-8 Hz band-passed signal) is correlated with the window's mean beat; the window's quality is the
mean correlation (Orphanidou et al., IEEE JBHI 19:832-838, 2015, who accept PPG windows above ~0.86).
Motion artifacts, arrhythmia and wrong peaks all lower it.

One failure it cannot see: during walking or running the detector may lock onto the arm swing, whose
pulses are regular and alike. Given the wrist's accelerometer, a window whose beat rate matches the
movement rhythm (:func:`~wearsdk.peaks.motion.follows_motion`: within 8 % of 0.5, 1 or 2 times its
dominant frequency while the wrist moves) gets quality 0: its pulses cannot be told from the motion
(the cadence check of accelerometer-aided wrist HR trackers, e.g. Zhang et al., IEEE TBME 62:522-531,
2015).
"""

from __future__ import annotations

import numpy as np

from wearsdk.errors import ConfigError, ShapeError
from wearsdk.peaks._checks import as_signal, check_rate, check_samples, check_window
from wearsdk.peaks._filter import _Bandpass
from wearsdk.peaks.motion import WristMotion, follows_motion, wrist_motion
from wearsdk.peaks.rate import heart_rate

__all__ = ["ppg_quality", "GOOD_QUALITY"]

#: Template correlation above which a window counts as clean (Orphanidou et al. 2015).
GOOD_QUALITY = 0.86


def ppg_quality(x: np.ndarray, peaks: np.ndarray, *, sampling_rate: float, window_s: float = 10.0,
                acc: np.ndarray | None = None, acc_sampling_rate: float | None = None) -> np.ndarray:
    """Template-matching quality of a PPG channel ``(samples,)`` per window of ``window_s`` seconds.

    Args:
        x: one PPG channel, any units, pulses up.
        peaks: its systolic peaks (sample indices, e.g. from :func:`~wearsdk.peaks.ppg_peaks`).
        sampling_rate: Hz.
        window_s: window length, s.
        acc: optional ``(axes, samples)`` accelerometer of the same wrist and time span, g; windows whose
            beat rate follows the movement rhythm get quality 0 (see the module docstring).
        acc_sampling_rate: Hz of ``acc`` (required with it).

    Returns:
        ``(windows,)`` mean beat-to-template correlation in [-1, 1]; NaN where a window has < 3 beats.
        Compare with :data:`GOOD_QUALITY`.
    """
    fs = check_rate(sampling_rate, minimum=16.0, what="ppg_quality")
    sig = as_signal(x, allow_nan=True)
    check_samples(sig, what="ppg_quality", shape="(samples,)")
    window_s = check_window(window_s)
    sig = np.where(np.isfinite(sig), sig, np.nanmedian(sig) if np.isfinite(sig).any() else 0.0)
    y = _Bandpass(sampling_rate=fs, low=0.5, high=8.0, order=2)(sig)
    peaks = np.asarray(peaks, dtype=np.int64)
    n_win = int(sig.size // int(round(window_s * fs)))
    out = np.full(n_win, np.nan)
    locked = (np.zeros(n_win, dtype=bool) if acc is None
              else _motion_locked(acc, acc_sampling_rate, peaks, fs, window_s, n_win, sig.size / fs))
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
    out[locked] = np.minimum(out[locked], 0.0)
    return out


def _motion_locked(acc: np.ndarray, acc_rate: float | None, peaks: np.ndarray, fs: float, window_s: float,
                   n_win: int, duration_s: float) -> np.ndarray:
    """``(n_win,)`` bool: the wrist moves and the window's beat rate matches its movement rhythm."""
    if acc_rate is None:
        raise ConfigError("acc was given without acc_sampling_rate; pass the accelerometer's rate in Hz.")
    motion = wrist_motion(acc, sampling_rate=acc_rate, window_s=window_s)  # validates acc and its rate
    acc_s = np.shape(acc)[-1] / float(acc_rate)
    if abs(acc_s - duration_s) > 1.0:
        raise ShapeError(f"acc covers {acc_s:.1f} s but the PPG {duration_s:.1f} s; pass the accelerometer of "
                         "the same time span (shaped (axes, samples)) and its true acc_sampling_rate.")
    freq, rms, rate = np.full(n_win, np.nan), np.full(n_win, np.nan), np.full(n_win, np.nan)
    k = min(n_win, motion.rms_g.size)  # an accelerometer up to 1 s short leaves the last window unchecked
    freq[:k], rms[:k] = motion.frequency_hz[:k], motion.rms_g[:k]
    hr = heart_rate(peaks, sampling_rate=fs, window_s=window_s, duration_s=duration_s)[:n_win]  # NaN: no beats
    rate[: hr.size] = hr
    return follows_motion(rate, WristMotion(freq, rms))
