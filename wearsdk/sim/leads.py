"""Projection of the cardiac dipole (Frank X, Y, Z) onto the 12 standard leads.

The dipole lives in Frank's coordinates: X towards the participant's left, Y towards the feet, Z towards the
back (posterior), all in mV. Leads I, II and V1-V6 come from the inverse-Frank transform of Dower
(Dower, Machado & Osborne, Clin Cardiol 3:87-95, 1980; coefficients as tabulated by Edenbrandt & Pahlm,
J Electrocardiol 21:361-367, 1988). Leads III, aVR, aVL and aVF are then formed from I and II with
Einthoven's and Goldberger's relations, so those identities hold to float rounding. Each participant
gets their own perturbed copy (:func:`individual_projection`), as torso shape and electrode placement make
the dipole-to-lead transfer differ between people.
"""

from __future__ import annotations

import numpy as np

from wearsdk.signal.spec import STANDARD_LEADS

__all__ = [
    "LEADS", "DOWER", "PROJECTION", "limb_leads_from_i_ii", "dipole_to_leads", "individual_projection",
]

#: The simulator's 12 leads: :data:`wearsdk.signal.STANDARD_LEADS` (defined there, once).
LEADS: tuple[str, ...] = STANDARD_LEADS

#: Dower matrix: rows I, II, V1..V6; columns Frank X, Y, Z.
DOWER = np.array(
    [
        [0.632, -0.235, 0.059],
        [0.235, 1.066, -0.132],
        [-0.515, 0.157, -0.917],
        [0.044, 0.164, -1.387],
        [0.882, 0.098, -1.277],
        [1.213, 0.127, -0.601],
        [1.125, 0.127, -0.086],
        [0.831, 0.076, 0.230],
    ]
)

# (6 limb leads) x (I, II): III = II - I, aVR = -(I + II)/2, aVL = I - II/2, aVF = II - I/2.
_LIMB_FROM_I_II = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 1.0], [-0.5, -0.5], [1.0, -0.5], [-0.5, 1.0]])


def _projection(dower: np.ndarray = DOWER) -> np.ndarray:
    """(12, 3) matrix taking Frank XYZ to the 12 leads in :data:`LEADS` order."""
    return np.vstack([_LIMB_FROM_I_II @ dower[:2], dower[2:]])


def individual_projection(rng: np.random.Generator, spread: float = 0.15) -> np.ndarray:
    """A person's (12, 3) lead projection: Dower's rows perturbed for torso shape and electrode placement.

    Each of the 8 independent rows (I, II, V1-V6) gets a gain ~ lognormal(0, ``spread``) and a random
    vector of ``spread`` x its norm added; the other limb leads follow exactly from I and II.
    """
    norms = np.linalg.norm(DOWER, axis=1, keepdims=True)
    dower = DOWER * rng.lognormal(0.0, spread, (8, 1)) + spread * norms * rng.standard_normal((8, 3))
    return _projection(dower)


PROJECTION = _projection()


def limb_leads_from_i_ii(i: np.ndarray, ii: np.ndarray) -> np.ndarray:
    """The six limb leads ``(6, samples)`` (I, II, III, aVR, aVL, aVF) from leads I and II, in mV."""
    return np.tensordot(_LIMB_FROM_I_II, np.stack([i, ii]), axes=1)


def dipole_to_leads(xyz: np.ndarray) -> np.ndarray:
    """Project a dipole ``(3, samples)`` in mV onto the 12 leads, returning ``(12, samples)`` mV."""
    return PROJECTION @ xyz
