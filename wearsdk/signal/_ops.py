"""Loads ``torch.ops.wearsdk.*`` (the C++ DSP core) and registers their fake kernels.

Fake (meta) kernels give ``torch.export`` the output shapes without running the core, so the ops
can sit inside exported programs (ExecuTorch then runs the ``.out`` kernels).
"""

from __future__ import annotations

import threading

import torch

from wearsdk._native import load_torch_ops

__all__ = ["ops"]

_lock = threading.Lock()
_ready = False


def _lead(x: torch.Tensor, *tail: int) -> list[int]:
    return [*x.shape[:-1], *tail]


def _register_fakes() -> None:
    @torch.library.register_fake("wearsdk::sosfilt")
    def _sosfilt(x, sos, zi):
        return x.new_empty(x.shape), zi.new_empty(zi.shape)

    @torch.library.register_fake("wearsdk::resample")
    def _resample(x, bank, zi, up, down):
        return x.new_empty(_lead(x, x.shape[-1] * up // down)), zi.new_empty(zi.shape)

    @torch.library.register_fake("wearsdk::zscore")
    def _zscore(x, robust=False, eps=1e-8):
        return x.new_empty(x.shape)

    @torch.library.register_fake("wearsdk::quality")
    def _quality(x, flat_tol=0.0):
        return x.new_empty(_lead(x, 3))

    @torch.library.register_fake("wearsdk::preprocess")
    def _preprocess(x, sos, zi, bank, hist, up, down, norm, eps):
        y = x.new_empty(_lead(x, x.shape[-1] * up // down))
        return y, zi.new_empty(zi.shape), hist.new_empty(hist.shape)


def ops():
    """``torch.ops.wearsdk``, loading the library and fake kernels on first use."""
    global _ready
    with _lock:
        if not _ready:
            load_torch_ops()
            _register_fakes()
            _ready = True
    return torch.ops.wearsdk
