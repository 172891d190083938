"""``wearsdk evaluate``: linear probes of a trained encoder, reconstruction metrics of a trained lead VAE, and the
named evaluation suites of :mod:`wearsdk.train.suites` (``--model NAME --suite SUITE``)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from wearsdk.errors import ConfigError

__all__ = ["add_parser", "run"]

DESCRIPTION = """\
Evaluate a model trained with 'wearsdk train' on held-out data (RUN), or any registered model on a named
evaluation suite (--model NAME --suite SUITE), and write a JSON report.

What is measured depends on the run's recipe (read from RUN/config.json):
  ppg_ssl, ecg_ssl   linear probes (ridge for continuous targets: R^2, MAE; L2 logistic regression for
                     0/1 targets: AUROC) on frozen embeddings, fitted on the training participants and
                     scored on held-out participants (participant-level split), for the simulator's traits
                     and conditions (age, bmi, resting_hr, sex_male, af); the same probes on a randomly
                     initialised encoder of the same architecture and on hand-crafted features (HR, SDNN,
                     RMSSD, spectral bands, amplitude statistics) are the baselines; plus participant
                     retrieval@1. Probes need simulator data (their labels are the simulated traits);
                     other sources report retrieval only.
  lead_vae           leads II, V1, V5 -> 12 leads on the validation records: MSE, MAE, per-lead Pearson r,
                     mean r over the 9 reconstructed leads and an FID-style distance, next to the
                     least-squares linear map fitted on the same training records (the bar to beat).

The data split is the run's own (same seed, same held-out participants or records) unless --data,
--data-root or --set data.KEY=VALUE point it at other data.

Suites (--model NAME --suite SUITE; the bundled weights, or --checkpoint FILE) run on real records under
--data-root (default $WEARSDK_DATA_DIR: the folder holding cinc2017/, ptbxl/ ...) and write
OUT/<model>_<suite>.json plus their figures in --out DIR:
{suites}
"""

EPILOG = """\
examples:
  wearsdk evaluate --model ecg_encoder_compact --suite real --data-root ../shared/data/real --out docs/reports
  wearsdk evaluate runs/ecg_cpu                          # RUN/model.pt on the run's own split
  wearsdk evaluate runs/ecg_cpu/checkpoints/step_00002000.pt --out step2000.json
  wearsdk evaluate runs/vae_sim --data ptbxl --data-root ../shared/data/real/ptbxl \\
      --set vae.recon=zscore_mse                         # a simulator-trained VAE on real PTB-XL fold 9
  wearsdk evaluate runs/ecg_cpu --set data.num_participants=400 --set data.val_participants=100

output (RUN): the JSON report (default RUN/evaluation.json) with "recipe", "data", "model" (the model card) and
"probes" ({"encoder" | "random_init" | "handcrafted": {target: scores}}) and "participant_retrieval"
for encoders, or "results" ({"validation": {"vae": metrics, "linear_map": metrics}}) for the VAE;
a summary is printed. Python: wearsdk.train.evaluate_run(RUN, report_path, overrides).
output (suite): the suite's report, headed by "suite", "model", "checkpoint"; --json prints it whole.
Python: wearsdk.train.suites.run_suite(SuiteRequest(...)).
"""


def _suite_lines() -> str:
    from wearsdk.train.suites import get_suite, suite_names

    return "\n".join(f"  {n:<18} {get_suite(n).description}" for n in suite_names()) or "  (none registered)"


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "evaluate",
        help="linear probes of a trained encoder, reconstruction metrics of the lead VAE, or a named suite on real "
             "data (JSON report)",
        description=DESCRIPTION.format(suites=_suite_lines()),
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("run", type=Path, metavar="RUN", nargs="?", default=None,
                   help="a 'wearsdk train' run folder, or a weights file in one (model.pt, checkpoints/step_*.pt); "
                        "omit it with --model/--suite")
    p.add_argument("--model", default=None, metavar="NAME",
                   help="registered model to run a suite on (bundled weights unless --checkpoint)")
    p.add_argument("--suite", default=None, metavar="SUITE", help="evaluation suite to run (listed above)")
    p.add_argument("--checkpoint", type=Path, default=None, metavar="FILE",
                   help="weights file for --model instead of its bundled weights")
    p.add_argument("--limit", type=int, default=None, metavar="N",
                   help="suite: at most N records per dataset (quick runs; default: all)")
    p.add_argument("--seed", type=int, default=0, help="suite: seed of the splits and the random-init model")
    p.add_argument("--json", action="store_true", help="print the whole report as JSON instead of a summary")
    p.add_argument("--data", choices=["sim", "ptbxl", "wfdb"], default=None,
                   help="data source to evaluate on (default: the run's own; same as --set data.source=...)")
    p.add_argument("--data-root", default=None, metavar="DIR",
                   help="RUN: folder of the ptbxl / wfdb records (same as --set data.root=...); suite: folder "
                        "holding the real datasets (default $WEARSDK_DATA_DIR)")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override one value of the run's config before the data are built (repeatable)")
    p.add_argument("--out", "-o", type=Path, default=None,
                   help="RUN: report path (default: RUN/evaluation.json); suite: folder for the report and "
                        "figures (default: print only)")
    p.add_argument("--threads", type=int, default=None, metavar="N", help="torch CPU threads (default: torch's)")
    p.set_defaults(func=run)


def _overrides(args: argparse.Namespace) -> dict[str, Any]:
    """The config overrides of ``--set``, ``--data`` and ``--data-root`` (the shorthands win)."""
    from wearsdk.cli.train import parse_set

    out = parse_set(args.overrides)
    if args.data is not None:
        out["data.source"] = args.data
    if args.data_root is not None:
        out["data.root"] = args.data_root
    return out


def _summary(report: dict[str, Any]) -> dict[str, Any]:
    """The headline numbers of a report: mean r per model for the VAE, probe scores per feature set."""
    if "results" in report:
        return {
            split: {model: round(entry[model]["mean_r_reconstructed"], 4) for model in ("vae", "linear_map")}
            for split, entry in report["results"].items()
        }
    out: dict[str, Any] = {
        features: {t: {k: round(v, 4) for k, v in s.items()} for t, s in scores.items()}
        for features, scores in report.get("probes", {}).items()
    }
    out["participant_retrieval"] = {k: round(v, 4) for k, v in report["participant_retrieval"].items()
                                    if isinstance(v, float)}
    return out


def _run_suite(args: argparse.Namespace) -> int:
    """``--model NAME --suite SUITE``: run the suite, write OUT/<model>_<suite>.json, print a summary or --json."""
    from wearsdk._paths import output_folder
    from wearsdk.train.suites import SuiteRequest, default_data_root, run_suite

    if args.model is None or args.suite is None or args.run is not None:
        raise ConfigError("a suite needs both --model NAME and --suite SUITE, and no RUN folder; "
                          "e.g. 'wearsdk evaluate --model ecg_encoder_compact --suite real'.")
    out = None if args.out is None else output_folder(args.out)
    request = SuiteRequest(suite=args.suite, model=args.model, checkpoint=args.checkpoint, out=out,
                           data_root=default_data_root() if args.data_root is None else Path(args.data_root),
                           seed=args.seed, limit=args.limit)
    report = run_suite(request)
    path = request.artifact(".json")
    if path is not None:
        path.write_text(json.dumps(report, indent=1) + "\n")
    if args.json:
        print(json.dumps(report, indent=1))
    else:
        print(f"suite {args.suite} on {args.model}" + (f" -> {path}" if path else ""))
        print(json.dumps(report.get("summary", {}), indent=1))
    return 0


def run(args: argparse.Namespace) -> int:
    from wearsdk.train.evaluate import evaluate_run

    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    if args.run is None or args.model is not None or args.suite is not None:
        return _run_suite(args)
    report = evaluate_run(args.run, args.out, _overrides(args))
    if args.json:
        print(json.dumps(report, indent=1))
        return 0
    out = args.out if args.out is not None else "evaluation.json in the run folder"
    print(f"evaluated {report['model']['name']} ({report['recipe']}) -> {out}")
    print(json.dumps(_summary(report), indent=1))
    return 0
