"""Causal IIR filtering and rational resampling, on the C++ core (``torch.ops.wearsdk``)."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from wearsdk.errors import ShapeError
from wearsdk.signal._ops import ops
from wearsdk.signal._validate import as_signal, check_rate
from wearsdk.signal.design import design_bandpass, design_resampler

__all__ = ["sosfilt", "bandpass", "resample", "from_adc"]


def sosfilt(x: Any, sos: Any, zi: Any | None = None) -> tuple[Any, Any]:
    """Causal filter of ``x`` ``(..., samples)`` through second-order sections ``sos`` ``(S, 6)``.

    ``zi`` (shape ``(..., S, 2)``, the carried state, zeros when ``None``) makes streaming exact: feeding
    a signal in chunks, each with the previous call's ``zf``, gives the one-shot output bit for bit.
    The core keeps the state and its arithmetic in float64 (samples stay float32). Returns ``(y, zf)``:
    ``y`` float32, ``zf`` float64, numpy or torch like ``x``.
    """
    t, restore = as_signal(x)
    sos_t = torch.as_tensor(np.asarray(sos, dtype=np.float32))
    if sos_t.dim() != 2 or sos_t.shape[1] != 6 or sos_t.shape[0] < 1:
        raise ShapeError(f"sos must be shaped (n_sections, 6), got {tuple(sos_t.shape)}.")
    state_shape = (*t.shape[:-1], sos_t.shape[0], 2)
    if zi is None:
        zi_t = torch.zeros(state_shape, dtype=torch.float64)
    else:
        zi_t = _as_state(zi)
        if tuple(zi_t.shape) != state_shape:
            raise ShapeError(f"zi must be shaped {state_shape} for x {tuple(t.shape)}, got {tuple(zi_t.shape)}.")
    y, zf = ops().sosfilt(t, sos_t, zi_t)
    return restore(y), restore(zf)


def _as_state(zi: Any) -> torch.Tensor:
    t, _ = as_signal(zi, name="zi")  # dtype/finite checks; the state itself stays float64
    src = zi.detach().cpu() if isinstance(zi, torch.Tensor) else torch.from_numpy(np.asarray(zi))
    return src.to(torch.float64).contiguous().reshape(t.shape)


def bandpass(x: Any, *, sampling_rate: float, low: float, high: float, order: int = 4,
             zero_phase: bool = False) -> Any:
    """Butterworth band-pass ``low``–``high`` Hz of ``x`` ``(..., channels, samples)`` sampled at
    ``sampling_rate`` Hz, from rest (zero state). Same shape, float32; numpy in, numpy out.

    Causal by default, so it streams and matches the on-device pipeline; it delays the signal by the filter's
    group delay. For chunked streams use :class:`wearsdk.signal.Preprocessor` or :func:`sosfilt`.
    ``zero_phase=True`` runs the same filter forward and backward over the whole record (odd-reflection padded
    by up to 3 s; squared magnitude, no delay), as 12-lead archives such as PTB-XL were filtered: offline only.
    """
    sos = design_bandpass(sampling_rate=sampling_rate, low=low, high=high, order=order)
    if not zero_phase:
        y, _ = sosfilt(x, sos)
        return y
    t, restore = as_signal(x)
    m = t.shape[-1]
    pad = min(m - 1, int(3 * sampling_rate))
    head = 2 * t[..., :1] - t[..., 1 : pad + 1].flip(-1)
    tail = 2 * t[..., -1:] - t[..., m - pad - 1 : m - 1].flip(-1)
    forward, _ = sosfilt(torch.cat([head, t, tail], dim=-1), sos)
    backward, _ = sosfilt(forward.flip(-1).contiguous(), sos)
    return restore(backward.flip(-1)[..., pad : pad + m].contiguous())


def resample(x: Any, *, sampling_rate: float, target_rate: float) -> Any:
    """Resamples ``x`` ``(..., samples)`` from ``sampling_rate`` to ``target_rate`` Hz, zero-phase.

    Equals ``scipy.signal.resample_poly(x, up, down, axis=-1)`` (same Kaiser FIR) within float32
    rounding, computed by the causal polyphase core with its delay removed. Output length is
    ``ceil(samples * up / down)``.
    """
    t, restore = as_signal(x)
    fs = check_rate(sampling_rate)
    design = design_resampler(sampling_rate=fs, target_rate=target_rate)
    if design.identity:
        return restore(t.clone())
    up, down, n = design.up, design.down, t.shape[-1]
    n_out = -(-n * up // down)
    # Flush the causal filter with zeros until delay + n_out outputs exist, on a whole number of
    # output periods (the op keeps shapes static: samples * up % down == 0).
    n_total = -(-(design.delay + n_out) * down // up)
    n_total = -(-n_total // down) * down
    padded = torch.nn.functional.pad(t, (0, n_total - n))
    hist = torch.zeros((*t.shape[:-1], design.taps - 1))
    y, _ = ops().resample(padded, torch.from_numpy(design.bank), hist, up, down)
    return restore(y[..., design.delay : design.delay + n_out].contiguous())


def from_adc(x: Any, *, gain: float, baseline: float = 0.0) -> Any:
    """Raw ADC counts to physical units: ``(x - baseline) / gain`` as float32.

    ``gain`` is ADC units per physical unit (WFDB's convention, e.g. 200 adu/mV for MIT-BIH).
    """
    if isinstance(gain, bool) or not isinstance(gain, (int, float)) or not np.isfinite(gain) or gain == 0:
        raise ShapeError(f"gain must be a finite non-zero number of ADC units per physical unit, got {gain!r}.")
    if isinstance(x, torch.Tensor):
        return ((x.to(torch.float64) - baseline) / gain).to(torch.float32)
    return ((np.asarray(x, dtype=np.float64) - baseline) / gain).astype(np.float32)
