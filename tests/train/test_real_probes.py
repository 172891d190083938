"""The ``real`` probe suite (issue 22): probes rank a feature that encodes the label above noise, the hand-crafted
ECG features read heart rate and rhythm irregularity, and the suite is registered for ``wearsdk evaluate``."""

from __future__ import annotations

import numpy as np
import pytest

from wearsdk.train.real import ECG_FEATURES, ecg_features
from wearsdk.train.real.probe_suite import FEATURE_SETS, TASKS, probe_figure, probe_task
from wearsdk.train.suites import get_suite


def _data(n: int = 120, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    split = np.where(np.arange(n) % 4 == 0, "val", "train")
    groups = np.array([f"p{i // 2}" for i in range(n)])  # two records per patient
    return rng, split, groups


@pytest.mark.slow
def test_probe_ranks_the_informative_feature_above_noise() -> None:
    rng, split, groups = _data()
    y = (rng.random(120) < 0.4).astype(float)
    noise = rng.normal(size=(120, 3))
    signal = np.column_stack([y + 0.5 * rng.normal(size=120), noise])
    good = probe_task(signal, y, split, groups, "auroc")
    bad = probe_task(noise, y, split, groups, "auroc")
    assert good["auroc"] > 0.85 > bad["auroc"] + 0.2 and good["val_records"] == 30

    age = rng.uniform(20, 80, 120)
    age[3] = np.nan  # missing labels are left out
    good = probe_task(np.column_stack([age + rng.normal(0, 5, 120), noise]), age, split, groups, "pearson_r")
    bad = probe_task(noise, age, split, groups, "pearson_r")
    assert good["pearson_r"] > 0.9 and abs(bad["pearson_r"]) < 0.5 and good["mae"] < bad["mae"]
    assert good["train_records"] + good["val_records"] == 119

    cls = rng.integers(0, 4, 120).astype(float)
    onehot = np.eye(4)[cls.astype(int)] + 0.3 * rng.normal(size=(120, 4))
    good = probe_task(onehot, cls, split, groups, "macro_f1", n_classes=4)
    bad = probe_task(noise, cls, split, groups, "macro_f1", n_classes=4)
    assert good["macro_f1"] > 0.8 and bad["macro_f1"] < 0.5


def test_ecg_features_read_rate_and_irregularity() -> None:
    from wearsdk.sim import Cohort

    fs = 128.0
    rng = np.random.default_rng(0)
    t = np.arange(int(30 * fs)) / fs

    def spikes(beats_s: np.ndarray) -> np.ndarray:
        x = np.zeros_like(t)
        for b in beats_s:
            x += np.exp(-0.5 * ((t - b) / 0.012) ** 2)
        return (x - x.mean()) / x.std() + 0.05 * rng.normal(size=t.size)

    regular = ecg_features(spikes(np.arange(0.5, 29.5, 0.8)), fs)  # 75 /min
    irregular = ecg_features(spikes(np.cumsum(rng.uniform(0.45, 1.15, 40)) + 0.3), fs)
    name = {n: i for i, n in enumerate(ECG_FEATURES)}
    assert regular.shape == (len(ECG_FEATURES),) and np.isfinite(regular).all()
    assert abs(regular[name["hr_bpm"]] - 75.0) < 1.5
    assert irregular[name["rr_irregularity"]] > 5 * regular[name["rr_irregularity"]]
    assert irregular[name["pnn50"]] > 0.5 > regular[name["pnn50"]]
    assert 0 < regular[name["spectral_entropy"]] < 1

    rec = Cohort(1, seed=0)[0].record(30.0)
    sim = ecg_features(rec.lead("I")[::4] / rec.lead("I").std(), 125.0)
    assert 40 < sim[name["hr_bpm"]] < 120 and sim[name["beat_template_r"]] > 0.8


def test_suite_registered_and_figure(tmp_path) -> None:
    suite = get_suite("real")
    assert "linear probes on CinC 2017 and PTB-XL lead I" in suite.description
    assert {t[0] for t in TASKS} == {"cinc2017", "ptbxl_lead1"}
    summary = {f"{d}.{label}.{m}": dict(zip(FEATURE_SETS, (0.8, 0.7, 0.6), strict=True)) for d, label, m in TASKS}
    probe_figure(summary, tmp_path / "f.png", "test")
    assert (tmp_path / "f.png").stat().st_size > 5000


def test_suite_refuses_a_model_that_is_not_an_encoder(tmp_path) -> None:
    from wearsdk.errors import ConfigError
    from wearsdk.train.suites import SuiteRequest, run_suite

    with pytest.raises(ConfigError, match="single-lead ECG and PPG encoders"):
        run_suite(SuiteRequest(suite="real", model="lead_vae_compact", data_root=tmp_path, progress=False))
