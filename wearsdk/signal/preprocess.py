"""The model-input pipeline: band-pass SOS -> resample -> normalise, fused in one C++ op.

:class:`PreprocessSpec` is the contract a model card carries; :func:`preprocess` runs it on a window
or a whole recording; :class:`Preprocessor` runs it on a stream, chunk by chunk, with carried state.
Both are causal and give the same samples: streaming equals offline bit for bit.
"""

from __future__ import annotations

import ctypes
import dataclasses
import math
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import torch

from wearsdk.errors import ConfigError, FilterDesignError, ShapeError
from wearsdk.signal._ops import ops
from wearsdk.signal._validate import as_signal, check_rate
from wearsdk.signal.design import ResamplerDesign, design_bandpass, design_resampler

__all__ = ["PreprocessSpec", "preprocess", "Preprocessor", "NORMS"]

NORMS = {"none": 0, "zscore": 1, "robust": 2}


@dataclass(frozen=True)
class PreprocessSpec:
    """Preprocessing of one model input.

    sampling_rate: rate of the raw input, Hz.   target_rate: the model's rate, Hz (None: unchanged).
    low, high: Butterworth band-pass edges in Hz, applied at the input rate (both None: no filter).
    order: Butterworth order (``order`` second-order sections).   norm: "zscore", "robust" or "none",
    over each output window.   eps: floor of the normalisation scale.
    """

    sampling_rate: float
    target_rate: float | None = None
    low: float | None = 0.5
    high: float | None = 8.0
    order: int = 4
    norm: str = "zscore"
    eps: float = 1e-8

    def __post_init__(self) -> None:
        check_rate(self.sampling_rate)
        if self.target_rate is not None:
            check_rate(self.target_rate, "target_rate")
        if self.norm not in NORMS:
            raise ConfigError(f"norm must be one of {sorted(NORMS)}, got {self.norm!r}.")
        if not (isinstance(self.eps, (int, float)) and math.isfinite(self.eps) and self.eps >= 0):
            raise ConfigError(f"eps must be a finite number >= 0, got {self.eps!r}.")
        if (self.low is None) != (self.high is None):
            raise ConfigError("low and high must both be set (band-pass) or both be None (no filter).")
        if self.high is not None and self.high >= self.output_rate / 2:
            raise FilterDesignError(
                f"high={self.high} Hz is at or above the Nyquist frequency {self.output_rate / 2:g} Hz of the "
                f"output rate {self.output_rate:g} Hz; lower 'high' or raise target_rate."
            )
        self.sos  # noqa: B018 - design now, so a bad band fails at construction
        self.resampler  # noqa: B018

    @property
    def output_rate(self) -> float:
        return float(self.target_rate if self.target_rate is not None else self.sampling_rate)

    @cached_property
    def sos(self) -> np.ndarray:
        """Float32 ``(order, 6)`` sections, or ``(0, 6)`` without a filter."""
        if self.low is None:
            return np.zeros((0, 6), np.float32)
        return design_bandpass(sampling_rate=self.sampling_rate, low=self.low, high=self.high, order=self.order)

    @cached_property
    def resampler(self) -> ResamplerDesign:
        return design_resampler(sampling_rate=self.sampling_rate, target_rate=self.output_rate)

    def with_rate(self, sampling_rate: float) -> PreprocessSpec:
        """The same pipeline for input at another rate (the output rate stays)."""
        return dataclasses.replace(self, sampling_rate=sampling_rate, target_rate=self.output_rate)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> PreprocessSpec:
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(d) - known)
        if unknown:
            raise ConfigError(f"unknown PreprocessSpec key(s) {unknown}; known keys: {sorted(known)}.")
        return cls(**d)


def _run(t: torch.Tensor, spec: PreprocessSpec, zi: torch.Tensor, hist: torch.Tensor, norm: int):
    rs = spec.resampler
    return ops().preprocess(
        t, torch.from_numpy(spec.sos), zi, torch.from_numpy(rs.bank), hist, rs.up, rs.down, norm, float(spec.eps)
    )


def _zero_state(spec: PreprocessSpec, lead: tuple[int, ...]) -> tuple[torch.Tensor, torch.Tensor]:
    taps = spec.resampler.taps if not spec.resampler.identity else 1
    return torch.zeros((*lead, spec.sos.shape[0], 2), dtype=torch.float64), torch.zeros((*lead, taps - 1))


def preprocess(x: Any, spec: PreprocessSpec, *, sampling_rate: float | None = None) -> Any:
    """Runs ``spec`` on ``x`` ``(..., channels, samples)`` from rest (zero filter state).

    ``sampling_rate`` (Hz) overrides ``spec.sampling_rate`` when the input comes at another rate; the
    output is always at ``spec.output_rate``, ``ceil(samples * up / down)`` samples, float32.
    Causal: the output lags the input by the filter and resampler delays, exactly as on the device.
    """
    if sampling_rate is not None and check_rate(sampling_rate) != spec.sampling_rate:
        spec = spec.with_rate(sampling_rate)
    t, restore = as_signal(x)
    rs, n = spec.resampler, t.shape[-1]
    n_out = -(-n * rs.up // rs.down)
    zi, hist = _zero_state(spec, tuple(t.shape[:-1]))
    pad = (-n) % rs.down
    if pad == 0:
        y, _, _ = _run(t, spec, zi, hist, NORMS[spec.norm])
    else:  # causal: padding after the end changes no kept sample, but must stay out of the statistics
        y, _, _ = _run(torch.nn.functional.pad(t, (0, pad)), spec, zi, hist, NORMS["none"])
        y = y[..., :n_out].contiguous()
        if spec.norm != "none":
            y = ops().zscore(y, spec.norm == "robust", float(spec.eps))
    return restore(y)


class Preprocessor:
    """Streaming :func:`preprocess` (without normalisation, which belongs to each window).

    ``process(chunk)`` takes ``(..., channels, n)`` chunks of any length ``n >= 0`` with the leading shape
    given at construction and returns every output sample the chunk completes; their concatenation
    equals ``preprocess(whole, dataclasses.replace(spec, norm="none"))`` bit for bit. It runs the C API
    (``wear_preprocess``) with its state kept between calls, so no sample is ever held back.
    """

    def __init__(self, spec: PreprocessSpec, shape: tuple[int, ...]):
        if not shape or not all(isinstance(s, int) and s > 0 for s in shape):
            raise ShapeError(f"shape must be the leading dims (..., channels) of each chunk, got {shape!r}.")
        from wearsdk import _capi

        self.spec = spec
        self.shape = tuple(shape)
        self._rows = int(np.prod(self.shape))
        rs = spec.resampler
        # Buffers the C struct points into: kept alive by this object.
        self._sos = np.ascontiguousarray(spec.sos)
        self._bank = np.ascontiguousarray(rs.bank)
        taps = 1 if rs.identity else rs.taps
        self._filter_state = np.zeros(self._rows * self._sos.shape[0] * 2, np.float64)
        self._history = np.zeros(max(self._rows * (taps - 1), 1), np.float32)
        self._cfg = _capi.WearPreprocessConfig(
            _ptr(self._sos) if self._sos.shape[0] else None, self._sos.shape[0],
            None if rs.identity else _ptr(self._bank), rs.up, rs.down, taps, self._rows, NORMS["none"], spec.eps,
        )
        self._state = _capi.WearPreprocess()
        lib = _capi.lib()
        _capi.check(
            lib.wear_preprocess_init(
                ctypes.byref(self._state), ctypes.byref(self._cfg),
                self._filter_state.ctypes.data_as(ctypes.POINTER(ctypes.c_double)), self._filter_state.size,
                _ptr(self._history), self._history.size,
            ),
            "wear_preprocess_init",
        )

    def reset(self) -> None:
        """Forgets the stream: filter state and resampler history and phase."""
        from wearsdk import _capi

        _capi.check(_capi.lib().wear_preprocess_reset(ctypes.byref(self._state)), "wear_preprocess_reset")

    def process(self, chunk: Any) -> Any:
        from wearsdk import _capi

        lib = _capi.lib()
        empty = _is_empty(chunk)
        t, restore = (torch.zeros((*self.shape, 0)), _identity) if empty else as_signal(chunk)
        if tuple(t.shape[:-1]) != self.shape:
            raise ShapeError(f"chunk must be shaped {(*self.shape, 'n')}, got {tuple(t.shape)}.")
        n = t.shape[-1]
        rs = self._state.resampler
        n_out = n if self.spec.resampler.identity else lib.wear_resampler_out_len(ctypes.byref(rs), n)
        y = torch.empty((*self.shape, max(n_out, 1)))  # >= 1 sample: the core wants a real pointer
        if n == 0:
            return restore(y[..., :0])
        written = ctypes.c_int32(0)
        _capi.check(
            lib.wear_preprocess_process(
                ctypes.byref(self._state), _tptr(t), n, n, _tptr(y), y.shape[-1], n_out,
                ctypes.byref(written), None, 0,
            ),
            "wear_preprocess_process",
        )
        return restore(y[..., :n_out])


def _ptr(a: np.ndarray):
    return a.ctypes.data_as(ctypes.POINTER(ctypes.c_float))


def _tptr(t: torch.Tensor):
    return ctypes.cast(t.data_ptr(), ctypes.POINTER(ctypes.c_float))


def _identity(y: torch.Tensor) -> torch.Tensor:
    return y


def _is_empty(chunk: Any) -> bool:
    shape = chunk.shape if hasattr(chunk, "shape") else np.shape(chunk)
    return len(shape) > 0 and shape[-1] == 0
