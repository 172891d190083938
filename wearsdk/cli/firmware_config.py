"""``wearsdk firmware-config``: generate the C configuration of a device's input pipeline."""

from __future__ import annotations

import argparse


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "firmware-config",
        help="write wear_config.h for a model's input pipeline",
        description="Reads the model card in an artifact's manifest.json and writes a C header with the "
        "input contract as constants, the band-pass and resampler coefficients as const tables, every "
        "buffer length and a wear_pipeline_config, for firmware built against firmware_bindings/include.",
        epilog="example: wearsdk firmware-config out/ppg/manifest.json --input-rate 256 --out wear_config.h",
    )
    p.add_argument("manifest", help="manifest.json of an exported model (or a bare model card JSON)")
    p.add_argument("--out", default="wear_config.h", help="header to write (default: wear_config.h)")
    p.add_argument("--input-rate", type=float, default=None,
                   help="the sensor's sampling rate in Hz (default: the model's rate, no resampling)")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from wearsdk.firmware.config import write_config_header

    out = write_config_header(args.manifest, args.out, args.input_rate)
    print(f"wrote {out}")
    return 0
