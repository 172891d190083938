"""recording_windows: the one path from a recording to model windows (bridging, gaps, start-up, channels)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wearsdk.errors import ConfigError, DataFormatError, ShapeError
from wearsdk.io import Recording
from wearsdk.models import create_model
from wearsdk.sim import Cohort
from wearsdk.stream import bridge_short_gaps, recording_windows


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 990), st.integers(1, 12)), max_size=6))
def test_bridge_short_gaps_fills_only_short_inner_runs(gaps):
    fs, n = 100.0, 1000
    x = np.sin(np.arange(n) / 7.0)
    valid = np.ones(n, bool)
    for start, length in gaps:
        valid[start:start + length] = False
    y, ok = bridge_short_gaps(np.where(valid, x, np.nan), valid, fs, max_gap_s=0.05)
    bad = np.flatnonzero(~valid)
    for run in (np.split(bad, np.flatnonzero(np.diff(bad) > 1) + 1) if bad.size else []):
        inner = run[0] > 0 and run[-1] < n - 1
        assert ok[run].all() == (inner and run.size <= 5)
        if ok[run].all():
            assert np.isfinite(y[run]).all() and np.abs(y[run] - x[run]).max() < 0.15
    assert np.array_equal(y[valid], x[valid]) and ok[valid].all()


def _ecg_recording(seconds: float, offset_mv: float = 0.0) -> Recording:
    rec = Cohort(1, seed=4, prevalence={})[0].record(seconds, sampling_rates={"ecg": 500.0})
    lead_i = rec.ecg[0].astype(np.float64) + offset_mv
    return Recording(signals=lead_i[None], sampling_rate=500.0, channels=("I",), units=("mV",),
                     valid=np.ones((1, lead_i.size), bool))


def test_first_window_starts_without_a_filter_step():
    """A 40 mV electrode offset: started from the first sample, window 0 matches the same stretch cut from a
    record that began 30 s earlier (the filters settled), instead of carrying the offset's step response."""
    card = create_model("ecg_encoder_compact").card
    long = _ecg_recording(90.0, offset_mv=40.0)
    short = Recording(signals=long.signals[:, 30 * 500:], sampling_rate=500.0, channels=("I",), units=("mV",),
                      valid=long.valid[:, 30 * 500:])
    w_short = recording_windows(short, card).x[0]
    w_long = recording_windows(long, card, hop=card.window_samples).x[1]
    assert np.corrcoef(w_short.ravel(), w_long.ravel())[0, 1] > 0.98


def test_leading_dropout_is_skipped_and_does_not_poison_the_rest():
    card = create_model("ecg_encoder_compact").card
    rec = _ecg_recording(95.0)
    signals, valid = rec.signals.copy(), rec.valid.copy()
    signals[:, :500 * 5], valid[:, :500 * 5] = np.nan, False  # the first 5 s lost
    gapped = Recording(signals=signals, sampling_rate=500.0, channels=("I",), units=("mV",), valid=valid)
    win = recording_windows(gapped, card, hop=card.window_samples)
    assert win.skipped_s == [0.0] and win.t_start_s.tolist() == [30.0, 60.0]
    assert np.isfinite(win.x).all()
    clean = recording_windows(rec, card, hop=card.window_samples)
    assert np.corrcoef(win.x[-1].ravel(), clean.x[-1].ravel())[0, 1] > 0.99


def test_channels_repeat_invert_and_errors():
    card = create_model("ecg_encoder_compact").card
    rec = _ecg_recording(40.0)
    a = recording_windows(rec, card)
    b = recording_windows(rec, card, channels=["i"], invert=["I"])
    np.testing.assert_allclose(b.x, -a.x, atol=1e-5)
    assert b.inverted == ["i"] and a.resampled_from_hz == 500.0 and a.x.shape == (1, 1, card.window_samples)
    with pytest.raises(ShapeError, match=r"no channel\(s\) \['II'\]"):
        recording_windows(rec, card, channels=["II"])
    with pytest.raises(ShapeError, match="invert names"):
        recording_windows(rec, card, invert=["V1"])
    with pytest.raises(ShapeError, match="lasts 20.0 s"):
        recording_windows(_ecg_recording(20.0), card)
    with pytest.raises(ConfigError, match="hop: expected a positive"):
        recording_windows(rec, card, hop=-1)


def test_empty_recordings_are_refused_and_all_gap_records_give_zero_windows():
    """Zero samples or zero channels never reach recording_windows (the Recording gate names what is expected);
    a record that is all gap gives zero windows, every start listed as skipped."""
    with pytest.raises(DataFormatError, match=">= 1 sample"):
        Recording(signals=np.zeros((1, 0)), sampling_rate=500.0, channels=("I",), units=("mV",),
                  valid=np.zeros((1, 0), bool))
    with pytest.raises(DataFormatError, match=">= 1 channel"):
        Recording(signals=np.zeros((0, 10)), sampling_rate=500.0, channels=(), units=(), valid=np.zeros((0, 10), bool))
    card = create_model("ecg_encoder_compact").card
    lost = Recording(signals=np.full((1, 500 * 60), np.nan), sampling_rate=500.0, channels=("I",), units=("mV",),
                     valid=np.zeros((1, 500 * 60), bool))
    win = recording_windows(lost, card)
    assert win.x.shape == (0, 1, card.window_samples) and win.skipped_s == [0.0, 15.0, 30.0]
