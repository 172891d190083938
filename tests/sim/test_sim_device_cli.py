"""Streaming device simulator, the simulate CLI, writers and the speed benchmark."""

from __future__ import annotations

import json

import numpy as np
import pytest

from wearsdk.bench.simulate import bench_simulate
from wearsdk.cli import main
from wearsdk.errors import ConfigError, UnknownNameError
from wearsdk.io import read
from wearsdk.sim import Cohort, Device


@pytest.fixture(scope="module")
def person():
    return Cohort(2, seed=4)[1]


def test_watch_packets_reassemble_to_the_recording(person):
    dev = Device("watch", person, ecg=True)
    packets = dev.packets(10.0)
    rec = dev.recording(10.0)
    by_stream = {s: sorted((p for p in packets if p.stream == s), key=lambda p: p.seq) for s in ("ppg", "acc", "ecg")}
    assert [p.data.shape for p in by_stream["ppg"][:1]] == [(4, 32)]
    assert [p.data.shape for p in by_stream["ecg"][:1]] == [(1, 256)]
    np.testing.assert_array_equal(np.concatenate([p.data for p in by_stream["ppg"]], axis=1), rec.ppg[:, :640])
    np.testing.assert_array_equal(np.concatenate([p.data for p in by_stream["ecg"]], axis=1)[0], rec.lead("I"))
    assert rec.sampling_rates["ecg"] == 512.0
    arrivals = [p.arrival for p in packets]
    assert arrivals == sorted(arrivals)
    for p in packets:  # a packet arrives after its last sample was taken
        assert p.arrival > p.timestamp + p.data.shape[1] / p.sampling_rate


def test_patch_streams_three_leads(person):
    packets = Device("patch", person).packets(4.0)
    assert {p.stream for p in packets} == {"ecg"}
    assert packets[0].channels == ("II", "V1", "V5") and packets[0].data.shape == (3, 250)


def test_drops_jitter_and_reordering(person):
    dev = Device("watch", person, drop_rate=0.2, reorder_rate=0.3, jitter_ms=3.0, seed=1)
    packets = [p for p in dev.packets(60.0) if p.stream == "ppg"]
    seqs = [p.seq for p in packets]
    n_sent = 60 * 64 // 32
    assert 0.65 * n_sent < len(packets) < 0.95 * n_sent  # ~20 % lost
    assert any(b < a for a, b in zip(seqs, seqs[1:], strict=False))  # out of order delivery
    err = np.array([p.timestamp - p.seq * 0.5 for p in packets])
    assert 1e-3 < err.std() < 5e-3


def test_realtime_stream_is_paced(person):
    import time

    start = time.monotonic()
    n = sum(1 for _ in Device("watch", person, latency_ms=10.0).stream(2.0, realtime=True))
    assert n > 0 and time.monotonic() - start >= 0.9


def test_bad_device_arguments(person):
    with pytest.raises(UnknownNameError, match="ring"):
        Device("ring", person)
    with pytest.raises(ConfigError, match="drop_rate"):
        Device("watch", person, drop_rate=1.5)
    with pytest.raises(ConfigError, match="on-demand"):
        Device("patch", person, ecg=True)


def test_cli_writes_npz_and_wfdb_readable_by_io(tmp_path, capsys):
    out = tmp_path / "npz"
    assert main(["simulate", "-n", "2", "-d", "8", "--out", str(out), "--conditions", "pvc"]) == 0
    rec = read(out / "p001_ecg.npz")
    assert rec.signals.shape == (12, 4000) and rec.units[0] == "mV" and rec.channels[6] == "V1"
    truth = json.loads((out / "p001_truth.json").read_text())
    assert "pvc" in truth["traits"]["conditions"] and len(truth["hr_per_s_bpm"]) == 8
    assert (out / "p000_ecg.png").stat().st_size > 10_000 and (out / "p000_wrist.png").is_file()
    out_w = tmp_path / "wfdb"
    assert main(["simulate", "-n", "1", "-d", "6", "--out", str(out_w), "--format", "wfdb", "--no-plot"]) == 0
    rec_w = read(out_w / "p000_ecg")
    npz = Cohort(1, seed=0)[0].record(6.0)
    np.testing.assert_allclose(rec_w.signals, npz.ecg, atol=1e-3)  # 1000 adu/mV quantisation
    np.testing.assert_array_equal(rec_w.annotations.beats, npz.truth.r_peaks[npz.truth.r_peaks < 3000])


def test_cli_bench_json(capsys):
    assert main(["simulate", "--bench", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["realtime_factor"] > 50  # the >= 500x target is measured by the benchmark, not CI


def test_cli_bad_condition_is_a_clean_error(tmp_path, capsys):
    assert main(["simulate", "-n", "1", "-d", "4", "--out", str(tmp_path), "--conditions", "flu"]) == 2
    assert "UnknownNameError" in capsys.readouterr().err


def test_benchmark_reports_realtime_factor():
    r = bench_simulate(10.0, participants=1, repeats=1)
    assert r["seconds_simulated"] == 10.0 and r["realtime_factor"] > 50


def test_cli_out_pointing_at_a_file_is_a_clean_error(tmp_path, capsys):
    target = tmp_path / "cohort.npz"
    target.write_bytes(b"not a folder")
    assert main(["simulate", "-n", "1", "-d", "4", "--no-plot", "--out", str(target)]) == 2
    err = capsys.readouterr().err
    assert "ConfigError" in err and "--out: expected a folder" in err and target.read_bytes() == b"not a folder"


def test_cli_empty_cohort_and_zero_duration_are_clean_errors(tmp_path, capsys):
    assert main(["simulate", "-n", "0", "--no-plot", "--out", str(tmp_path / "a")]) == 2
    assert "ConfigError" in capsys.readouterr().err
    assert main(["simulate", "-n", "1", "-d", "0", "--no-plot", "--out", str(tmp_path / "b")]) == 2
    assert "seconds >= 2" in capsys.readouterr().err


def test_benchmark_rejects_empty_runs():
    with pytest.raises(ConfigError, match="participants=0"):
        bench_simulate(10.0, participants=0)
    with pytest.raises(ConfigError, match="duration_s"):
        bench_simulate(0.0)


def test_cli_wide_population_writes_counts_at_each_sensors_rate(tmp_path):
    out = tmp_path / "wide"
    assert main(["simulate", "-n", "2", "-d", "5", "--population", "wide", "--no-plot", "--out", str(out)]) == 0
    cohort = Cohort(2, seed=0, population="wide")
    for p in cohort:
        rec = read(out / f"p{p.pid:03d}_ppg.npz")
        assert rec.sampling_rate == p.sensor.rate_hz
        assert np.array_equal(rec.signals, np.round(rec.signals))  # whole ADC counts
    traits = json.loads((out / "cohort.json").read_text())["participants"]
    assert [t["site"] for t in traits] == [p.traits.site for p in cohort]


def test_cli_coverage_needs_a_data_root(tmp_path, capsys):
    assert main(["simulate", "--coverage"]) == 2
    assert "--data-root" in capsys.readouterr().err
    assert main(["simulate", "--coverage", "--data-root", str(tmp_path)]) == 2
    assert "ppg_bp" in capsys.readouterr().err
