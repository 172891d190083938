"""The C API (firmware face) through ctypes, against the same SciPy reference as the torch op."""

import ctypes

import numpy as np
import pytest
import scipy.signal
from hypothesis import given
from hypothesis import strategies as st

import wearsdk.signal as ws
from wearsdk import _capi

F32 = ctypes.POINTER(ctypes.c_float)
F64 = ctypes.POINTER(ctypes.c_double)


def f32(a: np.ndarray):
    assert a.dtype == np.float32 and a.flags.c_contiguous
    return a.ctypes.data_as(F32)


def f64(a: np.ndarray):
    return a.ctypes.data_as(F64)


@pytest.fixture(scope="module")
def lib():
    return _capi.lib()


@given(channels=st.integers(1, 20), n=st.integers(1, 500), order=st.integers(1, 6), seed=st.integers(0, 999))
def test_sos_matches_scipy(channels, n, order, seed):
    lib = _capi.lib()
    x = np.random.default_rng(seed).standard_normal((channels, n)).astype(np.float32)
    sos = ws.design_bandpass(sampling_rate=128, low=0.5, high=40, order=order)
    state = np.zeros(channels * order * 2)
    f = _capi.WearSos()
    assert lib.wear_sos_init(ctypes.byref(f), f32(sos), order, channels, f64(state), state.size) == 0
    y = np.empty_like(x)
    assert lib.wear_sos_process(ctypes.byref(f), f32(x), n, f32(y), n, n) == 0
    ref = scipy.signal.sosfilt(sos.astype(np.float64), x.astype(np.float64), axis=-1)
    assert np.abs(y - ref).max() <= 1e-5 * max(np.abs(ref).max(), 1e-3)
    assert np.array_equal(y, ws.sosfilt(x, sos)[0])  # the same core as the torch op


@given(pair=st.sampled_from([(256, 64), (500, 128), (360, 100), (64, 128), (100, 64)]),
       sizes=st.lists(st.integers(0, 200), min_size=1, max_size=12), channels=st.integers(1, 10))
def test_resampler_streams_arbitrary_chunks_like_upfirdn(pair, sizes, channels):
    lib = _capi.lib()
    d = ws.design_resampler(sampling_rate=pair[0], target_rate=pair[1])
    n = sum(sizes)
    x = np.random.default_rng(n).standard_normal((channels, n)).astype(np.float32)
    hist = np.zeros(channels * (d.taps - 1) + 1, np.float32)
    r = _capi.WearResampler()
    assert lib.wear_resampler_init(ctypes.byref(r), f32(d.bank), d.up, d.down, d.taps, channels, f32(hist),
                                   hist.size) == 0
    outs, start = [], 0
    for size in sizes:
        chunk = np.ascontiguousarray(x[:, start : start + size])
        start += size
        expect = lib.wear_resampler_out_len(ctypes.byref(r), size)
        y = np.zeros((channels, max(expect, 1)), np.float32)
        written = ctypes.c_int32(-1)
        src = chunk if size else np.zeros((channels, 1), np.float32)  # a real pointer for empty chunks
        status = lib.wear_resampler_process(ctypes.byref(r), f32(src), max(size, 1), size, f32(y), y.shape[1],
                                            expect, ctypes.byref(written))
        assert status == 0 and written.value == expect
        outs.append(y[:, :expect])
    h = d.bank[:, ::-1].T.reshape(-1).astype(np.float64)
    ref = scipy.signal.upfirdn(h, x.astype(np.float64), d.up, d.down, axis=-1)[:, : -(-n * d.up // d.down)]
    got = np.concatenate(outs, axis=-1)
    assert got.shape == ref.shape
    if n:
        assert np.abs(got - ref).max() <= 1e-5 * max(np.abs(ref).max(), 1e-3)


def test_normalize_and_quality(lib):
    x = np.random.default_rng(0).standard_normal((3, 256)).astype(np.float32) * 5 + 2
    x[2, 10:20] = np.nan
    y = np.empty_like(x)
    scratch = np.empty(256, np.float32)
    assert lib.wear_normalize(f32(x), 256, f32(y), 256, 2, 256, 2, 1e-8, f32(scratch), 256) == 0
    assert np.allclose(y[:2], ws.zscore(x[:2], robust=True), atol=1e-6)
    q = (_capi.WearQuality * 3)()
    assert lib.wear_quality_compute(f32(x), 256, 3, 256, 0.0, q) == 0
    assert [round(v.nonfinite_fraction * 256) for v in q] == [0, 0, 10]


def test_null_pointers_sizes_and_uninitialised_structs_give_status_codes(lib):
    f = _capi.WearSos()
    x = np.zeros(64, np.float32)
    state = np.zeros(8)
    sos = ws.design_bandpass(sampling_rate=64, low=0.5, high=8)
    assert _capi.STATUS[lib.wear_sos_process(ctypes.byref(f), f32(x), 64, f32(x), 64, 64)] == "WEAR_ERR_NOT_INIT"
    assert _capi.STATUS[lib.wear_sos_init(ctypes.byref(f), None, 4, 1, f64(state), 8)] == "WEAR_ERR_NULL"
    assert _capi.STATUS[lib.wear_sos_init(ctypes.byref(f), f32(sos), 4, 1, f64(state), 7)] == "WEAR_ERR_SIZE"
    assert _capi.STATUS[lib.wear_sos_init(None, f32(sos), 4, 1, f64(state), 8)] == "WEAR_ERR_NULL"
    assert lib.wear_sos_state_len(4, 3) == 24 and lib.wear_sos_state_len(0, 3) == 0
    assert lib.wear_status_str(2).decode().startswith("WEAR_ERR_SIZE")
    assert lib.wear_version().decode() == "0.1.0"
