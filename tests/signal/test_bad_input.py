"""Bad input to every wearsdk.signal function gets a precise WearError, never a crash or a silent
wrong answer."""

import numpy as np
import pytest
import torch

import wearsdk.signal as ws
from wearsdk.errors import (
    DTypeError,
    FilterDesignError,
    NonFiniteInputError,
    SamplingRateError,
    ShapeError,
    WearError,
)

GOOD = np.random.default_rng(0).standard_normal((4, 640)).astype(np.float32)
SPEC = ws.PreprocessSpec(sampling_rate=64, low=0.5, high=8.0)

CALLS = {
    "bandpass": lambda x, fs=64: ws.bandpass(x, sampling_rate=fs, low=0.5, high=8.0),
    "resample": lambda x, fs=64: ws.resample(x, sampling_rate=fs, target_rate=32),
    "zscore": lambda x, fs=64: ws.zscore(x),
    "quality": lambda x, fs=64: ws.quality(x, sampling_rate=fs),
    "preprocess": lambda x, fs=64: ws.preprocess(x, SPEC, sampling_rate=fs),
    "sosfilt": lambda x, fs=64: ws.sosfilt(x, SPEC.sos),
}


def _with(value_at, value):
    x = GOOD.copy()
    x[value_at] = value
    return x


BAD_SIGNALS = [
    ("empty", np.zeros((4, 0), np.float32), ShapeError),
    ("no channels", np.zeros((0, 640), np.float32), ShapeError),
    ("scalar", np.float32(1.0), ShapeError),
    ("int16 ADC", (GOOD * 1000).astype(np.int16), DTypeError),
    ("uint12 ADC as int32", np.full((1, 640), 2048, np.int32), DTypeError),
    ("bool", GOOD > 0, DTypeError),
    ("complex", GOOD.astype(np.complex64), DTypeError),
    ("object", np.array([[1.0, "a"]], dtype=object), DTypeError),
    ("strings", [["a", "b"]], DTypeError),
]


@pytest.mark.parametrize("fn", sorted(CALLS))
@pytest.mark.parametrize(("case", "x", "error"), BAD_SIGNALS, ids=[c[0] for c in BAD_SIGNALS])
def test_bad_signals(fn, case, x, error):
    with pytest.raises(error):
        CALLS[fn](x)


@pytest.mark.parametrize("fn", sorted(set(CALLS) - {"quality"}))
@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_non_finite_samples_are_refused_with_their_position(fn, value):
    with pytest.raises(NonFiniteInputError, match=r"first at index \(2, 100\)"):
        CALLS[fn](_with((2, 100), value))


@pytest.mark.parametrize("fn", ["bandpass", "resample", "quality", "preprocess"])
@pytest.mark.parametrize("fs", [0, -64, float("nan"), float("inf"), "64", True, None])
def test_bad_sampling_rates(fn, fs):
    if fn == "preprocess" and fs is None:  # None means "the spec's rate" there
        return
    with pytest.raises(SamplingRateError):
        CALLS[fn](GOOD, fs)


@pytest.mark.parametrize(
    ("low", "high", "fs"),
    [(0.5, 32.0, 64), (0.5, 40.0, 64), (0.0, 8.0, 64), (8.0, 8.0, 64), (-1.0, 8.0, 64), (0.5, float("nan"), 64)],
)
def test_band_edges_outside_the_open_band_are_refused(low, high, fs):
    with pytest.raises(FilterDesignError):
        ws.bandpass(GOOD, sampling_rate=fs, low=low, high=high)


def test_integer_adc_input_works_after_an_explicit_gain():
    counts = (GOOD * 200 + 1024).astype(np.int16)
    mv = ws.from_adc(counts, gain=200.0, baseline=1024)
    assert mv.dtype == np.float32
    assert np.abs(mv - GOOD).max() < 0.01
    with pytest.raises(ShapeError):
        ws.from_adc(counts, gain=0)


def test_state_of_the_wrong_shape_is_refused():
    with pytest.raises(ShapeError, match="zi must be shaped"):
        ws.sosfilt(GOOD, SPEC.sos, np.zeros((4, 3, 2)))
    with pytest.raises(ShapeError):
        ws.sosfilt(GOOD, np.zeros((4, 5), np.float32))


def test_every_error_is_a_wear_error_and_a_builtin():
    with pytest.raises(WearError):
        ws.zscore(np.zeros((2, 0), np.float32))
    with pytest.raises(ValueError):
        ws.zscore(np.zeros((2, 0), np.float32))


def test_float64_and_non_contiguous_tensors_are_handled():
    x64 = torch.from_numpy(GOOD.astype(np.float64))
    y = ws.zscore(x64[:, ::2])
    assert y.dtype == torch.float32 and y.shape == (4, 320)
    assert torch.allclose(y, ws.zscore(torch.from_numpy(np.ascontiguousarray(GOOD[:, ::2]))))


@pytest.mark.parametrize("fn", sorted(CALLS))
def test_huge_inputs_are_refused_before_any_copy(fn):
    huge = np.broadcast_to(np.float32(0.0), (1, 2**31))  # 8 GB if materialised; a view here
    with pytest.raises(ShapeError, match="too large"):
        CALLS[fn](huge)
    with pytest.raises(ShapeError, match="too large"):
        CALLS[fn](torch.zeros(1).expand(2**31))


@pytest.mark.parametrize("fn", sorted(CALLS))
@pytest.mark.parametrize("empty", [np.zeros((4, 0), np.float32), torch.zeros((2, 4, 0))], ids=["numpy", "torch"])
def test_zero_samples_say_a_signal_needs_one(fn, empty):
    with pytest.raises(ShapeError, match="at least one sample"):
        CALLS[fn](empty)


def test_zero_phase_bandpass_of_zero_samples_says_a_signal_needs_one():
    with pytest.raises(ShapeError, match="at least one sample"):
        ws.bandpass(np.zeros((4, 0), np.float32), sampling_rate=64, low=0.5, high=8.0, zero_phase=True)
