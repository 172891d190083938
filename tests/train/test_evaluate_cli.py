"""``wearsdk evaluate``: help, a tiny VAE run evaluated from its folder or weights file, bad checkpoints."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from wearsdk.cli import main


@pytest.fixture(scope="module")
def vae_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A finished 2-step tiny lead_vae run (config.json, model.pt, checkpoints/)."""
    from wearsdk.train import get_config, train

    torch.set_num_threads(1)
    out = tmp_path_factory.mktemp("evaluate") / "vae"
    train(get_config("lead_vae", "tiny", {"steps": 2}), out, progress=False)
    return out


def test_help_teaches(capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["evaluate", "--help"])
    assert exc.value.code == 0
    text = capsys.readouterr().out
    for word in ("linear probes", "participant-level", "lead_vae", "linear map", "--data", "--out", "model.pt",
                 "--suite", "--model", "--checkpoint", "WEARSDK_DATA_DIR"):
        assert word in text


def test_run_folder_and_weights_file(vae_run: Path, tmp_path: Path, capsys) -> None:
    assert main(["evaluate", str(vae_run)]) == 0
    report = json.loads((vae_run / "evaluation.json").read_text())
    assert report["recipe"] == "lead_vae" and report["weights"] == "model.pt"
    assert {"vae", "linear_map"} <= set(report["results"]["validation"])
    assert "linear_map" in capsys.readouterr().out

    checkpoint = sorted((vae_run / "checkpoints").glob("step_*.pt"))[-1]
    out = tmp_path / "sub" / "report.json"
    assert main(["evaluate", str(checkpoint), "--out", str(out), "--data", "sim"]) == 0
    report = json.loads(out.read_text())
    assert report["weights"].startswith("checkpoints/") and report["data"]["source"] == "sim"


def test_missing_corrupt_and_bad_override(vae_run: Path, tmp_path: Path, capsys) -> None:
    assert main(["evaluate", str(tmp_path)]) == 2
    assert "CheckpointError" in capsys.readouterr().err

    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "config.json").write_text((vae_run / "config.json").read_text())
    (broken / "model.pt").write_bytes((vae_run / "model.pt").read_bytes()[:100])
    assert main(["evaluate", str(broken)]) == 2
    err = capsys.readouterr().err
    assert "CheckpointError" in err and "corrupt or truncated" in err

    (broken / "config.json").write_text("{not json")
    assert main(["evaluate", str(broken)]) == 2
    assert "not valid JSON" in capsys.readouterr().err

    assert main(["evaluate", str(vae_run), "--set", "data.nope=1"]) == 2
    assert "nope" in capsys.readouterr().err


def test_a_file_or_nothing_where_the_run_folder_goes(vae_run: Path, tmp_path: Path, capsys) -> None:
    for path in (vae_run / "config.json", vae_run / "metrics.jsonl", tmp_path / "missing"):
        assert main(["evaluate", str(path)]) == 2
        err = capsys.readouterr().err
        assert "CheckpointError" in err and "expected a 'wearsdk train' run folder" in err


def test_suite_registry_and_cli(tmp_path: Path, capsys) -> None:
    from wearsdk.errors import ConfigError, UnknownNameError
    from wearsdk.train.suites import SuiteRequest, get_suite, register_suite, suite_names

    def echo_suite(request: SuiteRequest) -> dict:
        """Echo the request (test suite)."""
        assert request.artifact(".png") == (None if request.out is None else request.out / "m_echo_test.png")
        return {"summary": {"limit": request.limit, "seed": request.seed}, "root": str(request.data_root)}

    register_suite("echo_test", echo_suite)
    register_suite("echo_test", echo_suite)  # the same function again: a no-op
    assert "echo_test" in suite_names() and get_suite("echo_test").description == "Echo the request (test suite)."
    with pytest.raises(ConfigError, match="already registered"):
        register_suite("echo_test", lambda r: {})
    with pytest.raises(UnknownNameError, match="echo_test"):
        get_suite("nope")

    out = tmp_path / "reports"
    args = ["evaluate", "--model", "m", "--suite", "echo_test", "--data-root", str(tmp_path), "--limit", "3"]
    assert main([*args, "--out", str(out)]) == 0
    report = json.loads((out / "m_echo_test.json").read_text())
    assert report == {"suite": "echo_test", "model": "m", "checkpoint": None,
                      "summary": {"limit": 3, "seed": 0}, "root": str(tmp_path)}
    assert '"limit": 3' in capsys.readouterr().out
    assert main([*args, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["root"] == str(tmp_path)

    assert main(["evaluate", "--suite", "echo_test", "--data-root", str(tmp_path)]) == 2
    assert "--model NAME and --suite SUITE" in capsys.readouterr().err
    assert main(["evaluate", "--model", "m", "--suite", "nope", "--data-root", str(tmp_path)]) == 2
    assert "UnknownNameError" in capsys.readouterr().err
