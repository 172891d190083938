"""Reconstruction metrics, the linear-map baseline, the FID-style distance, probes, sim data and the CLI."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from wearsdk.cli import main
from wearsdk.models import INPUT_LEADS, STANDARD_LEADS
from wearsdk.train import LinearLeadMap, SyntheticWindows, frechet_distance, reconstruction_metrics


def test_linear_map_recovers_a_linear_relation_and_metrics_are_perfect() -> None:
    g = torch.Generator().manual_seed(0)
    x_in = torch.randn(5, 3, 200, generator=g)
    w = torch.randn(12, 3, generator=g)
    x12 = torch.einsum("oc,rcs->ros", w, x_in) + 0.5
    pred = LinearLeadMap().fit(x_in, x12).predict(x_in)
    m = reconstruction_metrics(pred, x12, STANDARD_LEADS, INPUT_LEADS)
    assert m["mse"] < 1e-8 and m["mean_r_reconstructed"] == pytest.approx(1.0, abs=1e-6)
    assert set(m["pearson_r"]) == set(STANDARD_LEADS)


def test_linear_map_before_fit_says_what_to_do() -> None:
    from wearsdk import ConfigError

    with pytest.raises(ConfigError, match="fit"):
        LinearLeadMap().predict(torch.zeros(1, 3, 10))


def test_reconstruction_metrics_hand_case() -> None:
    target = torch.zeros(1, 12, 4)
    target[:, :, :] = torch.tensor([1.0, -1.0, 1.0, -1.0])
    pred = -target.clone()
    m = reconstruction_metrics(pred, target, STANDARD_LEADS, INPUT_LEADS)
    assert m["mse"] == pytest.approx(4.0) and m["mae"] == pytest.approx(2.0)
    assert m["mean_r_reconstructed"] == pytest.approx(-1.0, abs=1e-6)


def test_frechet_distance() -> None:
    rng = np.random.default_rng(0)
    a = rng.standard_normal((500, 3))
    assert frechet_distance(a, a) == pytest.approx(0.0, abs=1e-6)
    # same covariance, mean shifted by 2 along one axis: distance ~ 4
    assert frechet_distance(a, a + np.array([2.0, 0, 0])) == pytest.approx(4.0, abs=1e-6)


def test_probes_and_handcrafted_features() -> None:
    from wearsdk.train.probes import handcrafted_features, probe_scores

    ids, feats = handcrafted_features(SyntheticWindows(4, 2, 2, 512), sampling_rate_hz=64.0)
    assert len(ids) == 4 and feats.shape[0] == 4 and np.isfinite(feats).all()
    rng = np.random.default_rng(0)
    x = rng.standard_normal((80, 5))
    y = {"reg": x[:, 0] * 2 + 0.01 * rng.standard_normal(80), "cls": (x[:, 1] > 0).astype(float)}
    s = probe_scores(x[:60], {k: v[:60] for k, v in y.items()}, x[60:], {k: v[60:] for k, v in y.items()})
    assert s["reg"]["r2"] > 0.99 and s["cls"]["auroc"] > 0.9


def test_grouped_cross_validation_does_not_learn_from_a_participants_twin_windows() -> None:
    from wearsdk.train.probes import fit_linear

    rng = np.random.default_rng(0)  # pure noise targets, every window present twice (e.g. fp32 and int8 embeddings)
    x, y = rng.standard_normal((60, 80)), rng.standard_normal(60)
    x2, y2, groups = np.concatenate([x, x]), np.concatenate([y, y]), np.tile(np.arange(60).astype(str), 2)
    w_leaky, _ = fit_linear(x2, y2, classify=False)
    w_grouped, _ = fit_linear(x2, y2, classify=False, groups=groups)
    assert np.linalg.norm(w_grouped) < 0.2 * np.linalg.norm(w_leaky)  # CV saw no signal: strongest L2
    yc = np.tile((y > 0).astype(float), 2)
    w_leaky, w_grouped = fit_linear(x2, yc, True)[0], fit_linear(x2, yc, True, groups=groups)[0]
    assert np.linalg.norm(w_grouped) < 0.2 * np.linalg.norm(w_leaky)


def test_sim_datasets_when_the_simulator_is_there() -> None:
    pytest.importorskip("wearsdk.sim", reason="the simulator (issue 3) is not in this tree")
    from wearsdk.train import build_datasets, get_config

    for recipe, shape in (("ecg_ssl", (1, 3840)), ("lead_vae", (3, 1000))):
        config = get_config(
            recipe, "cpu", {"data.num_participants": 2, "data.val_participants": 1, "data.cache": False}
        )
        train_ds, val_ds = build_datasets(config)
        item = train_ds[1]
        assert tuple(item[0].shape) == shape and torch.isfinite(item[0]).all()
        assert len(set(train_ds.participant_ids() if recipe != "lead_vae" else train_ds.subject_ids())) == 2


def test_sim_windows_cycle_through_the_configured_activities() -> None:
    pytest.importorskip("wearsdk.sim", reason="the simulator (issue 3) is not in this tree")
    from wearsdk.sim import model_window
    from wearsdk.train import build_datasets, get_config

    overrides = {"data.num_participants": 1, "data.val_participants": 1, "data.cache": False}
    config = get_config("ppg_ssl", "cpu", {**overrides, "data.activities": ["rest", "run"]})
    train_ds, _ = build_datasets(config)
    assert tuple(config.data.activities) == ("rest", "run")
    rest, run = train_ds[0][0].numpy(), train_ds[1][0].numpy()  # segments 0 (rest) and 1 (run)
    expected, _ = model_window(train_ds.cohort[0], train_ds.card, segment=1, activity="run")
    np.testing.assert_array_equal(run, expected)
    at_rest, _ = model_window(train_ds.cohort[0], train_ds.card, segment=1, activity="rest")
    assert not np.allclose(run, at_rest)
    default, _ = build_datasets(get_config("ppg_ssl", "cpu", overrides))
    np.testing.assert_array_equal(default[0][0].numpy(), rest)


def test_sim_ecg_windows_rotate_through_the_configured_leads() -> None:
    pytest.importorskip("wearsdk.sim", reason="the simulator (issue 3) is not in this tree")
    from wearsdk.sim import model_window
    from wearsdk.train import build_datasets, get_config

    overrides = {"data.num_participants": 2, "data.val_participants": 1, "data.cache": False}
    config = get_config("ecg_ssl", "cpu", {**overrides, "data.ecg_leads": ["II", "V5"]})
    train_ds, _ = build_datasets(config)
    # participant p, segment s -> lead (p + s) % 2: item 0 (p0 s0) II, item 1 (p0 s1) V5, item 4 (p1 s0) V5
    for item, (p, s, lead) in {0: (0, 0, "II"), 1: (0, 1, "V5"), 4: (1, 0, "V5")}.items():
        expected, _ = model_window(train_ds.cohort[p], train_ds.card, segment=s, channels=(lead,))
        np.testing.assert_array_equal(train_ds[item][0].numpy(), expected)
    lead_i, _ = model_window(train_ds.cohort[0], train_ds.card, segment=0)
    assert not np.allclose(train_ds[0][0].numpy(), lead_i)
    assert get_config("ecg_ssl", "cpu").data.ecg_leads == ("I",)  # the teacher: the watch's lead I


def test_cli_help_teaches(capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["train", "--help"])
    assert exc.value.code == 0
    text = capsys.readouterr().out
    for word in ("ppg_ssl", "lead_vae", "tiny", "full", "--resume", "torchrun", "--set"):
        assert word in text


def test_cli_print_config_and_bad_key(capsys) -> None:
    assert main(["train", "--config", "lead_vae", "--set", "optim.lr=0.005", "--print-config"]) == 0
    assert json.loads(capsys.readouterr().out)["optim"]["lr"] == 0.005
    assert main(["train", "--config", "lead_vae", "--set", "optim.lrr=1", "--out", "x"]) == 2
    assert "lrr" in capsys.readouterr().err


def test_cli_out_must_be_a_folder(tmp_path, capsys) -> None:
    (tmp_path / "taken").write_text("")
    assert main(["train", "--config", "lead_vae", "--out", str(tmp_path / "taken"), "--no-progress"]) == 2
    assert "expected a run folder" in capsys.readouterr().err


def test_cli_tiny_run(tmp_path, capsys) -> None:
    torch.set_num_threads(1)
    assert main(["train", "--config", "lead_vae", "--out", str(tmp_path), "--set", "steps=4", "--no-progress"]) == 0
    assert "model.pt" in capsys.readouterr().out and (tmp_path / "model.pt").is_file()


def test_evaluate_run_writes_a_report(tmp_path) -> None:
    from wearsdk import CheckpointError
    from wearsdk.train import get_config, train
    from wearsdk.train.evaluate import evaluate_run

    torch.set_num_threads(1)
    with pytest.raises(CheckpointError, match="not a finished run"):
        evaluate_run(tmp_path)
    train(get_config("lead_vae", "tiny", {"steps": 2}), tmp_path / "vae", progress=False)
    report = evaluate_run(tmp_path / "vae")
    entry = report["results"]["validation"]
    assert {"vae", "linear_map"} <= set(entry) and "mean_r_reconstructed" in entry["vae"]
    assert json.loads((tmp_path / "vae" / "evaluation.json").read_text())["recipe"] == "lead_vae"
    train(get_config("ecg_ssl", "tiny", {"steps": 2}), tmp_path / "ssl", progress=False)
    assert "participant_retrieval_at_1" in evaluate_run(tmp_path / "ssl")["participant_retrieval"]
