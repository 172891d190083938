"""Distillation: losses on hand-checked cases, teacher/student checks before any work, tiny end-to-end runs."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F

from wearsdk.cli import main
from wearsdk.errors import CheckpointError, ConfigError
from wearsdk.train import DistillConfig, get_config, train
from wearsdk.train.distill import embedding_distill_loss, load_teacher, relational_kl, standardized_error


@pytest.fixture(scope="module")
def ppg_teacher(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("ppg_teacher")
    train(get_config("ppg_ssl", "tiny", {"steps": 3}), out, progress=False)
    return out / "model.pt"


@pytest.fixture(scope="module")
def vae_teacher(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("vae_teacher")
    train(get_config("lead_vae", "tiny", {"steps": 3}), out, progress=False)
    return out / "model.pt"


def test_relational_kl_is_zero_for_the_same_geometry_and_positive_otherwise() -> None:
    g = torch.Generator().manual_seed(0)
    t = torch.randn(6, 16, generator=g)
    assert relational_kl(3.0 * t, t, 0.1).item() == pytest.approx(0.0, abs=1e-6)  # scale-free: cosines only
    assert relational_kl(torch.randn(6, 16, generator=g), t, 0.1).item() > 0.05


def test_relational_kl_two_by_two_by_hand() -> None:
    # with n = 2 each row has a single neighbour: both distributions are [1], so KL = 0 whatever the cosines
    s, t = torch.tensor([[1.0, 0.0], [0.0, 1.0]]), torch.tensor([[1.0, 0.0], [1.0, 0.1]])
    assert relational_kl(s, t, 0.1).item() == pytest.approx(0.0, abs=1e-7)
    # n = 3: row 0 of the teacher puts all mass on neighbour 1 (cos 1 vs -1 at T -> 0); student is uniform
    t3 = torch.tensor([[1.0, 0.0], [1.0, 0.0], [-1.0, 0.0]])
    s3 = torch.tensor([[1.0, 0.0], [0.0, 1.0], [0.0, -1.0]])  # row 0: cos 0 to both neighbours
    kl = relational_kl(s3, t3, 0.01)
    # row 0: KL([1, 0] || [1/2, 1/2]) = log 2; row 1: teacher [1, 0] (to 0, to 2), student cos (0, -1) -> [~1, ~0]
    # row 2: teacher cos (-1, -1) -> [1/2, 1/2], student cos (0, -1) -> [~1, ~0]: KL = 1/2 log(1/2 / 1) + 1/2 * big
    assert kl.item() > torch.log(torch.tensor(2.0)).item() / 3


def test_embedding_loss_terms() -> None:
    t = torch.randn(8, 32, generator=torch.Generator().manual_seed(1))
    loss, parts = embedding_distill_loss(t.clone(), t, DistillConfig())
    assert loss.item() == pytest.approx(0.0, abs=1e-5)
    _, parts = embedding_distill_loss(2 * t, t, DistillConfig())
    assert parts["cosine"].item() == pytest.approx(0.0, abs=1e-6)  # same directions
    assert parts["mse"].item() == pytest.approx(1.0, rel=1e-5)  # |2t - t|^2 / |t|^2
    assert parts["relational"].item() == pytest.approx(0.0, abs=1e-6)


def test_default_encoder_loss_is_scale_free() -> None:
    t = torch.randn(8, 32, generator=torch.Generator().manual_seed(1))
    loss, parts = embedding_distill_loss(5 * t, t, DistillConfig())  # mse_weight 0 by default
    assert parts["mse"].item() == pytest.approx(16.0, rel=1e-5) and loss.item() == pytest.approx(0.0, abs=1e-5)


def test_standardized_error_weighs_every_dimension_alike() -> None:
    """Half an SD off in a dimension that barely varies costs about as much as half an SD off in the dominant
    one (which also moves the others through the unit norm); the cosine hardly sees the former. Scale-free per
    window."""
    g = torch.Generator().manual_seed(2)
    scales = torch.tensor([1.0] + [0.3] * 14 + [0.01])
    t = F.normalize(torch.randn(256, 16, generator=g) * scales + 2.0, dim=1)
    assert standardized_error(7.0 * t, t).item() == pytest.approx(0.0, abs=1e-8)
    sd = t.std(0)
    costs, cosines = [], []
    for dim in (0, 15):
        shifted = t.clone()
        shifted[:, dim] += 0.5 * sd[dim]
        costs.append(standardized_error(shifted, t).item())
        cosines.append((1 - F.cosine_similarity(shifted, t, dim=1)).mean().item())
    assert costs[1] == pytest.approx(0.25 / 16, rel=0.2) and costs[1] > 0.4 * costs[0]
    assert cosines[1] < 0.02 * cosines[0]
    _, parts = embedding_distill_loss(shifted, t, DistillConfig(standardized_weight=1.0))
    assert parts["standardized"].item() == pytest.approx(costs[1])


def test_lognorm_term_follows_the_teachers_relative_norms() -> None:
    """Zero when the student's norms are one common multiple of the teacher's (whatever the directions: the
    cosine's job), log(3)^2 / 4 when half the windows are 3x too large relative to the rest."""
    g = torch.Generator().manual_seed(4)
    t = torch.randn(8, 32, generator=g) * torch.logspace(-2, 2, 8)[:, None]  # norms over four decades
    s = F.normalize(torch.randn(8, 32, generator=g), dim=1) * t.norm(dim=1, keepdim=True) * 7.0
    _, parts = embedding_distill_loss(s, t, DistillConfig())
    assert parts["lognorm"].item() == pytest.approx(0.0, abs=1e-9)
    s[:4] *= 3.0
    loss, parts = embedding_distill_loss(s, t, DistillConfig(cosine_weight=0, relational_weight=0, lognorm_weight=2))
    assert parts["lognorm"].item() == pytest.approx(math.log(3.0) ** 2 / 4, rel=1e-5)
    assert loss.item() == pytest.approx(2 * math.log(3.0) ** 2 / 4, rel=1e-5)


def test_encoder_students_learn_every_activity_teachers_stay_at_rest(ppg_teacher: Path) -> None:
    from wearsdk.sim import ACTIVITY_CYCLE

    student = get_config("ppg_distill", "cpu", {"distill.teacher": str(ppg_teacher)})
    assert tuple(student.data.activities) == ACTIVITY_CYCLE and student.distill.mse_weight == 0.0
    assert tuple(get_config("ppg_ssl", "cpu").data.activities) == ("rest",)


def test_ecg_students_learn_every_lead_with_the_standardized_term(ppg_teacher: Path) -> None:
    """The recipes of the bundled students live in their presets (their cards' commands add nothing): the ECG
    student on every lead with the standardized term, the PPG student on the watch's inputs, one-channel and
    low-rate windows among them, with the log-norm term."""
    from wearsdk.sim import LEADS

    ecg = get_config("ecg_distill", "cpu", {"distill.teacher": str(ppg_teacher)})
    assert ecg.data.ecg_leads == LEADS and ecg.distill.standardized_weight == 1.0
    assert ecg.distill.teacher == str(ppg_teacher)
    ppg = get_config("ppg_distill", "cpu", {"distill.teacher": str(ppg_teacher)})
    assert ppg.distill.standardized_weight == 0.0 and ppg.distill.lognorm_weight == 1.0
    assert ppg.augment.p_channel_collapse == 0.25 and ppg.augment.p_low_rate == 0.25
    assert get_config("ecg_distill", "cpu", {"distill.teacher": str(ppg_teacher),
                                             "distill.standardized_weight": 0.5}).distill.standardized_weight == 0.5


def test_distill_needs_a_teacher_file() -> None:
    with pytest.raises(ConfigError, match="distill.teacher"):
        get_config("ppg_distill", "tiny")
    with pytest.raises(ConfigError, match="distill.teacher"):
        get_config("ppg_distill", "tiny", {"distill.teacher": "/nonexistent/model.pt"})


def test_a_plain_state_dict_is_not_a_teacher(tmp_path: Path) -> None:
    path = tmp_path / "weights.pt"
    torch.save({"w": torch.zeros(1)}, path)
    with pytest.raises(CheckpointError, match="which model"):
        load_teacher(path)


def test_mismatched_pair_is_refused_before_any_data(ppg_teacher: Path, tmp_path: Path, monkeypatch) -> None:
    import wearsdk.train.trainer as trainer

    def no_data(*_a, **_k):
        raise AssertionError("datasets were built before the teacher/student check")

    monkeypatch.setattr(trainer, "build_datasets", no_data)
    teacher = {"distill.teacher": str(ppg_teacher)}
    config = get_config("ppg_distill", "tiny", {**teacher, "model_overrides.window_samples": 512})
    with pytest.raises(ConfigError, match="window_samples"):
        train(config, tmp_path / "run", progress=False)
    config = get_config("ppg_distill", "tiny", {**teacher, "model_overrides.embed_dim": 128})
    with pytest.raises(ConfigError, match="embedding_dim"):
        train(config, tmp_path / "run2", progress=False)


def test_encoder_distillation_moves_the_student_towards_the_teacher(ppg_teacher: Path, tmp_path: Path) -> None:
    config = get_config("ppg_distill", "tiny", {"distill.teacher": str(ppg_teacher), "steps": 12, "eval_every": 0})
    result = train(config, tmp_path / "run", progress=False)
    rows = [json.loads(line) for line in (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()]
    train_rows = [r for r in rows if r["split"] == "train"]
    assert train_rows[-1]["cosine"] < train_rows[0]["cosine"]  # embeddings align with the teacher's
    assert {"cosine_to_teacher", "participant_retrieval_at_1", "teacher_participant_retrieval_at_1"} <= set(
        result.eval
    )
    assert result.model_path is not None and result.model_path.is_file()


def test_vae_distillation_runs_through_the_cli(vae_teacher: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "vae_student"
    code = main(["distill", "--teacher", str(vae_teacher), "--student", "lead_vae_compact", "--out", str(out),
                 "--no-progress", "--set", "steps=6", "--set", "model_overrides.base_chs=8"])
    assert code == 0
    rows = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    val = [r for r in rows if r["split"] == "val"][-1]
    assert {"mean_r_reconstructed", "teacher_mean_r_reconstructed", "param_ratio"} <= set(val)
    assert val["param_ratio"] < 1.0
    assert {"to_teacher", "to_truth", "kl"} <= set(rows[0])
    assert "trained lead_vae_compact" in capsys.readouterr().out


def test_cli_rejects_a_student_of_another_family(ppg_teacher: Path, tmp_path: Path, capsys) -> None:
    code = main(["distill", "--teacher", str(ppg_teacher), "--student", "ecg_encoder_compact", "--out",
                 str(tmp_path / "x"), "--no-progress"])
    assert code == 2
    err = capsys.readouterr().err
    assert "cannot be distilled" in err and "input_channels" in err
