"""Wrist motion from the accelerometer, and the accelerometer-aware PPG quality."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wearsdk.errors import ConfigError, DTypeError, SamplingRateError, ShapeError, SignalSpecError
from wearsdk.io import read
from wearsdk.peaks import GOOD_QUALITY, MOVING_G, WristMotion, follows_motion, ppg_peaks, ppg_quality, wrist_motion

FS = 64.0


def _swing(freq_hz: float, amp_g: float, seconds: float = 30.0, fs: float = 25.0) -> np.ndarray:
    """(3, samples) wrist acceleration: a sinusoidal swing on x with its second harmonic on y, gravity on z."""
    t = np.arange(int(seconds * fs)) / fs
    return np.stack([amp_g * np.sin(2 * np.pi * freq_hz * t), 0.3 * amp_g * np.sin(4 * np.pi * freq_hz * t + 1.0),
                     1.0 + 0.0 * t])


def _pulses(rate_bpm: float, seconds: float = 30.0) -> np.ndarray:
    """A clean, regular PPG-like pulse train at ``FS`` Hz (fast rise, slow decay)."""
    t = np.arange(int(seconds * FS)) / FS
    phase = (t * rate_bpm / 60.0) % 1.0
    return np.where(phase < 0.15, phase / 0.15, np.exp(-(phase - 0.15) / 0.25))


@settings(max_examples=25, deadline=None)
@given(freq=st.floats(0.6, 3.5), amp=st.floats(0.05, 2.0), fs=st.sampled_from([20.0, 25.0, 50.0, 64.0]))
def test_wrist_motion_finds_the_swing_and_its_strength(freq, amp, fs):
    m = wrist_motion(_swing(freq, amp, fs=fs), sampling_rate=fs, window_s=10.0)
    assert m.frequency_hz.shape == m.rms_g.shape == (3,)
    np.testing.assert_allclose(m.frequency_hz, freq, atol=0.02)
    # x: amp / sqrt(2); y: 0.3 amp / sqrt(2) when 2 freq is still in the band; gravity does not count
    expected = amp / np.sqrt(2) * np.sqrt(1 + (0.09 if 2 * freq <= 4.0 else 0.0))
    np.testing.assert_allclose(m.rms_g, expected, rtol=0.05)


def test_wrist_motion_is_still_on_a_real_smartwatch_at_rest(real_data_dir):
    """The E2E-PPG smartwatch (accelerometer in m/s^2, 20 Hz, irregular clock) lies still most of its 12
    minutes and is moved a few times: still windows sit far below MOVING_G, the moves above it."""
    rec = read(real_data_dir / "wearable_ppg" / "e2epyppg_201902020222_Data.csv")
    acc = np.stack([rec.channel(c) for c in ("accx", "accy", "accz")]) / 9.80665
    m = wrist_motion(acc, sampling_rate=rec.sampling_rate)
    assert m.rms_g.size == int(rec.duration_s // 10)
    assert np.median(m.rms_g) < 0.01 and np.mean(m.rms_g >= MOVING_G) < 0.1 and m.rms_g.max() > MOVING_G


def test_wrist_motion_holds_dropouts_and_rejects_bad_input():
    acc = _swing(1.2, 0.5)
    acc[:, 100:110] = np.nan
    m = wrist_motion(acc, sampling_rate=25.0)
    assert np.isfinite(m.rms_g).all() and np.isfinite(m.frequency_hz).all()
    with pytest.raises(ShapeError, match=r"\.T"):
        wrist_motion(acc.T, sampling_rate=25.0)
    with pytest.raises(SamplingRateError):
        wrist_motion(acc, sampling_rate=5.0)
    with pytest.raises(DTypeError):
        wrist_motion(acc.astype(str), sampling_rate=25.0)
    with pytest.raises(DTypeError, match="from_adc"):  # raw ADC counts
        wrist_motion(np.round(np.nan_to_num(acc) * 4096).astype(np.int16), sampling_rate=25.0)
    with pytest.raises(SignalSpecError, match="9.80665"):  # m/s^2
        wrist_motion(acc * 9.80665, sampling_rate=25.0)
    assert wrist_motion(acc[:2], sampling_rate=25.0).rms_g.size == 3  # no gravity axis: fine (linear acceleration)
    with pytest.raises(ConfigError):
        wrist_motion(acc, sampling_rate=25.0, window_s=0.0)


def test_follows_motion_on_hand_checked_windows():
    motion = WristMotion(frequency_hz=np.array([1.3, 1.3, 1.3, 1.3, 1.3, np.nan]),
                         rms_g=np.array([0.5, 0.5, 0.5, 0.05, 0.5, 0.5]))
    rate = np.array([78.0 * 1.07, 156.0, 100.0, 78.0, np.nan, 78.0])  # within 8 %, 2x, other, still, no rate, NaN
    np.testing.assert_array_equal(follows_motion(rate, motion), [True, True, False, False, False, False])
    assert not follows_motion(np.array([78.0 * 1.09]), WristMotion(np.array([1.3]), np.array([0.5])))[0]
    with pytest.raises(ShapeError):
        follows_motion(rate[:3], motion)


@pytest.mark.parametrize("swing_hz, amp_g, locked", [
    (1.25, 0.4, True),   # the beat rate (75 bpm) is the swing: the pulses may be the motion itself
    (0.625, 0.4, True),  # the beat rate is twice the swing (the step cadence)
    (2.5, 0.8, True),    # the beat rate is half the dominant rhythm
    (1.6, 0.4, False),   # moving, but at another rhythm than the pulses
    (1.25, 0.02, False),  # the same rhythm, but the wrist is still (sensor noise)
])
def test_quality_with_acc_flags_pulses_that_follow_the_motion(swing_hz, amp_g, locked):
    x = _pulses(75.0)
    peaks = ppg_peaks(x, sampling_rate=FS)
    plain = ppg_quality(x, peaks, sampling_rate=FS)
    q = ppg_quality(x, peaks, sampling_rate=FS, acc=_swing(swing_hz, amp_g), acc_sampling_rate=25.0)
    assert np.all(plain > 0.99)
    if locked:
        assert np.all(q == 0.0) and np.all(q < GOOD_QUALITY)
    else:
        np.testing.assert_array_equal(q, plain)


def test_quality_with_acc_rejects_a_mismatched_accelerometer():
    x = _pulses(75.0)
    peaks = ppg_peaks(x, sampling_rate=FS)
    with pytest.raises(ConfigError, match="acc_sampling_rate"):
        ppg_quality(x, peaks, sampling_rate=FS, acc=_swing(1.25, 0.4))
    with pytest.raises(ShapeError, match="same time span"):
        ppg_quality(x, peaks, sampling_rate=FS, acc=_swing(1.25, 0.4, seconds=20.0), acc_sampling_rate=25.0)
    with pytest.raises(ShapeError, match="same time span"):  # the wrong rate makes the spans disagree
        ppg_quality(x, peaks, sampling_rate=FS, acc=_swing(1.25, 0.4), acc_sampling_rate=50.0)
