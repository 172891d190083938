"""Small vectorised random-process helpers shared by the simulator modules (numpy only)."""

from __future__ import annotations

import numpy as np

__all__ = ["band_noise", "lowpass_noise", "slow_noise"]


def band_noise(rng: np.random.Generator, n: int, rate: float, low: float, high: float,
               count: int | None = None) -> np.ndarray:
    """Gaussian noise band-limited to ``[low, high]`` Hz by masking its spectrum, unit SD.

    Returns ``(n,)``, or ``(count, n)`` independent series when ``count`` is given. ``rate`` is the
    sampling rate in Hz. The series is generated long enough to hold several frequency bins inside the
    band (then cut to ``n``), so short records still get slow drifts rather than a single sinusoid.
    """
    n_gen = max(n, int(np.ceil(4.0 * rate / (high - low))))
    spec = np.fft.rfft(rng.standard_normal((1 if count is None else count, n_gen)), axis=-1)
    freqs = np.fft.rfftfreq(n_gen, 1.0 / rate)
    spec[:, (freqs < low) | (freqs > high) | (freqs == 0)] = 0.0
    out = np.fft.irfft(spec, n_gen, axis=-1)
    out = out[:, :n] / out.std(axis=-1, keepdims=True)
    return out[0] if count is None else out


def lowpass_noise(rng: np.random.Generator, n: int, rate: float, cutoff: float,
                  count: int | None = None) -> np.ndarray:
    """Unit-SD Gaussian noise ``(n,)`` / ``(count, n)`` with content below ``cutoff`` Hz (excluding DC)."""
    return band_noise(rng, n, rate, 0.0, cutoff, count)


def slow_noise(rng: np.random.Generator, t: np.ndarray, low: float, high: float, count: int) -> np.ndarray:
    """``(count, len(t))`` unit-SD band-limited noise at times ``t`` (s), made on a coarse grid
    (4 x ``high``) and linearly interpolated: the cheap way to get slow noise at a high sampling rate."""
    rate = 4.0 * high
    grid = t[0] + np.arange(int(np.ceil((t[-1] - t[0]) * rate)) + 2) / rate
    coarse = band_noise(rng, grid.size, rate, low, high, count)
    return np.stack([np.interp(t, grid, c) for c in coarse])
