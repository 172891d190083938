"""preprocess (fused C++ op) against a SciPy reference, and streaming == offline."""

import dataclasses

import numpy as np
import pytest
import scipy.signal
import torch
from hypothesis import given
from hypothesis import strategies as st

import wearsdk.signal as ws
from wearsdk.errors import ConfigError, FilterDesignError, ShapeError

SPECS = [
    ws.PreprocessSpec(sampling_rate=64, low=0.5, high=8.0),  # PPG encoder input
    ws.PreprocessSpec(sampling_rate=256, target_rate=64, low=0.5, high=8.0),
    ws.PreprocessSpec(sampling_rate=500, target_rate=128, low=0.5, high=40.0, norm="robust"),
    ws.PreprocessSpec(sampling_rate=360, target_rate=100, low=0.5, high=40.0, order=2),
    ws.PreprocessSpec(sampling_rate=25, target_rate=64, low=None, high=None),
]


def reference(x: np.ndarray, spec: ws.PreprocessSpec) -> np.ndarray:
    """scipy: causal sosfilt -> causal polyphase (upfirdn, no delay trim) -> normalise, in float64."""
    y = x.astype(np.float64)
    if spec.low is not None:
        y = scipy.signal.sosfilt(spec.sos.astype(np.float64), y, axis=-1)
    rs = spec.resampler
    if not rs.identity:
        h = rs.bank[:, ::-1].T.reshape(-1).astype(np.float64)  # back to h[p + k * up]
        n_out = -(-x.shape[-1] * rs.up // rs.down)
        y = scipy.signal.upfirdn(h, y, rs.up, rs.down, axis=-1)[..., :n_out]
    if spec.norm == "zscore":
        y = (y - y.mean(-1, keepdims=True)) / y.std(-1, keepdims=True)
    elif spec.norm == "robust":
        q75, q50, q25 = np.percentile(y, [75, 50, 25], axis=-1, keepdims=True)
        y = (y - q50) / ((q75 - q25) / 1.3489795003921634)
    return y


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: f"{s.sampling_rate:g}to{s.output_rate:g}-{s.norm}")
@pytest.mark.parametrize("n", [1000, 1001, 3840])
def test_preprocess_matches_scipy_reference(spec, n):
    x = np.random.default_rng(n).standard_normal((2, 3, n)).astype(np.float32)
    ref = reference(x, spec)
    y = ws.preprocess(x, spec)
    assert y.shape == ref.shape and y.dtype == np.float32
    assert np.abs(y - ref).max() <= 1e-5 * np.abs(ref).max()


@given(
    spec=st.sampled_from([dataclasses.replace(s, norm="none") for s in SPECS]),
    channels=st.integers(1, 9),
    sizes=st.lists(st.integers(0, 300), min_size=1, max_size=20),
)
def test_streaming_equals_offline_bit_for_bit(spec, channels, sizes):
    n = sum(sizes)
    x = np.random.default_rng(n + channels).standard_normal((channels, n)).astype(np.float32)
    stream = ws.Preprocessor(spec, (channels,))
    out, start = [], 0
    for size in sizes:
        out.append(stream.process(x[:, start : start + size]))
        start += size
    streamed = np.concatenate(out, axis=-1)
    if n == 0:
        assert streamed.shape == (channels, 0)
        return
    offline = ws.preprocess(x, spec)
    assert np.array_equal(streamed, offline)


def test_preprocessor_reset_starts_a_fresh_stream():
    spec = ws.PreprocessSpec(sampling_rate=256, target_rate=64, norm="none")
    x = torch.randn(4, 2048)
    p = ws.Preprocessor(spec, (4,))
    first = p.process(x)
    p.process(torch.randn(4, 333))
    p.reset()
    assert torch.equal(p.process(x), first)


def test_sampling_rate_override_resamples_to_the_spec_rate():
    spec = ws.PreprocessSpec(sampling_rate=64, low=0.5, high=8.0)
    x = np.random.default_rng(0).standard_normal((4, 128 * 30)).astype(np.float32)
    y = ws.preprocess(x, spec, sampling_rate=128)
    assert y.shape == (4, 64 * 30)
    assert np.array_equal(y, ws.preprocess(x, spec.with_rate(128)))


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"sampling_rate": 64, "high": 40.0}, FilterDesignError),  # above the 32 Hz Nyquist
        ({"sampling_rate": 256, "target_rate": 64, "high": 40.0}, FilterDesignError),  # above the output Nyquist
        ({"sampling_rate": 64, "low": 8.0, "high": 0.5}, FilterDesignError),
        ({"sampling_rate": 64, "low": None}, ConfigError),
        ({"sampling_rate": 64, "norm": "minmax"}, ConfigError),
        ({"sampling_rate": 64, "eps": float("nan")}, ConfigError),
        ({"sampling_rate": 64, "order": 0}, FilterDesignError),
    ],
)
def test_bad_specs_fail_at_construction(kwargs, error):
    with pytest.raises(error):
        ws.PreprocessSpec(**kwargs)


def test_spec_round_trips_and_rejects_unknown_keys():
    spec = SPECS[1]
    assert ws.PreprocessSpec.from_dict(spec.to_dict()) == spec
    with pytest.raises(ConfigError, match="bandwidth"):
        ws.PreprocessSpec.from_dict({**spec.to_dict(), "bandwidth": 3})


def test_preprocessor_rejects_chunks_of_the_wrong_shape():
    p = ws.Preprocessor(SPECS[0], (4,))
    with pytest.raises(ShapeError):
        p.process(np.zeros((3, 10), np.float32))
    with pytest.raises(ShapeError):
        ws.Preprocessor(SPECS[0], (0,))
