"""Hand-crafted single-lead ECG features: the baseline an ECG encoder's embedding must beat on real records.

Beats come from the SDK's own detector (:func:`wearsdk.ecg_peaks`); every feature is computed on the record's
own samples of a window (``valid_samples``: never on the repetition that fills a short record's window).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from wearsdk.train.real.datasets import RealDataset

__all__ = ["ECG_FEATURES", "ecg_features", "mean_hr_bpm", "window_hr_bpm", "dataset_hr", "dataset_features"]

#: Names of the columns of :func:`ecg_features`.
ECG_FEATURES = (
    "hr_bpm", "sdnn_s", "rmssd_s", "pnn50", "rr_cv", "rr_irregularity", "rr_range_ratio", "beats_per_s",
    "qrs_amplitude", "qrs_amplitude_cv", "beat_template_r", "spectral_entropy",
)


def _spectral_entropy(x: np.ndarray, fs: float) -> float:
    """Normalised Shannon entropy (0-1) of the Welch power spectrum of ``x`` between 0.5 and 40 Hz."""
    from scipy.signal import welch

    f, pxx = welch(x, fs=fs, nperseg=min(x.size, int(4 * fs)))
    p = pxx[(f >= 0.5) & (f <= 40.0)]
    p = p / (p.sum() + 1e-12)
    return float(-(p * np.log(p + 1e-12)).sum() / np.log(max(p.size, 2)))


def _template_r(x: np.ndarray, peaks: np.ndarray, fs: float) -> float:
    """Mean Pearson r of each beat (R +- 0.25 s) with the median beat: QRS-T morphology consistency."""
    half = int(0.25 * fs)
    beats = np.stack([x[p - half:p + half] for p in peaks if p - half >= 0 and p + half <= x.size] or
                     [np.zeros(2 * half)])
    if len(beats) < 2:
        return 0.0
    template = np.median(beats, axis=0)
    b = beats - beats.mean(1, keepdims=True)
    t = template - template.mean()
    return float(np.mean(b @ t / (np.linalg.norm(b, axis=1) * np.linalg.norm(t) + 1e-12)))


def ecg_features(x: np.ndarray, sampling_rate: float) -> np.ndarray:
    """:data:`ECG_FEATURES` of one lead ``x (samples,)`` (card-normalised units) at ``sampling_rate`` Hz.

    RR intervals outside 0.25-2.5 s are dropped before the HRV features; with fewer than 3 intervals the HRV
    features are 0. ``rr_irregularity``: mean |successive RR difference| / mean RR; ``rr_range_ratio``:
    (90th - 10th percentile RR) / median RR; ``qrs_amplitude``: median |x| at the beats.
    """
    from wearsdk import ecg_peaks

    x = np.asarray(x, np.float64)
    peaks = ecg_peaks(x, sampling_rate=sampling_rate)
    rr = np.diff(peaks) / sampling_rate
    rr = rr[(rr > 0.25) & (rr < 2.5)]
    if rr.size >= 3:
        d = np.diff(rr)
        hrv = [60.0 / rr.mean(), rr.std(), np.sqrt(np.mean(d**2)), np.mean(np.abs(d) > 0.05), rr.std() / rr.mean(),
               np.mean(np.abs(d)) / rr.mean(), (np.percentile(rr, 90) - np.percentile(rr, 10)) / np.median(rr)]
    else:
        hrv = [0.0] * 7
    amp = np.abs(x[peaks]) if peaks.size else np.zeros(1)
    return np.array([*hrv, peaks.size * sampling_rate / x.size, np.median(amp), amp.std() / (amp.mean() + 1e-12),
                     _template_r(x, peaks, sampling_rate), _spectral_entropy(x, sampling_rate)])


def mean_hr_bpm(beat_times_s: np.ndarray) -> float:
    """60 / mean interval (bpm) of increasing beat times ``(beats,)`` in s, ``60 * (beats - 1) / (last - first)``;
    NaN with fewer than 3 beats."""
    t = np.asarray(beat_times_s, np.float64)
    return 60.0 * (t.size - 1) / float(t[-1] - t[0]) if t.size >= 3 else float("nan")


def window_hr_bpm(x: np.ndarray, valid_samples: np.ndarray, sampling_rate: float,
                  progress: bool = False) -> np.ndarray:
    """Heart rate (bpm) of each window ``x (n, 1, W)``: :func:`mean_hr_bpm` of the R peaks that
    :func:`wearsdk.ecg_peaks` finds in its first ``valid_samples[i]`` samples (the definition of the annotated
    references, :mod:`wearsdk.train.real.holter`); NaN with fewer than 3 peaks. ``(n,)``."""
    from tqdm import tqdm

    from wearsdk import ecg_peaks

    return np.array([mean_hr_bpm(ecg_peaks(np.asarray(x[i, 0, :valid_samples[i]], np.float64),
                                           sampling_rate=sampling_rate) / sampling_rate)
                     for i in tqdm(range(len(x)), desc="HR (ecg_peaks)", disable=not progress, leave=False)])


def dataset_hr(ds: RealDataset, progress: bool = False) -> np.ndarray:
    """:func:`window_hr_bpm` of every window of a real dataset ``(windows,)``, cached beside its windows."""
    from wearsdk.train.real.datasets import cached_beside

    return cached_beside(ds, "hr_bpm_mean_rr", lambda d: window_hr_bpm(d.x, np.asarray(d.valid_samples),
                                                                       d.sampling_rate_hz, progress))


def dataset_features(ds: RealDataset, progress: bool = False) -> np.ndarray:
    """:func:`ecg_features` of every window of a real dataset ``(windows, len(ECG_FEATURES))``, each on the window's
    ``valid_samples`` only, cached beside its windows (``ecg_features.npy``)."""
    from tqdm import tqdm

    from wearsdk.train.real.datasets import cached_beside

    def compute(d: RealDataset) -> np.ndarray:
        return np.stack([ecg_features(d.x[i, 0, :d.valid_samples[i]], d.sampling_rate_hz)
                         for i in tqdm(range(len(d.x)), desc=f"{d.name}: features", disable=not progress)])

    return cached_beside(ds, "ecg_features", compute)
