"""``wearsdk distill``: distil a compact student from a trained teacher with the same trainer."""

from __future__ import annotations

import argparse
from typing import Any

from wearsdk.cli.train import add_run_options, parse_set, run_config
from wearsdk.errors import ConfigError

__all__ = ["add_parser", "run", "recipe_for"]

DESCRIPTION = """\
Distil a compact student (ppg_encoder_compact, ecg_encoder_compact, lead_vae_compact) from a trained
teacher: the model.pt of a 'wearsdk train' run (its config names the teacher model). Same trainer as
'wearsdk train': presets, --set overrides, checkpoints, --resume, torchrun/DDP.

Losses (DistillConfig, every weight settable with --set distill.KEY=VALUE):
  encoders   student and teacher see the same augmented window; cosine + norm-relative MSE between the
             256-d embeddings + a relational term (KL between in-batch similarity distributions, tau 0.1)
             that keeps the teacher's neighbourhoods
  lead VAE   error to the teacher's reconstruction + error to the true 12 leads + annealed KL

The student must take the teacher's input (sampling rate, window, channels, preprocessing) and give the
same embedding size or leads: a mismatch is refused before any data is read.
"""

EPILOG = """\
examples:
  wearsdk train --config ppg_ssl --preset cpu --set model=ppg_encoder_full --out runs/ppg_teacher
  wearsdk distill --teacher runs/ppg_teacher/model.pt --student ppg_encoder_compact --preset cpu \\
      --out runs/ppg_student
  wearsdk distill --teacher runs/vae_full/model.pt --student lead_vae_compact --preset cpu \\
      --out runs/vae_student --set distill.truth_weight=0.5
  torchrun --nproc_per_node 4 -m wearsdk distill --teacher T.pt --student ecg_encoder_compact --preset full ...

outputs in --out: as 'wearsdk train' (config.json, metrics.jsonl with cosine_to_teacher and both models'
participant retrieval, curves.png, checkpoints/, model.pt of the student).
"""


def recipe_for(student: str) -> str:
    """The distillation recipe of a student model, read from its card's modality and task
    (``ppg_encoder_compact`` -> ``ppg_distill``)."""
    from wearsdk.models import get_model_card, is_model, list_models
    from wearsdk.train.config import distill_recipe

    if not is_model(student):
        raise ConfigError(
            f"--student {student!r}: expected a registered PPG/ECG encoder or lead VAE, one of {list_models()}."
        )
    return distill_recipe(get_model_card(student))


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "distill",
        help="distil a compact student from a trained teacher",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--teacher", required=True, metavar="MODEL_PT", help="the teacher's model.pt (from wearsdk train)")
    p.add_argument("--student", required=True, metavar="NAME", help="the student model, e.g. ppg_encoder_compact")
    add_run_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from wearsdk.train import get_config

    overrides = {"model": args.student, "distill.teacher": args.teacher, **parse_set(args.overrides)}
    return run_config(get_config(recipe_for(args.student), args.preset, overrides), args)
