"""4-channel wrist PPG driven by the ECG's beats.

Each beat ejects a pulse that reaches the wrist after the pre-ejection period (PEP ~ 95 ms, shorter at
higher HR) plus the pulse transit time PTT = path / PWV, path ~ 0.46 x height. The pulse is a sum of
four Gaussians (a Gaussian-sum pulse decomposition, cf. Baruch et al., Biomed Eng Online 10:61, 2011):
the forward systolic wave, the reflected wave (arriving 2 x 0.5 m x height/1.7 m / PWV after it and
larger in stiff arteries, which raises the augmentation index and hides the dicrotic notch, as with age),
the dicrotic wave at the end of ejection (LVET = 413 - 1.7 HR ms, Weissler et al., Circulation 1968)
and a diastolic run-off that rises with systole and decays exponentially (tau ~ 0.35 s x sqrt(RR); the
arterial Windkessel discharge, Frank 1899), which keeps the pulse broad as in real PPG.
Beat amplitude follows the preceding filling time (short RR -> small pulse; PVC -> weak pulse),
respiration modulates amplitude (RIAV), baseline (RIIV) and PTT, and perfusion drifts slowly.

Channels (:data:`PPG_CHANNELS`): two green photodiodes at different LED distances, red and infrared.
Longer wavelengths reach deeper arteries (larger reflected wave) and are more sensitive to motion.
Output is in arbitrary units with a typical green pulse amplitude of ~1.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from wearsdk.sim._kernels import gaussian_train, skewed, skewed_train
from wearsdk.sim._smooth import lowpass_noise
from wearsdk.sim.motion import Motion
from wearsdk.sim.rhythm import PVC, Beats, Drives
from wearsdk.sim.traits import Traits

__all__ = ["PPG_CHANNELS", "PpgResult", "synthesize_ppg"]

#: PPG channel names, in output order.
PPG_CHANNELS: tuple[str, ...] = ("green_near", "green_far", "red", "ir")
# channel: (AC gain, reflection factor, motion sensitivity, white noise SD relative to the green pulse)
_CHANNELS = np.array([
    [1.00, 1.00, 0.6, 0.010],
    [0.70, 1.05, 0.8, 0.015],
    [0.45, 1.15, 1.4, 0.020],
    [0.55, 1.20, 1.6, 0.018],
])
_PEAK_GRID = np.arange(0.0, 0.45, 0.002)
_RUNOFF_SIGMA, _RUNOFF_TAU = 0.09, 1.5  # s: rise SD and decay time constant (at RR = 1 s) of the run-off


@dataclass(frozen=True)
class PpgResult:
    """``ppg`` (4, samples) a.u.; ``peak_times`` (4, beats) s of each beat's systolic peak per channel;
    ``foot_times`` (beats,) s of each pulse onset at the wrist."""

    ppg: np.ndarray
    peak_times: np.ndarray
    foot_times: np.ndarray


def _beat_waves(traits: Traits, beats: Beats, drives: Drives) -> tuple[np.ndarray, ...]:
    """Per beat: foot time, and (4, beats) centres, widths (decay tau for the run-off) and amplitudes of
    the systolic, reflected, dicrotic and run-off waves."""
    hr = 60.0 / np.clip(beats.rr, 0.25, 2.5)
    resp = drives.at("resp", beats.times)
    pep = np.clip(0.095 - 0.0004 * (hr - 60.0), 0.05, 0.12) + 0.03 * (beats.kind == PVC)
    ptt = 0.46 * traits.height_cm / 100.0 / (0.75 * traits.pwv) * (1.0 - 0.02 * resp)
    foot = beats.times + pep + ptt
    rise = 0.15 * np.clip(beats.rr, 0.4, 1.5) ** 0.3
    sys_c = foot + rise
    refl_delay = 2 * 0.5 * (traits.height_cm / 170.0) / traits.pwv
    refl_amp = np.clip(0.30 + 0.06 * (traits.pwv - 7.0), 0.15, 0.9)
    lvet = np.clip(0.413 - 0.0017 * hr, 0.18, 0.40)
    centers = np.stack([sys_c, sys_c + refl_delay, foot + lvet + 0.05, sys_c + 0.03])
    sigmas = np.stack([np.full_like(foot, s) for s in (0.075, 0.08, 0.05, _RUNOFF_SIGMA)])
    sigmas[3] = _RUNOFF_TAU * np.clip(beats.rr, 0.4, 1.6) ** 0.5  # row 3 holds the run-off decay tau
    notch = np.clip(0.32 - 0.04 * (traits.pwv - 7.0), 0.05, 0.4)
    median_rr = np.median(beats.rr)
    fill = np.clip(beats.rr / median_rr, 0.4, 1.6) ** 0.7 * np.where(beats.kind == PVC, 0.35, 1.0)
    amp = 0.7 * fill * (1.0 + 0.08 * resp)  # a typical green pulse (peak to foot) ~1 a.u.
    amps = np.stack([0.2 * amp, 0.4 * refl_amp * amp, 0.4 * notch * amp, 0.9 * amp])
    return foot, centers, sigmas, amps


def synthesize_ppg(t: np.ndarray, traits: Traits, beats: Beats, drives: Drives, motion: Motion,
                   rng: np.random.Generator, noise_scale: float = 1.0) -> PpgResult:
    """4-channel PPG at times ``t`` (s, uniformly spaced); see the module docstring for the model.

    ``noise_scale`` multiplies the sensor noise (0 = none); motion artifacts follow ``motion``.
    """
    fs = 1.0 / (t[1] - t[0])
    foot, centers, sigmas, amps = _beat_waves(traits, beats, drives)
    waves = np.stack([gaussian_train(t.size, fs, centers[i] - t[0], sigmas[i], amps[i]) for i in range(3)]
                     + [skewed_train(t.size, fs, centers[3] - t[0], _RUNOFF_SIGMA, sigmas[3], amps[3])])
    perfusion = traits.perfusion * np.exp(0.1 * lowpass_noise(rng, t.size, fs, 0.02))
    perfusion *= 1.0 - 0.3 * drives.at("activity", t)  # vasoconstriction during exercise
    resp = drives.at("resp", t)
    dyn = motion.dynamic(t)
    ppg = np.empty((len(PPG_CHANNELS), t.size))
    peaks = np.empty((len(PPG_CHANNELS), foot.size))
    rel = _PEAK_GRID[None, :] + foot[:, None]
    for c, (gain, refl, motion_sens, noise_sd) in enumerate(_CHANNELS):
        pulse = waves[0] + refl * waves[1] + waves[2] + waves[3]
        w1, w2 = rng.normal(0.0, 1.0, (2, 3))
        artifact = motion_sens * 4.0 * (w1 @ dyn / np.linalg.norm(w1) + 0.5 * (w2 @ dyn) ** 2)
        baseline = 0.15 * gain * resp + 0.1 * gain * lowpass_noise(rng, t.size, fs, 0.05)
        ppg[c] = gain * perfusion * pulse + baseline + artifact
        ppg[c] += noise_scale * noise_sd * rng.standard_normal(t.size)
        shape = sum(
            f * amps[i][:, None] * np.exp(-0.5 * ((rel - centers[i][:, None]) / sigmas[i][:, None]) ** 2)
            for i, f in enumerate((1.0, refl, 1.0))
        ) + amps[3][:, None] * skewed(rel - centers[3][:, None], _RUNOFF_SIGMA, sigmas[3][:, None])
        peaks[c] = foot + _PEAK_GRID[np.argmax(shape, axis=1)]
    return PpgResult(ppg=ppg, peak_times=peaks, foot_times=foot)
