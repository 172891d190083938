"""Input checks shared by the peak detectors."""

from __future__ import annotations

import numpy as np

from wearsdk.errors import ConfigError, DTypeError, NonFiniteInputError, SamplingRateError, ShapeError
from wearsdk.signal._validate import check_rate as signal_check_rate

__all__ = ["as_signal", "check_rate", "check_samples", "check_window", "hold_last_finite"]


def check_rate(sampling_rate: float, *, minimum: float, what: str) -> float:
    """A sampling rate in Hz (the rules of :func:`wearsdk.signal` plus ``>= minimum``), as float."""
    fs = signal_check_rate(sampling_rate)
    if fs < minimum:
        raise SamplingRateError(
            f"{what} needs sampling_rate >= {minimum} Hz, got {sampling_rate!r}; resample the signal "
            "(wearsdk.signal.resample) or pass the true rate."
        )
    return fs


def check_window(window_s: float) -> float:
    """A window length in seconds: a positive finite number."""
    if not np.isfinite(window_s) or window_s <= 0:
        raise ConfigError(f"window_s={window_s!r} must be a positive number of seconds.")
    return float(window_s)


def check_samples(x: np.ndarray, *, what: str, shape: str) -> None:
    """A ShapeError when ``x`` holds no samples (its last axis is empty): offline functions need some."""
    if np.shape(x)[-1:] in ((0,), ()):
        raise ShapeError(f"{what} needs at least one sample, got shape {np.shape(x)}; pass a {shape} array "
                         "with the recording's samples.")


def as_signal(x: np.ndarray, *, allow_nan: bool) -> np.ndarray:
    """One channel ``(samples,)`` as float64; 2-D input or non-numeric dtypes raise with the fix."""
    arr = np.asarray(x)
    if arr.dtype.kind not in "fiu":
        raise DTypeError(f"expected a numeric signal, got dtype {arr.dtype}; convert it to float first.")
    if arr.ndim != 1:
        raise ShapeError(
            f"expected one channel shaped (samples,), got shape {arr.shape}; pick one channel, e.g. x[1] "
            "for lead II of a (12, samples) ECG."
        )
    arr = arr.astype(np.float64, copy=False)
    if not allow_nan and not np.isfinite(arr).all():
        raise NonFiniteInputError("signal holds NaN/inf; fill or drop the dropouts first.")
    return arr


def hold_last_finite(x: np.ndarray, last: float) -> tuple[np.ndarray, float]:
    """``x`` with every NaN/inf replaced by the last finite value before it (``last`` carries it across
    chunks, so streaming equals offline); returns the filled chunk and the new ``last``."""
    x = np.asarray(x, dtype=np.float64)
    bad = ~np.isfinite(x)
    if bad.any():
        idx = np.where(~bad, np.arange(x.size), -1)
        np.maximum.accumulate(idx, out=idx)
        x = np.where(idx >= 0, x[np.maximum(idx, 0)], last)
    return x, (float(x[-1]) if x.size else last)
