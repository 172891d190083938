"""ppg_polarity: which way PPG pulses point, on real records of known polarity and on simulated channels."""

import numpy as np
import pytest

from wearsdk.errors import ConfigError, SamplingRateError
from wearsdk.io import read
from wearsdk.peaks import ppg_asymmetry, ppg_polarity
from wearsdk.sim import Cohort


def test_real_records_of_known_polarity(real_data_dir):
    d = real_data_dir
    v102s = read(d / "challenge2015" / "v102s")  # bedside PLETH: blood volume up
    assert ppg_polarity(v102s.channel("PLETH"), sampling_rate=v102s.sampling_rate) == 1
    bit = read(d / "bitalino" / "biosppy_ppg.txt")  # finger PPG, pulses up
    assert ppg_polarity(bit.signals[0], sampling_rate=bit.sampling_rate) == 1
    e2e = read(d / "wearable_ppg" / "e2epyppg_201902020222_Data.csv")  # raw photodiode counts: pulses down
    raw = e2e.channel("ppg")
    assert ppg_polarity(raw, sampling_rate=e2e.sampling_rate) == -1
    assert ppg_polarity(-raw, sampling_rate=e2e.sampling_rate) == 1
    # HeartPy's AC-coupled sensor: sharp, nearly symmetric peaks; too little asymmetry to decide
    hp = read(d / "wearable_ppg" / "heartpy_data2.csv")
    assert ppg_polarity(hp.signals[0], sampling_rate=hp.sampling_rate) == 0


def test_simulated_channels_point_up_and_negated_ones_down():
    for p in Cohort(4, seed=3, prevalence={}):
        ppg = p.record(30.0).ppg.astype(np.float64)
        a = np.array([ppg_asymmetry(c, sampling_rate=64.0) for c in ppg])
        b = np.array([ppg_asymmetry(-c, sampling_rate=64.0) for c in ppg])
        assert (a > 0.6).all(), a
        np.testing.assert_allclose(b, -a, rtol=1e-6, atol=1e-9)


def test_bad_input_is_explained():
    x = np.sin(np.linspace(0, 20, 64))
    with pytest.raises(ConfigError, match="at least 3 s"):
        ppg_polarity(x, sampling_rate=64.0)
    with pytest.raises(SamplingRateError, match=">= 16"):
        ppg_polarity(np.zeros(400), sampling_rate=8.0)
    with pytest.raises(ConfigError, match="finite"):
        ppg_polarity(np.full(640, np.nan), sampling_rate=64.0)
