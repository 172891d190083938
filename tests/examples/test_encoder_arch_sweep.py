"""examples/encoder_arch_sweep.py runs (one candidate, latency only: its int8 and int8 streaming exports,
calibrated on 8 windows, the encoders' minimum)."""

import json

import pytest


@pytest.mark.slow
def test_encoder_arch_sweep_example_measures_a_candidate(run_example, tmp_path):
    proc = run_example("encoder_arch_sweep.py", "--modality", "ecg", "--candidates", "relu_s4", "--repeats", "2",
                       "--calibration", 8, "--out", tmp_path / "sweep.json", timeout=600)
    assert "relu_s4 {" in proc.stdout
    report = json.loads((tmp_path / "sweep.json").read_text())
    assert set(report["results"]) == {"relu_s4"} and report["calibration"].startswith("8 simulated windows")
    assert report["results"]["relu_s4"]["pte_int8_bytes"] > 0
