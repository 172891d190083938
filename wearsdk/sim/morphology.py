"""Per-participant ECG wave table: a sum of Gaussian waves, each a 3D dipole plus local components.

This is ECGSYN (McSharry et al., IEEE TBME 50:289-294, 2003) taken to three dimensions in the manner of
Sameni et al. (EURASIP JASP 2007:43407): every wave (P, Q, R, S, T) is a Gaussian in time around the
beat's R time with a fixed dipole direction in Frank XYZ. Waves are placed in seconds rather than phase so
QRS width does not stretch with RR, while P and T positions scale with RR (QT ~ RR^(1/3), Fridericia).

Each precordial lead also gets non-dipolar local components (weights on the same waves plus two short
QRS fragments seen by one lead only), so the 12 leads are not rank 3, as in real ECGs.

Nominal amplitudes give lead II R ~ 1.1 mV, V1 rS, V5 R ~ 1.5 mV, PR ~ 160 ms, QRS ~ 95 ms,
QT ~ 400 ms at 60 bpm: inside the adult normal ranges (Rijnbeek et al., J Electrocardiol 47:914, 2014).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from wearsdk.sim.leads import individual_projection
from wearsdk.sim.rhythm import NORMAL, PVC
from wearsdk.sim.traits import Traits

__all__ = ["WaveTable", "wave_table"]


@dataclass(frozen=True)
class WaveTable:
    """Gaussian waves of one participant; ``W`` waves.

    ``kind`` (W,): the beat kind the wave belongs to (NORMAL or PVC). ``offset`` (W,): centre relative to
    the R time at RR = 1 s, s. ``sigma`` (W,): width (SD), s. ``rr_exp`` (W,): offsets and widths scale
    as RR**rr_exp. ``atrial`` (W,): wave is atrial (absent in AF and PVC beats). ``dipole`` (3, W): Frank
    XYZ amplitude, mV. ``local`` (6, W): extra V1-V6 amplitude not explained by the dipole, mV.
    ``fwave`` (3,): AF fibrillatory-wave dipole, mV (zero unless AF). ``projection`` (12, 3): the
    person's dipole-to-lead matrix (Dower's, individualised; Einthoven/Goldberger exact).
    """

    names: tuple[str, ...]
    kind: np.ndarray
    offset: np.ndarray
    sigma: np.ndarray
    rr_exp: np.ndarray
    atrial: np.ndarray
    dipole: np.ndarray
    local: np.ndarray
    fwave: np.ndarray
    projection: np.ndarray


# name: kind, offset s, sigma s, rr exponent, dipole XYZ mV
_NORMAL_WAVES = {
    "P": (NORMAL, -0.165, 0.021, 0.25, (0.07, 0.09, -0.02)),
    "Q": (NORMAL, -0.024, 0.0085, 0.0, (-0.12, 0.04, -0.14)),
    "R": (NORMAL, 0.0, 0.0105, 0.0, (1.05, 0.55, 0.45)),
    "S": (NORMAL, 0.025, 0.011, 0.0, (-0.30, -0.25, 0.35)),
    "T1": (NORMAL, 0.225, 0.055, 1 / 3, (0.26, 0.18, -0.17)),
    "T2": (NORMAL, 0.285, 0.034, 1 / 3, (0.18, 0.12, -0.12)),
}


def _rotation(rng: np.random.Generator, sd_deg: float) -> np.ndarray:
    a, b, c = np.deg2rad(rng.normal(0.0, sd_deg, 3))
    rx = np.array([[1, 0, 0], [0, np.cos(a), -np.sin(a)], [0, np.sin(a), np.cos(a)]])
    ry = np.array([[np.cos(b), 0, np.sin(b)], [0, 1, 0], [-np.sin(b), 0, np.cos(b)]])
    rz = np.array([[np.cos(c), -np.sin(c), 0], [np.sin(c), np.cos(c), 0], [0, 0, 1]])
    return rx @ ry @ rz


def _rot_z(deg: float) -> np.ndarray:
    a = np.deg2rad(deg)
    return np.array([[np.cos(a), -np.sin(a), 0], [np.sin(a), np.cos(a), 0], [0, 0, 1]])


def _axis_rotation(net_qrs: np.ndarray, projection: np.ndarray, axis_deg: float) -> np.ndarray:
    """Rotation about Frank Z that brings the frontal QRS axis, as a reader measures it (net QRS area in
    leads I and aVF of this person's projection), to ``axis_deg``."""
    candidates = np.deg2rad(np.arange(-180.0, 180.0, 0.5))
    c, s = np.cos(candidates), np.sin(candidates)
    x, y, z = net_qrs
    rotated = np.stack([c * x - s * y, s * x + c * y, np.full_like(c, z)])  # (3, candidates)
    leads = projection[[0, 5]] @ rotated
    measured = np.rad2deg(np.arctan2(leads[1], leads[0]))
    err = np.abs((measured - axis_deg + 180.0) % 360.0 - 180.0)
    return _rot_z(float(np.rad2deg(candidates[np.argmin(err)])))


@lru_cache(maxsize=512)
def wave_table(traits: Traits) -> WaveTable:
    """Build the wave table of a participant from their traits (deterministic in ``morphology_seed``;
    cached, so treat the returned arrays as read-only)."""
    rng = np.random.default_rng([traits.morphology_seed, 7])
    waves: dict[str, list] = {k: [v[0], v[1], v[2], v[3], np.array(v[4], float)] for k, v in
                              _NORMAL_WAVES.items()}
    # Individual detail: small rotations, gains and timing shifts that stay with the participant.
    for name, w in waves.items():
        qrs = name in ("Q", "R", "S")
        w[4] = _rotation(rng, 10.0) @ w[4] * rng.lognormal(0.0, 0.12)
        w[1] += rng.normal(0.0, 0.003 if qrs else 0.010)
        w[2] *= rng.lognormal(0.0, 0.08)
    cond = traits.conditions
    if "rbbb" in cond:
        waves["S"][2] *= 1.6
        waves["S"][1] += 0.012
        waves["Rp"] = [NORMAL, 0.068, 0.020, 0.0, np.array([-0.35, 0.05, -0.60])]
        for t in ("T1", "T2"):
            waves[t][4][2] += 0.06
    if "lbbb" in cond:
        del waves["Q"]
        waves["S"][4] *= 0.1
        waves["R"][2] = 0.020
        waves["R"][4] = np.array([1.25, 0.20, 1.20])  # LBBB complexes are large and wide
        waves["R2"] = [NORMAL, 0.050, 0.022, 0.0, np.array([1.35, 0.30, 1.00])]
        direction = waves["R"][4] + waves["R2"][4]
        direction = direction / np.linalg.norm(direction)
        waves["T1"][4] = -0.28 * direction
        waves["T2"][4] = -0.20 * direction
    mi = {"mi_inferior": np.array([0.0, -0.35, 0.0]), "mi_anterior": np.array([0.0, 0.0, 0.45]),
          "mi_lateral": np.array([-0.35, 0.0, 0.0])}
    mi_axis = {"mi_inferior": 1, "mi_anterior": 2, "mi_lateral": 0}
    for name, vec in mi.items():
        if name in cond and "Q" in waves:
            waves["Q"][4] = waves["Q"][4] + vec
            waves["Q"][2] = 0.015
            ax = mi_axis[name]
            for t in ("T1", "T2"):
                # T vector turned away from the infarct: T inversion in the territory.
                waves[t][4][ax] = 0.6 * np.sign(vec[ax]) * abs(waves[t][4][ax])
            if name == "mi_anterior":
                waves["R"][4][2] += 0.30
    # Frontal axis and amplitude from traits (ventricular waves only).
    projection = individual_projection(rng)
    net_qrs = sum(w[4] * w[2] for n, w in waves.items() if n in ("Q", "R", "S", "Rp", "R2"))
    rot = _axis_rotation(net_qrs, projection, traits.axis_deg)
    gain = (1.1 if traits.sex == "M" else 0.95) * (24.0 / traits.bmi) ** 0.6 * (1 - 0.004 * (traits.age - 45))
    for name, w in waves.items():
        if name != "P":
            w[4] = gain * (rot @ w[4])
    if "af" in cond:
        del waves["P"]
    if "pvc" in cond:
        origin = _rotation(rng, 40.0) @ np.array([-0.5, 1.1, -0.8])
        origin = 1.6 * gain * origin / np.linalg.norm(origin)
        waves["V_R"] = [PVC, 0.0, 0.034, 0.0, origin]
        waves["V_S"] = [PVC, 0.060, 0.030, 0.0, -0.35 * origin + np.array([0.1, 0.0, 0.2])]
        waves["V_T"] = [PVC, 0.320, 0.070, 1 / 3, -0.30 * origin]
    # Local (non-dipolar) precordial components.
    local_frac = rng.normal(0.0, 0.08, (6, len(waves)))
    names = tuple(waves)
    dip = np.stack([waves[n][4] for n in names], axis=1)
    local = local_frac * np.abs(projection[6:] @ dip)
    frag_names = ("L1", "L2")
    frag_local = rng.normal(0.0, 0.07, (6, 2)) * gain
    offsets = [waves[n][1] for n in names] + list(rng.uniform(-0.02, 0.03, 2))
    sigmas = [waves[n][2] for n in names] + list(rng.uniform(0.005, 0.010, 2))
    return WaveTable(
        names=names + frag_names,
        kind=np.array([waves[n][0] for n in names] + [NORMAL, NORMAL], dtype=np.uint8),
        offset=np.array(offsets),
        sigma=np.array(sigmas),
        rr_exp=np.array([waves[n][3] for n in names] + [0.0, 0.0]),
        atrial=np.array([n == "P" for n in names] + [False, False]),
        dipole=np.concatenate([dip, np.zeros((3, 2))], axis=1),
        local=np.concatenate([local, frag_local], axis=1),
        fwave=(np.array([0.012, 0.03, -0.035]) * rng.lognormal(0, 0.2)) if "af" in cond else np.zeros(3),
        projection=projection,
    )
