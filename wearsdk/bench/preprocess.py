"""``wearsdk bench preprocess``: the C++ preprocessing op against SciPy and a pure-torch FIR.

All three filter a ``(batch, channels, samples)`` float32 batch with the same band (Butterworth SOS
for C++ and SciPy, a Hamming-window FIR of the same band for torch) and z-score every row, on one
thread. The C++ op is also checked against SciPy so a fast wrong answer cannot pass.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.signal
import torch

from wearsdk.bench._timing import interleaved_medians_ms
from wearsdk.errors import ConfigError
from wearsdk.signal import PreprocessSpec
from wearsdk.signal._ops import ops

__all__ = ["bench_preprocess"]


def _fir_taps(sampling_rate: float, low: float, high: float) -> np.ndarray:
    # Transition width ~ the low edge: numtaps ~ 3.3 fs / df for a Hamming window (Harris 1978).
    numtaps = int(3.3 * sampling_rate / low) | 1
    return scipy.signal.firwin(numtaps, [low, high], pass_zero=False, fs=sampling_rate).astype(np.float32)


def bench_preprocess(
    *,
    batch: int = 64,
    channels: int = 4,
    samples: int = 3840,
    sampling_rate: float = 64.0,
    low: float = 0.5,
    high: float = 8.0,
    order: int = 4,
    repeats: int = 15,
    seed: int = 0,
) -> dict[str, Any]:
    """Times the three pipelines on a ``(batch, channels, samples)`` batch at ``sampling_rate`` Hz on one thread,
    interleaved; returns medians (ms), ratios and the C++ vs SciPy error."""
    sizes = {"batch": batch, "channels": channels, "samples": samples, "repeats": repeats}
    small = {k: v for k, v in sizes.items() if not v >= 1}
    if small:
        raise ConfigError(f"bench_preprocess needs batch, channels, samples and repeats >= 1; got {small}. "
                          "Pass larger values.")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        x = np.random.default_rng(seed).standard_normal((batch, channels, samples)).astype(np.float32)
        spec = PreprocessSpec(sampling_rate=sampling_rate, low=low, high=high, order=order, norm="zscore")
        sos_np = spec.sos
        xt = torch.from_numpy(x)
        sos_t = torch.from_numpy(sos_np)
        zi = torch.zeros((batch, channels, order, 2), dtype=torch.float64)
        bank = torch.ones((1, 1))
        hist = torch.zeros((batch, channels, 0))
        op = ops().preprocess

        def cpp() -> torch.Tensor:
            return op(xt, sos_t, zi, bank, hist, 1, 1, 1, 1e-8)[0]

        # The two competitors z-score as their users would (numpy / torch), not with wearsdk.signal.zscore:
        # timing them against the C++ op is the point of this benchmark.
        def scipy_ref() -> np.ndarray:
            y = scipy.signal.sosfilt(sos_np, x, axis=-1)
            return (y - y.mean(axis=-1, keepdims=True)) / y.std(axis=-1, keepdims=True)

        taps = torch.from_numpy(_fir_taps(sampling_rate, low, high)[::-1].copy()).view(1, 1, -1)
        rows = xt.reshape(-1, 1, samples)

        def torch_fir() -> torch.Tensor:
            y = torch.nn.functional.conv1d(torch.nn.functional.pad(rows, (taps.shape[-1] - 1, 0)), taps)
            return (y - y.mean(-1, keepdim=True)) / y.std(-1, unbiased=False, keepdim=True)

        with torch.inference_mode():
            err = float(np.abs(cpp().numpy() - scipy_ref()).max())
            ms = interleaved_medians_ms(
                {"cpp": cpp, "scipy": scipy_ref, "torch_fir": torch_fir},
                repeats={"cpp": repeats, "scipy": repeats, "torch_fir": max(3, repeats // 3)},
            )
            cpp_ms, scipy_ms, torch_ms = ms["cpp"], ms["scipy"], ms["torch_fir"]
    finally:
        torch.set_num_threads(threads)
    return {
        "shape": [batch, channels, samples],
        "sampling_rate": sampling_rate,
        "band_hz": [low, high],
        "order": order,
        "fir_taps": int(taps.shape[-1]),
        "threads": 1,
        "repeats": repeats,
        "cpp_ms": cpp_ms,
        "scipy_ms": scipy_ms,
        "torch_fir_ms": torch_ms,
        "ratio_vs_scipy": scipy_ms / cpp_ms,
        "ratio_vs_torch_fir": torch_ms / cpp_ms,
        "max_abs_err_vs_scipy": err,
    }
