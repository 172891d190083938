"""wearsdk demo: the simulated watch through the streaming SDK, with truth, faults and outputs."""

import json

import pytest

from wearsdk.cli import main
from wearsdk.demo import DemoConfig, run_demo
from wearsdk.errors import ConfigError


def test_clean_stream_tracks_the_true_heart_rate(tmp_path):
    summary = run_demo(DemoConfig(duration_s=30, out=tmp_path), progress=False)
    for stream in ("ppg", "ecg"):
        s = summary[stream]
        assert s["windows"] == 11  # (30 s - 10 s window) / 2 s hop + 1
        assert s["hr_mae_bpm"] < 5
        assert s["samples_received"] == s["samples_processed"] and not s["events"]
        assert s["latency_ms_p50"] >= 2000  # the 2 s hop wait is part of the latency
    twelve = summary["twelve_lead"]
    assert twelve["pearson_r"]["II"] > 0.999 and twelve["mean_r_reconstructed"] > 0.6  # measured leads pass through
    assert (tmp_path / "demo_12lead.png").stat().st_size > 10_000
    saved = json.loads((tmp_path / "summary.json").read_text())
    assert saved["summary"]["ppg"]["windows"] == 11 and len(saved["windows"]) == 22
    assert (tmp_path / "demo.png").stat().st_size > 10_000


def test_dropped_packets_are_reported_and_the_session_recovers(tmp_path):
    summary = run_demo(DemoConfig(duration_s=60, drop_rate=0.05, seed=3, out=tmp_path), progress=False)
    ppg = summary["ppg"]
    assert "gap" in ppg["events"] and ppg["samples_missing"] > 0
    assert ppg["windows"] >= 1  # windows resume after each gap


def test_af_participant_and_cli(tmp_path):
    assert main(["demo", "--duration", "20", "--condition", "af", "--quiet", "--out", str(tmp_path)]) == 0
    rows = json.loads((tmp_path / "summary.json").read_text())["windows"]
    assert {r["rhythm"] for r in rows} == {"AF"}
    with pytest.raises(ConfigError):
        DemoConfig(duration_s=5)
    with pytest.raises(ConfigError):
        DemoConfig(motion="sprint")
