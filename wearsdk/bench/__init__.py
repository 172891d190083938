"""Benchmarks: ratios measured side by side in one run (targets live here, never in timed tests)."""

from wearsdk.bench.export import bench_export
from wearsdk.bench.preprocess import bench_preprocess
from wearsdk.bench.stream import bench_stream

__all__ = ["bench_preprocess", "bench_export", "bench_stream"]
