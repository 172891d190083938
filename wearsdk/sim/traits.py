"""Persistent participant traits and the cohort distribution they are drawn from.

Traits are what stays the same across every recording of one participant: demographics, cardiovascular
parameters and conditions. They shape the signals (see :mod:`wearsdk.sim.morphology` and
:mod:`wearsdk.sim.ppg`), so that two segments of one participant look alike and linear probes can
recover traits from embeddings.

Population values follow common adult reference ranges: resting HR 50–90 bpm (Nanchen, Heart 2018),
carotid–femoral PWV rising ~0.1 m/s per year of age (Reference Values for Arterial Stiffness'
Collaboration, Eur Heart J 2010), frontal QRS axis −30°…+90° shifting leftward with age and BMI.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np

from wearsdk.errors import ConfigError, UnknownNameError

__all__ = ["CONDITIONS", "Traits", "sample_traits"]

#: Conditions a participant may carry, with what each does to the signals.
CONDITIONS: dict[str, str] = {
    "af": "atrial fibrillation: irregular RR, no P waves, fibrillatory baseline (4-9 Hz f-waves)",
    "pvc": "premature ventricular complexes: wide early beats with compensatory pause, weak pulse",
    "rbbb": "right bundle branch block: QRS >= 120 ms, terminal rightward-anterior R' (rSR' in V1)",
    "lbbb": "left bundle branch block: QRS >= 120 ms, no septal q, notched R in V5-V6, discordant T",
    "mi_inferior": "old inferior myocardial infarction: Q waves and T inversion in II, III, aVF",
    "mi_anterior": "old anterior myocardial infarction: QS in V1-V3, T inversion in V2-V4",
    "mi_lateral": "old lateral myocardial infarction: Q waves in I, aVL, V5-V6",
    "brady": "sinus bradycardia: resting HR below 55 bpm",
    "tachy": "sinus tachycardia: resting HR above 100 bpm",
}

_EXCLUSIVE = (frozenset({"rbbb", "lbbb"}), frozenset({"brady", "tachy"}), frozenset({"af", "brady"}))

# name: (low, high) physically possible range; values outside raise ConfigError.
_RANGES: dict[str, tuple[float, float]] = {
    "age": (18.0, 100.0),
    "bmi": (14.0, 60.0),
    "resting_hr": (30.0, 180.0),
    "hrv": (0.0, 0.2),
    "pwv": (3.0, 20.0),
    "axis_deg": (-90.0, 180.0),
    "resp_rate": (4.0, 40.0),
    "height_cm": (120.0, 220.0),
    "perfusion": (0.1, 3.0),
    "pvc_rate": (0.0, 0.5),
}


@dataclass(frozen=True)
class Traits:
    """What stays fixed for one participant.

    Attributes:
        age: years.
        sex: ``"F"`` or ``"M"``.
        bmi: body-mass index, kg/m^2 (higher BMI lowers ECG amplitudes and PPG perfusion).
        resting_hr: resting heart rate, bpm.
        hrv: relative RR variability at rest (SDNN / mean RR, dimensionless; 0.03-0.08 is typical).
        pwv: aortic pulse-wave velocity, m/s (arterial stiffness; sets PTT and the reflected wave).
        axis_deg: frontal-plane QRS axis, degrees (0 = leftward, +90 = inferior).
        resp_rate: breaths per minute at rest.
        height_cm: body height, cm (sets the arterial path length for PTT).
        perfusion: relative peripheral perfusion (PPG pulse amplitude scale, 1 = typical).
        conditions: names from :data:`CONDITIONS`.
        pvc_rate: fraction of beats that are PVCs (used when ``"pvc"`` is in conditions).
        morphology_seed: seed of the participant's individual waveform details.
    """

    age: float = 45.0
    sex: str = "F"
    bmi: float = 24.0
    resting_hr: float = 68.0
    hrv: float = 0.05
    pwv: float = 7.5
    axis_deg: float = 50.0
    resp_rate: float = 14.0
    height_cm: float = 168.0
    perfusion: float = 1.0
    conditions: frozenset[str] = field(default_factory=frozenset)
    pvc_rate: float = 0.08
    morphology_seed: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "conditions", frozenset(self.conditions))
        unknown = sorted(self.conditions - CONDITIONS.keys())
        if unknown:
            raise UnknownNameError(
                f"unknown condition(s) {unknown}; expected names from {sorted(CONDITIONS)}. "
                "See wearsdk.sim.CONDITIONS for what each one does."
            )
        for pair in _EXCLUSIVE:
            if pair <= self.conditions:
                raise ConfigError(
                    f"conditions {sorted(pair)} cannot be combined in one participant; keep one of them."
                )
        if self.sex not in ("F", "M"):
            raise ConfigError(f"Traits.sex must be 'F' or 'M', got {self.sex!r}.")
        for name, (lo, hi) in _RANGES.items():
            value = getattr(self, name)
            if not np.isfinite(value) or not lo <= value <= hi:
                raise ConfigError(
                    f"Traits.{name}={value!r} is outside the possible range [{lo}, {hi}]; "
                    f"pass a value inside it."
                )
        if "brady" in self.conditions and self.resting_hr >= 55:
            raise ConfigError(
                f"condition 'brady' needs resting_hr < 55 bpm, got {self.resting_hr}; lower resting_hr."
            )
        if "tachy" in self.conditions and self.resting_hr <= 100:
            raise ConfigError(
                f"condition 'tachy' needs resting_hr > 100 bpm, got {self.resting_hr}; raise resting_hr."
            )

    def replace(self, **changes: object) -> Traits:
        """A copy with some fields changed; unknown field names raise :class:`UnknownNameError`."""
        unknown = sorted(set(changes) - {f.name for f in dataclasses.fields(self)})
        if unknown:
            raise UnknownNameError(
                f"unknown trait(s) {unknown}; expected some of {[f.name for f in dataclasses.fields(self)]}."
            )
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]

    def as_dict(self) -> dict[str, object]:
        """Plain-python dict (conditions as a sorted list), e.g. for JSON ground truth."""
        d = dataclasses.asdict(self)
        d["conditions"] = sorted(self.conditions)
        return d


def sample_traits(rng: np.random.Generator, prevalence: dict[str, float] | None = None) -> Traits:
    """Draw one participant's traits from the adult cohort distribution.

    Args:
        rng: numpy random generator (the caller owns seeding).
        prevalence: probability of each condition, e.g. ``{"af": 0.1}``; names must be in
            :data:`CONDITIONS`. Defaults to a cohort enriched in conditions (each 4-8 %).
    """
    if prevalence is None:
        prevalence = {"af": 0.06, "pvc": 0.08, "rbbb": 0.04, "lbbb": 0.04, "mi_inferior": 0.04,
                      "mi_anterior": 0.04, "mi_lateral": 0.03, "brady": 0.05, "tachy": 0.05}
    unknown = sorted(set(prevalence) - CONDITIONS.keys())
    if unknown:
        raise UnknownNameError(f"unknown condition(s) {unknown} in prevalence; expected {sorted(CONDITIONS)}.")
    for name, p in prevalence.items():
        if not 0.0 <= p <= 1.0:
            raise ConfigError(f"prevalence[{name!r}]={p} must be a probability in [0, 1].")

    sex = "F" if rng.random() < 0.5 else "M"
    age = float(np.clip(rng.normal(50, 15), 18, 90))
    bmi = float(np.clip(rng.lognormal(np.log(25.5), 0.16), 16, 50))
    height = float(np.clip(rng.normal(163 if sex == "F" else 177, 7), 140, 205))
    conditions: set[str] = set()
    for name in sorted(prevalence):
        if rng.random() < prevalence[name] and not any(
            name in pair and (pair - {name}) & conditions for pair in _EXCLUSIVE
        ):
            conditions.add(name)
    hr = float(np.clip(rng.normal(72 if sex == "F" else 68, 8) - 0.05 * (age - 50), 56, 98))
    if "brady" in conditions:
        hr = float(rng.uniform(40, 53))
    if "tachy" in conditions:
        hr = float(rng.uniform(102, 125))
    hrv = float(np.clip(rng.lognormal(np.log(0.065), 0.3) * (1.0 - 0.006 * (age - 50)), 0.01, 0.15))
    pwv = float(np.clip(4.5 + 0.09 * age + 0.03 * (bmi - 25) + rng.normal(0, 0.8), 4.0, 16.0))
    axis = float(np.clip(rng.normal(60 - 0.35 * (age - 50) - 1.5 * (bmi - 25), 18), -45, 110))
    return Traits(
        age=age, sex=sex, bmi=bmi, resting_hr=hr, hrv=hrv, pwv=pwv, axis_deg=axis,
        resp_rate=float(np.clip(rng.normal(14, 2.5), 8, 24)), height_cm=height,
        perfusion=float(np.clip(rng.lognormal(0, 0.3) * (1.2 - 0.008 * (bmi - 25)), 0.2, 2.5)),
        conditions=frozenset(conditions), pvc_rate=float(rng.uniform(0.03, 0.15)),
        morphology_seed=int(rng.integers(2**31)),
    )
