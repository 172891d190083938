"""``wearsdk demo``: the SDK end to end on a simulated participant."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "demo",
        help="stream a simulated watch through the SDK (the main job)",
        description="Streams a simulated participant's watch (4-channel PPG, lead-I ECG) as timestamped packets "
        "through wearsdk.stream: C++ causal preprocessing, windowing, fault reports, latency. Each stream feeds the "
        "reference beat detectors (heart rate, 10 s windows every 2 s) and the bundled compact encoder's int8 "
        "ExecuTorch artifact (PPG 60 s, ECG 30 s windows every 10 s), whose embedding goes through the bundled "
        "linear heads: heart rate, AF probability, signal-quality probability; all are compared with the "
        "simulator's truth. The chest patch's II, V1, V5 are reconstructed to 12 leads by the bundled VAE. "
        "The int8 artifacts are exported from the bundled weights on the first run (offline, a minute or two) and "
        "cached. Writes summary.json, demo.png and demo_12lead.png to --out.",
        epilog="examples:\n  wearsdk demo\n  wearsdk demo --condition af\n"
        "  wearsdk demo --motion high --drop-rate 0.02 --out out/demo\n\n"
        "cache: --cache-dir, else $WEARSDK_CACHE_DIR/artifacts, else $XDG_CACHE_HOME/wearsdk/artifacts or "
        "~/.cache/wearsdk/artifacts (the artifact cache of wearsdk.runtime)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--duration", type=float, default=120.0,
                   help="seconds of stream (default 120: 7 PPG and 10 ECG encoder windows)")
    p.add_argument("--participant", type=int, default=0, help="which simulated participant (default 0)")
    p.add_argument("--condition", default=None, help="a simulator condition, e.g. af (default: none forced)")
    p.add_argument("--motion", choices=("none", "low", "high", "mixed"), default="none",
                   help="activity: none (rest), low (arm gestures), high (running), mixed")
    p.add_argument("--drop-rate", type=float, default=0.0, help="fraction of packets lost in transit")
    p.add_argument("--jitter-ms", type=float, default=0.0, help="timestamp jitter SD, ms")
    p.add_argument("--realtime", action="store_true", help="pace packets in real time (default: as fast as possible)")
    p.add_argument("--out", default="out/demo",
                   help="folder for summary.json and the figures, created when missing (default out/demo)")
    p.add_argument("--cache-dir", default=None,
                   help="artifact cache folder for the exported int8 programs (default: see below)")
    p.add_argument("--quiet", action="store_true", help="no live view")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from wearsdk.demo import DemoConfig, run_demo

    cfg = DemoConfig(duration_s=args.duration, participant=args.participant, condition=args.condition,
                     motion=args.motion, drop_rate=args.drop_rate, jitter_ms=args.jitter_ms, realtime=args.realtime,
                     out=Path(args.out), cache_dir=Path(args.cache_dir) if args.cache_dir else None)
    summary = run_demo(cfg, progress=not args.quiet)
    for stream in ("ppg", "ecg"):
        if stream in summary:
            s = summary[stream]
            print(f"{stream.upper()} beats: {s['windows']} windows, HR MAE {s['hr_mae_bpm']:.1f} bpm vs truth, latency "
                  f"p50 {s['latency_ms_p50']:.0f} ms (p95 {s['latency_ms_p95']:.0f}), {s['samples_missing']} samples "
                  f"missing, {s['samples_dropped']} dropped, events {sorted(set(s['events'])) or 'none'}")
        e = summary["encoders"][stream]
        if not e["ran"]:
            print(f"{stream.upper()} encoder: NOT RUN: {e['reason']}")
            continue
        a = e["artifact"]
        head = f"{stream.upper()} encoder: {a['file']} (sha256 {a['sha256']}, {a['precision']}, {a['backend']})"
        if not e["windows"]:
            print(f"{head}: {e['note']}")
            continue
        print(f"{head}: {e['windows']} windows of {e['window_s']:g} s, head HR MAE {e['head_hr_mae_bpm']:.1f} bpm vs "
              f"truth, AF prob mean {e['af_prob_mean']:.2f} (max {e['af_prob_max']:.2f}; {e['af_windows']} windows "
              f"flagged AF, {e['true_af_windows']} truly AF), quality prob mean {e['quality_prob_mean']:.2f} "
              f"({e['low_quality_windows']} flagged low quality, {e['true_low_quality_windows']} truly in motion), "
              f"compute p50 {e['compute_ms_p50']:.1f} ms")
    tl = summary["twelve_lead"]
    if "mean_r_reconstructed" in tl:
        print(f"12-lead from the patch's II, V1, V5: mean Pearson r {tl['mean_r_reconstructed']:.2f} over the 9 "
              "reconstructed leads vs the simulator's truth (demo_12lead.png)")
    else:
        print(f"12-lead: {tl['status']}")
    if args.quiet:  # the live view prints these itself
        print("\n".join(["comparisons with the simulator's truth and the validated figures:",
                         *(f"  {line}" for line in summary["comparisons"])]))
    print(f"wrote {cfg.out}/summary.json, {cfg.out}/demo.png ({summary['wall_s']:.1f} s)")
    return 0
