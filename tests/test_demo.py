"""wearsdk demo: the simulated watch through the streaming SDK and the int8 encoder artifacts, with truth, faults
and outputs.

The encoders run from stand-in bundled weights (random encoder, random heads) written to a temporary folder, so
these tests check the plumbing (export once and cache, verified reuse, windows, heads, summary, figure) and never
touch the package's weights folder or the user's cache. The one test of what the bundled heads say (AF separates)
runs only where real weights are bundled.
"""

import json
import shutil

import numpy as np
import pytest
import torch

from wearsdk._integrity import sha256_file
from wearsdk.cli import main
from wearsdk.demo import CACHE_DIR_ENV, ENCODERS, DemoConfig, _cached, default_cache_dir, encoder_artifact, run_demo
from wearsdk.errors import ConfigError
from wearsdk.models import HEADS, LinearHeads, _registry, create_model
from wearsdk.models import encoder as encoder_module

REAL_PRETRAINED = dict(encoder_module._PRETRAINED)
REAL_WEIGHTS_DIR = _registry.WEIGHTS_DIR


@pytest.fixture(scope="module", autouse=True)
def stand_in_bundle(tmp_path_factory):
    """Random compact encoders + heads "bundled" in a temporary weights folder, exported once (8 calibration
    windows) into a temporary cache that every demo in this module reuses."""
    weights = tmp_path_factory.mktemp("weights")
    for bundled in REAL_WEIGHTS_DIR.glob("*.pt"):  # the bundled VAE (and any others) stay available
        shutil.copy(bundled, weights)
    torch.manual_seed(0)
    published = {}
    for name in ENCODERS.values():
        heads = LinearHeads(tuple(HEADS), 0.05 * torch.randn(len(HEADS), 256), torch.zeros(len(HEADS)))
        path = weights / f"{name}.pt"
        torch.save({"model": create_model(name).state_dict(), "heads": heads.to_payload()}, path)
        published[name] = {"weights_file": path.name, "weights_sha256": sha256_file(path)}
    notices: list[str] = []
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(_registry, "WEIGHTS_DIR", weights)
        mp.setattr(encoder_module, "_PRETRAINED", published)
        mp.setenv(CACHE_DIR_ENV, str(tmp_path_factory.mktemp("cache")))
        artifacts = {name: encoder_artifact(name, default_cache_dir(), calibration=8, say=notices.append)
                     for name in ENCODERS.values()}
        yield {"notices": notices, "artifacts": artifacts}


def test_first_use_exports_then_the_verified_cache_is_reused(stand_in_bundle, tmp_path):
    assert sum("first run: exporting" in n for n in stand_in_bundle["notices"]) == 2
    for name, first in stand_in_bundle["artifacts"].items():
        assert first.exported and first.artifact.manifest["precision"] == "int8"
        assert first.artifact.folder.name == f"{name}-{first.card.weights_sha256[:12]}"
        notices: list[str] = []
        again = encoder_artifact(name, default_cache_dir(), say=notices.append)
        assert not again.exported and not notices and again.pte == first.pte
        copy = tmp_path / name
        shutil.copytree(first.artifact.folder, copy)
        with open(next(copy.glob("*.pte")), "r+b") as f:  # a modified cache is never run
            f.seek(100)
            f.write(b"\x00" * 8)
        assert _cached(copy, first.card, notices.append) is None and "failed verification" in notices[0]


@pytest.fixture(scope="module")
def clean_run(tmp_path_factory):
    """60 s of a clean stream (participant 0, rest): the summary and the output folder."""
    out = tmp_path_factory.mktemp("demo")
    return run_demo(DemoConfig(duration_s=60, out=out), progress=False), out


def test_clean_stream_tracks_the_true_heart_rate(clean_run):
    summary, tmp_path = clean_run
    for stream in ("ppg", "ecg"):
        s = summary[stream]
        assert s["windows"] == 26  # (60 s - 10 s window) / 2 s hop + 1
        assert s["hr_mae_bpm"] < 5
        assert s["samples_received"] == s["samples_processed"] and not s["events"]
        assert s["latency_ms_p50"] >= 2000  # the 2 s hop wait is part of the latency
    twelve = summary["twelve_lead"]
    assert twelve["pearson_r"]["II"] > 0.999 and twelve["mean_r_reconstructed"] > 0.6  # measured leads pass through
    assert (tmp_path / "demo_12lead.png").stat().st_size > 10_000
    saved = json.loads((tmp_path / "summary.json").read_text())
    assert saved["summary"]["ppg"]["windows"] == 26 and len(saved["windows"]) == 52
    assert (tmp_path / "demo.png").stat().st_size > 10_000
    assert "not_run" not in summary


def test_int8_encoders_run_on_the_stream_with_their_heads(clean_run):
    summary, tmp_path = clean_run
    encoders = summary["encoders"]
    assert encoders["ppg"]["windows"] == 1 and encoders["ecg"]["windows"] == 4  # 60 s / 30 s windows every 10 s
    for stream, name in ENCODERS.items():
        e = encoders[stream]
        a = e["artifact"]
        assert e["ran"] and a["model"] == name and a["precision"] == "int8" and a["backend"] == "executorch"
        assert a["file"] == f"{name}_executorch_int8.pte" and not a["exported_this_run"]  # the cache is reused
        pte = next(p for p in default_cache_dir().glob(f"{name}-*/{a['file']}"))
        assert sha256_file(pte).startswith(a["sha256"]) and len(a["sha256"]) == 12
        assert 0 <= e["af_prob_mean"] <= 1 and 0 <= e["quality_prob_mean"] <= 1 and np.isfinite(e["head_hr_mae_bpm"])
    rows = json.loads((tmp_path / "summary.json").read_text())["encoder_windows"]
    ecg = [r for r in rows if r["stream"] == "ecg"]
    assert np.allclose(np.diff([r["t_end_s"] for r in ecg]), 10.0, atol=0.01)
    assert ecg[0]["t_end_s"] - ecg[0]["t_start_s"] == pytest.approx(30.0, abs=0.02)
    for r in rows:  # the heads, applied to the streamed embedding, next to the truth of the window
        assert {"head_af_prob", "head_quality_prob", "head_hr_bpm", "true_hr_bpm", "true_af", "beats_hr_bpm"} <= set(r)


def test_dropped_packets_are_reported_and_the_session_recovers(tmp_path):
    summary = run_demo(DemoConfig(duration_s=60, drop_rate=0.05, seed=3, out=tmp_path), progress=False)
    ppg = summary["ppg"]
    assert "gap" in ppg["events"] and ppg["samples_missing"] > 0
    assert ppg["windows"] >= 1  # windows resume after each gap


def test_af_participant_and_cli(tmp_path, capsys):
    assert main(["demo", "--duration", "20", "--condition", "af", "--quiet", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "no 60 s window completed" in out and "no 30 s window completed" in out  # said, not skipped silently
    rows = json.loads((tmp_path / "summary.json").read_text())["windows"]
    assert {r["rhythm"] for r in rows} == {"AF"}
    with pytest.raises(ConfigError):
        DemoConfig(duration_s=5)
    with pytest.raises(ConfigError):
        DemoConfig(motion="sprint")


def test_encoders_without_bundled_weights_are_said_loudly_and_the_rest_runs(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(encoder_module, "_PRETRAINED", {})
    assert main(["demo", "--duration", "20", "--quiet", "--out", str(tmp_path)]) == 0
    captured = capsys.readouterr()
    assert captured.err.count("ENCODER NOT RUN") == 2
    assert "PPG encoder: NOT RUN" in captured.out and "ECG encoder: NOT RUN" in captured.out
    summary = json.loads((tmp_path / "summary.json").read_text())["summary"]
    for stream in ("ppg", "ecg"):
        assert summary["encoders"][stream]["ran"] is False
        assert "no published pretrained weights" in summary["encoders"][stream]["reason"]
        assert summary[stream]["windows"] == 6  # the beat detectors still ran
    assert "mean_r_reconstructed" in summary["twelve_lead"] and (tmp_path / "demo.png").is_file()


@pytest.fixture(scope="module")
def bundled_runs(tmp_path_factory):
    """The default demo (participant 0, sinus) and ``--condition af`` on the really bundled encoders."""
    cache = tmp_path_factory.mktemp("bundled_cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(encoder_module, "_PRETRAINED", REAL_PRETRAINED)
        mp.setattr(_registry, "WEIGHTS_DIR", REAL_WEIGHTS_DIR)
        yield {c: run_demo(DemoConfig(condition=c, cache_dir=cache), progress=False)["encoders"] for c in (None, "af")}


@pytest.mark.slow
@pytest.mark.parametrize("stream", ["ppg", "ecg"])
def test_bundled_heads_separate_an_af_participant_from_a_sinus_one(bundled_runs, stream):
    sinus, af = bundled_runs[None][stream], bundled_runs["af"][stream]
    assert sinus["true_af_windows"] == 0 and af["true_af_windows"] == af["windows"] > 0
    if stream == "ecg":  # measured: 1.00 AF vs 0.08 sinus
        assert af["af_prob_mean"] > 0.5 > sinus["af_prob_mean"], (af["af_prob_mean"], sinus["af_prob_mean"])
    else:  # the PPG int8 artifact separates weakly (measured 0.53 vs 0.39; int8 cosine 0.93, see its card)
        assert af["af_prob_mean"] > sinus["af_prob_mean"] + 0.1, (af["af_prob_mean"], sinus["af_prob_mean"])
