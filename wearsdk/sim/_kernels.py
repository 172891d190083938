"""Pulse-train kernels: sums over beats of one wave shape, evaluated only near each beat (numpy only)."""

from __future__ import annotations

import numpy as np

__all__ = ["gaussian", "gaussian_train", "rise_decay", "rise_decay_train"]


def _scatter(n: int, fs: float, centers: np.ndarray, amps: np.ndarray, before: float, after: float,
             shape) -> np.ndarray:
    on = amps != 0
    centers, amps = centers[on], amps[on]
    if centers.size == 0:
        return np.zeros(n)
    idx = np.floor((centers - before) * fs).astype(np.int64)[:, None] + np.arange(
        int(np.ceil((before + after) * fs)) + 2)
    vals = amps[:, None] * shape(idx / fs - centers[:, None], on)
    keep = (idx >= 0) & (idx < n)
    return np.bincount(idx[keep], weights=vals[keep], minlength=n)


def gaussian(u: np.ndarray, sigma: np.ndarray | float) -> np.ndarray:
    """A Gaussian wave of SD ``sigma``, peak 1 at ``u = 0``."""
    return np.exp(-0.5 * (u / sigma) ** 2)


def gaussian_train(n: int, fs: float, centers: np.ndarray, sigmas: np.ndarray, amps: np.ndarray) -> np.ndarray:
    """``(n,)`` samples at ``fs`` Hz (t = i / fs) of the sum over beats of
    ``amps[k] * exp(-(t - centers[k])^2 / (2 sigmas[k]^2))``.

    Each Gaussian is evaluated only within +-4 SD of its centre (the rest is below 3.4e-4 of its peak)
    and scattered with ``bincount``, which keeps the cost proportional to the waves, not the record.
    """
    reach = 4.0 * float(sigmas.max()) if sigmas.size else 0.0
    return _scatter(n, fs, centers, amps, reach, reach,
                    lambda u, on: gaussian(u, sigmas[on][:, None]))


def rise_decay(u: np.ndarray, rise: np.ndarray | float, tau: np.ndarray | float) -> np.ndarray:
    """A half-Hann upstroke over ``rise`` seconds (0 before it) then an exponential decay (time constant
    ``tau``), peak 1 at ``u = 0``: the arterial volume pulse."""
    up = np.sin(0.5 * np.pi * np.clip(1.0 + u / rise, 0.0, 1.0)) ** 2
    return np.where(u < 0, up, np.exp(-np.maximum(u, 0) / tau))


def rise_decay_train(n: int, fs: float, centers: np.ndarray, rises: np.ndarray, taus: np.ndarray,
                     amps: np.ndarray) -> np.ndarray:
    """Like :func:`gaussian_train` for the :func:`rise_decay` shape, evaluated from the start of each upstroke
    to 6 ``tau`` after each crest."""
    before = float(rises.max()) if rises.size else 0.0
    after = 6.0 * float(taus.max()) if taus.size else 0.0
    return _scatter(n, fs, centers, amps, before, after,
                    lambda u, on: rise_decay(u, rises[on][:, None], taus[on][:, None]))
