"""``Windower``: the ring buffer between preprocessing and a model, on the C core's ``wear_windower``
(the same code a device runs)."""

from __future__ import annotations

import ctypes
from typing import Any

import numpy as np

from wearsdk import _capi
from wearsdk.errors import ShapeError
from wearsdk.signal._validate import as_signal

__all__ = ["Windower"]

_F32 = ctypes.POINTER(ctypes.c_float)


def _ptr(a: np.ndarray, offset: int = 0):
    return ctypes.cast(a.ctypes.data + 4 * offset, _F32)


class Windower:
    """Windows of ``window`` samples every ``hop`` samples from chunks ``(channels, n)`` of any size.

    The first window completes after ``window`` samples, the next ones every ``hop`` samples;
    ``push`` returns them as float32 ``(channels, window)`` arrays, oldest sample first. ``channels`` is
    fixed by the first chunk unless given.
    """

    def __init__(self, window: int, hop: int, channels: int | None = None):
        for name, v in (("window", window), ("hop", hop)):
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ShapeError(f"{name} must be a positive number of samples, got {v!r}.")
        if hop > window:
            raise ShapeError(f"hop ({hop}) must not exceed window ({window}): samples would be skipped.")
        self.window, self.hop = window, hop
        self.channels: int | None = None
        if channels is not None:
            self._bind(channels)

    def _bind(self, channels: int) -> None:
        if isinstance(channels, bool) or not isinstance(channels, int) or channels < 1:
            raise ShapeError(f"channels must be a positive int, got {channels!r}.")
        self.channels = channels
        self._ring = np.zeros(channels * self.window, np.float32)
        self._state = _capi.WearWindower()
        _capi.check(_capi.lib().wear_windower_init(ctypes.byref(self._state), self.window, self.hop, channels,
                                                   _ptr(self._ring), self._ring.size), "wear_windower_init")

    def reset(self) -> None:
        """Empties the ring: the next window needs ``window`` new samples."""
        if self.channels is not None:
            _capi.check(_capi.lib().wear_windower_reset(ctypes.byref(self._state)), "wear_windower_reset")

    @property
    def filled(self) -> int:
        """Samples held (at most ``window``)."""
        return 0 if self.channels is None else int(self._state.filled)

    def push(self, chunk: Any) -> list[np.ndarray]:
        """Appends ``chunk`` ``(channels, n)`` and returns the windows it completed, oldest first."""
        shape = tuple(getattr(chunk, "shape", np.shape(chunk)))
        if len(shape) == 2 and shape[1] == 0:
            return []
        t, _ = as_signal(chunk)
        if t.dim() != 2:
            raise ShapeError(f"chunk must be shaped (channels, samples), got {tuple(t.shape)}.")
        if self.channels is None:
            self._bind(int(t.shape[0]))
        if t.shape[0] != self.channels:
            raise ShapeError(f"chunk has {t.shape[0]} channels, this windower {self.channels}.")
        x = t.numpy()
        n = x.shape[1]
        lib = _capi.lib()
        consumed, ready = ctypes.c_int32(), ctypes.c_int32()
        windows, pos = [], 0
        while pos < n:
            _capi.check(lib.wear_windower_push(ctypes.byref(self._state), _ptr(x, pos), n, n - pos,
                                               ctypes.byref(consumed), ctypes.byref(ready)), "wear_windower_push")
            pos += consumed.value
            if ready.value:
                windows.append(self.latest())
        return windows

    def latest(self) -> np.ndarray:
        """The ring's content ``(channels, window)``, oldest first (raises until ``window`` samples came)."""
        if self.filled < self.window:
            raise ShapeError(f"the windower holds {self.filled} of {self.window} samples; push more first.")
        out = np.empty((self.channels, self.window), np.float32)
        _capi.check(_capi.lib().wear_windower_read(ctypes.byref(self._state), _ptr(out), self.window),
                    "wear_windower_read")
        return out
