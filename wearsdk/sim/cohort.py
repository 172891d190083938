"""Participants and cohorts: the public entry point of the simulator.

>>> from wearsdk.sim import Cohort
>>> cohort = Cohort(4, seed=1)
>>> rec = cohort[0].record(10.0)
>>> rec.ecg.shape, rec.ppg.shape, rec.acc.shape
((12, 5000), (4, 640), (3, 640))
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from wearsdk.errors import ConfigError, SamplingRateError, UnknownNameError
from wearsdk.sim.ecg import synthesize_ecg
from wearsdk.sim.morphology import WaveTable, wave_table
from wearsdk.sim.motion import Plan, activity_plan, make_motion
from wearsdk.sim.noise import Noise, add_ecg_noise, apply_faults
from wearsdk.sim.ppg import PpgResult, synthesize_ppg
from wearsdk.sim.record import SimRecording, Truth
from wearsdk.sim.rhythm import PVC, Beats, Drives, make_beats, make_drives
from wearsdk.sim.sensor import PpgSensor, sample_sensor
from wearsdk.sim.traits import CONDITIONS, POPULATIONS, Traits, sample_traits

__all__ = ["DEFAULT_RATES", "MIN_RATES", "Participant", "Cohort"]

#: Default sampling rate per stream, Hz (12-lead ECG, wrist PPG, wrist accelerometer).
DEFAULT_RATES: dict[str, float] = {"ecg": 500.0, "ppg": 64.0, "acc": 64.0}
#: Lowest rate per stream that still represents its content (ECG QRS to ~40 Hz, PPG pulse harmonics to
#: ~8 Hz, running-cadence harmonics to ~9 Hz), Hz.
MIN_RATES: dict[str, float] = {"ecg": 100.0, "ppg": 16.0, "acc": 20.0}
_CHANNELS = {"ecg": 12, "ppg": 4, "acc": 3}


def _check_rates(rates: Mapping[str, float] | None, sensor: PpgSensor | None) -> dict[str, float]:
    out = dict(DEFAULT_RATES)
    if sensor is not None:
        out["ppg"] = sensor.rate_hz
    for name, fs in (rates or {}).items():
        if name not in DEFAULT_RATES:
            raise UnknownNameError(
                f"unknown stream {name!r} in sampling_rates; expected some of {sorted(DEFAULT_RATES)}."
            )
        if not np.isfinite(fs) or fs < MIN_RATES[name]:
            raise SamplingRateError(
                f"sampling_rates[{name!r}]={fs} Hz is too low for its content; use at least "
                f"{MIN_RATES[name]} Hz (default {DEFAULT_RATES[name]} Hz)."
            )
        out[name] = float(fs)
    return out


def _per_second(t: np.ndarray, values: np.ndarray, duration_s: float) -> np.ndarray:
    n_s = int(np.floor(duration_s))
    grid = np.arange(n_s)[:, None] + (np.arange(10)[None, :] + 0.5) / 10.0
    return np.interp(grid, t, values).mean(axis=1)


@dataclass(frozen=True)
class Participant:
    """One simulated person: persistent :class:`Traits` plus the seed of their recordings, and the PPG front end
    they are recorded with (``sensor``; None: the optical pulse in a.u. at the requested rate).

    Every recording of a participant shares their traits and waveform morphology; ``segment`` picks an
    independent stretch of their life (its beats, motion and noise), so two segments make a
    participant-level positive pair.
    """

    traits: Traits
    seed: int = 0
    pid: int = 0
    sensor: PpgSensor | None = None

    @property
    def waves(self) -> WaveTable:
        """The participant's ECG wave table (Gaussian waves with dipoles and local components)."""
        return wave_table(self.traits)

    def record(self, duration_s: float, *, sampling_rates: Mapping[str, float] | None = None,
               segment: int = 0, activity: str | Plan = "rest", noise: Noise | None = None,
               streams: Sequence[str] = ("ecg", "ppg", "acc")) -> SimRecording:
        """Simulate ``duration_s`` seconds of this participant.

        Args:
            duration_s: length, s (at least 2 s).
            sampling_rates: Hz per stream, e.g. ``{"ecg": 250}``; missing streams use
                :data:`DEFAULT_RATES` (PPG: the sensor's native rate when the participant has a ``sensor``);
                below :data:`MIN_RATES` raises :class:`SamplingRateError`.
            segment: which independent stretch of the participant's life (same segment = same signals).
            activity: ``"rest"``, ``"arm"``, ``"walk"``, ``"run"``, ``"mixed"`` or ``(start_s, end_s, name)``
                episodes; activity raises HR and causes accelerometer motion and PPG motion artifacts.
            noise: noise and fault levels (:class:`Noise`); default ``Noise()``, ``Noise.clean()`` for none.
            streams: which of ``"ecg"``, ``"ppg"``, ``"acc"`` to synthesise (others come back empty, with
                the same ground truth and the same signals as a full call would give).

        Returns:
            :class:`SimRecording` with ``ecg (12, n)`` mV, ``ppg (4, m)`` a.u. (ADC counts through a ``sensor``),
            ``acc (3, p)`` g, ``truth``.
        """
        if not np.isfinite(duration_s) or duration_s < 2.0:
            raise ConfigError(f"duration_s={duration_s!r} must be a finite number of seconds >= 2.")
        unknown = sorted(set(streams) - _CHANNELS.keys())
        if unknown:
            raise UnknownNameError(f"unknown stream(s) {unknown}; expected some of {sorted(_CHANNELS)}.")
        if isinstance(segment, bool) or not isinstance(segment, (int, np.integer)) or segment < 0:
            raise ConfigError(f"segment={segment!r} must be a non-negative integer.")
        rates = _check_rates(sampling_rates, self.sensor)
        noise = Noise() if noise is None else noise
        seeds = np.random.SeedSequence([self.seed, self.pid, int(segment)]).spawn(11)
        r_plan, r_motion, r_drive, r_beats, r_ecg, r_ecg_noise, r_ppg, *r_faults, r_sensor = (
            np.random.default_rng(s) for s in seeds)  # one generator per job: streams stay independent
        traits = self.traits
        plan = activity_plan(activity, duration_s, r_plan)
        motion = make_motion(plan, duration_s, r_motion)
        drives = make_drives(traits, duration_s, motion.intensity, r_drive)
        beats = make_beats(traits, drives, r_beats)

        signals: dict[str, np.ndarray] = {}
        valid: dict[str, np.ndarray] = {}
        times = {k: np.arange(int(round(duration_s * fs))) / fs for k, fs in rates.items()}
        ppg_res = synthesize_ppg(times["ppg"], traits, beats, drives, motion, r_ppg, noise.ppg_noise)
        if "ecg" in streams:
            t = times["ecg"]
            ecg = synthesize_ecg(t, beats, self.waves, drives, r_ecg)
            ecg = add_ecg_noise(ecg, t, noise, drives.at("resp", t), drives.at("activity", t), r_ecg_noise)
            signals["ecg"], valid["ecg"] = apply_faults(ecg, rates["ecg"], noise, r_faults[0], noise.saturation_mv)
        if "ppg" in streams:
            ppg = ppg_res.ppg if self.sensor is None else self.sensor.apply(ppg_res.ppg, rates["ppg"], r_sensor)
            signals["ppg"], valid["ppg"] = apply_faults(ppg, rates["ppg"], noise, r_faults[1], None)
        if "acc" in streams:  # +-8 g accelerometer range
            signals["acc"], valid["acc"] = apply_faults(motion.acc(times["acc"]), rates["acc"], noise,
                                                        r_faults[2], 8.0)
        truth = _truth(traits, beats, ppg_res, drives, plan, rates, float(duration_s), valid)
        out = {k: signals.get(k, np.zeros((c, 0))).astype(np.float32) for k, c in _CHANNELS.items()}
        return SimRecording(ecg=out["ecg"], ppg=out["ppg"], acc=out["acc"], sampling_rates=rates, truth=truth)


def _truth(traits: Traits, beats: Beats, ppg_res: PpgResult, drives: Drives, plan: list[tuple],
           rates: dict[str, float], duration_s: float, valid: dict[str, np.ndarray]) -> Truth:
    """Ground truth of a recording from its beats, pulses and drives."""
    inside = (beats.times >= 0) & (beats.times < duration_s)
    dense_t = np.arange(-1.0, duration_s + 1.0, 0.01)
    k = np.clip(np.searchsorted(beats.times, dense_t, side="right"), 1, beats.times.size - 1)
    inst_hr = 60.0 / (beats.times[k] - beats.times[k - 1])
    hr_s = _per_second(dense_t, inst_hr, duration_s)
    hr10 = np.convolve(np.pad(hr_s, 5, mode="edge"), np.ones(10) / 10, mode="same")[5:-5]
    rhythm = np.where(hr10 < 60, "SB", np.where(hr10 > 100, "ST", "SR")).astype("<U2")
    if "af" in traits.conditions:
        rhythm[:] = "AF"
    return Truth(
        traits=traits, duration_s=duration_s, sampling_rates=rates,
        beat_times=beats.times[inside],
        beat_symbols=np.where(beats.kind[inside] == PVC, "V", "N").astype("<U1"),
        ppg_peak_times=ppg_res.peak_times[:, inside], ppg_foot_times=ppg_res.foot_times[inside],
        hr_per_s=hr_s, rhythm_per_s=rhythm,
        activity_per_s=_per_second(drives.t, drives.activity, duration_s),
        activity_plan=[(float(a), float(b), str(n)) for a, b, n in plan],
        resp_per_s=_per_second(drives.t, drives.resp, duration_s), valid=valid,
    )


class Cohort(Sequence[Participant]):
    """A reproducible cohort of ``n`` participants drawn from the adult trait distribution.

    Participant ``i`` depends only on ``(seed, i)`` (not on ``n``), so growing a cohort keeps its first
    members. ``prevalence`` sets each condition's probability (see :func:`~wearsdk.sim.traits.sample_traits`).
    ``population`` picks the trait distribution (:data:`~wearsdk.sim.traits.POPULATIONS`); ``"wide"`` also gives
    each participant a random PPG front end (:func:`~wearsdk.sim.sensor.sample_sensor`: native rate, coupling,
    ADC, noise), ``"default"`` none (the optical pulse in a.u., as before).

    >>> cohort = Cohort(100, seed=0)
    >>> len(cohort), cohort[3].traits.resting_hr > 0
    (100, True)
    """

    def __init__(self, n: int, seed: int = 0, *, prevalence: Mapping[str, float] | None = None,
                 population: str = "default") -> None:
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
            raise ConfigError(f"Cohort size n={n!r} must be a positive integer.")
        if population not in POPULATIONS:
            raise UnknownNameError(f"unknown population {population!r}; expected one of {sorted(POPULATIONS)}.")
        self.seed = int(seed)
        wide = population == "wide"
        self._participants = [
            Participant(sample_traits(np.random.default_rng([self.seed, i, 99]),
                                      None if prevalence is None else dict(prevalence), population),
                        seed=self.seed, pid=i,
                        sensor=sample_sensor(np.random.default_rng([self.seed, i, 98])) if wide else None)
            for i in range(int(n))
        ]

    def __len__(self) -> int:
        return len(self._participants)

    def __getitem__(self, i):  # type: ignore[override]
        return self._participants[i]

    def __iter__(self) -> Iterator[Participant]:
        return iter(self._participants)

    def traits_table(self) -> dict[str, np.ndarray]:
        """Numeric traits as columns ``{name: (n,) array}`` plus 0/1 columns ``sex_male``, ``site_finger`` and one
        per condition."""
        names = ("age", "bmi", "resting_hr", "hrv", "pwv", "axis_deg", "resp_rate", "height_cm", "perfusion",
                 "upstroke_s", "runoff_s", "dicrotic", "vasoconstriction", "vasodilation")
        table = {k: np.array([getattr(p.traits, k) for p in self]) for k in names}
        table["sex_male"] = np.array([p.traits.sex == "M" for p in self], dtype=float)
        table["site_finger"] = np.array([p.traits.site == "finger" for p in self], dtype=float)
        for c in CONDITIONS:
            table[c] = np.array([c in p.traits.conditions for p in self], dtype=float)
        return table
