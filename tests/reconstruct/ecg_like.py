"""Synthetic 3-lead input for the reconstruction tests."""

import numpy as np


def ecg_like(fs: float, n: int, batch: tuple[int, ...] = (), seed: int = 0) -> np.ndarray:
    """Spiky quasi-periodic mV-scale signals (3 leads) with a little noise: ``(*batch, 3, n)`` float32."""
    rng = np.random.default_rng(seed)
    t = np.arange(n) / fs
    beats = np.exp(-(((t[None] % 0.85) - 0.3) ** 2) / (2 * 0.012**2))
    gains = rng.uniform(-1.5, 1.5, (*batch, 3, 1))
    return (gains * beats + 0.02 * rng.standard_normal((*batch, 3, n))).astype(np.float32)
