"""Checks a CoreML artifact's predictions against the reference shipped beside it (run this on a Mac).

`wearsdk export --backend coreml` writes, next to the `.mlpackage`, `reference.npz`: reference inputs and
the eager fp32 outputs for them (for a `--streaming` package, consecutive hops fed through one state).
This script verifies every file's sha256 against `manifest.json`, predicts each reference input with
CoreML and compares: cosine and largest error (relative to the output scale) against the tolerance the
manifest gives for the package's precision.

    python examples/ios/verify_coreml.py out/ppg_coreml [--json]

Exit status: 0 when every output is within tolerance, 1 when one is not, 2 when this machine cannot run
CoreML (anything but macOS: nothing is predicted, nothing is claimed).
"""

import argparse
import json
import sys

from wearsdk.errors import BackendUnavailableError
from wearsdk.runtime import verify_coreml


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("artifact", help="the folder written by wearsdk export --backend coreml")
    p.add_argument("--json", action="store_true", help="print the report as one JSON object")
    args = p.parse_args(argv)
    try:
        report = verify_coreml(args.artifact)
    except BackendUnavailableError as exc:
        print(f"cannot verify here: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        for name, r in report["outputs"].items():
            print(f"{report['package']} {name}: {report['calls']} calls, cosine min {r['cosine_min']:.5f}, "
                  f"max error {r['max_abs_err_rel']:.2%} of scale -> {'OK' if r['passed'] else 'FAILED'}")
        print(f"tolerance ({report['precision']}): {report['tolerance']}")
    return 0 if report["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
