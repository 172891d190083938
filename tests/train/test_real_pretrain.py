"""Real ECG in the self-supervised recipe (issue 22): real windows with targets split by patient, the mixed
real/simulated pair plan, the multi-task term and its config checks."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from wearsdk.errors import ConfigError
from wearsdk.train import get_config
from wearsdk.train.real.datasets import cinc2017_labels, ptbxl_labels
from wearsdk.train.real.features import window_hr_bpm
from wearsdk.train.real.pretrain import (
    BEAT_TARGETS,
    ECG_TARGETS,
    TARGETS,
    MixedWindows,
    TargetWindows,
    build_real_ecg,
    mixed_plan,
    multitask_loss,
)


class _Sim:
    """Four windows per participant, like the simulated cohort."""

    def __init__(self, participants: int) -> None:
        self.ids = [str(p) for p in range(participants) for _ in range(4)]

    def __len__(self) -> int:
        return len(self.ids)

    def participant_ids(self) -> list[str]:
        return self.ids

    def __getitem__(self, i: int) -> tuple[torch.Tensor, str]:
        return torch.full((1, 8), float(i)), self.ids[i]


def _mixed() -> MixedWindows:
    ids = [f"cinc:{i}" for i in range(20)] + ["ptb:a", "ptb:a", "ptb:b"]
    targets = np.full((len(ids), len(TARGETS)), np.nan)
    targets[:20, 0] = np.arange(20) % 4
    return MixedWindows(TargetWindows(np.zeros((len(ids), 1, 8)), ids, targets), _Sim(12))


def test_mixed_plan_draws_the_real_fraction_and_distinct_participants() -> None:
    ds = _mixed()
    plan = mixed_plan(ds, global_batch=16, real_fraction=0.75, seed=0)
    for step in range(5):
        keys = plan(step)
        assert len(keys) == 16 and keys == plan(step)  # a pure function of (seed, step)
        real = [k for k in keys if k[0] < ds.num_real]
        assert len(real) == 12
        pids = [ds.ids[a] for a, _, _ in keys]
        assert len(set(pids)) == 16  # every participant at most once: the other rows are true negatives
        for a, b, _ in keys:
            assert ds.ids[a] == ds.ids[b]
            assert (a == b) == (ds.ids[a] != "ptb:a" and not ds.ids[a].startswith("sim:"))  # single-window: itself
    assert plan(0) != mixed_plan(ds, 16, 0.75, seed=1)(0)
    with pytest.raises(ConfigError, match="real_fraction"):
        mixed_plan(ds, global_batch=40, real_fraction=1.0, seed=0)


def test_multitask_loss_masks_missing_labels() -> None:
    torch.manual_seed(0)
    out = torch.randn(4, 11, requires_grad=True)
    t = torch.full((4, len(TARGETS) + len(BEAT_TARGETS)), float("nan"))
    t[0, 0], t[1, 0] = 1.0, 3.0  # rhythm of two CinC windows
    t[2, 1:4] = torch.tensor([1.0, 70.0, 0.0])  # a PTB-XL window: abnormal, age, sex
    t[:, 4] = torch.tensor([60.0, 90.0, float("nan"), 75.0])
    t[0, 5] = 0.3  # rr_irregularity of one window
    terms = multitask_loss(out, t, ECG_TARGETS + BEAT_TARGETS, {"rhythm": torch.ones(4)})
    assert set(terms) == {"rhythm_ce", "abnormal_bce", "sex_female_bce", "age_l1", "hr_bpm_l1",
                          "rr_irregularity_l1", "rr_range_ratio_l1", "pnn50_l1"}
    expected_rr = torch.nn.functional.smooth_l1_loss(out[0, 8], torch.tensor((0.3 - 0.1) / 0.1))
    assert torch.allclose(terms["rr_irregularity_l1"], expected_rr)
    expected = torch.nn.functional.cross_entropy(out[:2, :4], torch.tensor([1, 3]))
    assert torch.allclose(terms["rhythm_ce"], expected)
    sum(terms.values()).backward()
    assert out.grad[3, :4].abs().sum() == 0 and out.grad[3, 7] != 0  # row 3: HR only
    none = multitask_loss(out, torch.full_like(t, float("nan")), ECG_TARGETS + BEAT_TARGETS, {})
    assert all(v.item() == 0.0 for v in none.values())


def test_window_hr_reads_a_regular_rhythm() -> None:
    fs, bpm = 128.0, 72.0
    x = np.zeros((1, 1, int(30 * fs)))
    x[0, 0, (np.arange(0, 30, 60 / bpm) * fs).astype(int)] = 1.0
    x = np.convolve(x[0, 0], np.hanning(9), mode="same")[None, None]
    assert window_hr_bpm(x, np.array([x.shape[-1]]), fs)[0] == pytest.approx(bpm, abs=1.0)
    assert np.isnan(window_hr_bpm(np.zeros((1, 1, 512)), np.array([512]), fs)[0])


def test_real_windows_keep_validation_records_out(real_data_dir: Path, card, cache: Path) -> None:
    train, dev = build_real_ecg(str(real_data_dir), card, dev_fraction=0.25, seed=0, limit=24, beat_targets=True,
                                progress=False)
    assert train.x.shape[1:] == (1, card.window_samples) and len(dev) > 0
    assert not set(train.participant_ids()) & set(dev.participant_ids())  # dev patients are held out whole
    records, _, split = cinc2017_labels(real_data_dir / "cinc2017", limit=24)
    val_cinc = {f"cinc2017:{r}" for r in records[split == "val"]}
    t = ptbxl_labels(real_data_dir / "ptbxl", limit=24)
    val_ptb = {f"ptbxl_lead1:{g}" for g in t["groups"][t["split"] != "train"]}
    seen = set(train.participant_ids()) | set(dev.participant_ids())
    assert seen and not seen & (val_cinc | val_ptb)  # the reported validation split is never trained on
    cinc = np.array([p.startswith("cinc2017:") for p in train.participant_ids()])
    assert np.isfinite(train.targets[cinc, 0]).all() and np.isnan(train.targets[cinc, 1:4]).all()
    assert np.isnan(train.targets[~cinc, 0]).all() and np.isfinite(train.targets[~cinc, 1]).all()
    hr = train.targets[:, TARGETS.index("hr_bpm")]
    assert np.nanmedian(hr) == pytest.approx(75, abs=15)
    assert train.targets.shape[1] == len(TARGETS) + len(BEAT_TARGETS)
    beat = train.targets[:, len(TARGETS):]
    assert (np.isnan(beat).any(1) == np.isnan(hr)).all()  # beat features exactly where ecg_peaks found beats
    assert np.nanmedian(beat[:, 0]) < 0.2 and np.nanmax(beat[:, 2]) <= 1.0  # irregularity, pNN50 (a fraction)


def test_config_checks_the_real_source() -> None:
    with pytest.raises(ConfigError, match="data.root"):
        get_config("ecg_ssl", "tiny", {"data.source": "real_ecg"})
    with pytest.raises(ConfigError, match="real_ecg"):
        get_config("ppg_ssl", "tiny", {"data.source": "real_ecg", "data.root": "x"})
    with pytest.raises(ConfigError, match="supervised_weight"):
        get_config("ecg_ssl", "tiny", {"ssl.supervised_weight": 1.0})
    with pytest.raises(ConfigError, match="real_fraction"):
        get_config("ecg_ssl", "tiny", {"data.source": "real_ecg", "data.root": "x", "data.real_fraction": 1.5})
    with pytest.raises(ConfigError, match="beat_targets"):
        get_config("ecg_ssl", "tiny", {"data.source": "real_ecg", "data.root": "x", "ssl.beat_targets": True})
    with pytest.raises(ConfigError, match="beat_targets"):
        get_config("ppg_ssl", "real", {"ssl.beat_targets": True})


class _SimWithTruth(_Sim):
    """Four windows per participant in two activities, each with a known heart rate."""

    activities = ("rest", "run")

    def activity(self, i: int) -> str:
        return self.activities[i % 2]

    def window(self, i: int) -> tuple[np.ndarray, float]:
        return np.full((1, 8), float(i), np.float32), 60.0 + i


def test_simulated_windows_carry_their_heart_rate_and_pair_within_an_activity() -> None:
    from wearsdk.train.real.pretrain import PPG_TARGETS, sim_target_windows

    sim = sim_target_windows(_SimWithTruth(3), PPG_TARGETS, progress=False)
    hr = [t.name for t in PPG_TARGETS].index("hr_bpm")
    assert np.array_equal(sim.targets[:, hr], 60.0 + np.arange(12)) and np.isnan(np.delete(sim.targets, hr, 1)).all()
    assert sim.participant_ids()[:4] == ["0:rest", "0:run", "0:rest", "0:run"]
    real = TargetWindows(np.zeros((4, 1, 8)), ["r:a", "r:a", "r:b", "r:b"], np.full((4, len(PPG_TARGETS)), 1.0),
                         PPG_TARGETS)
    mixed = MixedWindows(real, sim)
    assert np.array_equal(mixed.targets[4:], sim.targets, equal_nan=True)  # the simulated rows keep their HR
    for a, b, _ in mixed_plan(mixed, global_batch=4, real_fraction=0.5, seed=0)(0):
        assert mixed.ids[a] == mixed.ids[b]
        if a >= mixed.num_real:
            assert a != b and sim.ids[a - 4].split(":")[1] == sim.ids[b - 4].split(":")[1]  # same activity


def test_rate_stretch_scales_the_pulse_rate_and_keeps_the_window() -> None:
    from wearsdk.train.real.pretrain import rate_stretch

    fs, seconds = 64.0, 60.0
    t = torch.arange(int(fs * seconds)) / fs
    x = torch.stack([torch.sin(2 * torch.pi * 1.5 * t), torch.cos(2 * torch.pi * 1.5 * t)])  # 90 bpm, 2 channels
    for rate in (0.77, 1.0, 1.3):
        y = rate_stretch(x, rate)
        assert y.shape == x.shape
        spectrum = torch.fft.rfft(y[0]).abs()
        assert abs(float(torch.fft.rfftfreq(len(t), 1 / fs)[spectrum.argmax()]) * 60 - 90 * rate) <= 1.0
    assert torch.equal(rate_stretch(x, 1.0), x)


def test_stretched_simulated_pairs_scale_their_hr_target_and_real_pairs_stay() -> None:
    from wearsdk.train.augment import Augmenter
    from wearsdk.train.config import AugmentConfig
    from wearsdk.train.real.pretrain import PPG_TARGETS, _LabelledPairs, sim_target_windows

    sim = sim_target_windows(_SimWithTruth(3), PPG_TARGETS, progress=False)
    real = TargetWindows(np.zeros((2, 1, 8)), ["r:a", "r:a"], np.full((2, len(PPG_TARGETS)), 70.0), PPG_TARGETS)
    mixed = MixedWindows(real, sim)
    hr = [t.name for t in PPG_TARGETS].index("hr_bpm")
    none = AugmentConfig(p_cutout=0, p_magnitude_warp=0, p_time_warp=0, p_noise=0, p_channel_permutation=0)
    plain = _LabelledPairs(mixed, Augmenter(none))
    stretched = _LabelledPairs(mixed, Augmenter(none), stretch=0.3)
    rates = []
    for seed in range(20):
        assert torch.equal(stretched[(0, 1, seed)][2], plain[(0, 1, seed)][2])  # real rows are never stretched
        rates.append(float(stretched[(2, 4, seed)][2][hr] / plain[(2, 4, seed)][2][hr]))
        for a, b in zip(stretched[(2, 4, seed)], stretched[(2, 4, seed)], strict=True):  # a pure function of the key
            torch.testing.assert_close(a, b, rtol=0, atol=0, equal_nan=True)
    assert min(rates) >= 1 / 1.3 - 1e-6 and max(rates) <= 1.3 + 1e-6 and max(rates) - min(rates) > 0.2


def test_rate_stretch_needs_the_simulated_hr_targets() -> None:
    real_ppg = {"data.source": "real_ppg", "data.root": "x"}
    with pytest.raises(ConfigError, match="sim_targets"):
        get_config("ppg_ssl", "tiny", {**real_ppg, "data.sim_rate_stretch": 0.3})
    with pytest.raises(ConfigError, match="sim_rate_stretch"):
        get_config("ppg_ssl", "real", {"data.sim_rate_stretch": 1.5})
    assert get_config("ppg_ssl", "real", {"data.sim_rate_stretch": 0.3}).data.sim_rate_stretch == 0.3


def test_simulated_hr_targets_can_be_kept_to_some_activities() -> None:
    from wearsdk.train.real.pretrain import PPG_TARGETS, sim_target_windows

    sim = sim_target_windows(_SimWithTruth(3), PPG_TARGETS, progress=False, hr_activities=("rest",))
    hr = sim.targets[:, [t.name for t in PPG_TARGETS].index("hr_bpm")]
    assert np.array_equal(hr[::2], 60.0 + np.arange(0, 12, 2)) and np.isnan(hr[1::2]).all()  # "run": no target
    with pytest.raises(ConfigError, match="sim_hr_activities"):
        get_config("ppg_ssl", "real", {"data.sim_hr_activities": ("rest", "swim")})
