"""Configs reject bad input before training; data plans are participant-aware and split across ranks."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from wearsdk import ConfigError, DataFormatError
from wearsdk.train import (
    PRESETS,
    RECIPES,
    SyntheticLeads,
    SyntheticWindows,
    config_from_dict,
    get_config,
    lr_at,
)
from wearsdk.train.data import StepBatchSampler, epoch_plan, participant_groups, ssl_plan
from wearsdk.train.presets import PRESET_TABLE


@pytest.mark.parametrize(("recipe", "preset"), [(r, p) for r in RECIPES for p in PRESETS if p in PRESET_TABLE[r]])
def test_every_preset_builds_and_roundtrips(recipe: str, preset: str, tmp_path) -> None:
    overrides = {}
    if recipe.endswith("_distill"):  # the config only checks that the teacher file exists
        (tmp_path / "teacher.pt").write_bytes(b"")
        overrides = {"distill.teacher": str(tmp_path / "teacher.pt")}
    config = get_config(recipe, preset, overrides)
    assert config_from_dict(config.to_dict()) == config


@pytest.mark.parametrize(
    ("overrides", "key"),
    [
        ({"stpes": 3}, "stpes"),
        ({"optim.lrr": 1e-3}, "lrr"),
        ({"ssll.temperature": 0.1}, "ssll"),
        ({"optim.lr": -1.0}, "lr"),
        ({"ssl.temperature": 0.0}, "temperature"),
        ({"ssl.ema_momentum": 1.0}, "ema_momentum"),
        ({"augment.p_cutout": 1.5}, "p_cutout"),
        ({"vae.recon": "l1"}, "recon"),
        ({"global_batch": 0}, "global_batch"),
        ({"model": "lead_vae_full"}, "model"),
        ({"model_overrides.embed_dimm": 3}, "embed_dimm"),
        ({"data.source": "ptbxl"}, "root"),
        ({"amp": "fp8"}, "amp"),
        ({"data.activities": ["rest", "swim"]}, "activities"),
        ({"data.activities": []}, "activities"),
        ({"data.ecg_leads": ["I", "MLII"]}, "ecg_leads"),
        ({"data.ecg_leads": "II"}, "ecg_leads"),
        ({"augment.p_channel_collapse": -0.1}, "p_channel_collapse"),
    ],
)
def test_bad_configs_are_rejected_naming_the_key(overrides: dict, key: str) -> None:
    with pytest.raises(ConfigError, match=key):
        get_config("ppg_ssl", "tiny", overrides)


def test_unknown_recipe_and_preset() -> None:
    with pytest.raises(ConfigError, match="recipe"):
        get_config("ppg_mae", "tiny")
    with pytest.raises(ConfigError, match="preset"):
        get_config("ppg_ssl", "huge")


def test_config_from_dict_rejects_unknown_section_keys() -> None:
    d = get_config("lead_vae", "tiny").to_dict()
    d["vae"]["kl_wieght"] = 1.0
    with pytest.raises(ConfigError, match="kl_wieght"):
        config_from_dict(d)


def test_learning_rate_schedule() -> None:
    c = get_config(
        "lead_vae",
        "tiny",
        {"steps": 100, "optim.warmup_steps": 10, "optim.lr": 1.0, "optim.min_lr_ratio": 0.1},
    )
    assert lr_at(0, c) == pytest.approx(0.1) and lr_at(9, c) == pytest.approx(1.0)
    assert lr_at(10, c) == pytest.approx(1.0) and lr_at(100, c) == pytest.approx(0.1)
    assert all(lr_at(s, c) >= lr_at(s + 1, c) for s in range(10, 100))


def test_ssl_plan_pairs_two_windows_of_one_participant_once_per_batch() -> None:
    ds = SyntheticWindows(10, 3, 2, 64)
    ids = ds.participant_ids()
    plan = ssl_plan(participant_groups(ids), 8, seed=1)
    keys = plan(5)
    assert keys == plan(5) and keys != plan(6)
    assert len({ids[a] for a, _, _ in keys}) == 8
    assert all(a != b and ids[a] == ids[b] for a, b, _ in keys)
    with pytest.raises(ConfigError, match="participants"):
        ssl_plan(participant_groups(ids), 11, seed=1)


def test_vae_plan_visits_every_item_once_per_epoch() -> None:
    plan = epoch_plan(12, 4, seed=0)
    items = [k[0] for s in range(3) for k in plan(s)]
    assert sorted(items) == list(range(12))


def test_step_sampler_splits_the_global_batch_across_ranks_and_micro_batches() -> None:
    plan = epoch_plan(50, 8, seed=0)
    single = list(StepBatchSampler(plan, 0, 3, 8))
    ranks = [list(StepBatchSampler(plan, 0, 3, 8, rank=r, world=2, accum=2)) for r in range(2)]
    for step in range(3):
        merged = ranks[0][2 * step] + ranks[0][2 * step + 1] + ranks[1][2 * step] + ranks[1][2 * step + 1]
        assert merged == single[step]
    with pytest.raises(ConfigError, match="divisible"):
        StepBatchSampler(plan, 0, 3, 6, world=4)


def test_synthetic_sources() -> None:
    x, pid = SyntheticWindows(3, 2, 4, 128)[3]
    assert x.shape == (4, 128) and pid == "p1" and abs(float(x.mean())) < 1e-5
    x3, x12, sid = SyntheticLeads(2, 2, 200)[1]
    assert x3.shape == (3, 200) and x12.shape == (12, 200) and sid == "s0"
    np.testing.assert_array_equal(x3.numpy(), x12[[1, 6, 10]].numpy())


def test_ptbxl_reader(tmp_path, real_data_dir) -> None:
    from wearsdk.train import PTBXLLeads

    with pytest.raises(DataFormatError, match="records_index.csv"):
        PTBXLLeads(tmp_path)
    ds = PTBXLLeads(real_data_dir / "ptbxl", "val", max_records=3)
    x3, x12, sid = ds[0]
    assert x3.shape == (3, 1000) and x12.shape == (12, 1000) and sid.startswith("ptbxl")


def test_wfdb_folder_without_usable_records_says_why(tmp_path) -> None:
    from wearsdk.train import WFDBLeads

    (tmp_path / "subjects.csv").write_text("record,subject_id\nmissing_rec,7\nother,\n")
    with pytest.raises(DataFormatError, match="no usable records.*missing subject_id"):
        WFDBLeads(tmp_path, tmp_path / "subjects.csv")
    (tmp_path / "bad.csv").write_text("name,patient\nx,1\n")
    with pytest.raises(DataFormatError, match="record,subject_id"):
        WFDBLeads(tmp_path, tmp_path / "bad.csv")


def test_wfdb_folder_of_real_records(tmp_path, real_data_dir) -> None:
    from wearsdk.train import WFDBLeads

    root = real_data_dir / "cinc2021"
    csv_path = tmp_path / "subjects.csv"
    csv_path.write_text("record,subject_id\nHR06000,a\nE07500,b\nnot_there,c\n")
    ds = WFDBLeads(root, csv_path)
    assert len(ds) == 2 and ds.subject_ids() == ["a", "b"]
    x3, x12, _ = ds[0]
    assert x12.shape == (12, 1000) and x3.shape == (3, 1000)
    torch.testing.assert_close(x12.std(-1), torch.ones(12), rtol=1e-2, atol=1e-2)
    assert any("not_there" in p for p in ds.problems)


def test_recipe_family_comes_from_the_models_card(monkeypatch) -> None:
    """No name prefixes: a model of another modality or task is refused by its card, whatever its name."""
    import wearsdk.models as models
    from wearsdk.cli.distill import recipe_for
    from wearsdk.train.config import RECIPE_FAMILIES, distill_recipe

    with pytest.raises(ConfigError, match="task 'lead_reconstruction'"):
        get_config("ecg_ssl", "tiny", {"model": "lead_vae_compact"})
    with pytest.raises(ConfigError, match="unknown model"):
        get_config("ecg_ssl", "tiny", {"model": "nope_encoder"})
    assert recipe_for("lead_vae_compact") == "lead_vae_distill" and recipe_for("ecg_encoder_full") == "ecg_distill"
    with pytest.raises(ConfigError, match="--student"):
        recipe_for("ppg_thing")
    card = models.get_model_card("ppg_encoder_compact")
    assert distill_recipe(card) == "ppg_distill" and RECIPE_FAMILIES["ppg_ssl"] == (card.modality, card.task)


def test_config_construction_touches_neither_models_nor_files(monkeypatch, tmp_path) -> None:
    """TrainConfig(...) checks values only; resolve() (called by get_config and train) reads the card and files."""
    import wearsdk.models as models
    from wearsdk.train import TrainConfig

    def no_build(*_a, **_k):
        raise AssertionError("a model was built while constructing a TrainConfig")

    monkeypatch.setattr(models, "get_model_card", no_build)
    monkeypatch.setattr(models, "create_model", no_build)
    config = TrainConfig(recipe="ppg_distill", preset="custom", model="ppg_encoder_compact",
                         init_from=str(tmp_path / "missing.pt"))
    assert config_from_dict(config.to_dict()) == config
    monkeypatch.undo()
    with pytest.raises(ConfigError, match="init_from"):
        config.resolve()
    (tmp_path / "missing.pt").write_bytes(b"")
    with pytest.raises(ConfigError, match="distill.teacher"):
        config.resolve()
    (tmp_path / "teacher.pt").write_bytes(b"")
    teacher = config_from_dict({**config.to_dict(), "distill": {"teacher": str(tmp_path / "teacher.pt")}})
    assert teacher.resolve().name == "ppg_encoder_compact"


@pytest.mark.parametrize("key", ["data.num_participants", "data.val_participants", "data.segments_per_participant"])
def test_a_cohort_of_zero_is_refused_naming_the_key(key: str) -> None:
    with pytest.raises(ConfigError, match=key.split(".")[1]):
        get_config("lead_vae", "tiny", {key: 0})


def test_empty_or_wrong_kind_of_data_folder(tmp_path) -> None:
    from wearsdk.train import PTBXLLeads, WFDBLeads

    with pytest.raises(DataFormatError, match="records_index.csv"):
        PTBXLLeads(tmp_path)  # an empty folder
    (tmp_path / "records.csv").write_text("record,subject_id\n")
    for root in (tmp_path / "records.csv", tmp_path / "missing"):
        with pytest.raises(DataFormatError, match="expected a folder"):
            PTBXLLeads(root)
        with pytest.raises(DataFormatError, match="expected a folder"):
            WFDBLeads(root, tmp_path / "records.csv")
    with pytest.raises(DataFormatError, match="no rows"):
        WFDBLeads(tmp_path, tmp_path / "records.csv")
    with pytest.raises(DataFormatError, match="not a file"):
        WFDBLeads(tmp_path, tmp_path)


def test_a_dataset_with_zero_windows_is_refused_before_training(tmp_path) -> None:
    from wearsdk.train import train

    config = get_config("lead_vae", "tiny", {"steps": 1})
    empty = SyntheticLeads(0, 2, 256)
    with pytest.raises(DataFormatError, match="training dataset .* no windows"):
        train(config, tmp_path / "run", datasets=(empty, SyntheticLeads(2, 2, 256)), progress=False)
    with pytest.raises(DataFormatError, match="validation dataset .* no windows"):
        train(config, tmp_path / "run", datasets=(SyntheticLeads(2, 2, 256), empty), progress=False)


def test_a_file_where_the_run_folder_goes_is_refused(tmp_path) -> None:
    from wearsdk.train import train

    out = tmp_path / "run.txt"
    out.write_text("not a folder")
    with pytest.raises(ConfigError, match="is a file; expected a run folder"):
        train(get_config("lead_vae", "tiny", {"steps": 1}), out, progress=False)
