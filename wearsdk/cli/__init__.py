"""The ``wearsdk`` command line: one sub-command per module in this package.

Each command module defines ``add_parser(subparsers)``, which adds its parser and sets
``func(args) -> int`` as the parser default. Commands are thin faces over the Python API. Known harmless
third-party console messages are dropped by exact text (``_console``) unless ``-v`` is given.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from wearsdk import __version__
from wearsdk.cli._console import silence_known_noise
from wearsdk.errors import WearError

__all__ = ["main", "build_parser"]

# Sub-command modules, in the order ``wearsdk --help`` lists them.
COMMANDS = (
    "demo", "doctor", "bench", "simulate", "train", "evaluate", "distill", "quantize", "export", "run", "reconstruct",
    "firmware-config",
    "bundle",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="wearsdk",
        description="On-device wearable biosignal SDK: preprocessing, models, export and streaming.",
        epilog="Run 'wearsdk COMMAND --help' for the options of one command.",
    )
    parser.add_argument("--version", action="version", version=f"wearsdk {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="also show the known harmless third-party messages (torchao extension probes, torch "
                        "deprecations) that are hidden by default")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in COMMANDS:
        importlib.import_module(f"wearsdk.cli.{name.replace('-', '_')}").add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if not args.verbose:
        silence_known_noise()
    try:
        return int(args.func(args) or 0)
    except WearError as exc:
        print(f"wearsdk {args.command}: error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
