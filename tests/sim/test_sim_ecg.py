"""12-lead ECG: lead relations, non-dipolar structure, traits and conditions."""

from __future__ import annotations

import numpy as np
import pytest
from ecg_measure import fiducials, median_beats

from wearsdk.sim import Noise, Participant, Traits
from wearsdk.sim.leads import DOWER


def _rec(seconds: float = 20.0, **traits):
    return Participant(Traits(**traits), seed=5).record(seconds, noise=Noise.clean())


@pytest.fixture(scope="module")
def normal():
    return Participant(Traits(morphology_seed=4), seed=2).record(30.0)  # default noise


def test_einthoven_goldberger_hold_exactly(normal):
    i, ii, iii, avr, avl, avf = normal.ecg[:6].astype(np.float64)
    for lhs, rhs in ((iii, ii - i), (avr, -(i + ii) / 2), (avl, i - ii / 2), (avf, ii - i / 2)):
        np.testing.assert_allclose(lhs, rhs, atol=2e-6)  # float32 rounding only, noise included


def test_twelve_leads_are_not_rank_three(normal):
    x = normal.ecg[[0, 1, 6, 7, 8, 9, 10, 11]].astype(np.float64)
    s = np.linalg.svd(x - x.mean(axis=1, keepdims=True), compute_uv=False)
    energy = s**2 / (s**2).sum()
    assert energy[3:].sum() > 0.003  # real 12-lead ECGs keep ~1-5 % outside the first 3 components
    assert energy[:3].sum() > 0.9  # but are dominated by the dipole


def test_dower_orientation_matches_frank_leads_of_real_record(real_data_dir):
    """Our Frank axes (X left, Y feet, Z back) and Dower rows fit a real record's simultaneous Frank leads:
    limb leads closely, and better than with any axis flipped."""
    import wfdb
    from scipy.signal import butter, sosfiltfilt

    rec = wfdb.rdrecord(str(real_data_dir / "ptbdb" / "s0010_re"))
    x = sosfiltfilt(butter(2, [0.5, 40], "bandpass", fs=rec.fs, output="sos"), rec.p_signal.T, axis=1)
    leads, xyz = x[[0, 1, 6, 7, 8, 9, 10, 11]], x[12:15]

    def mean_r(signs):
        pred = DOWER @ (np.array(signs)[:, None] * xyz)
        return np.array([np.corrcoef(p, t)[0, 1] for p, t in zip(pred, leads, strict=True)])

    r = mean_r([1, 1, 1])
    assert r[:2].min() > 0.85
    flips = [[1, 1, -1], [1, -1, 1], [-1, 1, 1], [1, -1, -1]]
    assert all(r.mean() > mean_r(f).mean() + 0.1 for f in flips)


def test_normal_intervals_and_axis():
    for axis in (-20.0, 40.0, 85.0):
        rec = _rec(axis_deg=axis)
        beat = median_beats(rec.ecg.astype(np.float64), 500.0, rec.truth.r_peaks)
        f = fiducials(beat, 500.0)
        assert 0.12 <= f["pr"] <= 0.21 and 0.07 <= f["qrs"] <= 0.115 and 0.34 <= f["qt"] <= 0.46
        r0 = int(0.35 * 500)
        qrs = slice(r0 - 30, r0 + 30)
        measured = np.rad2deg(np.arctan2(beat[5][qrs].sum(), beat[0][qrs].sum()))
        assert abs(measured - axis) < 25


@pytest.mark.parametrize("condition", ["rbbb", "lbbb"])
def test_bundle_branch_block_widens_qrs(condition):
    f = fiducials(median_beats(*_beat_input(_rec(conditions={condition}))), 500.0)
    assert f["qrs"] >= 0.12


def test_rbbb_has_rsr_prime_in_v1():
    rec = _rec(conditions={"rbbb"})
    beat = median_beats(*_beat_input(rec))
    r0 = int(0.35 * 500)
    v1 = beat[6][r0 - 40: r0 + 80]
    assert v1[60:].max() > 0.2  # terminal R' after the S


def _beat_input(rec):
    return rec.ecg.astype(np.float64), 500.0, rec.truth.r_peaks


def test_mi_inferior_q_waves_and_t_inversion():
    normal = median_beats(*_beat_input(_rec(morphology_seed=8)))
    mi = median_beats(*_beat_input(_rec(morphology_seed=8, conditions={"mi_inferior"})))
    r0 = int(0.35 * 500)
    q = slice(r0 - 40, r0 - 5)
    assert mi[2][q].min() < normal[2][q].min() - 0.15  # deeper Q in III
    t = slice(r0 + 100, r0 + 200)
    assert mi[5][t].mean() < normal[5][t].mean() - 0.05  # T flattened/inverted in aVF


def test_af_irregular_without_p_waves():
    af = _rec(60.0, conditions={"af"})
    rr = np.diff(af.truth.beat_times)
    assert np.std(rr) / np.mean(rr) > 0.12
    sinus = _rec(60.0)
    rr_s = np.diff(sinus.truth.beat_times)
    assert np.std(rr_s) / np.mean(rr_s) < 0.1
    assert set(af.truth.rhythm_per_s) == {"AF"}


def test_pvc_premature_with_compensatory_pause():
    rec = _rec(60.0, conditions={"pvc"}, pvc_rate=0.2)
    sym = rec.truth.beat_symbols
    t = rec.truth.beat_times
    idx = np.flatnonzero(sym == "V")
    idx = idx[(idx > 0) & (idx < t.size - 1)]
    assert idx.size >= 5
    coupling = (t[idx] - t[idx - 1]) / np.median(np.diff(t))
    assert np.all(coupling < 0.8)
    pause = (t[idx + 1] - t[idx - 1]) / np.median(np.diff(t))
    assert np.allclose(pause, 2.0, atol=0.25)


def test_brady_and_tachy_labels():
    assert set(_rec(conditions={"brady"}, resting_hr=45.0).truth.rhythm_per_s) == {"SB"}
    assert set(_rec(conditions={"tachy"}, resting_hr=115.0).truth.rhythm_per_s) == {"ST"}


def test_amplitude_falls_with_bmi():
    lean = median_beats(*_beat_input(_rec(bmi=20.0)))
    obese = median_beats(*_beat_input(_rec(bmi=38.0)))
    assert np.ptp(obese[10]) < 0.8 * np.ptp(lean[10])


def test_af_fibrillatory_waves_in_v1():
    """Between QRS complexes AF leaves 4-9 Hz f-waves (strongest in V1); sinus rhythm does not."""

    def f_band_rms(rec):
        from scipy.signal import butter, sosfiltfilt

        v1 = sosfiltfilt(butter(2, [4, 9], "bandpass", fs=500, output="sos"), rec.lead("V1").astype(np.float64))
        keep = np.ones(v1.size, dtype=bool)
        for r in rec.truth.r_peaks:  # blank QRS-T (-100 ms .. +450 ms)
            keep[max(r - 50, 0): r + 225] = False
        return float(np.sqrt(np.mean(v1[keep] ** 2)))

    assert f_band_rms(_rec(30.0, conditions={"af"})) > 2 * f_band_rms(_rec(30.0))
