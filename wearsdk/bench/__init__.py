"""Benchmarks: ratios measured side by side in one run (targets live here, never in timed tests)."""

from wearsdk.bench.preprocess import bench_preprocess
from wearsdk.bench.quant import bench_quant
from wearsdk.bench.runtime import bench_runtime
from wearsdk.bench.simulate import bench_simulate
from wearsdk.bench.stream import bench_stream

__all__ = ["bench_preprocess", "bench_quant", "bench_runtime", "bench_simulate", "bench_stream"]
