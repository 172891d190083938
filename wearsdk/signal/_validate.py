"""Input checks shared by every ``wearsdk.signal`` function: one place that turns bad input into a
precise :class:`~wearsdk.errors.WearError` before it reaches the C++ core."""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from wearsdk.errors import DTypeError, NonFiniteInputError, SamplingRateError, ShapeError

__all__ = ["as_signal", "check_rate", "Restore"]

Restore = Callable[[torch.Tensor], Any]


def check_rate(value: Any, name: str = "sampling_rate") -> float:
    """A sampling rate in Hz: a finite number > 0."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise SamplingRateError(f"{name} must be a number in Hz, got {value!r} ({type(value).__name__}).")
    rate = float(value)
    if not math.isfinite(rate) or rate <= 0:
        raise SamplingRateError(f"{name} must be a finite number > 0 Hz, got {value!r}.")
    return rate


def as_signal(x: Any, *, name: str = "x", allow_nonfinite: bool = False) -> tuple[torch.Tensor, Restore]:
    """``x`` shaped ``(..., samples)`` as a contiguous float32 CPU tensor, plus a function that turns a
    result back into the caller's type (numpy in -> numpy out, tensor in -> tensor out on its device).

    Integer input is refused: ADC counts need a gain first (:func:`wearsdk.signal.from_adc`).
    """
    if isinstance(x, torch.Tensor):
        t = x.detach()
        device = x.device

        def restore(y: torch.Tensor) -> torch.Tensor:
            return y.to(device)

    else:
        arr = np.asarray(x)
        if arr.dtype == object:
            raise DTypeError(f"{name} must be a numeric array, got an object array ({type(x).__name__}).")
        t = None
        restore = _to_numpy
    dtype = t.dtype if t is not None else arr.dtype
    _check_dtype(dtype, name)
    _check_size(tuple(t.shape) if t is not None else arr.shape, name)
    if t is None:
        t = torch.from_numpy(np.array(arr, dtype=np.float32, order="C", ndmin=0))
    t = t.to(device="cpu", dtype=torch.float32).contiguous()
    if t.dim() == 0:
        raise ShapeError(f"{name} must be shaped (..., samples), got a scalar.")
    if t.shape[-1] == 0 or t.numel() == 0:
        raise ShapeError(f"{name} is empty (shape {tuple(t.shape)}); pass at least one sample per channel.")
    if not allow_nonfinite:
        finite = torch.isfinite(t)
        if not bool(finite.all()):
            bad = int((~finite).sum())
            first = tuple(int(i) for i in torch.nonzero(~finite)[0])
            raise NonFiniteInputError(
                f"{name} holds {bad} NaN/inf sample(s) (first at index {first}). The filters carry state, so "
                "one NaN would poison every later sample. Find gaps with wearsdk.signal.quality(), then "
                "interpolate or drop them before filtering."
            )
    return t, restore


# The C core counts samples and rows in int32 (firmware-sized types); larger inputs go in chunks.
MAX_SAMPLES = 2**31 - 1


def _check_size(shape: tuple[int, ...], name: str) -> None:
    """Refuses, before any copy, an input the core cannot index."""
    if not shape:
        return
    rows = int(np.prod(shape[:-1], dtype=np.int64)) if len(shape) > 1 else 1
    if shape[-1] > MAX_SAMPLES or rows > MAX_SAMPLES or rows * shape[-1] > 2**40:
        raise ShapeError(
            f"{name} of shape {shape} is too large for one call (at most {MAX_SAMPLES} samples per row and "
            f"rows, 2^40 values in all); stream it in chunks with wearsdk.signal.Preprocessor."
        )


def _to_numpy(y: torch.Tensor) -> np.ndarray:
    return y.numpy()


def _check_dtype(dtype: Any, name: str) -> None:
    if isinstance(dtype, torch.dtype):
        ok = dtype.is_floating_point and not dtype.is_complex
        integer = not dtype.is_floating_point and not dtype.is_complex
    else:
        ok = np.issubdtype(dtype, np.floating)
        integer = np.issubdtype(dtype, np.integer) or np.issubdtype(dtype, np.bool_)
    if integer:
        raise DTypeError(
            f"{name} has integer dtype {dtype}: raw ADC counts have no physical unit. Convert first with "
            "wearsdk.signal.from_adc(x, gain=ADC_UNITS_PER_PHYSICAL_UNIT, baseline=ADC_ZERO)."
        )
    if not ok:
        raise DTypeError(f"{name} must be real floating point, got dtype {dtype}.")
