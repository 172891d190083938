"""Persistent participant traits and the cohort distribution they are drawn from.

Traits are what stays the same across every recording of one participant: demographics, cardiovascular
parameters and conditions. They shape the signals (see :mod:`wearsdk.sim.morphology` and
:mod:`wearsdk.sim.ppg`), so that two segments of one participant look alike and linear probes can
recover traits from embeddings.

Population values follow common adult reference ranges: resting HR 50–90 bpm (Nanchen, Heart 2018),
carotid–femoral PWV rising ~0.1 m/s per year of age (Reference Values for Arterial Stiffness'
Collaboration, Eur Heart J 2010), frontal QRS axis −30°…+90° shifting leftward with age and BMI.
:data:`POPULATIONS` names the distributions: ``"default"`` (the one above, wrist PPG) and ``"wide"``, which
spans the people PPG devices meet (HR 40–180 bpm, ages 18–90 evenly, stiff and supple arteries, finger and
wrist sites, weak to strong perfusion, vasoconstriction and vasodilation).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np

from wearsdk.errors import ConfigError, UnknownNameError

__all__ = ["CONDITIONS", "POPULATIONS", "SITES", "Traits", "sample_traits"]

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

#: PPG measurement sites (see :mod:`wearsdk.sim.ppg` for what each changes).
SITES: tuple[str, ...] = ("wrist", "finger")
#: Trait distributions :func:`sample_traits` draws from.
POPULATIONS: dict[str, str] = {
    "default": "adults aged ~50 +- 15, resting HR 56-98 bpm (40-125 with brady/tachy), wrist PPG",
    "wide": "ages 18-90 uniform, resting HR 40-180 bpm (rest, fever, ICU tachycardia), PWV +- 1.6 m/s around "
            "its age trend, finger or wrist, perfusion 0.1-3, vasoconstriction in half of the participants, "
            "vasodilation in 40 % of the others",
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
    "vasoconstriction": (0.0, 1.0),
    "vasodilation": (0.0, 1.0),
    "upstroke_s": (0.05, 0.3),
    "runoff_s": (0.2, 5.0),
    "dicrotic": (0.0, 3.0),
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
        upstroke_s: PPG upstroke (foot to crest of the volume pulse) at RR = 1 s, s; it lengthens with age
            and arterial stiffness (the crest time, Allen & Murray, Physiol Meas 24:297, 2003).
        runoff_s: Windkessel time constant of the PPG's diastolic decline at RR = 1 s, s (the arterial RC time;
            stiff, less compliant arteries empty faster).
        dicrotic: scale of the PPG's dicrotic wave on top of its stiffness trend (1 = the trend; towards 0 the
            dicrotic notch fades, as with age).
        site: where the PPG is measured, one of :data:`SITES`.
        vasoconstriction: peripheral vasoconstriction, 0 (none) to 1 (strong: cold, shock, vasopressors);
            it shrinks the pulse and raises its reflected and dicrotic waves.
        vasodilation: peripheral vasodilation, 0 (none) to 1 (strong: sepsis, fever, anaesthesia, vasodilators);
            the low resistance empties the arteries fast (a short run-off) under a prominent dicrotic wave, so
            the pulse shows a deep notch. A participant is not both vasoconstricted and vasodilated.
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
    upstroke_s: float = 0.15
    runoff_s: float = 2.0
    dicrotic: float = 1.0
    site: str = "wrist"
    vasoconstriction: float = 0.0
    vasodilation: float = 0.0
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
        if self.site not in SITES:
            raise UnknownNameError(f"Traits.site={self.site!r}; expected one of {list(SITES)}.")
        for name, (lo, hi) in _RANGES.items():
            value = getattr(self, name)
            if not np.isfinite(value) or not lo <= value <= hi:
                raise ConfigError(
                    f"Traits.{name}={value!r} is outside the possible range [{lo}, {hi}]; "
                    f"pass a value inside it."
                )
        if self.vasoconstriction > 0 and self.vasodilation > 0:
            raise ConfigError(
                f"Traits.vasoconstriction={self.vasoconstriction} and vasodilation={self.vasodilation} are both "
                "above 0; a participant's vessels are constricted or dilated: set one of them to 0."
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


def sample_traits(rng: np.random.Generator, prevalence: dict[str, float] | None = None,
                  population: str = "default") -> Traits:
    """Draw one participant's traits from the adult cohort distribution.

    Args:
        rng: numpy random generator (the caller owns seeding).
        prevalence: probability of each condition, e.g. ``{"af": 0.1}``; names must be in
            :data:`CONDITIONS`. Defaults to a cohort enriched in conditions (each 4-8 %).
        population: a name from :data:`POPULATIONS`. In ``"wide"`` the resting HR sets ``brady`` (< 55 bpm)
            and ``tachy`` (> 100 bpm) whatever their prevalence.
    """
    if population not in POPULATIONS:
        raise UnknownNameError(f"unknown population {population!r}; expected one of {sorted(POPULATIONS)}.")
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
    if population == "wide":
        return _sample_wide(rng, sex, bmi, height, conditions - {"brady", "tachy"})
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


def _sample_wide(rng: np.random.Generator, sex: str, bmi: float, height: float, conditions: set[str]) -> Traits:
    """The ``"wide"`` population's traits after sex, BMI, height and the conditions other than brady/tachy."""
    age = float(rng.uniform(18, 90))
    # rest (70 %), or a raised resting rate as in fever, exercise recovery or ICU tachycardia (30 %)
    hr = float(np.clip(rng.normal(70, 13), 40, 130) if rng.random() < 0.7 else rng.uniform(100, 180))
    if hr < 55 and "af" not in conditions:
        conditions.add("brady")
    if hr > 100:
        conditions.add("tachy")
    hrv = float(np.clip(rng.lognormal(np.log(0.065), 0.3) * (1.0 - 0.006 * (age - 50)) * 70.0 / hr, 0.01, 0.15))
    pwv = float(np.clip(4.5 + 0.09 * age + 0.03 * (bmi - 25) + rng.normal(0, 2.0), 3.5, 18.0))
    axis = float(np.clip(rng.normal(60 - 0.35 * (age - 50) - 1.5 * (bmi - 25), 18), -45, 110))
    vaso = float(rng.uniform(0.0, 1.0)) if rng.random() < 0.5 else 0.0
    # vasodilated (sepsis, fever, anaesthesia) in 40 % of the others
    dilation = float(rng.uniform(0.0, 1.0)) if vaso == 0.0 and rng.random() < 0.4 else 0.0
    upstroke = float(np.clip(0.045 + 0.0012 * age + 0.004 * (pwv - 4.5 - 0.09 * age) + rng.normal(0, 0.015),
                             0.055, 0.25))
    runoff = float(np.clip(2.0 * (6.5 / pwv) ** 2 * rng.lognormal(0.0, 0.5), 0.2, 4.0))
    dicrotic = float(np.clip(rng.lognormal(0.0, 0.5) * (1.6 - 0.016 * age), 0.0, 3.0))
    return Traits(
        age=age, sex=sex, bmi=bmi, resting_hr=hr, hrv=hrv, pwv=pwv, axis_deg=axis,
        resp_rate=float(np.clip(rng.normal(15, 3.5), 6, 30)), height_cm=height,
        perfusion=float(np.clip(rng.lognormal(0, 0.6), 0.1, 3.0)), upstroke_s=upstroke, runoff_s=runoff,
        dicrotic=dicrotic, site=str(rng.choice(SITES)), vasoconstriction=vaso, vasodilation=dilation,
        conditions=frozenset(conditions),
        pvc_rate=float(rng.uniform(0.03, 0.15)),
        morphology_seed=int(rng.integers(2**31)),
    )
