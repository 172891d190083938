"""Real PPG through the PPG card's window path (issue 23): PPG-BP pulse trains, ppg_mw4, the device recordings
with their HR references, the real_ppg training source and the PPG head labels/scores."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from wearsdk.errors import ConfigError, DataFormatError
from wearsdk.models import get_model_card
from wearsdk.peaks import ppg_peaks
from wearsdk.train import get_config
from wearsdk.train.real.ppg import ppg_bp, ppg_devices, ppg_mw4, pulse_train
from wearsdk.train.real.ppg_heads import ppg_head_labels, ppg_head_scores
from wearsdk.train.real.pretrain import PPG_TARGETS, build_real_ppg


@pytest.fixture(scope="module")
def ppg_card():
    return get_model_card("ppg_encoder_compact")


@pytest.fixture(scope="module", autouse=True)
def ppg_cache(tmp_path_factory: pytest.TempPathFactory):
    """One window cache for the module: each dataset is cut once."""
    mp = pytest.MonkeyPatch()
    mp.setenv("WEARSDK_CACHE_DIR", str(tmp_path_factory.mktemp("ppg_cache") / "models"))
    yield
    mp.undo()


@pytest.fixture(scope="module")
def real_ppg(real_data_dir: Path, ppg_card) -> dict:
    """The three real PPG datasets."""
    return {"ppg_bp": ppg_bp(real_data_dir, ppg_card, progress=False),
            "ppg_mw4": ppg_mw4(real_data_dir, ppg_card, progress=False),
            "ppg_devices": ppg_devices(real_data_dir, ppg_card, progress=False)}


def test_pulse_train_repeats_real_beats_at_their_own_rate() -> None:
    fs, bpm = 1000.0, 72.0
    t = np.arange(int(2.1 * fs)) / fs
    phase = (t * bpm / 60.0) % 1.0
    seg = np.exp(-((phase - 0.2) / 0.08) ** 2) + 0.4 * np.exp(-((phase - 0.55) / 0.1) ** 2)
    train, rate, real_s = pulse_train(seg, fs, 62.0)
    assert train.shape == (6200,) and rate == pytest.approx(bpm, rel=0.03) and 0.5 < real_s < 2.1
    peaks = ppg_peaks(train, sampling_rate=100.0)
    assert 60 * 100.0 / np.median(np.diff(peaks)) == pytest.approx(bpm, rel=0.03)
    with pytest.raises(DataFormatError, match="no complete beat"):
        pulse_train(np.zeros(2100), fs, 62.0)


def test_ppg_bp_windows_split_by_subject_with_their_beats_rate(real_ppg: dict, ppg_card) -> None:
    ds = real_ppg["ppg_bp"]
    rec = np.asarray(ds.record_of_window)
    assert ds.x.shape[1:] == (4, ppg_card.window_samples) and len(ds.records) == 219
    assert np.bincount(rec, minlength=219).max() <= 3 and 250 <= len(ds.x) <= 330
    assert set(ds.split) == {"train", "val"} and 0.15 < np.mean(ds.split == "val") < 0.25
    assert ds.labels["age"].min() >= 20 and ds.labels["age"].max() <= 90
    hr = ds.window_labels["hr_bpm"]
    assert np.all((hr > 45) & (hr < 130))
    found = [60 * ds.sampling_rate_hz / np.median(np.diff(ppg_peaks(np.asarray(ds.x[i, 0], np.float64),
                                                                   sampling_rate=ds.sampling_rate_hz)))
             for i in range(0, len(ds.x), 25)]
    assert np.median(np.abs(np.array(found) - hr[::25])) < 3.0  # the window beats at its label's rate


def test_mw4_and_devices_are_validation_only_with_references(real_ppg: dict) -> None:
    mw4, dev = real_ppg["ppg_mw4"], real_ppg["ppg_devices"]
    assert len(mw4.records) == 78 and len(mw4.x) == 3 * 78 and set(mw4.split) == {"val"}
    assert np.all((mw4.labels["bmi"] > 14) & (mw4.labels["bmi"] < 40))
    assert np.median(mw4.window_labels["quality_min"]) > 0.9  # lab finger PPG at rest is clean
    assert set(dev.split) == {"val"} and len(dev.records) == 5
    ref = dev.window_labels["reference_hr_bpm"]
    rec = np.asarray(dev.record_of_window)
    assert np.isfinite(ref).all()
    assert np.median(ref[rec == list(dev.records).index("challenge2015/v102s")]) == pytest.approx(103, abs=4)


def test_real_ppg_training_windows_keep_validation_subjects_out(real_data_dir: Path, ppg_card, real_ppg) -> None:
    train, dev = build_real_ppg(str(real_data_dir), ppg_card, dev_fraction=0.2, seed=0, progress=False)
    full = real_ppg["ppg_bp"]
    val = {f"ppg_bp:{g}" for g in full.groups[full.split == "val"]}
    seen_train, seen_dev = set(train.participant_ids()), set(dev.participant_ids())
    assert seen_dev and not seen_train & seen_dev and not (seen_train | seen_dev) & val
    assert train.targets.shape[1] == len(PPG_TARGETS) and np.isfinite(train.targets[:, 0]).all()


def test_head_labels_and_scores_read_references_and_clean_windows(real_ppg: dict) -> None:
    dev = real_ppg["ppg_devices"]
    labels = ppg_head_labels(dev)
    assert np.array_equal(labels["hr_bpm"], dev.window_labels["reference_hr_bpm"])
    assert np.isnan(labels["age_years"]).all()
    perfect = {h: v.copy() for h, v in labels.items()}
    perfect["quality_prob"] = np.where(labels["quality_prob"] == 1, 0.95, 0.1)
    s = ppg_head_scores({"ppg_devices": perfect}, {"ppg_devices": dev})
    assert s["real_ppg_devices_hr_bpm_mae"] == 0.0 and s["real_hr_bpm_mae_challenge2015_v102s"] == 0.0
    assert s["real_ppg_devices_quality_prob_clean_pass"] == 1.0
    off = dict(perfect, hr_bpm=perfect["hr_bpm"] + 10.0)
    assert ppg_head_scores({"ppg_devices": off}, {"ppg_devices": dev})["real_ppg_devices_hr_bpm_mae"] == 10.0


def test_config_checks_the_real_ppg_source() -> None:
    config = get_config("ppg_ssl", "real")
    assert config.data.source == "real_ppg" and config.data.population == "wide"
    with pytest.raises(ConfigError, match="real_ppg"):
        get_config("ecg_ssl", "tiny", {"data.source": "real_ppg", "data.root": "x"})
    with pytest.raises(ConfigError, match="population"):
        get_config("ppg_ssl", "tiny", {"data.population": "martians"})


def test_cv_probe_predicts_every_subject_without_its_own_group() -> None:
    from wearsdk.train.real.ppg_suite import cv_probe

    rng = np.random.default_rng(0)
    groups = np.repeat(np.arange(40), 2)
    signal = rng.normal(size=40)[groups]
    x = np.stack([signal + 0.3 * rng.normal(size=80), rng.normal(size=80)], axis=1)
    r = cv_probe(x, 3.0 * signal + 10.0, groups, "pearson_r")
    assert r["subjects"] == 80 and r["pearson_r"] > 0.9
    auc = cv_probe(x, (signal > 0).astype(float), groups, "auroc")
    assert auc["auroc"] > 0.85
    noise = cv_probe(rng.normal(size=(80, 2)), (signal > 0).astype(float), groups, "auroc")
    assert noise["auroc"] < 0.75  # no information, no score: the fold's own rows are never fitted


def test_ppg_features_read_a_synthetic_pulse() -> None:
    from wearsdk.train.real.ppg_suite import PPG_FEATURES, ppg_features

    fs, bpm = 64.0, 66.0
    t = np.arange(int(60 * fs)) / fs
    phase = (t * bpm / 60.0) % 1.0
    x = np.exp(-((phase - 0.2) / 0.08) ** 2) + 0.4 * np.exp(-((phase - 0.55) / 0.1) ** 2)
    f = dict(zip(PPG_FEATURES, ppg_features(x, fs), strict=True))
    assert f["hr_bpm"] == pytest.approx(bpm, abs=1.5) and f["interval_cv"] < 0.05
    assert 0.1 < f["rise"] < 0.4 and f["notch"] > 0
    assert not ppg_features(np.zeros(int(60 * fs)), fs).any()


def test_sim_scores_read_the_tachycardia_band_at_rest_apart_from_running() -> None:
    """A head that reads HR exactly at rest and 40 bpm low under motion: the 150-180 bpm score over every activity
    shows the motion error, the ``_rest`` score only the resting windows'."""
    import torch

    from wearsdk.models import LinearHeads
    from wearsdk.train.real.ppg_heads import PPG_REAL_HEADS, _sim_scores

    n = 16  # 4 participants x (rest, walk, arm, run)
    hr = np.array([160.0, 150.0, 150.0, 170.0] * 4)
    rest = np.arange(n) % 4 == 0
    reading = hr - np.where(rest, 0.0, 40.0)
    weight = torch.zeros(len(PPG_REAL_HEADS), 2)
    weight[PPG_REAL_HEADS.index("hr_bpm"), 0] = 1.0
    heads = LinearHeads(PPG_REAL_HEADS, weight, torch.zeros(len(PPG_REAL_HEADS)))
    emb = np.c_[reading, np.zeros(n)]
    y = {"hr_bpm": hr, "af_prob": np.arange(n) % 2.0, "quality_prob": rest.astype(float)}
    s = _sim_scores(heads, emb, y, rest)
    assert s["sim_hr_bpm_mae_150_180_rest"] == 0.0 and s["sim_windows_150_180_rest"] == 4
    assert s["sim_hr_bpm_mae_150_180"] == 30.0 and s["sim_windows_150_180"] == 16


def test_dicrotic_windows_deepen_the_notch_of_the_same_beats(ppg_card) -> None:
    """The dicrotic-pulse check: each participant twice, fully vasodilated and undilated, with the same beats (one
    HR truth), the dilated pulse carrying the deeper notch and no extra beat (the card's input, channel 0)."""
    from wearsdk.sim.pulse_features import pulse_features
    from wearsdk.train.real.ppg_heads import dicrotic_windows

    dilated, undilated, hr = dicrotic_windows(ppg_card, n=3)
    assert dilated.shape == undilated.shape == (3, len(ppg_card.input_channels), ppg_card.window_samples)
    assert np.all((hr > 90) & (hr < 135))
    fs = ppg_card.sampling_rate_hz
    for d, u in zip(dilated, undilated, strict=True):
        fd, fu = (pulse_features(w[0].astype(np.float64), sampling_rate=fs) for w in (d, u))
        assert fd.notch > fu.notch + 0.1 and abs(fd.beats - fu.beats) <= 2
