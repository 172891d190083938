"""``wearsdk simulate``: write a simulated cohort (signals + ground truth) and figures of one participant."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from wearsdk.sim import Participant, Traits

_EPILOG = """\
examples:
  wearsdk simulate --participants 20 --duration 60 --out sim_cohort
      20 people x 60 s: <out>/p000_ecg.npz (12 leads, mV, 500 Hz), p000_ppg.npz (4 ch, 64 Hz),
      p000_acc.npz (3 axes, g, 64 Hz), p000_truth.json (traits, R peaks, PPG peaks, HR per second,
      rhythm labels), cohort.json (all traits), and p000_ecg.png / p000_wrist.png figures.
  wearsdk simulate --participants 5 --format wfdb --activity mixed --dropouts 0.5 --out sim_wfdb
      WFDB records (.hea/.dat) with R peaks in .atr, random activity episodes, 0.5 dropouts/min.
  wearsdk simulate --conditions af,pvc --participants 3 --out sim_af
      every participant gets AF and PVCs on top of their sampled traits.
  wearsdk simulate --population wide --participants 50 --out sim_wide
      the wide population (HR 40-180, ages 18-90, finger/wrist, vascular tone), each participant's PPG through
      a random front end (ADC counts at its native rate, 25-1000 Hz, unless --ppg-rate is given).
  wearsdk simulate --bench --json
      speed only: {"realtime_factor": ...} for 12-lead ECG at 500 Hz + 4-ch PPG + accelerometer.
  wearsdk simulate --coverage -n 150 -d 12 --data-root ../shared/data/real --png docs/ppg_sim_coverage.png
      pulse features of the wide and default populations vs PPG-BP and ppg_mw4: a table of the real 5-95 %
      and simulated 1-99 % ranges per feature (--json: as JSON) and the histogram figure; then each device
      recording (ICU monitor, smartwatch, HeartPy, BITalino) and the features it has outside the wide 1-99 %.

Read the output back with wearsdk.io.read("<out>/p000_ecg.npz") or read("<out>/p000_ecg") for WFDB.
"""


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    from wearsdk.sim.motion import ACTIVITIES
    from wearsdk.sim.traits import CONDITIONS, POPULATIONS
    from wearsdk.sim.write import FORMATS

    p = subparsers.add_parser(
        "simulate",
        help="write a simulated cohort (12-lead ECG, wrist PPG, accelerometer, ground truth)",
        description="Simulate a cohort of participants with persistent traits and write their recordings, "
                    "ground truth and a figure of the first participant.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--participants", "-n", type=int, default=10, help="cohort size (default 10)")
    p.add_argument("--duration", "-d", type=float, default=60.0, help="seconds per recording (default 60)")
    p.add_argument("--seed", type=int, default=0, help="cohort seed; same seed = same cohort (default 0)")
    p.add_argument("--population", choices=sorted(POPULATIONS), default="default",
                   help="trait distribution: default (wrist PPG in a.u.) or wide (any PPG device and person; "
                        "see wearsdk.sim.POPULATIONS)")
    p.add_argument("--segments", type=int, default=1,
                   help="recordings per participant (independent segments, for positive pairs; default 1)")
    p.add_argument("--out", "-o", type=Path, default=Path("sim_cohort"), help="output folder")
    p.add_argument("--format", choices=FORMATS, default="npz", help="npz (default) or wfdb")
    p.add_argument("--activity", default="rest", choices=[*ACTIVITIES, "mixed"],
                   help="activity of every recording (default rest; mixed = random episodes)")
    p.add_argument("--conditions", default="",
                   help=f"comma-separated conditions forced on every participant, from: {', '.join(CONDITIONS)}")
    p.add_argument("--ecg-rate", type=float, default=500.0, help="ECG sampling rate, Hz (default 500)")
    p.add_argument("--ppg-rate", type=float, default=None,
                   help="PPG sampling rate, Hz (default 64; the wide population: each sensor's native rate)")
    p.add_argument("--acc-rate", type=float, default=64.0, help="accelerometer sampling rate, Hz (default 64)")
    p.add_argument("--clean", action="store_true", help="no noise, no artifacts besides motion")
    p.add_argument("--dropouts", type=float, default=0.0, help="dropouts per minute per stream (default 0)")
    p.add_argument("--no-plot", action="store_true", help="skip the PNG figures")
    p.add_argument("--bench", action="store_true",
                   help="only measure the simulator's real-time factor (= wearsdk bench simulate)")
    p.add_argument("--coverage", action="store_true",
                   help="only compare the simulated PPG pulse features with real PPG (needs --data-root)")
    p.add_argument("--data-root", type=Path, default=None,
                   help="with --coverage: the folder holding ppg_bp/ and ppg_mw4/ (the shared real data)")
    p.add_argument("--png", type=Path, default=None, help="with --coverage: write the histogram figure here")
    p.add_argument("--json", action="store_true", help="with --bench or --coverage: print the result as JSON")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from wearsdk._paths import output_folder
    from wearsdk.errors import ConfigError
    from wearsdk.sim import Cohort, Noise
    from wearsdk.sim.write import write_recording

    if args.bench:
        from wearsdk.bench.simulate import bench_simulate
        from wearsdk.cli.bench import print_simulate

        result = bench_simulate()
        if args.json:
            print(json.dumps(result))
        else:
            print_simulate(result)
        return 0
    if args.coverage:
        return _coverage(args)
    if args.segments < 1:
        raise ConfigError(f"--segments must be >= 1, got {args.segments}.")
    forced = frozenset(c.strip() for c in args.conditions.split(",") if c.strip())
    noise = Noise.clean() if args.clean else Noise()
    noise = replace(noise, dropouts_per_min=args.dropouts)
    rates = {"ecg": args.ecg_rate, "acc": args.acc_rate}
    if args.ppg_rate is not None:
        rates["ppg"] = args.ppg_rate
    cohort = Cohort(args.participants, seed=args.seed, population=args.population)
    out = output_folder(args.out, what="wearsdk simulate --out")
    from tqdm import tqdm

    traits_all = []
    for p in tqdm(cohort, desc="simulate", unit="participant"):
        if forced:
            conditions = set(p.traits.conditions | forced)
            if "brady" in forced or "tachy" in forced:
                conditions -= {"brady", "tachy"} - forced
            p = replace(p, traits=p.traits.replace(conditions=frozenset(conditions), **_hr_for(forced, p)))
        traits_all.append(p.traits.as_dict())
        for seg in range(args.segments):
            rec = p.record(args.duration, sampling_rates=rates, segment=seg, activity=args.activity, noise=noise)
            name = f"p{p.pid:03d}" + (f"_s{seg}" if args.segments > 1 else "")
            write_recording(rec, out, name, args.format)
            if p.pid == 0 and seg == 0 and not args.no_plot:
                from wearsdk.plot import plot_12lead, plot_wrist

                plot_12lead(rec.ecg, out / f"{name}_ecg.png", sampling_rate=rec.sampling_rates["ecg"],
                            title=f"participant 0: {_describe(p.traits)}")
                plot_wrist(rec, out / f"{name}_wrist.png")
    (out / "cohort.json").write_text(json.dumps({"seed": args.seed, "participants": traits_all}, indent=1))
    print(f"wrote {len(cohort)} participant(s) x {args.segments} segment(s) of {args.duration:g} s to {out}/")
    return 0


def _coverage(args: argparse.Namespace) -> int:
    """``--coverage``: pulse features of the wide and default populations against PPG-BP and ppg_mw4, and of the
    device recordings one by one (which features fall outside the wide population's 1-99 %)."""
    from wearsdk.errors import ConfigError
    from wearsdk.sim.coverage import (
        coverage_table,
        outside_simulated,
        plot_coverage,
        real_features,
        simulated_features,
    )
    from wearsdk.sim.pulse_features import FEATURES
    from wearsdk.train.real.ppg import device_pulse_features

    if args.data_root is None:
        raise ConfigError("--coverage needs --data-root: the folder holding ppg_bp/ and ppg_mw4/ "
                          "(e.g. ../shared/data/real).")
    real = real_features(args.data_root)
    sims = {pop: simulated_features(args.participants, seed=args.seed, seconds=args.duration, population=pop)
            for pop in ("wide", "default")}
    report = {
        "participants": args.participants, "seed": args.seed, "seconds": args.duration,
        "real": {name: {"recordings": int(t["rise"].size), "without_beats": skipped}
                 for name, (t, skipped) in real.items()},
        "populations": {
            pop: {"without_beats": failed, "rows": [
                {"dataset": name, **vars(row)} for name, (t, _) in real.items() for row in coverage_table(table, t)]}
            for pop, (table, failed) in sims.items()},
        "devices": {name: None if f is None else {**f, "outside_wide": outside_simulated(sims["wide"][0], f)}
                    for name, f in device_pulse_features(args.data_root).items()},
    }
    if args.png is not None:
        plot_coverage({f"simulated, {pop}": t for pop, (t, _) in sims.items()},
                      {name: t for name, (t, _) in real.items()}, args.png,
                      marks={name: f for name, f in report["devices"].items() if f is not None})
    if args.json:
        print(json.dumps(report, indent=1))
        return 0
    for pop, rep in report["populations"].items():
        print(f"population {pop} ({args.participants} participants, {args.duration:g} s):")
        for r in rep["rows"]:
            print(f"  {r['dataset']:8s} {r['feature']:10s} real 5-95 % {r['real'][0]:6.3f}-{r['real'][1]:6.3f}  "
                  f"sim 1-99 % {r['simulated'][0]:6.3f}-{r['simulated'][1]:6.3f}  "
                  f"{'covered' if r['covered'] else 'NOT covered'}, {r['outside']}/{r['total']} real outside")
    print("device recordings (features outside the wide population's 1-99 %):")
    for name, f in report["devices"].items():
        print(f"  {name:28s} " + ("no complete beat" if f is None else
                                   " ".join(f"{k} {f[k]:.3f}" for k in FEATURES) +
                                   f"  outside: {', '.join(f['outside_wide']) or 'none'}"))
    if args.png is not None:
        print(f"wrote {args.png}")
    return 0


def _hr_for(forced: frozenset[str], p: Participant) -> dict[str, float]:
    """Resting HR consistent with a forced brady/tachy condition."""
    if "brady" in forced and p.traits.resting_hr >= 55:
        return {"resting_hr": 48.0}
    if "tachy" in forced and p.traits.resting_hr <= 100:
        return {"resting_hr": 110.0}
    return {}


def _describe(traits: Traits) -> str:
    cond = ", ".join(sorted(traits.conditions)) or "no conditions"
    return f"{traits.sex}, {traits.age:.0f} y, HR {traits.resting_hr:.0f} bpm, axis {traits.axis_deg:.0f} deg, {cond}"
