"""``wearsdk firmware-config``: generate the C configuration of a device's input pipeline."""

from __future__ import annotations

import argparse


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "firmware-config",
        help="write wear_config.h for a model's input pipeline",
        description="Reads the model card of an exported artifact (every file's sha256 checked first, as "
        "wearsdk run does) and writes a C header with the input contract as constants, the band-pass and resampler "
        "coefficients as const tables, every buffer length and a wear_pipeline_config, for firmware built against "
        "firmware_bindings/include. Causal models only: a zero-phase model (the lead VAEs) has no device pipeline.",
        epilog="example: wearsdk firmware-config out/ppg --input-rate 256 --out wear_config.h",
    )
    p.add_argument("artifact", metavar="ARTIFACT", help="artifact folder written by wearsdk export (or its "
                   "manifest.json)")
    p.add_argument("--out", default="wear_config.h", help="header to write (default: wear_config.h)")
    p.add_argument("--input-rate", type=float, default=None,
                   help="the sensor's sampling rate in Hz (default: the model's rate, no resampling)")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from wearsdk.firmware.config import write_config_header

    out = write_config_header(args.artifact, args.out, args.input_rate)
    print(f"wrote {out}")
    return 0
