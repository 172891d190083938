"""Signal-quality flags per window and channel, on the C++ core."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from wearsdk.signal._ops import ops
from wearsdk.signal._validate import as_signal, check_rate

__all__ = ["quality", "QualityReport"]


@dataclass(frozen=True)
class QualityReport:
    """Quality of each row of a window ``(..., channels, samples)``; every array has shape ``(..., channels)``.

    - ``nonfinite_fraction``: share of NaN/inf samples (sensor dropouts);
    - ``flat_seconds``: longest run of unchanged samples, in seconds (lead off, saturated sensor);
    - ``clip_fraction``: share of samples stuck on the window's max or min (ADC saturation);
    - ``flatline``, ``clipped``, ``has_nonfinite``: those against the thresholds; ``ok``: none of them.
    """

    nonfinite_fraction: np.ndarray
    flat_seconds: np.ndarray
    clip_fraction: np.ndarray
    flatline: np.ndarray
    clipped: np.ndarray
    has_nonfinite: np.ndarray

    @property
    def ok(self) -> np.ndarray:
        return ~(self.flatline | self.clipped | self.has_nonfinite)


def quality(x: Any, *, sampling_rate: float, flat_seconds: float = 0.5, clip_fraction: float = 0.01,
            flat_tol: float = 0.0) -> QualityReport:
    """Quality flags of ``x`` ``(..., channels, samples)`` at ``sampling_rate`` Hz. NaN/inf are allowed
    here (counted, not raised). A row is ``flatline`` when it holds a run of at least ``flat_seconds``
    with sample-to-sample change ``<= flat_tol``, ``clipped`` when more than ``clip_fraction`` of it sits
    on its extremes."""
    fs = check_rate(sampling_rate)
    t, _ = as_signal(x, allow_nonfinite=True)
    q = ops().quality(t, float(flat_tol)).numpy().astype(np.float64)
    n = t.shape[-1]
    flat_s = q[..., 1] * n / fs
    return QualityReport(
        nonfinite_fraction=q[..., 0],
        flat_seconds=flat_s,
        clip_fraction=q[..., 2],
        flatline=flat_s >= flat_seconds,
        clipped=q[..., 2] > clip_fraction,
        has_nonfinite=q[..., 0] > 0,
    )
