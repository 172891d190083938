"""Cohort / participant API, determinism, traits and bad input."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from wearsdk.errors import ConfigError, SamplingRateError, UnknownNameError
from wearsdk.sim import CONDITIONS, LEADS, Cohort, Noise, Participant, Traits


@pytest.fixture(scope="module")
def cohort() -> Cohort:
    return Cohort(12, seed=3)


def test_shapes_units_and_rates(cohort):
    rec = cohort[0].record(10.0)
    assert rec.ecg.shape == (12, 5000) and rec.ppg.shape == (4, 640) and rec.acc.shape == (3, 640)
    assert rec.ecg.dtype == np.float32 and rec.leads == LEADS
    assert rec.sampling_rates == {"ecg": 500.0, "ppg": 64.0, "acc": 64.0}
    # ECG in mV: lead II R waves between 0.3 and 3 mV; accelerometer at rest ~1 g.
    assert 0.3 < np.percentile(rec.lead("II"), 99.9) < 3.0
    assert np.allclose(np.linalg.norm(rec.acc, axis=0).mean(), 1.0, atol=0.05)


def test_any_sampling_rate(cohort):
    rec = cohort[1].record(8.0, sampling_rates={"ecg": 257.0, "ppg": 25.0, "acc": 30.0})
    assert rec.ecg.shape == (12, round(8 * 257)) and rec.ppg.shape == (4, 200) and rec.acc.shape == (3, 240)
    assert rec.truth.r_peaks.max() < rec.ecg.shape[1]


def test_deterministic_and_segments_differ(cohort):
    a, b = cohort[2].record(6.0), Cohort(12, seed=3)[2].record(6.0)
    np.testing.assert_array_equal(a.ecg, b.ecg)
    np.testing.assert_array_equal(a.ppg, b.ppg)
    c = cohort[2].record(6.0, segment=1)
    assert not np.array_equal(a.truth.beat_times, c.truth.beat_times)


def test_participant_does_not_depend_on_cohort_size():
    assert Cohort(3, seed=9)[2].traits == Cohort(30, seed=9)[2].traits


def test_streams_subset_gives_same_signals(cohort):
    noise = Noise(dropouts_per_min=30.0)
    full = cohort[4].record(12.0, noise=noise)
    ppg_only = cohort[4].record(12.0, streams=("ppg",), noise=noise)
    assert np.isnan(full.ppg).any()
    np.testing.assert_array_equal(full.ppg, ppg_only.ppg)
    assert ppg_only.ecg.shape == (12, 0)


def test_heart_rate_follows_traits(cohort):
    for p in list(cohort)[:6]:
        rec = p.record(30.0, noise=Noise.clean())
        if "af" in p.traits.conditions:
            continue
        assert abs(np.mean(rec.truth.hr_per_s) - p.traits.resting_hr) < 0.08 * p.traits.resting_hr


def test_cohort_trait_distribution():
    table = Cohort(300, seed=0).traits_table()
    assert 40 < table["age"].mean() < 60 and 60 < table["resting_hr"].mean() < 80
    # Stiffness rises with age (Reference Values for Arterial Stiffness' Collaboration 2010).
    assert np.corrcoef(table["age"], table["pwv"])[0, 1] > 0.6
    assert 0.3 < table["sex_male"].mean() < 0.7
    assert all(0 < table[c].mean() < 0.2 for c in CONDITIONS)


def test_same_participant_beats_alike():
    """Median lead-II beats of two segments of one person correlate more than across people."""
    cohort = Cohort(6, seed=11)

    def median_beat(p, seg):
        rec = p.record(20.0, segment=seg, noise=Noise.clean())
        x = rec.lead("II")
        peaks = rec.truth.r_peaks[(rec.truth.r_peaks > 200) & (rec.truth.r_peaks < x.size - 300)]
        return np.median(np.stack([x[k - 150:k + 250] for k in peaks]), axis=0)

    beats = [(median_beat(p, 0), median_beat(p, 1)) for p in cohort if not p.traits.conditions]
    within = [np.corrcoef(a, b)[0, 1] for a, b in beats]
    across = [np.corrcoef(beats[i][0], beats[j][1])[0, 1] for i in range(len(beats)) for j in range(len(beats))
              if i != j]
    assert min(within) > 0.97 and np.mean(within) > np.mean(across) + 0.02


@pytest.mark.parametrize(
    ("kwargs", "error", "needle"),
    [
        ({"conditions": {"flu"}}, UnknownNameError, "flu"),
        ({"resting_hr": -10.0}, ConfigError, "resting_hr"),
        ({"sex": "X"}, ConfigError, "sex"),
        ({"conditions": {"rbbb", "lbbb"}}, ConfigError, "cannot be combined"),
        ({"conditions": {"brady"}, "resting_hr": 70.0}, ConfigError, "brady"),
    ],
)
def test_bad_traits(kwargs, error, needle):
    with pytest.raises(error, match=needle):
        Traits(**kwargs)


def test_unknown_trait_in_replace():
    with pytest.raises(UnknownNameError, match="heart_rate"):
        Traits().replace(heart_rate=60)


def test_bad_record_arguments(cohort):
    p = cohort[0]
    with pytest.raises(SamplingRateError, match="ecg"):
        p.record(5.0, sampling_rates={"ecg": 60.0})
    with pytest.raises(UnknownNameError, match="eeg"):
        p.record(5.0, sampling_rates={"eeg": 256.0})
    with pytest.raises(ConfigError, match="duration_s"):
        p.record(-1.0)
    with pytest.raises(UnknownNameError, match="swim"):
        p.record(5.0, activity="swim")
    with pytest.raises(SamplingRateError, match="powerline"):
        p.record(5.0, sampling_rates={"ecg": 100.0})
    with pytest.raises(UnknownNameError, match="prevalence"):
        Cohort(2, prevalence={"covid": 0.1})


@given(hr=st.floats(40.0, 150.0), seed=st.integers(0, 2**16))
def test_any_resting_hr_gives_matching_beats(hr, seed):
    conditions = frozenset({"brady"} if hr < 55 else {"tachy"} if hr > 100 else set())
    rec = Participant(Traits(resting_hr=hr, conditions=conditions, hrv=0.03), seed=seed).record(
        20.0, streams=(), noise=Noise.clean())
    assert abs(np.median(rec.truth.hr_per_s) - hr) < 0.1 * hr
    assert np.all(np.diff(rec.truth.beat_times) > 0.25)


def test_traits_are_recoverable_from_the_signals():
    """Simple features measured on the signals (not the truth) track the traits they should."""
    from wearsdk.peaks import ecg_peaks, ppg_peaks

    rows = []
    for p in Cohort(24, seed=13, prevalence={}):
        rec = p.record(30.0)
        r = ecg_peaks(rec.lead("II"), sampling_rate=500.0) / 500.0
        q = ppg_peaks(rec.ppg[0], sampling_rate=64.0) / 64.0
        k = np.searchsorted(r, q) - 1
        pat = np.median((q - r[np.clip(k, 0, None)])[k >= 0])
        win = np.stack([rec.ecg[:, int(t * 500) - 50: int(t * 500) + 50] for t in r[1:-1]]).mean(axis=0)
        axis = np.rad2deg(np.arctan2(win[5].sum(), win[0].sum()))
        rows.append((60.0 / np.median(np.diff(r)), pat, axis, p.traits.resting_hr, p.traits.pwv,
                     p.traits.axis_deg))
    hr, pat, axis, hr_t, pwv_t, axis_t = np.array(rows).T
    assert np.corrcoef(hr, hr_t)[0, 1] > 0.9
    assert np.corrcoef(pat, pwv_t)[0, 1] < -0.6  # stiffer arteries, earlier pulse
    assert np.corrcoef(axis, axis_t)[0, 1] > 0.8
