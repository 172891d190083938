"""examples/encoder_arch_sweep.py runs (one candidate, latency only: its int8 and int8 streaming exports)."""

import pytest


@pytest.mark.slow
def test_encoder_arch_sweep_example_measures_a_candidate(run_example):
    proc = run_example("encoder_arch_sweep.py", "--modality", "ecg", "--candidates", "relu_s4", "--repeats", "2",
                       timeout=600)
    assert "relu_s4 {" in proc.stdout
