"""PPG front ends (wearsdk.sim.sensor) and the wide population: what each knob does, and that the default cohort
is untouched by them."""

from __future__ import annotations

import numpy as np
import pytest

from wearsdk.errors import ConfigError, UnknownNameError
from wearsdk.peaks import ppg_peaks
from wearsdk.sim import Cohort, Participant, PpgSensor, Traits, pulse_features, sample_sensor


def _pulse(fs: float, seconds: float = 10.0) -> np.ndarray:
    t = np.arange(int(seconds * fs)) / fs
    return np.tile(np.sin(2 * np.pi * 1.2 * t), (4, 1))


def test_dc_coupling_keeps_the_light_level_and_fills_the_range():
    s = PpgSensor(coupling="dc", adc_bits=12, range_used=0.5, dc_level=100.0, led_noise=0.0, pd_noise=0.0)
    counts = s.apply(_pulse(100.0), 100.0, np.random.default_rng(0))
    assert np.all(counts == np.round(counts)) and counts.min() >= 0 and counts.max() <= 4095
    assert np.median(counts) == pytest.approx(0.5 * 4095, rel=0.01)  # the light level at half the range
    assert np.ptp(counts[0]) == pytest.approx(2 * 0.5 * 4095 / 100.0, rel=0.05)  # a 2 a.u. swing is 2 % of it


def test_ac_coupling_removes_the_level_and_lowers_the_diastole():
    rng = np.random.default_rng(0)
    s = PpgSensor(coupling="ac", highpass_hz=0.5, adc_bits=16, range_used=0.1, led_noise=0.0, pd_noise=0.0)
    counts = s.apply(_pulse(100.0) + 50.0, 100.0, rng)
    assert abs(np.mean(counts[0, 200:]) - 0.5 * 65535) < 0.01 * 65535  # centred mid-scale, whatever the light
    # a slow volume pulse (fast rise, slow decay) loses its late part through the high-pass
    t = np.arange(2000) / 100.0
    phase = (t * 1.0) % 1.0
    slow = np.where(phase < 0.15, phase / 0.15, np.exp(-(phase - 0.15) / 0.8))[None].repeat(4, 0)
    dc = PpgSensor(coupling="dc", led_noise=0.0, pd_noise=0.0).apply(slow, 100.0, rng)[0]
    ac = s.apply(slow, 100.0, rng)[0]
    assert pulse_features(ac, sampling_rate=100.0).width < pulse_features(dc, sampling_rate=100.0).width - 0.05


def test_adc_bits_set_the_step_and_noise_adds_spread():
    quiet = PpgSensor(coupling="dc", adc_bits=8, range_used=0.5, led_noise=0.0, pd_noise=0.0)
    counts = quiet.apply(np.zeros((4, 500)), 100.0, np.random.default_rng(0))
    assert np.unique(counts).size == 1  # 8 bits: a flat light is one code
    noisy = PpgSensor(coupling="dc", adc_bits=24, led_noise=1e-3, pd_noise=0.05, lowpass_hz=50.0)  # no low-pass
    x = noisy.apply(np.zeros((4, 5000)), 100.0, np.random.default_rng(0)) * (noisy.dc_level / (0.5 * (2**24 - 1)))
    assert np.std(x) == pytest.approx(np.hypot(1e-3 * noisy.dc_level, 0.05), rel=0.1)  # a.u.


def test_one_channel_fed_to_all_inputs():
    x = np.random.default_rng(1).standard_normal((4, 300))
    counts = PpgSensor(shared_channel=2).apply(x, 64.0, np.random.default_rng(0))
    assert all(np.array_equal(counts[c], counts[2]) for c in range(4))


def test_a_participant_records_at_the_sensors_native_rate_and_explicit_rates_win():
    p = Participant(Traits(), sensor=PpgSensor(rate_hz=25.0))
    rec = p.record(10.0, streams=("ppg",))
    assert rec.sampling_rates["ppg"] == 25.0 and rec.ppg.shape == (4, 250)
    assert p.record(10.0, streams=("ppg",), sampling_rates={"ppg": 200.0}).ppg.shape == (4, 2000)
    # the pulses are still found where the truth puts them, at 25 Hz through a 10-bit AC front end
    q = Participant(Traits(), sensor=PpgSensor(rate_hz=25.0, coupling="ac", adc_bits=10, range_used=0.2))
    rec = q.record(30.0, streams=("ppg",))
    found, truth = ppg_peaks(rec.ppg[0].astype(float), sampling_rate=25.0), rec.truth.ppg_peaks(0)
    assert abs(found.size - truth.size) <= 1


@pytest.mark.parametrize("kwargs", [{"rate_hz": 10.0}, {"coupling": "usb"}, {"adc_bits": 4}, {"range_used": 1.5},
                                    {"highpass_hz": 5.0}, {"shared_channel": 4}, {"pd_noise": -1.0}])
def test_bad_sensor_settings_are_refused(kwargs):
    with pytest.raises(ConfigError, match=next(iter(kwargs)) if "coupling" not in kwargs else "coupling"):
        PpgSensor(**kwargs)


def test_sampled_sensors_span_rates_couplings_and_bits():
    sensors = [sample_sensor(np.random.default_rng([0, i])) for i in range(300)]
    rates = np.array([s.rate_hz for s in sensors])
    assert rates.min() < 35 and rates.max() > 700
    assert 0.35 < np.mean([s.coupling == "ac" for s in sensors]) < 0.65
    assert {s.adc_bits for s in sensors} >= {10, 12, 16, 24}
    assert 0.1 < np.mean([s.shared_channel is not None for s in sensors]) < 0.3


def test_wide_population_spans_rates_ages_sites_and_vascular_tone():
    cohort = Cohort(400, seed=0, population="wide")
    table = cohort.traits_table()
    assert table["resting_hr"].min() < 45 and table["resting_hr"].max() > 170
    assert table["age"].min() < 20 and table["age"].max() > 88
    assert 0.4 < table["site_finger"].mean() < 0.6
    assert 0.4 < np.mean(table["vasoconstriction"] > 0) < 0.6
    assert 0.12 < np.mean(table["vasodilation"] > 0) < 0.28  # 40 % of the others
    assert not np.any((table["vasoconstriction"] > 0) & (table["vasodilation"] > 0))
    # vascular ageing: stiffer with age, a longer upstroke, a faster run-off, a fainter dicrotic wave
    r = {k: np.corrcoef(table["age"], table[k])[0, 1] for k in ("pwv", "upstroke_s", "runoff_s", "dicrotic")}
    assert r["pwv"] > 0.6 and r["upstroke_s"] > 0.5 and r["runoff_s"] < -0.3 and r["dicrotic"] < -0.3, r
    assert all(p.sensor is not None for p in cohort)
    for p in cohort:  # the rate conditions follow the drawn resting rate
        assert ("tachy" in p.traits.conditions) == (p.traits.resting_hr > 100)


def test_default_population_is_unchanged_by_the_new_traits():
    """The default cohort keeps the traits' defaults (wrist, no vasoconstriction, the fixed pulse timing) and no
    sensor, the values its recordings were made with before the wide population existed."""
    for p in Cohort(50, seed=0):
        t = p.traits
        assert p.sensor is None and t.site == "wrist" and t.vasoconstriction == 0.0 == t.vasodilation
        assert (t.upstroke_s, t.runoff_s, t.dicrotic) == (0.15, 2.0, 1.0)
    with pytest.raises(UnknownNameError, match="population"):
        Cohort(2, population="everyone")
    with pytest.raises(UnknownNameError, match="site"):
        Traits(site="ear")


def test_vascular_ageing_shows_in_the_pulse():
    """An old, stiff participant's finger pulse against a young one's (same HR, DC-coupled): the dicrotic notch
    fades, the reflected wave merges into systole (a smaller diastolic point) and the upstroke slows."""
    young = Traits(age=22, pwv=5.5, upstroke_s=0.08, runoff_s=2.5, dicrotic=1.4, site="finger", resting_hr=65)
    old = Traits(age=80, pwv=13.0, upstroke_s=0.17, runoff_s=0.6, dicrotic=0.3, site="finger", resting_hr=65)
    sensor = PpgSensor(rate_hz=200.0)
    f = [pulse_features(Participant(t, sensor=sensor).record(20.0, streams=("ppg",)).ppg[0].astype(float),
                        sampling_rate=200.0) for t in (young, old)]
    assert f[0].notch > f[1].notch + 0.02
    assert f[0].reflection > f[1].reflection + 0.2
    assert f[0].skewness > f[1].skewness


def test_vasodilation_cuts_a_deep_notch_and_adds_no_beat():
    """A young finger at 104 bpm, undilated and fully vasodilated (DC-coupled, 200 Hz): dilation deepens the notch
    before a tall diastolic peak (the dicrotic pulse of low-resistance states, as on ICU monitors), while the
    systolic peak stays the highest and the beat detector still counts one beat per heartbeat."""
    base = Traits(age=25, pwv=6.0, upstroke_s=0.08, runoff_s=1.5, dicrotic=1.4, site="finger", resting_hr=104,
                  conditions={"tachy"})
    sensor = PpgSensor(rate_hz=200.0)
    f, hr = [], []
    for d in (0.0, 1.0):
        rec = Participant(base.replace(vasodilation=d), sensor=sensor).record(30.0, streams=("ppg",))
        x = rec.ppg[0].astype(float)
        f.append(pulse_features(x, sampling_rate=200.0))
        hr.append(60.0 / np.median(np.diff(ppg_peaks(x, sampling_rate=200.0))) * 200.0)
    assert f[1].notch > f[0].notch + 0.2 and f[1].notch > 0.3, (f[0].notch, f[1].notch)
    assert f[1].rise < 0.3 and 0.5 < f[1].reflection < 1.0  # the crest stays systolic
    assert hr[0] == pytest.approx(104.0, abs=4.0) and hr[1] == pytest.approx(104.0, abs=4.0)
    with pytest.raises(ConfigError, match="constricted or dilated"):
        Traits(vasoconstriction=0.5, vasodilation=0.5)


def test_model_windows_of_the_wide_population_come_at_each_sensors_rate():
    from wearsdk.models import get_model_card
    from wearsdk.sim import model_window, model_windows

    card = get_model_card("ppg_encoder_compact")
    x = model_windows(card, 2, seed=0, segments=1, population="wide")
    assert x.shape == (2, len(card.input_channels), card.window_samples) and np.isfinite(x).all()
    p = Cohort(1, seed=0, population="wide")[0]
    window, truth = model_window(p, card)
    assert truth.sampling_rates["ppg"] == p.sensor.rate_hz
    np.testing.assert_array_equal(window, x[0])
    assert model_window(p, card, input_rate=64.0)[1].sampling_rates["ppg"] == 64.0  # an explicit rate wins
