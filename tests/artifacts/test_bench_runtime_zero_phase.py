"""``wearsdk bench runtime`` on a zero-phase model (the lead VAE): no streaming program, said so (a module of its
own: its exports take as long as the PPG encoder's in test_bench_runtime.py, and parallel workers take one each)."""

import pytest

from wearsdk.bench.runtime import bench_runtime


@pytest.mark.slow  # ExecuTorch fp32 and int8 and ONNX exports of the lead VAE
def test_bench_runtime_reports_no_streaming_program_for_zero_phase_models():
    r = bench_runtime("lead_vae_compact", repeats=1, calibration=8)
    assert r["stream_step_int8_ms"] is None and r["stream_step_fp32_ms"] is None
    assert r["pte_int8_stream_bytes"] is None and r["chunk_shape"] is None
    assert "not applicable" in r["stream"] and "zero_phase" in r["stream"]
    assert r["meets_targets"]["stream_step_int8_ms"] is None and r["executorch_int8_ms"] > 0
