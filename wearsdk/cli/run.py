"""``wearsdk run``: an exported artifact (or a bundled model, exported once into the artifact cache) on a
recording file.

The recording is read and checked before anything is exported: a bad input (a missing file, PPG under 20 Hz or
pointing down, channels the model cannot map, a recording shorter than a window) is refused in seconds, not after
the minutes of a first export (:func:`wearsdk.runtime.run_artifact`)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "run",
        help="run an exported artifact (or a bundled model) on a recording",
        description="Runs an artifact folder written by 'wearsdk export' (verified against its manifest) on any "
        "recording wearsdk.io reads (WFDB, CSV/TSV, NumPy). In place of the folder, give the name of a registered "
        "model with bundled weights (e.g. ecg_encoder_compact): its int8 ExecuTorch program is exported once "
        "(offline, a minute or two) into the artifact cache and reused, verified, on later runs. It picks the "
        "channels the model card names, "
        "preprocesses on the C++ core (resampling the recording to the model's rate, and saying so), and runs "
        "every window. Dropouts of at most 50 ms are interpolated (and counted); windows touching longer gaps are "
        "skipped and listed (a recording where every window touches one is refused). PPG whose pulses point down (raw "
        "light intensity) is refused until --invert names it, and PPG sampled under 20 Hz is refused.",
        epilog="examples: wearsdk run out/ecg --input ../shared/data/real/mitdb/100 --channels MLII --out ecg.npz "
        "| wearsdk run ecg_encoder_compact --input ../shared/data/real/mitdb/100 --channels MLII",
    )
    p.add_argument("artifact", help="artifact folder (or its manifest.json), or a registered model's name with "
                   "bundled weights (exported to int8 ExecuTorch into the artifact cache on first use)")
    p.add_argument("--input", required=True, help="recording: WFDB record name or file, CSV/TSV, .npy/.npz")
    p.add_argument("--channels", default=None,
                   help="comma-separated recording channels, one per model input in its order; a name may repeat "
                   "(e.g. ppg,ppg,ppg,ppg feeds one PPG channel to all four inputs of a PPG encoder)")
    p.add_argument("--invert", default=None, metavar="CH[,CH]",
                   help="negate these channels first: raw PPG photodiode counts fall as blood volume rises, and a PPG "
                   "model refuses channels whose pulses point down until you say so here")
    p.add_argument("--fs", type=float, default=None, help="sampling rate in Hz for files that do not store one")
    p.add_argument("--out", default=None, help="write outputs and window times to this .npz")
    p.add_argument("--cache-dir", type=Path, default=None,
                   help="artifact cache for a model name (default: $WEARSDK_CACHE_DIR/artifacts, else "
                   "~/.cache/wearsdk/artifacts)")
    p.set_defaults(func=_run)


def _names(arg: str | None) -> list[str] | None:
    """``"ppg, ppg,"`` -> ``["ppg", "ppg"]`` (spaces and empty names dropped); ``None`` or ``""`` -> ``None``."""
    names = [name.strip() for name in (arg or "").split(",") if name.strip()]
    return names or None


def _run(args: argparse.Namespace) -> int:
    import numpy as np

    from wearsdk.export import export_model
    from wearsdk.runtime import run_artifact

    options = {} if args.fs is None else {"sampling_rate": args.fs}
    result = run_artifact(args.artifact, args.input, channels=_names(args.channels), invert=_names(args.invert),
                          read_options=options, cache_dir=args.cache_dir, exporter=export_model)
    card = result["card"]
    n = len(result["t_start_s"])
    print(f"{n} window(s) of {card.name} on {args.input} (channels {', '.join(result['channels'])}); "
          f"output shape {tuple(result['outputs'].shape)}")
    if not result["trained"]:
        print("WARNING: this artifact holds an UNTRAINED model (--allow-untrained): its outputs mean nothing.")
    if result["resampled_from_hz"]:
        print(f"note: the recording was resampled from {result['resampled_from_hz']:g} Hz to "
              f"{card.sampling_rate_hz:g} Hz for the model")
    if result["inverted"]:
        print(f"note: channel(s) {', '.join(result['inverted'])} were negated (--invert)")
    if result["bridged_samples"]:
        print(f"note: {result['bridged_samples']} missing sample(s) in dropouts of at most 50 ms were interpolated")
    if result["skipped_windows"]:
        print(f"skipped {len(result['skipped_windows'])} window(s) with missing samples, starting at (s): "
              f"{json.dumps(result['skipped_windows'][:20])}")
    for name, values in result["heads"].items():
        print(f"  {name}: median {np.median(values):.3g}, range {values.min():.3g}-{values.max():.3g} (bundled head, "
              "per window)")
    if args.out:
        np.savez(Path(args.out), outputs=result["outputs"], t_start_s=result["t_start_s"],
                 **{f"head_{k}": v for k, v in result["heads"].items()})
        print(f"wrote {args.out}")
    return 0
