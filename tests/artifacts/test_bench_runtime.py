"""``wearsdk bench runtime``: the JSON contract (the speed targets are measured by the benchmark, not here)."""

import json

import pytest

from wearsdk.bench.runtime import TARGETS, _meets
from wearsdk.cli import main
from wearsdk.cli.bench import _print_runtime

KEYS = ("eager_fp32_ms", "onnxruntime_fp32_ms", "executorch_fp32_ms", "executorch_int8_ms", "stream_step_int8_ms",
        "stream_step_fp32_ms")


@pytest.mark.slow  # five exports of the PPG encoder (ExecuTorch fp32, int8, streaming int8 and fp32; ONNX)
def test_bench_runtime_json_has_the_contract_keys(capsys):
    assert main(["bench", "runtime", "--json", "--repeats", "2"]) == 0
    r = json.loads(capsys.readouterr().out)
    for key in KEYS:
        assert isinstance(r[key], float) and r[key] > 0, key
    assert 0 < r["pte_int8_bytes"] < r["pte_fp32_bytes"]
    assert r["chunk_shape"] == [1, 4, 1920] and r["input_shape"] == [1, 4, 3840]
    assert r["int8_speedup_vs_eager_fp32"] == r["eager_fp32_ms"] / r["executorch_int8_ms"]
    assert r["int8_vs_fp32_executorch"] == r["executorch_int8_ms"] / r["executorch_fp32_ms"]
    assert set(r["targets"]) == set(r["meets_targets"]) >= {"pte_int8_bytes", "stream_step_int8_ms"}


def test_bench_runtime_summary_prints_the_targets(capsys):
    r = {key: 1.0 for key in KEYS} | {"model": "m", "input_shape": [1, 4, 8], "chunk_shape": [1, 4, 2],
                                       "pte_int8_bytes": 2e5, "pte_fp32_bytes": 8e5, "pte_int8_stream_bytes": 2e5,
                                       "int8_speedup_vs_eager_fp32": 1.0, "int8_speedup_vs_onnxruntime_fp32": 1.0,
                                       "int8_vs_fp32_executorch": 0.5}
    _print_runtime(r | {"targets": {k: f"{op} {b:g}" for k, (op, b) in TARGETS.items()}, "meets_targets": _meets(r)})
    out = capsys.readouterr().out
    assert "target >= 3: MISSED" in out and "target <= 1: met" in out and "target <= 300 KB: met" in out
    assert "fp32 streaming step" in out and "int8 / fp32 time: 0.50" in out
