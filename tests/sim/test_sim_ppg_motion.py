"""PPG timing/morphology, accelerometer, motion artifacts, noise and faults."""

from __future__ import annotations

import numpy as np
import pytest

from wearsdk.sim import Noise, Participant, Traits


def _rec(seconds=30.0, activity="rest", noise=None, **traits):
    return Participant(Traits(**traits), seed=7).record(seconds, activity=activity,
                                                        noise=Noise.clean() if noise is None else noise)


def test_ppg_peaks_truth_sits_on_signal_maxima():
    """The truth is the maximum of the clean pulse; at rest the wrist still moves a little (~0.01 g), which tilts
    the rounded top of the pulse: the truth lies within 6 samples (94 ms) of the recorded maximum and within 5 %
    of the pulse's height below it, and exactly on it for most beats."""
    rec = _rec()
    x = rec.ppg[0]
    offsets = []
    for k in rec.truth.ppg_peaks(0)[1:-1]:
        lo, hi = max(k - 8, 0), min(k + 9, x.size)
        top = int(np.argmax(x[lo:hi])) + lo
        height = x[top] - x[max(k - 20, 0):k].min()
        assert abs(top - k) <= 6 and x[top] - x[k] <= 0.05 * height
        offsets.append(abs(top - k))
    assert np.mean(np.asarray(offsets) <= 1) >= 0.8


def test_pulse_transit_time_falls_with_stiffness():
    def pat(pwv):
        t = _rec(pwv=pwv).truth
        return np.median(t.ppg_peak_times[0] - t.beat_times)

    soft, stiff = pat(5.0), pat(12.0)
    assert 0.2 < stiff < soft < 0.5  # R-to-systolic-peak ~ 0.25-0.45 s at the wrist
    assert soft - stiff > 0.05


def test_stiffness_raises_augmentation_and_hides_diastolic_wave():
    def shape(pwv):
        rec = _rec(pwv=pwv, resting_hr=60.0)
        x, t = rec.ppg[0], rec.truth
        feet = np.round(t.ppg_foot_times * 64).astype(int)
        b = np.median(np.stack([x[f:f + 45] - x[f] for f in feet[1:-2]]), axis=0)
        b = b / b.max()
        peak = int(np.argmax(b))
        return b[peak + 4], b[int(0.4 * 64)]  # 60 ms after the peak (late systolic); diastolic wave

    (aug_soft, dia_soft), (aug_stiff, dia_stiff) = shape(5.5), shape(12.0)
    assert aug_stiff > aug_soft + 0.03  # reflected wave arrives early: augmentation (Kelly et al. 1989)
    assert dia_soft > dia_stiff + 0.15  # compliant arteries keep a distinct diastolic wave


def test_pvc_gives_weak_pulse():
    rec = _rec(60.0, conditions={"pvc"}, pvc_rate=0.2)
    x = rec.ppg[0]
    idx = np.round(rec.truth.ppg_peak_times[0] * 64).astype(int)
    ok = (idx > 0) & (idx < x.size)
    amp = x[idx[ok]] - np.interp(idx[ok] - 8, np.arange(x.size), x)
    sym = rec.truth.beat_symbols[ok]
    assert np.median(amp[sym == "V"]) < 0.6 * np.median(amp[sym == "N"])


def test_walking_shows_cadence_in_acc_and_ppg_artifact():
    rest = _rec(60.0)
    walk = _rec(60.0, activity="walk")
    dyn = np.linalg.norm(walk.acc, axis=0)
    assert np.std(dyn) > 5 * np.std(np.linalg.norm(rest.acc, axis=0))
    spec = np.abs(np.fft.rfft(walk.acc[1] - walk.acc[1].mean()))
    freqs = np.fft.rfftfreq(walk.acc.shape[1], 1 / 64)
    spec[freqs < 0.5] = 0  # posture drift
    assert 1.5 <= freqs[np.argmax(spec)] <= 2.1  # step cadence
    # motion corrupts PPG: more power outside the cardiac peaks, most in IR, least in green
    resid = [np.std(walk.ppg[c] - rest.ppg[c]) for c in range(4)]
    assert resid[3] > resid[0] > 0.2
    assert np.mean(walk.truth.hr_per_s[30:]) > np.mean(rest.truth.hr_per_s[30:]) + 10  # HR rises


def test_mixed_activity_plan_is_reported():
    rec = _rec(120.0, activity="mixed")
    names = {name for _, _, name in rec.truth.activity_plan}
    assert names <= {"rest", "arm", "walk", "run"} and rec.truth.activity_per_s.size == 120


def test_noise_levels_and_faults():
    clean = _rec(20.0)
    noisy = _rec(20.0, noise=Noise(emg_mv=0.05, powerline_mv=0.1))
    diff = (noisy.ecg - clean.ecg).astype(np.float64)
    spec = np.abs(np.fft.rfft(diff[1]))
    freqs = np.fft.rfftfreq(diff.shape[1], 1 / 500)
    assert abs(freqs[np.argmax(spec)] - 50.0) < 0.2
    faulty = _rec(60.0, noise=Noise(saturation_mv=0.5, dropouts_per_min=4.0, dropout_s=1.0))
    assert np.nanmax(np.abs(faulty.ecg)) <= 0.5 + 1e-6
    v = faulty.truth.valid["ecg"]
    assert 0 < (~v).sum() and np.isnan(faulty.ecg[:, ~v]).all() and np.isfinite(faulty.ecg[:, v]).all()


@pytest.mark.parametrize("bad", [{"emg_mv": -1.0}, {"powerline_hz": 55.0}, {"saturation_mv": 0.0}])
def test_bad_noise(bad):
    from wearsdk.errors import ConfigError

    with pytest.raises(ConfigError):
        Noise(**bad)
