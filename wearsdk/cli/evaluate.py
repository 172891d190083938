"""``wearsdk evaluate``: linear probes of a trained encoder, reconstruction metrics of a trained lead VAE."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

__all__ = ["add_parser", "run"]

DESCRIPTION = """\
Evaluate a model trained with 'wearsdk train' on held-out data and write a JSON report.

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
"""

EPILOG = """\
examples:
  wearsdk evaluate runs/ecg_cpu                          # RUN/model.pt on the run's own split
  wearsdk evaluate runs/ecg_cpu/checkpoints/step_00002000.pt --out step2000.json
  wearsdk evaluate runs/vae_sim --data ptbxl --data-root ../shared/data/real/ptbxl \\
      --set vae.recon=zscore_mse                         # a simulator-trained VAE on real PTB-XL fold 9
  wearsdk evaluate runs/ecg_cpu --set data.num_participants=400 --set data.val_participants=100

output: the JSON report (default RUN/evaluation.json) with "recipe", "data", "model" (the model card) and
"probes" ({"encoder" | "random_init" | "handcrafted": {target: scores}}) and "participant_retrieval"
for encoders, or "results" ({"validation": {"vae": metrics, "linear_map": metrics}}) for the VAE;
a summary is printed. Python: wearsdk.train.evaluate_run(RUN, report_path, overrides).
"""


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "evaluate",
        help="linear probes of a trained encoder or reconstruction metrics of the lead VAE (JSON report)",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("run", type=Path, metavar="RUN",
                   help="a 'wearsdk train' run folder, or a weights file in one (model.pt, checkpoints/step_*.pt)")
    p.add_argument("--data", choices=["sim", "ptbxl", "wfdb"], default=None,
                   help="data source to evaluate on (default: the run's own; same as --set data.source=...)")
    p.add_argument("--data-root", default=None, metavar="DIR",
                   help="folder of the ptbxl / wfdb records (same as --set data.root=...)")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override one value of the run's config before the data are built (repeatable)")
    p.add_argument("--out", "-o", type=Path, default=None, help="report path (default: RUN/evaluation.json)")
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


def run(args: argparse.Namespace) -> int:
    from wearsdk.train.evaluate import evaluate_run

    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    report = evaluate_run(args.run, args.out, _overrides(args))
    out = args.out if args.out is not None else "evaluation.json in the run folder"
    print(f"evaluated {report['model']['name']} ({report['recipe']}) -> {out}")
    print(json.dumps(_summary(report), indent=1))
    return 0
