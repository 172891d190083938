"""Zero samples into the offline peak functions: a ShapeError that says a signal needs samples (the
streaming detectors take empty chunks: tests/peaks/test_streaming.py)."""

import numpy as np
import pytest

from wearsdk.errors import ConfigError, ShapeError
from wearsdk.peaks import ecg_peaks, heart_rate, ppg_peaks, ppg_quality, wrist_motion

EMPTY = np.zeros(0, np.float32)


@pytest.mark.parametrize(
    ("name", "call"),
    [
        ("ecg_peaks", lambda: ecg_peaks(EMPTY, sampling_rate=500.0)),
        ("ppg_peaks", lambda: ppg_peaks(EMPTY, sampling_rate=64.0)),
        ("ppg_quality", lambda: ppg_quality(EMPTY, np.zeros(0, np.int64), sampling_rate=64.0)),
        ("wrist_motion", lambda: wrist_motion(np.zeros((3, 0), np.float32), sampling_rate=64.0)),
    ],
)
def test_zero_samples_are_refused_with_what_was_expected(name, call):
    with pytest.raises(ShapeError, match=rf"{name} needs at least one sample, got shape \((3, )?0,?\)"):
        call()


def test_heart_rate_without_peaks_needs_the_record_length():
    none = np.zeros(0, np.int64)
    assert heart_rate(none, sampling_rate=64.0).shape == (0,)
    assert np.isnan(heart_rate(none, sampling_rate=64.0, window_s=10.0, duration_s=60.0)).all()
    with pytest.raises(ShapeError, match="duration_s"):
        heart_rate(none, sampling_rate=64.0, window_s=10.0)
    with pytest.raises(ConfigError, match="positive number of seconds"):
        heart_rate(np.array([0, 64]), sampling_rate=64.0, window_s=10.0, duration_s=0.0)
