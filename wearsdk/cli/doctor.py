"""``wearsdk doctor``: is everything installed, built and loadable?"""

from __future__ import annotations

import argparse
import json
import sys


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "doctor",
        help="check versions and the native libraries",
        description="Prints library versions and whether the C++ torch op (torch.ops.wearsdk), the ExecuTorch "
        "kernels and the C API library are built and load, and whether wearsdk runs from a wheel or an editable "
        "checkout. Exits with 1 when something is missing, and says which command builds it.",
    )
    p.add_argument("--json", action="store_true",
                   help="print one JSON object (keys include cpp_op, executorch_kernels, c_api, install)")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from wearsdk.doctor import diagnose

    report = diagnose()
    healthy = report["cpp_op"] and report["executorch_kernels"] and report["c_api"]
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        mark = {True: "ok", False: "MISSING"}
        print(f"wearsdk {report['wearsdk']}  python {report['python']}  ({report['executable']})")
        print(f"  installed as {report['install']}: {report['package_dir']}")
        for pkg, ver in report["versions"].items():
            print(f"  {pkg:<12} {ver or 'not installed'}")
        print(f"  C++ torch op (torch.ops.wearsdk)  {mark[report['cpp_op']]:<8} {report['cpp_op_path'] or ''}")
        print(f"  ExecuTorch kernels                {mark[report['executorch_kernels']]:<8} "
              f"{report['executorch_kernels_path'] or ''}")
        print(f"  C API (libwear_dsp)               {mark[report['c_api']]:<8} {report['c_api_path'] or ''}")
    for err in report["errors"]:
        print(f"wearsdk doctor: {err}", file=sys.stderr)
    return 0 if healthy else 1
