"""The one place peak detection touches a band-pass filter: ``wearsdk.signal``'s causal SOS core."""

from __future__ import annotations

import numpy as np

from wearsdk.signal import design_bandpass, sosfilt

__all__ = ["_Bandpass"]


def _group_delay(sos: np.ndarray, freq: float, fs: float) -> float:
    """Group delay (samples) of the SOS cascade at ``freq`` Hz: -d(phase)/d(omega), numerically."""
    w = 2 * np.pi * freq / fs * np.array([0.999, 1.001])
    z = np.exp(-1j * w)
    h = np.ones(2, dtype=complex)
    for b0, b1, b2, a0, a1, a2 in np.asarray(sos, dtype=np.float64):
        h *= (b0 + b1 * z + b2 * z**2) / (a0 + a1 * z + a2 * z**2)
    phase = np.unwrap(np.angle(h))
    return float(-(phase[1] - phase[0]) / (w[1] - w[0]))


class _Bandpass:
    """Causal Butterworth band-pass ``[low, high]`` Hz at ``sampling_rate`` Hz with carried state.

    Built on :func:`wearsdk.signal.design_bandpass` / :func:`wearsdk.signal.sosfilt` (the C++ core),
    so chunked filtering equals one-shot filtering. The first sample is subtracted from the whole
    stream (the band-pass ignores DC), which starts the filter in steady state instead of with a step.
    """

    def __init__(self, *, sampling_rate: float, low: float, high: float, order: int = 2) -> None:
        high = min(high, 0.45 * sampling_rate)
        self.sos = design_bandpass(sampling_rate=sampling_rate, low=low, high=high, order=order)
        self.zi: np.ndarray | None = None
        self.offset = 0.0
        #: Group delay (samples) at the band centre, to map filtered features back to the raw signal.
        self.delay = _group_delay(self.sos, float(np.sqrt(low * high)), sampling_rate)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        if x.size == 0:
            return np.zeros(0)
        if self.zi is None:
            self.offset = float(x[0])
        y, self.zi = sosfilt(x - self.offset, self.sos, self.zi)  # the state stays float64 between chunks
        return np.asarray(y, dtype=np.float64)
