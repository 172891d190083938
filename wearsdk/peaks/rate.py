"""Heart rate from peak indices."""

from __future__ import annotations

import numpy as np

from wearsdk.errors import ConfigError, DTypeError, ShapeError
from wearsdk.peaks._checks import check_rate, check_window

__all__ = ["heart_rate"]


def heart_rate(peaks: np.ndarray, *, sampling_rate: float, window_s: float | None = None,
               duration_s: float | None = None) -> np.ndarray:
    """Heart rate in bpm from increasing peak sample indices (R peaks or PPG systolic peaks).

    Args:
        peaks: (beats,) integer sample indices at ``sampling_rate`` Hz, increasing.
        sampling_rate: Hz of the signal the peaks index.
        window_s: if given, return one HR per consecutive window of this length: 60 / median of the
            intervals that end inside the window (robust to one missed or extra beat); NaN where a window
            holds no interval.
        duration_s: with ``window_s``, the record length, s (default: up to the last peak; required when
            ``peaks`` is empty).

    Returns:
        ``(beats - 1,)`` instantaneous HR of each interval when ``window_s`` is None, else
        ``(windows,)`` HR per window.

    Example:
        >>> heart_rate(np.array([0, 250, 500, 760]), sampling_rate=250.0)
        array([60.        , 60.        , 57.69230769])
    """
    fs = check_rate(sampling_rate, minimum=1.0, what="heart_rate")
    p = np.asarray(peaks)
    if p.dtype.kind not in "iu":
        raise DTypeError(f"peaks must be integer sample indices, got dtype {p.dtype}.")
    if p.ndim != 1:
        raise ShapeError(f"peaks must be shaped (beats,), got {p.shape}.")
    if p.size > 1 and np.any(np.diff(p) <= 0):
        raise ShapeError("peaks must be strictly increasing sample indices; sort and de-duplicate them.")
    rr = np.diff(p) / fs
    inst = 60.0 / rr
    if window_s is None:
        return inst
    window_s = check_window(window_s)
    if duration_s is None and p.size == 0:
        raise ShapeError("heart_rate got no peaks and no duration_s, so the number of windows is unknown; pass "
                         "duration_s (the record length in s) to get NaN per window, or peaks with beats.")
    if duration_s is not None and not (np.isfinite(duration_s) and duration_s > 0):
        raise ConfigError(f"duration_s={duration_s!r} must be a positive number of seconds (the record length).")
    end_s = p[-1] / fs if duration_s is None else float(duration_s)
    n_win = int(np.floor(end_s / window_s)) if end_s > 0 else 0
    out = np.full(n_win, np.nan)
    which = (p[1:] / fs // window_s).astype(np.int64)
    for w in range(n_win):
        sel = rr[which == w]
        if sel.size:
            out[w] = 60.0 / np.median(sel)
    return out
