"""Coefficient design (Python side; the C++ core takes coefficients, on firmware as constants).

- :func:`design_bandpass`: Butterworth band-pass as second-order sections (``scipy.signal.butter``).
- :func:`design_resampler`: the polyphase bank of ``scipy.signal.resample_poly``'s Kaiser FIR, laid out
  for ``wear_resampler`` (each phase reversed, so every output is one contiguous dot product).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import scipy.signal

from wearsdk.errors import FilterDesignError
from wearsdk.signal._validate import check_rate

__all__ = ["design_bandpass", "design_resampler", "ResamplerDesign", "MAX_SOS_SECTIONS", "MAX_TAPS"]

MAX_SOS_SECTIONS = 16  # WEAR_SOS_MAX_SECTIONS
MAX_TAPS = 1024  # WEAR_RESAMPLE_MAX_TAPS (taps per phase)
MAX_RATIO_TERM = 1000  # largest up or down factor: the FIR has 20 * max(up, down) + 1 taps


def design_bandpass(*, sampling_rate: float, low: float, high: float, order: int = 4) -> np.ndarray:
    """Butterworth band-pass ``low``–``high`` Hz at ``sampling_rate`` Hz.

    Returns float32 second-order sections, shape ``(order, 6)`` (a band-pass of order ``order`` has
    ``2 * order`` poles), rows ``b0 b1 b2 1 a1 a2``.
    """
    fs = check_rate(sampling_rate)
    nyquist = fs / 2
    if isinstance(order, bool) or not isinstance(order, int) or not 1 <= order <= MAX_SOS_SECTIONS:
        raise FilterDesignError(f"order must be an int in 1..{MAX_SOS_SECTIONS}, got {order!r}.")
    for edge_name, edge in (("low", low), ("high", high)):
        if not isinstance(edge, (int, float)) or not math.isfinite(edge):
            raise FilterDesignError(f"{edge_name} must be a finite frequency in Hz, got {edge!r}.")
    if not 0 < low < high:
        raise FilterDesignError(f"band edges must satisfy 0 < low < high, got low={low} Hz, high={high} Hz.")
    if high >= nyquist:
        raise FilterDesignError(
            f"high={high} Hz is at or above the Nyquist frequency {nyquist:g} Hz of sampling_rate={fs:g} Hz; "
            f"choose high < {nyquist:g} Hz or resample to a higher rate first."
        )
    sos = scipy.signal.butter(order, [low, high], btype="bandpass", fs=fs, output="sos")
    return np.ascontiguousarray(sos, dtype=np.float32)


@dataclass(frozen=True)
class ResamplerDesign:
    """A rational resampler ``up/down`` (reduced) and its polyphase bank.

    ``bank`` is float32 ``(up, taps)``; ``delay`` is the number of output samples by which the causal
    (streaming) resampler lags the zero-phase ``scipy.signal.resample_poly``.
    """

    up: int
    down: int
    bank: np.ndarray
    delay: int

    @property
    def taps(self) -> int:
        return int(self.bank.shape[1])

    @property
    def identity(self) -> bool:
        return self.up == 1 and self.down == 1


def design_resampler(*, sampling_rate: float, target_rate: float) -> ResamplerDesign:
    """Polyphase resampler from ``sampling_rate`` to ``target_rate`` Hz (both exact rationals).

    The FIR is scipy's ``resample_poly`` default: ``firwin(20 * max(up, down) + 1, 1 / max(up, down),
    window=("kaiser", 5.0)) * up``, front-padded so the delay is a whole number of output samples.
    """
    fs_in = check_rate(sampling_rate)
    fs_out = check_rate(target_rate, "target_rate")
    ratio = Fraction(fs_out).limit_denominator(10_000) / Fraction(fs_in).limit_denominator(10_000)
    up, down = ratio.numerator, ratio.denominator
    if abs(float(ratio) - fs_out / fs_in) > 1e-9 * fs_out / fs_in or max(up, down) > MAX_RATIO_TERM:
        raise FilterDesignError(
            f"{fs_in:g} Hz -> {fs_out:g} Hz is not a ratio of small integers (up/down <= {MAX_RATIO_TERM}); "
            "round the rates (e.g. to 0.1 Hz) or resample in two stages."
        )
    if up == down == 1:
        return ResamplerDesign(1, 1, np.ones((1, 1), np.float32), 0)
    max_rate = max(up, down)
    half_len = 10 * max_rate
    h = scipy.signal.firwin(2 * half_len + 1, 1.0 / max_rate, window=("kaiser", 5.0)) * up
    n_pre_pad = down - half_len % down
    h = np.concatenate([np.zeros(n_pre_pad), h])
    taps = -(-len(h) // up)
    if taps > MAX_TAPS:
        raise FilterDesignError(
            f"resampling {fs_in:g} -> {fs_out:g} Hz needs {taps} taps per phase (ratio {up}/{down}); the core "
            f"supports {MAX_TAPS}. Resample in two stages (e.g. to an intermediate multiple of {fs_out:g} Hz)."
        )
    padded = np.zeros(up * taps)
    padded[: len(h)] = h
    # bank[p, m] = h[p + (taps - 1 - m) * up]
    bank = padded.reshape(taps, up).T[:, ::-1]
    delay = (half_len + n_pre_pad) // down
    return ResamplerDesign(up, down, np.ascontiguousarray(bank, dtype=np.float32), delay)
