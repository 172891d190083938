"""``wearsdk bench``: speed targets, measured side by side in one run."""

from __future__ import annotations

import argparse
import json

from wearsdk.cli._format import print_table

TARGETS = {"ratio_vs_scipy": 5.0, "ratio_vs_torch_fir": 20.0}


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "bench",
        help="measure speed ratios side by side",
        description="Benchmarks that print ratios measured side by side in one run (1 thread, median of "
        "repeats). Targets (DESIGN.md section 7): C++ preprocessing >= 5x SciPy and >= 20x a pure-torch FIR.",
    )
    which = p.add_subparsers(dest="bench", metavar="BENCH")
    which.required = True
    pre = which.add_parser(
        "preprocess",
        help="C++ op vs scipy sosfilt+z-score vs torch FIR",
        description="Band-pass + z-score of a (batch, channels, samples) float32 batch by the C++ op, by "
        "scipy.signal.sosfilt + numpy, and by a pure-torch FIR of the same band.",
    )
    pre.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    pre.add_argument("--batch", type=int, default=64)
    pre.add_argument("--channels", type=int, default=4)
    pre.add_argument("--samples", type=int, default=3840, help="samples per row (default: 60 s at 64 Hz)")
    pre.add_argument("--repeats", type=int, default=15, help="timed repeats per pipeline (median is kept)")
    pre.set_defaults(func=_run_preprocess)


def _run_preprocess(args: argparse.Namespace) -> int:
    from wearsdk.bench import bench_preprocess

    result = bench_preprocess(batch=args.batch, channels=args.channels, samples=args.samples, repeats=args.repeats)
    result["targets"] = TARGETS
    result["meets_targets"] = all(result[k] >= v for k, v in TARGETS.items())
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"preprocess {tuple(result['shape'])} float32, band {result['band_hz']} Hz, 1 thread")
        print_table(
            ["pipeline", "median ms"],
            [
                ["C++ op (wearsdk::preprocess)", f"{result['cpp_ms']:.2f}"],
                ["scipy sosfilt + numpy z-score", f"{result['scipy_ms']:.2f}"],
                [f"torch FIR ({result['fir_taps']} taps) + z-score", f"{result['torch_fir_ms']:.2f}"],
            ],
        )
        print(
            f"ratio vs scipy {result['ratio_vs_scipy']:.1f}x (target >= 5), ratio vs torch FIR "
            f"{result['ratio_vs_torch_fir']:.1f}x (target >= 20); "
            f"max |C++ - scipy| {result['max_abs_err_vs_scipy']:.2e}"
        )
    return 0
