"""``wearsdk bench``: speed targets, measured side by side in one run."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable

from wearsdk.cli._format import print_table
from wearsdk.errors import ConfigError

TARGETS = {"ratio_vs_scipy": 5.0, "ratio_vs_torch_fir": 20.0}


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "bench",
        help="measure speed ratios side by side",
        description="Benchmarks measured in one run on this machine (1 thread). Targets (DESIGN.md section 7): "
        "C++ preprocessing >= 5x SciPy and >= 20x a pure-torch FIR; simulator >= 500x real time; int8 "
        "ExecuTorch >= 3x eager fp32, streaming step <= 1 ms.",
    )
    which = p.add_subparsers(dest="bench", metavar="BENCH")
    which.required = True
    pre = _bench_parser(
        which, "preprocess", _run_preprocess,
        help="C++ op vs scipy sosfilt+z-score vs torch FIR",
        description="Band-pass + z-score of a (batch, channels, samples) float32 batch by the C++ op, by "
        "scipy.signal.sosfilt + numpy, and by a pure-torch FIR of the same band.",
        json_help="print one JSON object instead of a table",
    )
    pre.add_argument("--batch", type=int, default=64)
    pre.add_argument("--channels", type=int, default=4)
    pre.add_argument("--samples", type=int, default=3840, help="samples per row (default: 60 s at 64 Hz)")
    pre.add_argument("--repeats", type=int, default=15, help="timed repeats per pipeline (median is kept)")
    sim = _bench_parser(
        which, "simulate", _run_simulate,
        help="simulator real-time factor",
        description="Real-time factor of wearsdk.sim generating 12-lead ECG at 500 Hz + 4-channel PPG and 3-axis "
        "accelerometer at 64 Hz, one thread, best of repeats. Target (DESIGN.md section 7): >= 500.",
        json_help="print one JSON object (key realtime_factor)",
    )
    sim.add_argument("--duration", type=float, default=60.0, help="seconds simulated per participant")
    sim.add_argument("--participants", type=int, default=4)
    sim.add_argument("--repeats", type=int, default=5, help="repeats (the best is kept)")
    rt = _bench_parser(
        which, "runtime", _run_runtime, at_least={"repeats": 1},
        help="eager fp32 vs onnxruntime vs ExecuTorch fp32/int8 vs the int8 streaming step",
        description="One window through a registered model as eager fp32, onnxruntime fp32, ExecuTorch fp32 and "
        "int8 (XNNPACK), and one hop of raw samples pushed into the int8 and fp32 streaming programs (the "
        "end-to-end step: in-graph C++ preprocessing + model); 1 thread (torch and the XNNPACK threadpool), "
        "interleaved medians; plus .pte sizes and the ratio ExecuTorch int8 / fp32. "
        "Targets (DESIGN.md section 7): int8 .pte <= 300 KB per compact encoder, int8 >= 3x eager fp32 "
        "and faster than onnxruntime fp32, streaming int8 step <= 1 ms.",
        json_help="print one JSON object (keys eager_fp32_ms, onnxruntime_fp32_ms, executorch_fp32_ms, "
        "executorch_int8_ms, stream_step_int8_ms, stream_step_fp32_ms, int8_vs_fp32_executorch, pte_int8_bytes, "
        "...)",
    )
    rt.add_argument("--model", default="ppg_encoder_compact", help="registered model (default ppg_encoder_compact)")
    rt.add_argument("--repeats", type=int, default=30, help="timed calls per runtime (the median is kept)")
    st = _bench_parser(
        which, "stream", _run_stream, at_least={"hours": _MIN_STREAM_HOURS, "hop": 1},
        help="streaming session real-time factor and memory",
        description="Hours of packets at full speed through a StreamingSession (C++ preprocessing, ring-buffer "
        "windows, an int8 ExecuTorch artifact), one core: realtime_factor (target >= 1000) and rss_growth_mb "
        "over the run (target <= 5).",
    )
    st.add_argument("--model", default="ppg_encoder_compact")
    st.add_argument("--hours", type=float, default=24.0, help="simulated hours (default 24)")
    st.add_argument("--hop", type=int, default=None, help="hop in model-rate samples (default: the model card's)")
    pr = _bench_parser(
        which, "profile", _run_profile, at_least={"runs": 1, "top": 1},
        help="per-op time of an exported ExecuTorch program (ETDump), its delegate split and MAC rate",
        description="Runs an ExecuTorch artifact folder (wearsdk export --backend executorch) under ExecuTorch's "
        "ETDump profiler on zeros shaped as its inputs (a streaming program: one hop per call), 1 thread, and "
        "prints each op kind's median time per call: XNNPACK ops inside delegate calls, portable kernels outside "
        "them; the delegate calls and portable kernels of the program, its quantize/dequantize boundaries, and "
        "for a registered model the MACs and bytes of one window and the achieved GMAC/s. Example: wearsdk "
        "export --model ppg_encoder_compact --quant int8 --pretrained --out art && wearsdk bench profile art",
        json_help="print one JSON object (keys method_ms, delegate_ms, portable_ms, qdq_boundaries, ops, "
        "delegate_calls, portable_calls, macs, bytes, gmac_per_s, ...)",
    )
    pr.add_argument("artifact", metavar="ARTIFACT_DIR", help="folder written by wearsdk export (ExecuTorch)")
    pr.add_argument("--runs", type=int, default=30, help="profiled calls (the median per op is kept; default 30)")
    pr.add_argument("--top", type=int, default=20, help="op kinds listed in the table, slowest first (default 20)")
    qt = _bench_parser(
        which, "quant", _run_quant, at_least={"participants": 1},
        help="int8 vs fp32 of a bundled compact model (embeddings, heads, 12-lead r)",
        description="The bundled compact model in fp32 and after static int8 quantization (PT2E, XNNPACK scheme, "
        "calibrated on other simulated participants), on held-out simulated participants. Encoders: mean embedding "
        "cosine (target >= 0.99) and each shipped head's AUROC / R^2 / MAE from both (target: AUROC and R^2 within "
        "0.01). lead_vae_compact: mean per-lead r of the 9 reconstructed leads (target: within 0.01). Student vs "
        "teacher figures are in each model card (wearsdk.models.get_model_card(NAME).metrics).",
    )
    qt.add_argument("--model", default="ppg_encoder_compact",
                    choices=["ppg_encoder_compact", "ecg_encoder_compact", "lead_vae_compact"])
    qt.add_argument("--participants", type=int, default=24, help="held-out simulated participants (default 24)")


# 72 s: one 60 s window of the PPG encoder after the warm-up (the first 1/24 of the packets).
_MIN_STREAM_HOURS = 0.02


def _bench_parser(which: argparse._SubParsersAction, name: str, run: Callable[[argparse.Namespace], int], *,
                  help: str, description: str, json_help: str = "print one JSON object",
                  at_least: dict[str, float] | None = None) -> argparse.ArgumentParser:
    """The parser of ``wearsdk bench NAME`` with its ``--json`` flag; ``run`` is called once the options named in
    ``at_least`` are checked against their minimums (the bench functions check the rest themselves)."""
    p = which.add_parser(name, help=help, description=description)
    p.add_argument("--json", action="store_true", help=json_help)

    def checked(args: argparse.Namespace) -> int:
        _check_at_least(args, **(at_least or {}))
        return run(args)

    p.set_defaults(func=checked)
    return p


def _check_at_least(args: argparse.Namespace, **minimums: float) -> None:
    """ConfigError naming the first option below its minimum (``None`` = the default, always fine)."""
    for name, least in minimums.items():
        value = getattr(args, name)
        if value is not None and not value >= least:
            raise ConfigError(f"wearsdk bench {args.bench}: --{name} must be >= {least:g}, got {value}; pass a "
                              f"larger value or leave it out for the default.")


def _report(args: argparse.Namespace, result: dict, summary: Callable[[dict], None]) -> int:
    """One JSON object with ``--json``, else the human summary."""
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        summary(result)
    return 0


def _run_preprocess(args: argparse.Namespace) -> int:
    from wearsdk.bench.preprocess import bench_preprocess

    result = bench_preprocess(batch=args.batch, channels=args.channels, samples=args.samples, repeats=args.repeats)
    result["targets"] = TARGETS
    result["meets_targets"] = all(result[k] >= v for k, v in TARGETS.items())
    return _report(args, result, _print_preprocess)


def _print_preprocess(r: dict) -> None:
    print(f"preprocess {tuple(r['shape'])} float32, band {r['band_hz']} Hz, 1 thread")
    print_table(
        ["pipeline", "median ms"],
        [
            ["C++ op (wearsdk::preprocess)", f"{r['cpp_ms']:.2f}"],
            ["scipy sosfilt + numpy z-score", f"{r['scipy_ms']:.2f}"],
            [f"torch FIR ({r['fir_taps']} taps) + z-score", f"{r['torch_fir_ms']:.2f}"],
        ],
    )
    print(f"ratio vs scipy {r['ratio_vs_scipy']:.1f}x (target >= 5), ratio vs torch FIR "
          f"{r['ratio_vs_torch_fir']:.1f}x (target >= 20); max |C++ - scipy| {r['max_abs_err_vs_scipy']:.2e}")


def _run_simulate(args: argparse.Namespace) -> int:
    from wearsdk.bench.simulate import bench_simulate

    return _report(args, bench_simulate(args.duration, participants=args.participants, repeats=args.repeats),
                   print_simulate)


def print_simulate(r: dict) -> None:
    """The human summary of :func:`wearsdk.bench.bench_simulate` (also ``wearsdk simulate --bench``)."""
    print(f"simulated {r['seconds_simulated']:.0f} s of 12-lead ECG (500 Hz) + 4-ch PPG + accelerometer in "
          f"{r['wall_s']:.3f} s: realtime_factor {r['realtime_factor']:.0f}x (target >= 500)")


def _run_runtime(args: argparse.Namespace) -> int:
    from wearsdk.bench.runtime import bench_runtime

    return _report(args, bench_runtime(args.model, repeats=args.repeats), _print_runtime)


_RUNTIMES = {
    "eager_fp32_ms": "eager torch fp32",
    "onnxruntime_fp32_ms": "onnxruntime fp32",
    "executorch_fp32_ms": "ExecuTorch fp32 (XNNPACK)",
    "executorch_int8_ms": "ExecuTorch int8 (XNNPACK)",
    "stream_step_int8_ms": "ExecuTorch int8 streaming step (raw hop in)",
    "stream_step_fp32_ms": "ExecuTorch fp32 streaming step (raw hop in)",
}


def _print_runtime(r: dict) -> None:
    chunk = "none" if r["chunk_shape"] is None else str(tuple(r["chunk_shape"]))
    print(f"{r['model']}: window {tuple(r['input_shape'])}, streaming chunk {chunk}, 1 thread "
          "(initial weights: speed does not depend on them)")
    target, ok = r["targets"], r["meets_targets"]

    def mark(key: str) -> str:
        return f"target {target[key]}: {'met' if ok.get(key) else 'MISSED'}" if key in target else ""

    print_table(["runtime", "median ms", "target"],
                [[label, "n/a" if r[k] is None else f"{r[k]:.3f}", mark(k) if r[k] is not None else r.get("stream", "")]
                 for k, label in _RUNTIMES.items()])
    size_ok = "met" if ok["pte_int8_bytes"] else "MISSED"
    stream = r["pte_int8_stream_bytes"]
    print(f"int8 .pte {r['pte_int8_bytes'] / 1000:.0f} KB (target <= 300 KB: {size_ok}); fp32 "
          f"{r['pte_fp32_bytes'] / 1000:.0f} KB; int8 streaming "
          + ("n/a" if stream is None else f"{stream / 1000:.0f} KB"))
    for key, what in (("int8_speedup_vs_eager_fp32", "eager fp32"),
                      ("int8_speedup_vs_onnxruntime_fp32", "onnxruntime fp32")):
        print(f"int8 vs {what}: {r[key]:.1f}x ({mark(key)})")
    print(f"ExecuTorch int8 / fp32 time: {r['int8_vs_fp32_executorch']:.2f}")


def _run_stream(args: argparse.Namespace) -> int:
    from wearsdk.bench.stream import bench_stream

    return _report(args, bench_stream(args.model, hours=args.hours, hop=args.hop), _print_stream)


def _print_stream(r: dict) -> None:
    print(f"{r['hours_simulated']:g} h of {r['model']} stream (window {r['window']}, hop {r['hop']}, "
          f"{r['windows']} windows) in {r['wall_s']:.1f} s: realtime_factor {r['realtime_factor']:.0f} "
          f"(target >= 1000), rss_growth_mb {r['rss_growth_mb']:.2f} (target <= 5)")


def _run_profile(args: argparse.Namespace) -> int:
    from wearsdk.bench.profile import profile_artifact

    return _report(args, profile_artifact(args.artifact, runs=args.runs), lambda r: _print_profile(r, args.top))


def _print_profile(r: dict, top: int) -> None:
    split = ", ".join(f"{n} x {k}" for k, n in r["delegate_calls"].items()) or "no delegate"
    portable = ", ".join(f"{n} x {k}" for k, n in r["portable_calls"].items()) or "none"
    print(f"{r['pte']} ({r['model'] or 'plain module'}, {r['precision']}{', streaming' if r['streaming'] else ''}, "
          f"input {r['input_shapes']}): {r['method_ms']:.3f} ms per call (median of {r['runs']}, ETDump, 1 thread)")
    print(f"delegate calls {split} ({r['delegate_ms']:.3f} ms); portable kernels {portable} "
          f"({r['portable_ms']:.3f} ms); quantize/dequantize boundaries per call: {r['qdq_boundaries']}")
    print_table(["op", "runs in", "per call", "ms", "share"],
                [[o["name"], o["kind"], str(o["instances"]), f"{o['ms']:.4f}", f"{o['share']:.1%}"]
                 for o in r["ops"][:top]])
    if "macs" in r:
        print(f"one window: {r['macs'] / 1e6:.2f} M MACs, {r['bytes'] / 1e6:.2f} MB through the conv/linear layers "
              f"({r['macs_per_byte']:.1f} MAC/byte): {r['gmac_per_s']:.2f} GMAC/s achieved")


def _run_quant(args: argparse.Namespace) -> int:
    from wearsdk.bench.quant import bench_quant

    return _report(args, bench_quant(args.model, participants=args.participants), _print_quant)


def _print_quant(r: dict) -> None:
    ok = "met" if r["meets_targets"] else "MISSED"
    t = r["targets"]
    if "records" in r:
        print(f"{r['model']} on {r['records']} simulated records (z-scored leads): mean r of the 9 reconstructed "
              f"leads fp32 {r['mean_r_reconstructed_fp32']:.4f}, int8 {r['mean_r_reconstructed_int8']:.4f}; largest "
              f"per-lead difference {r['per_lead_r_abs_diff_max']:.4f} (target <= {t['vae_r_abs_diff_max']}: {ok})")
        return
    print(f"{r['model']} on {r['windows']} held-out simulated windows: int8 vs fp32 embedding cosine mean "
          f"{r['embedding_cosine_mean']:.4f} (min {r['embedding_cosine_min']:.4f}; target >= "
          f"{t['embedding_cosine_min']})")
    fp32, int8 = r["heads_fp32"], r["heads_int8"]
    print_table(["head score", "fp32", "int8", "|diff|"],
                [[k, f"{fp32[k]:.4f}", f"{int8[k]:.4f}", f"{abs(int8[k] - fp32[k]):.4f}"] for k in fp32])
    if r["heads_without_skill"]:
        print(f"not compared (no skill on these windows: AUROC < {r['skill']['_auroc']}, R^2 < "
              f"{r['skill']['_r2']}): {', '.join(r['heads_without_skill'])}")
    print(f"largest AUROC / R^2 difference of the heads with skill {r['head_score_abs_diff_max']:.4f} "
          f"(target <= {t['head_score_abs_diff_max']}): {ok}")
