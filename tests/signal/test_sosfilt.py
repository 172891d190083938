"""sosfilt / bandpass on the C++ core against scipy, and streaming equality."""

import numpy as np
import pytest
import scipy.signal
import torch
from hypothesis import given
from hypothesis import strategies as st

import wearsdk.signal as ws


def _rel_err(y, ref):
    return float(np.abs(np.asarray(y, np.float64) - ref).max() / np.abs(ref).max())


@pytest.mark.parametrize(
    ("fs", "low", "high", "order"),
    [(64, 0.5, 8.0, 4), (128, 0.5, 40.0, 4), (100, 0.5, 40.0, 2), (500, 0.5, 150.0, 4), (64, 0.3, 12.0, 6),
     (1000, 0.05, 40.0, 4)],
)
def test_bandpass_matches_scipy_float64(fs, low, high, order):
    x = np.random.default_rng(1).standard_normal((3, 2, 20 * fs)).astype(np.float32)
    sos = ws.design_bandpass(sampling_rate=fs, low=low, high=high, order=order)
    ref = scipy.signal.sosfilt(sos.astype(np.float64), x.astype(np.float64), axis=-1)
    y = ws.bandpass(x, sampling_rate=fs, low=low, high=high, order=order)
    assert y.dtype == np.float32 and y.shape == x.shape
    assert _rel_err(y, ref) < 1e-5


@given(
    lead=st.lists(st.integers(1, 5), min_size=0, max_size=2),
    n=st.integers(1, 900),
    order=st.integers(1, 8),
    fs=st.sampled_from([32.0, 64.0, 100.0, 128.0, 250.0, 500.0]),
    edges=st.tuples(st.floats(0.02, 0.2), st.floats(0.25, 0.45)),
    seed=st.integers(0, 2**16),
)
def test_sosfilt_matches_scipy_with_carried_state(lead, n, order, fs, edges, seed):
    x = np.random.default_rng(seed).standard_normal((*lead, n)).astype(np.float32)
    sos = ws.design_bandpass(sampling_rate=fs, low=edges[0] * fs, high=edges[1] * fs, order=order)
    zi = np.random.default_rng(seed + 1).standard_normal((*lead, order, 2)) * 0.1
    y, zf = ws.sosfilt(x, sos, zi)
    assert y.dtype == np.float32 and zf.dtype == np.float64
    ref, ref_zf = scipy.signal.sosfilt(sos.astype(np.float64), x.astype(np.float64), axis=-1,
                                       zi=np.moveaxis(zi, -2, 0))
    scale = max(np.abs(ref).max(), 1e-3)
    assert np.abs(y - ref).max() <= 1e-5 * scale
    assert np.abs(zf - np.moveaxis(ref_zf, 0, -2)).max() <= 1e-5 * scale


@given(
    rows=st.integers(1, 19),
    n=st.integers(1, 600),
    order=st.integers(1, 6),
    cuts=st.lists(st.floats(0, 1), max_size=8),
)
def test_streamed_in_random_chunks_equals_one_shot(rows, n, order, cuts):
    x = np.random.default_rng(rows * 1000 + n).standard_normal((rows, n)).astype(np.float32)
    sos = ws.design_bandpass(sampling_rate=100, low=1.0, high=30.0, order=order)
    whole, zf_whole = ws.sosfilt(x, sos)
    bounds = sorted({0, n, *(int(c * n) for c in cuts)})
    zi, parts = None, []
    for a, b in zip(bounds[:-1], bounds[1:], strict=True):
        y, zi = ws.sosfilt(x[:, a:b], sos, zi)
        parts.append(y)
    assert np.array_equal(np.concatenate(parts, axis=-1), whole)
    assert np.array_equal(zi, zf_whole)


def test_types_round_trip_and_non_contiguous_input():
    base = torch.randn(3840, 4)
    x = base.T  # non-contiguous (4, 3840)
    assert not x.is_contiguous()
    y = ws.bandpass(x, sampling_rate=64, low=0.5, high=8)
    assert isinstance(y, torch.Tensor) and y.dtype == torch.float32
    y_np = ws.bandpass(x.contiguous().numpy().astype(np.float64), sampling_rate=64, low=0.5, high=8)
    assert isinstance(y_np, np.ndarray) and y_np.dtype == np.float32
    assert np.array_equal(y.numpy(), y_np)


def test_bandpass_passes_the_band_and_rejects_outside():
    fs = 64
    t = np.arange(60 * fs) / fs
    inband = np.sin(2 * np.pi * 2.0 * t).astype(np.float32)
    drift = np.sin(2 * np.pi * 0.05 * t).astype(np.float32)
    high = np.sin(2 * np.pi * 25.0 * t).astype(np.float32)
    steady = slice(20 * fs, None)
    for sig, expect in ((inband, (0.9, 1.1)), (drift, (0.0, 0.02)), (high, (0.0, 0.02))):
        y = ws.bandpass(sig, sampling_rate=fs, low=0.5, high=8)
        gain = y[steady].std() / sig[steady].std()
        assert expect[0] <= gain <= expect[1]
