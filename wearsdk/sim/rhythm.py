"""Beat timing: respiration, heart-rate drive, sinus rhythm with HRV, AF and PVCs.

Sinus beats come from an integral pulse-frequency-modulation model (Mateo & Laguna, IEEE TBME 2000):
the instantaneous rate is the target HR modulated by respiratory sinus arrhythmia (at the breathing
frequency) and a 0.04-0.15 Hz (LF) process, and a beat fires each time its integral crosses an integer.
AF replaces the sinus node by independent RR intervals (lognormal, CV ~ 0.2; Hennig et al. describe
AF RR as near-memoryless). PVCs fire early (coupling 55-70 % of RR) and keep the sinus schedule, which
gives the full compensatory pause.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.signal import lfilter

from wearsdk.sim._smooth import band_noise
from wearsdk.sim.traits import Traits

__all__ = ["CONTROL_RATE", "Drives", "Beats", "make_drives", "make_beats", "NORMAL", "PVC"]

#: Sampling rate (Hz) of the slow physiological drives (HR target, respiration, activity).
CONTROL_RATE = 50.0
#: Beat kinds (MIT-BIH symbols ``N`` and ``V``).
NORMAL, PVC = 0, 1
#: Seconds simulated before 0 and after the end, so edge beats have their P and T waves.
MARGIN_S = 2.0


@dataclass(frozen=True)
class Drives:
    """Slow drives on the control grid ``t`` (s, from ``-MARGIN_S`` to ``duration + MARGIN_S``).

    ``hr``: target heart rate (bpm); ``resp``: respiration waveform in [-1, 1] (+1 = end inspiration);
    ``activity``: physical activity intensity in [0, 1].
    """

    t: np.ndarray
    hr: np.ndarray
    resp: np.ndarray
    activity: np.ndarray

    def at(self, name: str, t: np.ndarray) -> np.ndarray:
        """Drive ``name`` linearly interpolated at times ``t`` (s)."""
        return np.interp(t, self.t, getattr(self, name))


@dataclass(frozen=True)
class Beats:
    """Every beat in the simulated span (including the margins).

    ``times``: R-peak (ventricular activation) times, s, increasing. ``kind``: NORMAL or PVC per beat.
    ``rr``: interval from the previous beat, s (the first copies the second). ``sinus``: beat has a
    P wave (False in AF and for PVCs).
    """

    times: np.ndarray
    kind: np.ndarray
    rr: np.ndarray
    sinus: np.ndarray


def _control_grid(duration_s: float) -> np.ndarray:
    n = int(np.ceil((duration_s + 2 * MARGIN_S) * CONTROL_RATE)) + 1
    return -MARGIN_S + np.arange(n) / CONTROL_RATE


def make_drives(traits: Traits, duration_s: float, activity: np.ndarray | None,
                rng: np.random.Generator) -> Drives:
    """Respiration and the HR target for one recording.

    ``activity`` is the intensity on the control grid (see :mod:`wearsdk.sim.motion`); HR rises with
    it towards the age-predicted maximum (220 - age) with a ~20 s first-order lag.
    """
    t = _control_grid(duration_s)
    if activity is None:
        activity = np.zeros_like(t)
    # Respiration: rate wanders +-10 %, depth varies slowly; shape slightly asymmetric.
    f_resp = traits.resp_rate / 60.0 * (1.0 + 0.08 * band_noise(rng, t.size, CONTROL_RATE, 1e-3, 0.02))
    f_resp = f_resp * (1.0 + 0.6 * activity)
    phase = 2 * np.pi * (np.cumsum(f_resp) / CONTROL_RATE + rng.random())
    resp = np.sin(phase) + 0.15 * np.sin(2 * phase)
    resp = resp / np.abs(resp).max()
    # HR target: resting + activity reserve, first-order lag (tau 20 s), starting in steady state.
    reserve = max(220.0 - traits.age - traits.resting_hr, 10.0)
    target = traits.resting_hr + 0.75 * reserve * activity
    a = np.exp(-1.0 / (20.0 * CONTROL_RATE))
    hr, _ = lfilter([1.0 - a], [1.0, -a], target, zi=[a * target[0]])
    return Drives(t=t, hr=hr, resp=resp, activity=activity)


def make_beats(traits: Traits, drives: Drives, rng: np.random.Generator) -> Beats:
    """Beat times and kinds over the drives' span."""
    t = drives.t
    af = "af" in traits.conditions
    if af:
        rate = drives.hr * 1.15 / 60.0
    else:
        lf = band_noise(rng, t.size, CONTROL_RATE, 0.04, 0.15)
        rate = drives.hr / 60.0 * (1.0 + 0.9 * traits.hrv * drives.resp + 0.6 * traits.hrv * lf)
    phase = np.cumsum(rate) / CONTROL_RATE
    phase -= phase[0]
    n_max = int(phase[-1]) + 2
    if af:
        steps = np.clip(rng.lognormal(-0.02, 0.2, n_max), 0.45, 2.2)
    else:
        steps = np.ones(n_max)
    crossings = rng.random() + np.concatenate([[0.0], np.cumsum(steps)])
    crossings = crossings[crossings <= phase[-1]]
    times = np.interp(crossings, phase, t)
    if not af:
        times = times + rng.normal(0.0, 0.002, times.size)
    kind = np.zeros(times.size, dtype=np.uint8)
    if "pvc" in traits.conditions and times.size > 3:
        pick = rng.random(times.size) < traits.pvc_rate
        pick[0] = False
        pick[1:] &= ~pick[:-1]  # no couplets
        idx = np.flatnonzero(pick)
        coupling = rng.uniform(0.55, 0.7, idx.size)
        times[idx] = times[idx - 1] + coupling * (times[idx] - times[idx - 1])
        kind[idx] = PVC
    rr = np.diff(times, prepend=times[0] - (times[1] - times[0]))
    sinus = (kind == NORMAL) & (not af)
    return Beats(times=times, kind=kind, rr=rr, sinus=sinus)
