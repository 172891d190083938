"""Golden vectors: the checked-in C header is what the reference computes today, and the C API (via
ctypes) reproduces it, pipeline included."""

import ctypes
from pathlib import Path

import numpy as np

from wearsdk import _capi
from wearsdk.firmware.golden import PIPELINE, golden_vectors, render_golden_header

HEADER = Path(__file__).resolve().parents[2] / "firmware_bindings" / "tests" / "golden_vectors.h"
F32 = ctypes.POINTER(ctypes.c_float)


def f32(a: np.ndarray, offset: int = 0):
    """Pointer into a float32 array that the caller keeps alive."""
    assert a.dtype == np.float32 and a.flags.c_contiguous
    return ctypes.cast(a.ctypes.data + 4 * offset, F32)


def test_checked_in_header_matches_the_reference():
    assert HEADER.read_text() == render_golden_header(), (
        "firmware_bindings/tests/golden_vectors.h is stale: python -m wearsdk.firmware > that file"
    )


def test_c_api_pipeline_reproduces_the_golden_windows_from_python():
    lib = _capi.lib()
    v = golden_vectors()
    raw = np.ascontiguousarray(v["pipe_in"])
    channels, n = raw.shape
    sos, bank = np.ascontiguousarray(v["sos_pipe"]), np.ascontiguousarray(v["bank"])
    pre = _capi.WearPreprocessConfig(f32(sos), sos.shape[0], f32(bank), v["up"], v["down"], v["taps"], channels, 1,
                                     1e-8)
    cfg = _capi.WearPipelineConfig(pre, PIPELINE["window"], PIPELINE["hop"])
    sizes = _capi.WearPipelineSizes()
    assert lib.wear_pipeline_sizes_for(ctypes.byref(cfg), ctypes.byref(sizes)) == 0
    fstate = np.zeros(sizes.filter_state)
    hist = np.zeros(sizes.resampler_state, np.float32)
    ring = np.zeros(sizes.ring, np.float32)
    work = np.zeros(sizes.work, np.float32)
    p = _capi.WearPipeline()
    state = fstate.ctypes.data_as(ctypes.POINTER(ctypes.c_double))
    assert lib.wear_pipeline_init(ctypes.byref(p), ctypes.byref(cfg), state, fstate.size, f32(hist), hist.size,
                                  f32(ring), ring.size, f32(work), work.size) == 0
    window = np.zeros((channels, PIPELINE["window"]), np.float32)
    windows, pos = [], 0
    consumed, ready = ctypes.c_int32(), ctypes.c_int32()
    while True:  # the whole recording at once: the pipeline stops at each window, until none is pending
        assert lib.wear_pipeline_process(ctypes.byref(p), f32(raw, pos), n, n - pos, ctypes.byref(consumed),
                                         f32(window), window.shape[1], ctypes.byref(ready), None, 0) == 0
        pos += consumed.value
        if not ready.value:
            break
        windows.append(window.copy())
    assert pos == n
    got = np.stack(windows)
    want = v["pipe_windows"]
    assert got.shape == want.shape
    assert np.abs(got - want).max() <= 2e-5 * np.abs(want).max()
