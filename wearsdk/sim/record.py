"""What a simulated recording holds: the signals and their full ground truth."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from wearsdk.errors import UnknownNameError
from wearsdk.sim.leads import LEADS
from wearsdk.sim.ppg import PPG_CHANNELS
from wearsdk.sim.traits import Traits

__all__ = ["ACC_AXES", "SimRecording", "Truth"]

#: Accelerometer axes in the watch frame.
ACC_AXES: tuple[str, ...] = ("x", "y", "z")


@dataclass(frozen=True)
class Truth:
    """Ground truth of one recording; times in seconds from the recording start.

    Attributes:
        traits: the participant's traits.
        duration_s: length of the recording, s.
        sampling_rates: Hz per stream (``"ecg"``, ``"ppg"``, ``"acc"``), to turn times into indices.
        beat_times: (beats,) ventricular activation (R-peak) times, s, of every beat in the record.
        beat_symbols: (beats,) MIT-BIH beat symbols, ``"N"`` normal or ``"V"`` PVC.
        ppg_peak_times: (4, beats) systolic-peak time of each beat's pulse in each PPG channel, s (a pulse
            may peak after the record ends).
        ppg_foot_times: (beats,) pulse-onset time at the wrist, s.
        hr_per_s: (whole seconds,) mean instantaneous heart rate over each whole second, bpm.
        rhythm_per_s: (seconds,) rhythm label per second: ``"SR"`` sinus, ``"SB"`` sinus bradycardia
            (< 60 bpm over 10 s), ``"ST"`` sinus tachycardia (> 100 bpm), ``"AF"``.
        activity_per_s: (seconds,) activity intensity in [0, 1].
        activity_plan: the ``(start_s, end_s, name)`` episodes.
        resp_per_s: (seconds,) respiration phase signal in [-1, 1], mean per second.
        valid: stream -> (samples,) bool, False where a dropout removed the sample (NaN).
    """

    traits: Traits
    duration_s: float
    sampling_rates: dict[str, float]
    beat_times: np.ndarray
    beat_symbols: np.ndarray
    ppg_peak_times: np.ndarray
    ppg_foot_times: np.ndarray
    hr_per_s: np.ndarray
    rhythm_per_s: np.ndarray
    activity_per_s: np.ndarray
    activity_plan: list[tuple[float, float, str]]
    resp_per_s: np.ndarray
    valid: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def r_peaks(self) -> np.ndarray:
        """R-peak sample indices at the ECG rate (int64), one per beat of :attr:`beat_times` (a beat in the
        last half sample is put on the last sample)."""
        fs = self.sampling_rates["ecg"]
        n = int(round(self.duration_s * fs))
        return np.minimum(np.round(self.beat_times * fs).astype(np.int64), n - 1)

    def ppg_peaks(self, channel: int = 0) -> np.ndarray:
        """Systolic-peak sample indices at the PPG rate for one channel, peaks inside the record only."""
        fs = self.sampling_rates["ppg"]
        idx = np.round(self.ppg_peak_times[channel] * fs).astype(np.int64)
        n = int(round(self.duration_s * fs))
        return idx[(idx >= 0) & (idx < n)]


@dataclass(frozen=True)
class SimRecording:
    """One simulated recording of one participant.

    Attributes:
        ecg: (12, samples) float32, mV, leads in :data:`LEADS` order, at ``sampling_rates["ecg"]`` Hz.
        ppg: (4, samples) float32, arbitrary units (typical green pulse ~1), channels
            :data:`PPG_CHANNELS`, at ``sampling_rates["ppg"]`` Hz.
        acc: (3, samples) float32, g, axes x, y, z of the watch, at ``sampling_rates["acc"]`` Hz.
        sampling_rates: Hz per stream. A stream not requested is an empty ``(channels, 0)`` array.
        truth: the ground truth.
    """

    ecg: np.ndarray
    ppg: np.ndarray
    acc: np.ndarray
    sampling_rates: dict[str, float]
    truth: Truth
    leads: tuple[str, ...] = LEADS
    ppg_channels: tuple[str, ...] = PPG_CHANNELS
    acc_axes: tuple[str, ...] = ACC_AXES

    @property
    def duration_s(self) -> float:
        """Length of the recording, s."""
        return self.truth.duration_s

    def lead(self, name: str) -> np.ndarray:
        """One ECG lead ``(samples,)`` by name (e.g. ``"II"``, ``"V1"``)."""
        if name not in self.leads:
            raise UnknownNameError(f"unknown lead {name!r}; expected one of {list(self.leads)}.")
        return self.ecg[self.leads.index(name)]
