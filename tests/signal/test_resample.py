"""resample (zero-phase, == scipy.signal.resample_poly) and the causal core behind it."""

import numpy as np
import pytest
import scipy.signal
from hypothesis import given
from hypothesis import strategies as st

import wearsdk.signal as ws
from wearsdk.errors import FilterDesignError

RATE_PAIRS = [(256, 64), (500, 100), (360, 100), (100, 64), (1000, 64), (64, 128), (250, 128), (128, 100),
              (20, 64), (117, 64)]


@given(
    pair=st.sampled_from(RATE_PAIRS),
    lead=st.lists(st.integers(1, 4), max_size=2),
    n=st.integers(1, 700),
    seed=st.integers(0, 2**16),
)
def test_resample_matches_resample_poly(pair, lead, n, seed):
    fs, target = pair
    x = np.random.default_rng(seed).standard_normal((*lead, n)).astype(np.float32)
    d = ws.design_resampler(sampling_rate=fs, target_rate=target)
    ref = scipy.signal.resample_poly(x.astype(np.float64), d.up, d.down, axis=-1)
    y = ws.resample(x, sampling_rate=fs, target_rate=target)
    assert y.shape == ref.shape and y.dtype == np.float32
    assert np.abs(y - ref).max() <= 1e-5 * max(np.abs(ref).max(), 1e-3)


def test_design_matches_the_ratio_and_the_causal_delay():
    d = ws.design_resampler(sampling_rate=256, target_rate=64)
    assert (d.up, d.down) == (1, 4)
    # causal output = zero-phase output delayed by `delay` samples
    x = np.random.default_rng(0).standard_normal(4096).astype(np.float32)
    spec = ws.PreprocessSpec(sampling_rate=256, target_rate=64, low=None, high=None, norm="none")
    causal = ws.preprocess(x, spec)
    zero_phase = ws.resample(x, sampling_rate=256, target_rate=64)
    assert np.allclose(causal[d.delay:], zero_phase[: len(causal) - d.delay], atol=1e-6)


def test_identity_rate_is_a_copy():
    x = np.arange(10, dtype=np.float32)
    y = ws.resample(x, sampling_rate=100, target_rate=100)
    assert np.array_equal(x, y) and y is not x


@pytest.mark.parametrize(("fs", "target"), [(100, 100 * np.pi), (10_000, 64)])
def test_impossible_ratios_are_refused(fs, target):
    with pytest.raises(FilterDesignError):
        ws.design_resampler(sampling_rate=fs, target_rate=target)


def test_antialiasing_removes_content_above_the_new_nyquist():
    fs, target = 256, 64
    t = np.arange(20 * fs) / fs
    alias = np.sin(2 * np.pi * 50.0 * t).astype(np.float32)  # would fold to 14 Hz
    keep = np.sin(2 * np.pi * 5.0 * t).astype(np.float32)
    assert ws.resample(alias, sampling_rate=fs, target_rate=target)[50:-50].std() < 0.01
    assert ws.resample(keep, sampling_rate=fs, target_rate=target)[50:-50].std() > 0.69
