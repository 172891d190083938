"""Per-window normalisation on the C++ core."""

from __future__ import annotations

from typing import Any

from wearsdk.signal._ops import ops
from wearsdk.signal._validate import as_signal

__all__ = ["zscore"]


def zscore(x: Any, robust: bool = False, *, eps: float = 1e-8) -> Any:
    """Normalises every row of ``x`` ``(..., samples)`` over its samples.

    ``robust=False``: ``(x - mean) / max(std, eps)`` (population std).
    ``robust=True``: ``(x - median) / max(IQR / 1.349, eps)``, which equals the z-score on Gaussian data
    but ignores spikes and motion artefacts. A flat row becomes zeros (check ``quality`` for flat lines).
    """
    t, restore = as_signal(x)
    return restore(ops().zscore(t, bool(robust), float(eps)))
