"""``wearsdk reconstruct``: leads II, V1, V5 of a WFDB record or a ``(3, n)`` ``.npy`` -> 12 leads in mV."""

from __future__ import annotations

import argparse
from pathlib import Path

_EPILOG = """\
examples:
  wearsdk reconstruct ../data/HR06000 --out hr06000_12lead.npy --png hr06000.png
      a WFDB record (record name or its .hea); only leads II, V1, V5 feed the model; the PNG shows the
      12 leads in the 3x4 + rhythm (II) layout, reconstructed over the record's own leads when it has them.
  wearsdk reconstruct leads.npy --fs 250 --leads V1,II,V5 --out twelve.npy
      a (3, n) array whose rows are V1, II, V5 (mV, 250 Hz).
  wearsdk reconstruct ../data/HR06000 --out y.npy --png y.png --samples 16
      the mean of 16 posterior draws of the VAE, the spread (SD) saved as y_spread.npy and shaded (+-2 SD)
      in the PNG: larger where the reconstruction is less certain (it ranks the error, Spearman 0.66 on
      PTB-XL fold 9, but is far smaller than it: read it as a relative flag, not an error bar).

Output: (12, n) float32 in mV at the input's rate and length, leads I, II, III, aVR, aVL, aVF, V1-V6.
The measured leads are copied unchanged; the others come from the bundled lead_vae_compact model
(or --model NAME|ARTIFACT_DIR), band-limited to 0.5-40 Hz; see help(wearsdk.reconstruct_12lead).
"""

# Standard 12-lead print layout: 3 rows x 4 columns of 2.5 s, plus a rhythm strip of lead II.


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "reconstruct",
        help="reconstruct 12-lead ECG (mV) from leads II, V1, V5",
        description="Reconstruct the 12 standard ECG leads from leads II, V1 and V5 of a WFDB record or a "
        "(3, n) .npy array, at the input's sampling rate and length.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("input", type=Path, help="WFDB record (name, .hea, .dat or .mat) or a (3, n) .npy in mV")
    p.add_argument("--leads", default=None,
                   help="comma-separated names of the three input leads, in the .npy's row order (default: the "
                   "patch leads II,V1,V5)")
    p.add_argument("--fs", type=float, default=None, help="sampling rate of a .npy input, Hz (required for .npy)")
    p.add_argument("--out", "-o", type=Path, required=True, help="output .npy: (12, n) float32 mV")
    p.add_argument("--png", type=Path, default=None, help="optional figure of the 12 leads")
    p.add_argument("--samples", type=int, default=0,
                   help="posterior draws K (>= 2): write their mean, their spread as <out>_spread.npy and a band "
                   "in --png (default 0: the deterministic reconstruction)")
    p.add_argument("--seed", type=int, default=0, help="seed of the posterior draws (with --samples)")
    p.add_argument("--model", default=None,
                   help="registered model name or exported artifact folder (default: bundled lead_vae_compact)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import numpy as np

    from wearsdk._paths import input_file, output_file
    from wearsdk.errors import ConfigError, DataFormatError, SamplingRateError
    from wearsdk.io import read
    from wearsdk.io.units import normalise_channel
    from wearsdk.reconstruct import OUTPUT_LEADS, lead_correlations, reconstruct_12lead
    from wearsdk.signal import PATCH_LEADS

    if args.samples == 1 or args.samples < 0:
        raise ConfigError(f"--samples: expected 0 (deterministic) or K >= 2 posterior draws, got {args.samples}.")
    leads = tuple(normalise_channel(s) for s in (args.leads or ",".join(PATCH_LEADS)).split(",") if s.strip())
    if len(leads) != 3:
        raise ConfigError(f"--leads: expected three comma-separated lead names (e.g. {','.join(PATCH_LEADS)}), got "
                          f"{args.leads!r}.")
    path: Path = args.input
    if path.is_dir():  # only a folder is refused here: a WFDB record may be named without its suffix
        input_file(path, what="input", use="a WFDB record (its name, .hea, .dat or .mat) or a (3, n) .npy file in mV")
    for flag, target, name in (("--out", args.out, "12lead.npy"), ("--png", args.png, "12lead.png")):
        if target is not None:
            output_file(target, what=flag, use=f"a file name to write, e.g. {target / name}")
    truth = None
    if path.suffix.lower() == ".npy":
        if args.fs is None:
            raise SamplingRateError(f"{path} is a bare .npy array: pass its sampling rate with --fs HZ.")
        rec = read(path, sampling_rate=args.fs, channels=leads)
        x, fs = rec.signals, rec.sampling_rate
        source = f"{path.name} ({', '.join(leads)})"
    else:
        rec = read(path)
        if args.fs is not None and abs(args.fs - rec.sampling_rate) > 1e-9:
            raise SamplingRateError(
                f"--fs {args.fs:g} Hz contradicts the record header ({rec.sampling_rate:g} Hz); drop --fs for "
                "WFDB records."
            )
        missing = [lead for lead in leads if lead not in rec.channels]
        if missing:
            raise DataFormatError(
                f"record {path} has no lead(s) {missing} (it has {list(rec.channels)}); reconstruction needs "
                f"{list(leads)}. A record without them cannot be reconstructed; if it holds them under other "
                "names, save the three leads as a (3, n) .npy in mV and pass it with --fs."
            )
        x = rec.signals[[rec.channels.index(lead) for lead in leads]]
        fs = rec.sampling_rate
        if set(OUTPUT_LEADS) <= set(rec.channels):
            truth = rec.signals[[rec.channels.index(lead) for lead in OUTPUT_LEADS]]
        source = path.name
    spread = None
    if args.samples:
        y, spread = reconstruct_12lead(x, sampling_rate=fs, leads=leads, model=args.model, samples=args.samples,
                                       seed=args.seed)
    else:
        y = reconstruct_12lead(x, sampling_rate=fs, leads=leads, model=args.model)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.save(args.out, y)
    if spread is not None:
        spread_path = args.out.with_name(args.out.stem + "_spread.npy")
        np.save(spread_path, spread)
        print(f"wrote {spread_path}: the SD of {args.samples} posterior draws per lead and sample (mV)")
    print(f"wrote {args.out}: {y.shape[0]} leads x {y.shape[1]} samples at {fs:g} Hz, float32 mV "
          f"({', '.join(OUTPUT_LEADS)})")
    if truth is not None:
        r = lead_correlations(y, truth, sampling_rate=fs)
        recon = [k for k in OUTPUT_LEADS if k not in PATCH_LEADS]
        print("Pearson r vs the record's own leads (both band-passed 0.5-40 Hz): "
              + ", ".join(f"{k} {r[k]:.2f}" for k in recon) + f"; mean {np.mean([r[k] for k in recon]):.3f}")
    if args.png is not None:
        from wearsdk.plot import plot_12lead

        plot_12lead(y, args.png, sampling_rate=fs, truth=truth, measured=PATCH_LEADS, spread=spread,
                    title=f"wearsdk reconstruct: {source}, 12 leads (mV) from II, V1, V5 at {fs:g} Hz"
                    + ("; grey: the record's own leads" if truth is not None else "")
                    + (f"; band: +-2 SD of {args.samples} posterior draws" if spread is not None else ""))
        print(f"wrote {args.png}")
    return 0
