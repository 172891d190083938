"""4-channel wrist PPG driven by the ECG's beats.

Each beat ejects a pulse that reaches the wrist after the pre-ejection period (PEP ~ 95 ms, shorter at higher
HR) plus the pulse transit time PTT = path / PWV, path ~ 0.46 x height. The pulse is the arterial volume pulse
plus two Gaussian waves (a pulse decomposition, cf. Baruch et al., Biomed Eng Online 10:61, 2011). The volume
pulse rises from the foot to its crest during rapid ejection (a half-Hann upstroke of ~0.15 s x RR^0.3) and then
declines: 20 % of it during late systole (tau 0.35 s), 80 % with the arterial Windkessel discharge (Frank 1899;
tau = ``Traits.runoff_s`` (2 s by default) x sqrt(RR),
of the order of the arterial RC time, shorter in stiff arteries), until the next beat's upstroke starts. On it ride
the reflected wave (arriving 2 x 0.5 m x height/1.7 m / PWV after the crest and larger in stiff arteries, which
raises the augmentation index and hides the dicrotic notch, as with age) and a small dicrotic wave at the end of
ejection (LVET = 413 - 1.7 HR ms, Weissler et al., Circulation 1968). A fast upstroke and a slow decline give
the first difference of band-passed PPG its positive skewness, in the raw signal and after the encoders' causal
band-pass alike (docs/sim.md); an earlier sum of four Gaussians (one of them a symmetric systolic wave) rose
over ~0.25 RR and came out with the opposite skewness after that band-pass.
Beat amplitude follows the preceding filling time (short RR -> small pulse; PVC -> weak pulse),
respiration modulates amplitude (RIAV), baseline (RIIV) and PTT, and perfusion drifts slowly.
Per person (:class:`~wearsdk.sim.traits.Traits`): the upstroke (``upstroke_s``), the run-off time constant
(``runoff_s``) and the dicrotic wave (``dicrotic``) scale with age and stiffness in the wide population; at the
finger (``site``) the path is longer, the reflected wave returns height / PWV after the crest (the stiffness
index, Millasseau et al., Clin Sci 103:371, 2002) and the dicrotic wave is 2.5x larger; vasoconstriction shrinks
the pulse (x (1 - 0.6 v)) and raises the reflected (x (1 + 0.2 v)) and dicrotic (x (1 + 0.5 v)) waves;
vasodilation d (sepsis, fever, anaesthesia: low resistance) shortens the run-off (geometrically from
``runoff_s`` towards 0.05 s by sqrt(d)), lowers the reflected wave (x (1 - 0.5 d)) and raises the dicrotic wave
(x (1 + 3 d), to at most 0.6 of the pulse). A young finger then shows a deep notch before a tall diastolic
peak, the "dicrotic pulse" of low-resistance states, as on ICU monitors.

Channels (:data:`PPG_CHANNELS`): two green photodiodes at different LED distances, red and infrared.
Longer wavelengths reach deeper arteries (larger reflected wave) and are more sensitive to motion.
Output is in arbitrary units with a typical green pulse amplitude of ~1.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from wearsdk.sim._kernels import gaussian, gaussian_train, rise_decay, rise_decay_train
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
_SYSTOLIC_TAU = 0.35  # s: decay of the share of the volume pulse that leaves the wrist during late systole
_RUNOFF_SHARE = 0.8  # of the volume pulse that decays with the Windkessel time constant
# vasodilation d (Traits.vasodilation): the run-off time constant moves geometrically from runoff_s towards
# _DILATED_RUNOFF_S (by sqrt(d)), the reflected wave loses a share _DILATED_REFLECTION * d, and the dicrotic
# wave grows by x (1 + _DILATED_DICROTIC * d) up to _DILATED_DICROTIC_MAX of the pulse (never below what it was
# undilated)
_DILATED_RUNOFF_S = 0.05
_DILATED_REFLECTION = 0.5
_DILATED_DICROTIC = 3.0
_DILATED_DICROTIC_MAX = 0.6
# site: (PTT path / height, reflected-wave round trip / (height / 1.7 m) in m, dicrotic-wave gain)
_SITES = {"wrist": (0.46, 1.0, 1.0), "finger": (0.55, 1.7, 2.5)}


@dataclass(frozen=True)
class PpgResult:
    """``ppg`` (4, samples) a.u.; ``peak_times`` (4, beats) s of each beat's systolic peak per channel;
    ``foot_times`` (beats,) s of each pulse onset at the wrist."""

    ppg: np.ndarray
    peak_times: np.ndarray
    foot_times: np.ndarray


def _beat_waves(traits: Traits, beats: Beats, drives: Drives) -> tuple[np.ndarray, ...]:
    """Per beat: foot time (s); (2, beats) centres, SDs and amplitudes of the reflected and dicrotic Gaussian
    waves; and the volume pulse's crest time, upstroke duration, decay time constant (s) and amplitude."""
    hr = 60.0 / np.clip(beats.rr, 0.25, 2.5)
    resp = drives.at("resp", beats.times)
    path, refl_path, dicrotic_gain = _SITES[traits.site]
    vaso, dilation = traits.vasoconstriction, traits.vasodilation
    pep = np.clip(0.095 - 0.0004 * (hr - 60.0), 0.05, 0.12) + 0.03 * (beats.kind == PVC)
    ptt = path * traits.height_cm / 100.0 / (0.75 * traits.pwv) * (1.0 - 0.02 * resp)
    foot = beats.times + pep + ptt
    rise = traits.upstroke_s * np.clip(beats.rr, 0.4, 1.5) ** 0.3
    crest = foot + rise
    refl_delay = refl_path * (traits.height_cm / 170.0) / traits.pwv
    refl_amp = (np.clip(0.30 + 0.06 * (traits.pwv - 7.0), 0.15, 0.9) * (1.0 + 0.2 * vaso)
                * (1.0 - _DILATED_REFLECTION * dilation))
    lvet = np.clip(0.413 - 0.0017 * hr, 0.18, 0.40)
    centers = np.stack([crest + refl_delay, foot + lvet + 0.05])
    sigmas = np.stack([np.full_like(foot, 0.08), np.full_like(foot, 0.05)])
    notch = np.clip(0.32 - 0.04 * (traits.pwv - 7.0), 0.05, 0.4) * (1.0 + 0.5 * vaso)
    median_rr = np.median(beats.rr)
    fill = np.clip(beats.rr / median_rr, 0.4, 1.6) ** 0.7 * np.where(beats.kind == PVC, 0.35, 1.0)
    amp = 0.7 * fill * (1.0 + 0.08 * resp)  # a typical green pulse (peak to foot) ~1 a.u.
    dicrotic = 0.2 * dicrotic_gain * traits.dicrotic * notch
    dicrotic = min(dicrotic * (1.0 + _DILATED_DICROTIC * dilation), max(dicrotic, _DILATED_DICROTIC_MAX))
    amps = np.stack([0.4 * refl_amp * amp, dicrotic * amp])
    toward = np.sqrt(dilation)  # the run-off shortens first, so the growing dicrotic wave never tops the crest
    runoff = traits.runoff_s ** (1.0 - toward) * _DILATED_RUNOFF_S**toward * np.clip(beats.rr, 0.4, 1.6) ** 0.5
    taus = np.stack([np.full_like(foot, _SYSTOLIC_TAU), runoff])
    vol_amps = np.stack([(1.0 - _RUNOFF_SHARE) * amp, _RUNOFF_SHARE * amp])
    return foot, centers, sigmas, amps, (crest, rise, taus, vol_amps)


def _waves_near_feet(rel, foot, centers, sigmas, amps, crest, rise, taus, vol_amps) -> tuple[np.ndarray, ...]:
    """The noise-free volume pulse, reflected and dicrotic waves of *all* beats, each ``(beats, grid)``, at the
    times ``rel`` (:data:`_PEAK_GRID` after each foot; earlier beats' slow decays tilt the signal there, which
    moves its maximum), and a mask of the grid points at or after the next beat's foot."""
    out = [np.zeros_like(rel) for _ in range(3)]
    rr = np.diff(foot)
    lags = int(np.ceil(7.0 * taus.max() / max(float(rr.min()), 0.2))) + 1 if rr.size else 1
    for lag in range(min(lags, foot.size)):
        j = np.arange(lag, foot.size)  # rows that have a beat `lag` before them
        k = j - lag
        u = rel[j]
        for i in range(2):
            out[0][j] += vol_amps[i][k, None] * rise_decay(u - crest[k, None], rise[k, None], taus[i][k, None])
        for w in (0, 1):
            out[w + 1][j] += amps[w][k, None] * gaussian(u - centers[w][k, None], sigmas[w][k, None])
    after_next = np.zeros(rel.shape, bool)
    after_next[:-1] = rel[:-1] >= foot[1:, None]
    return out[0], out[1], out[2], after_next


def synthesize_ppg(t: np.ndarray, traits: Traits, beats: Beats, drives: Drives, motion: Motion,
                   rng: np.random.Generator, noise_scale: float = 1.0) -> PpgResult:
    """4-channel PPG at times ``t`` (s, uniformly spaced); see the module docstring for the model.

    ``noise_scale`` multiplies the sensor noise (0 = none); motion artifacts follow ``motion``.
    """
    fs = 1.0 / (t[1] - t[0])
    foot, centers, sigmas, amps, (crest, rise, taus, vol_amps) = _beat_waves(traits, beats, drives)
    reflected, dicrotic = (gaussian_train(t.size, fs, centers[i] - t[0], sigmas[i], amps[i]) for i in range(2))
    volume = sum(rise_decay_train(t.size, fs, crest - t[0], rise, taus[i], vol_amps[i]) for i in range(2))
    perfusion = traits.perfusion * (1.0 - 0.6 * traits.vasoconstriction) * np.exp(0.1 * lowpass_noise(rng, t.size,
                                                                                                 fs, 0.02))
    perfusion *= 1.0 - 0.3 * drives.at("activity", t)  # vasoconstriction during exercise
    resp = drives.at("resp", t)
    dyn = motion.dynamic(t)
    ppg = np.empty((len(PPG_CHANNELS), t.size))
    peaks = np.empty((len(PPG_CHANNELS), foot.size))
    rel = _PEAK_GRID[None, :] + foot[:, None]
    volume_at, reflected_at, dicrotic_at, after_next = _waves_near_feet(rel, foot, centers, sigmas, amps, crest,
                                                                        rise, taus, vol_amps)
    for c, (gain, refl, motion_sens, noise_sd) in enumerate(_CHANNELS):
        pulse = volume + refl * reflected + dicrotic
        w1, w2 = rng.normal(0.0, 1.0, (2, 3))
        artifact = motion_sens * 4.0 * (w1 @ dyn / np.linalg.norm(w1) + 0.5 * (w2 @ dyn) ** 2)
        baseline = 0.15 * gain * resp + 0.1 * gain * lowpass_noise(rng, t.size, fs, 0.05)
        ppg[c] = gain * perfusion * pulse + baseline + artifact
        ppg[c] += noise_scale * noise_sd * rng.standard_normal(t.size)
        # the truth is the maximum of the clean signal: pulse x perfusion + baseline, without motion or noise
        clean = (gain * np.interp(rel, t, perfusion) * (volume_at + refl * reflected_at + dicrotic_at)
                 + np.interp(rel, t, baseline))
        shape = np.where(after_next, -np.inf, clean)
        peaks[c] = foot + _PEAK_GRID[np.argmax(shape, axis=1)]
    return PpgResult(ppg=ppg, peak_times=peaks, foot_times=foot)
