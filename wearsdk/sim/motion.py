"""Wrist motion: activity episodes, 3-axis accelerometer (g) and the PPG motion artifact they cause.

Walking and running are periodic at the step cadence (walk 1.6-2.0 steps/s, run 2.5-2.9 steps/s; arm
swing at half the cadence), with wrist accelerations of ~0.3 g and ~1 g (Bouten et al., IEEE TBME 1997).
Arm gestures are band-limited (0.3-4 Hz) random movement. PPG motion artifacts are modelled as a
channel-specific mixture of the dynamic acceleration and its square (sensor-skin gap changes are
nonlinear), so they share the cadence of the accelerometer, as in real wrist PPG (Zhang et al.,
IEEE TBME 62:522, 2015).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from wearsdk.errors import ConfigError, UnknownNameError
from wearsdk.sim._smooth import band_noise, lowpass_noise
from wearsdk.sim.rhythm import CONTROL_RATE, MARGIN_S

__all__ = ["ACTIVITIES", "ACTIVITY_CYCLE", "Motion", "activity_plan", "make_motion"]

#: activity name: (intensity 0-1, cadence steps/s range, wrist acceleration g, arm-gesture g)
#: Activities that labelled / calibration data cycle through (segment ``s`` gets ``ACTIVITY_CYCLE[s % 4]``), so
#: that motion artefacts are represented next to rest.
ACTIVITY_CYCLE = ("rest", "walk", "arm", "run")

ACTIVITIES: dict[str, tuple[float, tuple[float, float], float, float]] = {
    "rest": (0.0, (0.0, 0.0), 0.0, 0.0),
    "arm": (0.15, (0.0, 0.0), 0.0, 0.25),
    "walk": (0.45, (1.6, 2.0), 0.30, 0.05),
    "run": (0.9, (2.5, 2.9), 1.0, 0.10),
}

Plan = Sequence[tuple[float, float, str]]


def activity_plan(activity: str | Plan, duration_s: float, rng: np.random.Generator) -> list[tuple]:
    """Turn ``activity`` into a list of ``(start_s, end_s, name)`` episodes.

    ``activity`` is an activity name from :data:`ACTIVITIES` for the whole record, ``"mixed"`` for random
    episodes of 10-60 s, or an explicit list of ``(start_s, end_s, name)``.
    """
    if isinstance(activity, str):
        if activity == "mixed":
            plan, t = [], 0.0
            names = ("rest", "arm", "walk", "run")
            while t < duration_s:
                d = float(rng.uniform(10, 60))
                plan.append((t, min(t + d, duration_s), names[rng.choice(4, p=[0.45, 0.2, 0.25, 0.1])]))
                t += d
            return plan
        plan = [(0.0, duration_s, activity)]
    else:
        plan = [tuple(p) for p in activity]
    for start, end, name in plan:
        if name not in ACTIVITIES:
            raise UnknownNameError(
                f"unknown activity {name!r}; expected one of {sorted(ACTIVITIES)} (or 'mixed' for the whole "
                "record)."
            )
        if not 0 <= start < end:
            raise ConfigError(f"activity episode ({start}, {end}, {name!r}) needs 0 <= start < end (seconds).")
    return plan


@dataclass(frozen=True)
class Motion:
    """Motion on the control grid ``t`` (s). ``intensity`` (m,) in [0, 1]; ``step_phase`` (m,) cycles;
    ``step_amp`` (m,) g; ``gesture`` (3, m) g; ``gravity`` (3, m) unit vector in the watch frame."""

    t: np.ndarray
    intensity: np.ndarray
    step_phase: np.ndarray
    step_amp: np.ndarray
    gesture: np.ndarray
    gravity: np.ndarray

    def dynamic(self, t: np.ndarray) -> np.ndarray:
        """Dynamic (non-gravity) wrist acceleration ``(3, samples)`` in g at times ``t`` (s)."""
        phi = 2 * np.pi * np.interp(t, self.t, self.step_phase)
        amp = np.interp(t, self.t, self.step_amp)
        swing = np.stack([0.8 * np.sin(0.5 * phi) + 0.2 * np.sin(phi + 0.4),
                          0.6 * np.sin(phi) + 0.25 * np.sin(2 * phi + 1.0),
                          0.4 * np.sin(0.5 * phi + 1.2) + 0.15 * np.sin(1.5 * phi)])
        gest = np.stack([np.interp(t, self.t, g) for g in self.gesture])
        return amp * swing + gest

    def acc(self, t: np.ndarray) -> np.ndarray:
        """Accelerometer reading ``(3, samples)`` in g: gravity plus dynamic acceleration."""
        grav = np.stack([np.interp(t, self.t, g) for g in self.gravity])
        return grav + self.dynamic(t)


def make_motion(plan: list[tuple], duration_s: float, rng: np.random.Generator) -> Motion:
    """Build the motion of one recording from its activity plan."""
    n = int(np.ceil((duration_s + 2 * MARGIN_S) * CONTROL_RATE)) + 1
    t = -MARGIN_S + np.arange(n) / CONTROL_RATE
    intensity, cadence, step_amp, gest_amp = (np.zeros(n) for _ in range(4))
    for start, end, name in plan:
        level, (c_lo, c_hi), acc_g, gest_g = ACTIVITIES[name]
        sel = (t >= start) & (t < end)
        intensity[sel], step_amp[sel], gest_amp[sel] = level, acc_g, gest_g
        cadence[sel] = rng.uniform(c_lo, c_hi)
    # Smooth transitions (~2 s) between episodes.
    k = np.hanning(int(2 * CONTROL_RATE) + 1)
    k /= k.sum()
    smooth = [np.convolve(np.pad(a, k.size // 2, mode="edge"), k, mode="valid") for a in
              (intensity, step_amp, gest_amp)]
    intensity, step_amp, gest_amp = smooth
    cadence = cadence * (1.0 + 0.03 * lowpass_noise(rng, n, CONTROL_RATE, 0.1))
    step_phase = np.cumsum(cadence) / CONTROL_RATE + rng.random()
    gesture = gest_amp * np.stack([band_noise(rng, n, CONTROL_RATE, 0.3, 4.0) for _ in range(3)])
    gesture += 0.004 * np.stack([band_noise(rng, n, CONTROL_RATE, 3.0, 12.0) for _ in range(3)])  # tremor
    base = np.array([0.1, -0.2, 0.97]) + rng.normal(0, 0.2, 3)
    drift = np.stack([lowpass_noise(rng, n, CONTROL_RATE, 0.05) for _ in range(3)])
    gravity = base[:, None] + (0.1 + 0.4 * intensity) * drift
    gravity /= np.linalg.norm(gravity, axis=0, keepdims=True)
    return Motion(t=t, intensity=intensity, step_phase=step_phase, step_amp=step_amp,
                  gesture=gesture, gravity=gravity)
