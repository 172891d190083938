"""The trainer: tiny presets run, resume continues the same curve, failures are reported clearly, and a
2-process gloo DDP run follows the single-process curve with the same global batch."""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

import pytest
import torch
import torch.multiprocessing as mp

from wearsdk import CheckpointError, TrainingDivergedError
from wearsdk.models import create_model
from wearsdk.train import SyntheticLeads, get_config, train

torch.set_num_threads(1)

FAST = {"steps": 8, "log_every": 1, "ckpt_every": 4}


def _curve(run_dir: Path) -> list[float]:
    rows = [json.loads(x) for x in (run_dir / "metrics.jsonl").read_text().splitlines() if x]
    return [r["loss"] for r in rows if r["split"] == "train"]


@pytest.mark.parametrize("recipe", ["lead_vae", "ppg_ssl"])
def test_resume_continues_the_same_curve(recipe: str, tmp_path: Path) -> None:
    config = get_config(recipe, "tiny", FAST)
    full = train(config, tmp_path / "full", progress=False)
    part = train(config, tmp_path / "part", stop_at_step=4, progress=False)
    assert part.step == 4 and part.model_path is None
    rest = train(config, tmp_path / "part", resume=True, progress=False)
    assert rest.step == 8
    assert _curve(tmp_path / "part") == _curve(tmp_path / "full") == [loss for _, loss in full.losses]
    for a, b in zip(
        torch.load(full.model_path)["model"].values(),
        torch.load(rest.model_path)["model"].values(),
        strict=True,
    ):
        torch.testing.assert_close(a, b, rtol=0, atol=0)


def test_outputs_and_checkpoint_are_clean(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    result = train(get_config("ecg_ssl", "tiny", {**FAST, "data.cache": True}), tmp_path, progress=False)
    assert "caching" not in capfd.readouterr().err  # progress=False (--no-progress) silences the data bars too
    assert (tmp_path / "curves.png").stat().st_size > 0 and (tmp_path / "config.json").is_file()
    assert "participant_retrieval_at_1" in result.eval
    blob = torch.load(next((tmp_path / "checkpoints").glob("step_*.pt")), weights_only=False)
    assert not any(k.startswith("module.") for k in blob["model"])
    model = create_model("ecg_encoder_compact", window_samples=256, checkpoint_path=result.model_path)
    assert model(torch.randn(2, 1, 256)).shape == (2, 256)


def test_existing_run_folder_needs_resume(tmp_path: Path) -> None:
    config = get_config("lead_vae", "tiny", FAST)
    train(config, tmp_path, stop_at_step=4, progress=False)
    with pytest.raises(CheckpointError, match="--resume"):
        train(config, tmp_path, progress=False)


def test_resume_refuses_corrupted_or_mismatched_checkpoints(tmp_path: Path) -> None:
    config = get_config("lead_vae", "tiny", FAST)
    with pytest.raises(CheckpointError, match="no checkpoint"):
        train(config, tmp_path / "empty", resume=True, progress=False)
    train(config, tmp_path, stop_at_step=4, progress=False)
    with pytest.raises(CheckpointError, match="optim.lr"):
        train(get_config("lead_vae", "tiny", {**FAST, "optim.lr": 0.1}), tmp_path, resume=True, progress=False)
    path = next((tmp_path / "checkpoints").glob("step_*.pt"))
    path.write_bytes(path.read_bytes()[:1000])
    with pytest.raises(CheckpointError, match="corrupted or truncated"):
        train(config, tmp_path, resume=True, progress=False)


class _NaNLeads(SyntheticLeads):
    def __getitem__(self, index: int):
        x3, x12, sid = super().__getitem__(index)
        return x3 * float("nan"), x12, sid


def test_nan_loss_stops_naming_the_step_and_last_good_checkpoint(tmp_path: Path) -> None:
    config = get_config("lead_vae", "tiny", FAST)
    train(config, tmp_path, stop_at_step=4, progress=False)
    bad = (_NaNLeads(24, 2, 256), None)
    with pytest.raises(TrainingDivergedError, match=r"step 4.*step_00000004\.pt"):
        train(config, tmp_path, resume=True, datasets=bad, progress=False)


# ----------------------------------------------------------------------------------------------- DDP


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ddp_worker(rank: int, world: int, port: int, recipe: str, out: str) -> None:
    os.environ.update(
        MASTER_ADDR="127.0.0.1",
        MASTER_PORT=str(port),
        RANK=str(rank),
        LOCAL_RANK=str(rank),
        WORLD_SIZE=str(world),
    )
    torch.set_num_threads(1)
    from wearsdk.train.distributed import teardown

    try:
        train(get_config(recipe, "tiny", _ddp_overrides(recipe)), out, progress=False)
    finally:
        teardown()


def _ddp_overrides(recipe: str) -> dict:
    # The compact encoder's default ReLU without squeeze-excitation leaves near-dead channels whose batch variance
    # is ~0: BatchNorm then scales last-bit differences between convs run on 4 and on 8 windows by up to
    # 1/sqrt(eps), and the two runs drift by ~2% within 6 steps (the first steps still agree). SiLU keeps every
    # channel alive, so the curves test the DDP machinery itself (gradient all-reduce, global BatchNorm, sampler).
    silu = {"model_overrides.act": "silu"} if recipe == "ppg_ssl" else {}
    return {"steps": 6, "log_every": 1, **silu}


@pytest.mark.parametrize("recipe", ["lead_vae", "ppg_ssl"])
def test_two_process_gloo_ddp_matches_single_process(recipe: str, tmp_path: Path) -> None:
    config = get_config(recipe, "tiny", _ddp_overrides(recipe))
    single = train(config, tmp_path / "single", progress=False)
    mp.spawn(_ddp_worker, args=(2, _free_port(), recipe, str(tmp_path / "ddp")), nprocs=2, join=True)
    ddp = _curve(tmp_path / "ddp")
    ref = [loss for _, loss in single.losses]
    assert len(ddp) == len(ref) == 6
    torch.testing.assert_close(torch.tensor(ddp), torch.tensor(ref), rtol=1e-4, atol=1e-4)
    a = torch.load(single.model_path)["model"]
    b = torch.load(tmp_path / "ddp" / "model.pt")["model"]
    assert list(a) == list(b)  # same keys, no "module." prefix
    # Adam divides by sqrt(v): parameters whose gradients are ~0 amplify float-rounding differences up to
    # ~lr per step, so weights are compared loosely (the curve above is the tight check).
    lr_bound = config.optim.lr * config.steps
    for k in a:
        torch.testing.assert_close(a[k].float(), b[k].float(), rtol=0, atol=lr_bound)


def test_gradient_accumulation_matches_the_full_batch(tmp_path: Path) -> None:
    config = get_config("lead_vae", "tiny", {"steps": 4, "log_every": 1})
    full = train(config, tmp_path / "a", progress=False)
    accum = train(
        get_config("lead_vae", "tiny", {"steps": 4, "log_every": 1, "optim.grad_accum": 2}),
        tmp_path / "b",
        progress=False,
    )
    torch.testing.assert_close(
        torch.tensor(_curve(tmp_path / "b")), torch.tensor([x for _, x in full.losses]), rtol=1e-5, atol=1e-5
    )
    assert accum.step == 4


def test_trains_on_a_folder_of_wfdb_records_with_subject_ids(tmp_path: Path, real_data_dir: Path) -> None:
    root = real_data_dir / "cinc2021"
    names = sorted(p.stem for p in root.glob("*.hea"))
    csv_path = tmp_path / "subjects.csv"
    csv_path.write_text("record,subject_id\n" + "".join(f"{n},{n[:2]}{i}\n" for i, n in enumerate(names)))
    overrides = {
        "data.source": "wfdb",
        "data.root": str(root),
        "data.subjects_csv": str(csv_path),
        "model_overrides.window_samples": 1000,
        "global_batch": 2,
        "steps": 2,
    }
    result = train(get_config("lead_vae", "tiny", overrides), tmp_path / "run", progress=False)
    assert result.step == 2 and "mean_r_reconstructed" in result.eval


def test_init_from_starts_from_another_runs_weights(tmp_path: Path) -> None:
    from wearsdk import ConfigError

    pre = train(get_config("lead_vae", "tiny", {"steps": 4}), tmp_path / "pre", progress=False)
    with pytest.raises(ConfigError, match="init_from"):
        get_config("lead_vae", "tiny", {"init_from": str(tmp_path / "missing.pt")})
    config = get_config("lead_vae", "tiny", {"steps": 2, "init_from": str(pre.model_path), "optim.lr": 1e-9})
    tuned = train(config, tmp_path / "tuned", progress=False)
    a = torch.load(pre.model_path)["model"]
    b = torch.load(tuned.model_path)["model"]
    for k in a:  # a learning rate of 1e-9 leaves the pre-trained weights in place
        torch.testing.assert_close(a[k], b[k], rtol=0, atol=1e-6)
    with pytest.raises(CheckpointError, match="does not match"):
        train(
            get_config(
                "lead_vae", "tiny", {"steps": 2, "init_from": str(pre.model_path), "model_overrides.latent_chs": 4}
            ),
            tmp_path / "bad",
            progress=False,
        )


def test_resume_accepts_config_fields_added_since_at_their_default(tmp_path: Path) -> None:
    from wearsdk.train.trainer import _check_resume

    config = get_config("lead_vae", "tiny", FAST)
    old = config.to_dict()
    del old["data"]["population"], old["data"]["sim_targets"]  # a checkpoint written before these fields existed
    _check_resume({"config": old}, config, tmp_path)
    wide = get_config("lead_vae", "tiny", {**FAST, "data.population": "wide"})
    with pytest.raises(CheckpointError, match="data.population"):
        _check_resume({"config": old}, wide, tmp_path)
