"""ECG noise and recording faults: baseline wander, powerline, EMG, electrode motion, clipping, dropouts.

Levels follow the MIT-BIH Noise Stress Test conventions (Moody, Muldrow & Mark, Comput Cardiol 1984):
baseline wander below 0.5 Hz (respiration-locked plus random), muscle (EMG) noise broadband 20-150 Hz,
electrode motion 0.5-10 Hz in bursts during activity. Slow components are generated on a coarse grid
and interpolated, which keeps the simulator fast at 500 Hz.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from wearsdk.errors import ConfigError, SamplingRateError
from wearsdk.sim._smooth import slow_noise

__all__ = ["Noise", "add_ecg_noise", "apply_faults"]

# (12 leads) x (electrodes RA, LA, LL, V1..V6): I = LA - RA, II = LL - RA, III = LL - LA,
# aVR = RA - (LA + LL)/2, aVL = LA - (RA + LL)/2, aVF = LL - (RA + LA)/2, Vi = Vi - (RA + LA + LL)/3.
_ELECTRODES_TO_LEADS = np.zeros((12, 9))
_ELECTRODES_TO_LEADS[:6, :3] = [[-1, 1, 0], [-1, 0, 1], [0, -1, 1], [1, -0.5, -0.5], [-0.5, 1, -0.5],
                                [-0.5, -0.5, 1]]
_ELECTRODES_TO_LEADS[6:, :3] = -1.0 / 3.0
_ELECTRODES_TO_LEADS[6:, 3:] = np.eye(6)


@dataclass(frozen=True)
class Noise:
    """Noise and fault levels of a recording (mV for ECG; PPG noise is relative to a typical pulse).

    Attributes:
        baseline_mv: baseline-wander amplitude (SD), mV.
        powerline_mv: mains interference amplitude, mV (0 disables it).
        powerline_hz: mains frequency, 50 or 60 Hz.
        emg_mv: muscle-noise SD, mV, at rest (grows with activity).
        electrode_motion_mv: electrode-motion SD, mV, at full activity.
        ppg_noise: PPG sensor-noise multiplier (1 = typical wrist sensor, 0 = none).
        saturation_mv: ECG ADC range; samples beyond +-saturation_mv are clipped (None = no clipping).
        dropouts_per_min: expected number of dropouts per minute in each stream (samples set to NaN).
        dropout_s: mean dropout length, s.
    """

    baseline_mv: float = 0.05
    powerline_mv: float = 0.01
    powerline_hz: float = 50.0
    emg_mv: float = 0.008
    electrode_motion_mv: float = 0.05
    ppg_noise: float = 1.0
    saturation_mv: float | None = None
    dropouts_per_min: float = 0.0
    dropout_s: float = 0.5

    def __post_init__(self) -> None:
        for name, value in asdict(self).items():
            if value is not None and (not np.isfinite(value) or value < 0):
                raise ConfigError(f"Noise.{name}={value!r} must be a finite non-negative number.")
        if self.powerline_hz not in (50.0, 60.0):
            raise ConfigError(f"Noise.powerline_hz must be 50 or 60, got {self.powerline_hz}.")
        if self.saturation_mv is not None and self.saturation_mv <= 0:
            raise ConfigError(f"Noise.saturation_mv must be positive or None, got {self.saturation_mv}.")

    @classmethod
    def clean(cls) -> Noise:
        """No noise and no faults at all (for realism checks and algorithm ground truth)."""
        return cls(baseline_mv=0.0, powerline_mv=0.0, emg_mv=0.0, electrode_motion_mv=0.0, ppg_noise=0.0)


def add_ecg_noise(ecg: np.ndarray, t: np.ndarray, noise: Noise, resp: np.ndarray, activity: np.ndarray,
                  rng: np.random.Generator) -> np.ndarray:
    """Add noise to a 12-lead ECG ``(12, samples)`` mV sampled at times ``t``; returns a new array.

    ``resp`` and ``activity`` are the respiration and activity drives at ``t``. Noise enters at the
    electrodes (RA, LA, LL, V1-V6) and is combined like the leads, so Einthoven's law still holds.
    """
    fs = 1.0 / (t[1] - t[0])
    n = t.size
    if noise.powerline_mv > 0 and fs <= 2 * noise.powerline_hz:
        raise SamplingRateError(
            f"powerline noise at {noise.powerline_hz} Hz needs an ECG sampling rate above "
            f"{2 * noise.powerline_hz} Hz, got {fs:.1f} Hz; raise the ECG rate or pass "
            "Noise(powerline_mv=0)."
        )
    # Deterministic and slow parts as mixing (9 electrodes x K) @ basis (K x samples), then one product
    # with the electrode-to-lead matrix; random fast parts (EMG, electrode motion) added per electrode.
    mix, basis = [], []
    if noise.baseline_mv > 0:
        mix += [0.7 * noise.baseline_mv * np.eye(9), 0.5 * noise.baseline_mv * rng.normal(0, 1, (9, 1))]
        basis += [slow_noise(rng, t, 0.0, 0.3, 9), resp[None, :]]
    if noise.powerline_mv > 0:
        # sin(k w t + phi_k) = sin(k w t) cos(phi_k) + cos(k w t) sin(phi_k), for the mains and its 3rd harmonic
        phase = rng.uniform(0, 2 * np.pi, (9, 1))
        coupling = noise.powerline_mv * rng.lognormal(0, 0.4, (9, 1))
        wt = 2 * np.pi * noise.powerline_hz * t
        for k, weight in ((1, 1.0), (3, 0.1)):
            mix += [weight * coupling * np.cos(k * phase), weight * coupling * np.sin(k * phase)]
            basis += [np.sin(k * wt)[None, :], np.cos(k * wt)[None, :]]
    to_leads = _ELECTRODES_TO_LEADS.astype(np.float32)
    out = ecg.astype(np.float32, copy=True)
    if mix:
        out += (_ELECTRODES_TO_LEADS @ np.hstack(mix)).astype(np.float32) @ np.vstack(basis).astype(np.float32)
    electrodes = None
    if noise.emg_mv > 0:
        # Muscle noise: first difference of white noise (spectrum rising to Nyquist, like surface EMG
        # above ~20 Hz), unit SD, louder with activity.
        white = rng.standard_normal((9, n + 1), dtype=np.float32)
        electrodes = (white[:, 1:] - white[:, :-1]) * (noise.emg_mv / np.sqrt(2.0) * (1.0 + 4.0 * activity)
                                                        ).astype(np.float32)
    if noise.electrode_motion_mv > 0 and np.any(activity > 0):
        burst = activity * (0.5 + np.abs(slow_noise(rng, t, 0.0, 0.2, 1)[0]))
        motion = (noise.electrode_motion_mv * burst * slow_noise(rng, t, 0.5, min(10.0, 0.45 * fs), 9))
        electrodes = motion.astype(np.float32) if electrodes is None else electrodes + motion.astype(np.float32)
    if electrodes is not None:
        out += to_leads @ electrodes
    return out


def apply_faults(x: np.ndarray, fs: float, noise: Noise, rng: np.random.Generator,
                 clip: float | None) -> tuple[np.ndarray, np.ndarray]:
    """Clip ``x`` ``(channels, samples)`` at ``+-clip`` and drop random spans to NaN.

    Returns the faulty signal and a boolean ``(samples,)`` mask that is True where the sample is valid
    (not dropped). Clipped samples stay valid but sit exactly at the rail.
    """
    if clip is not None:
        x = np.clip(x, -clip, clip)
    valid = np.ones(x.shape[-1], dtype=bool)
    if noise.dropouts_per_min > 0:
        duration_min = x.shape[-1] / fs / 60.0
        for _ in range(rng.poisson(noise.dropouts_per_min * duration_min)):
            length = max(1, int(rng.exponential(noise.dropout_s) * fs))
            start = int(rng.integers(0, x.shape[-1]))
            valid[start:start + length] = False
        x = np.where(valid, x, np.nan)
    return x, valid
