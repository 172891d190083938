"""Pulse-feature extractor on synthetic pulses whose features are known by construction."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from wearsdk.errors import ConfigError
from wearsdk.sim.pulse_features import FEATURES, beat_features, pulse_features

# A piecewise-linear beat over one period (phase 0..1): foot 0 -> systolic peak 1 at 0.2 -> notch 0.35 at 0.5 ->
# diastolic peak 0.45 at 0.6 -> foot 0 at 1.
_KNOTS = ([0.0, 0.2, 0.5, 0.6, 1.0], [0.0, 1.0, 0.35, 0.45, 0.0])
_SLOPES = np.array([5.0, -0.65 / 0.3, 1.0, -1.125])  # per unit phase, on 20 / 30 / 10 / 40 % of the beat
_SHARES = np.array([0.2, 0.3, 0.1, 0.4])


def _exact() -> dict[str, float]:
    mean = float(_SHARES @ _SLOPES)
    m2, m3 = float(_SHARES @ (_SLOPES - mean) ** 2), float(_SHARES @ (_SLOPES - mean) ** 3)
    # above half height: from 0.1 (upstroke) to where 1 -> 0.35 crosses 0.5 (0.2 + 0.3 x 0.5 / 0.65)
    return {"rise": 0.2, "width": 0.2 + 0.3 * 0.5 / 0.65 - 0.1, "reflection": 0.45, "notch": 0.10,
            "skewness": m3 / m2**1.5}


def _beat(n: int) -> np.ndarray:
    return np.interp(np.linspace(0.0, 1.0, n), *_KNOTS)


def _train(fs: float, seconds: float = 20.0, period: float = 0.9) -> np.ndarray:
    t = np.arange(int(seconds * fs)) / fs
    return np.interp((t / period) % 1.0, *_KNOTS)


def test_beat_features_of_a_known_beat():
    got = dict(zip(FEATURES, beat_features(_beat(1001)), strict=True))
    want = _exact()
    for k in FEATURES:
        assert got[k] == pytest.approx(want[k], abs=0.012), (k, got[k], want[k])


@given(gain=st.floats(0.01, 1e4), offset=st.floats(-1e4, 1e4), tilt=st.floats(-5.0, 5.0))
def test_beat_features_ignore_gain_offset_and_a_straight_baseline(gain, offset, tilt):
    base = beat_features(_beat(300))
    moved = beat_features(gain * _beat(300) + offset + tilt * np.linspace(0.0, 1.0, 300))
    np.testing.assert_allclose(moved, base, atol=1e-6)


def test_a_faded_notch_reads_zero_and_the_inflection_point_as_reflection():
    # the diastolic wave only slows the decline (a shoulder at 0.45-0.6) instead of rising again
    beat = np.interp(np.linspace(0.0, 1.0, 1001), [0.0, 0.2, 0.45, 0.6, 1.0], [0.0, 1.0, 0.5, 0.45, 0.0])
    f = dict(zip(FEATURES, beat_features(beat), strict=True))
    assert f["notch"] == 0.0
    assert f["reflection"] == pytest.approx(0.5, abs=0.01)  # the slope is least negative from 0.45 on
    smooth = np.sin(np.pi * np.linspace(0.0, 1.0, 500)) ** 2 * np.exp(-3 * np.linspace(0.0, 1.0, 500))
    assert beat_features(smooth)[FEATURES.index("reflection")] == 0.0  # no trace of a diastolic wave


@pytest.mark.parametrize("fs", [25.0, 100.0, 1000.0])
def test_recording_features_match_the_beat_at_any_rate(fs):
    """Whole recordings (band-passed, cut at the feet by ppg_peaks): the smoothing of the analysis band blunts
    the corners, so the match is approximate; the notch of the piecewise-linear pulse survives it."""
    f = pulse_features(_train(fs), sampling_rate=fs)
    want = _exact()
    assert f.beats >= 18
    for k, tol in (("rise", 0.04), ("width", 0.04), ("reflection", 0.06), ("notch", 0.05), ("skewness", 0.4)):
        assert getattr(f, k) == pytest.approx(want[k], abs=tol), (fs, k, getattr(f, k), want[k])


def test_segments_pool_their_beats():
    x = _train(1000.0, seconds=2.1)
    one = pulse_features(x, sampling_rate=1000.0)
    three = pulse_features([x, x, x], sampling_rate=1000.0)
    assert three.beats == 3 * one.beats
    assert three.rise == pytest.approx(one.rise)


def test_bad_input_says_what_to_do():
    with pytest.raises(ConfigError, match="inverted"):
        beat_features(-_beat(100))
    with pytest.raises(ConfigError, match="1.5 s"):
        pulse_features(np.zeros(100), sampling_rate=100.0)
    with pytest.raises(ConfigError, match="rate"):
        pulse_features(_train(100.0), sampling_rate=10.0)
    with pytest.raises(ConfigError, match="finite"):
        pulse_features(np.full(1000, np.nan), sampling_rate=100.0)
    with pytest.raises(ConfigError, match="no complete beat"):
        pulse_features(np.zeros(1000), sampling_rate=100.0)
