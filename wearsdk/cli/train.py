"""``wearsdk train``: train a full or compact model with a published recipe."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wearsdk.errors import ConfigError

if TYPE_CHECKING:
    from wearsdk.train import TrainConfig

__all__ = ["add_parser", "run", "run_config", "add_run_options", "parse_set"]

DESCRIPTION = """\
Train a model with one of the recipes of wearsdk.train.

Recipes (--config):
  ppg_ssl    self-supervised PPG encoder (Abbaspourazad et al., ICLR 2024): participant-level positive
             pairs, augmentations, InfoNCE (tau 0.04) + KoLeo (0.1), EMA (0.99) target; 4 x 3840 at 64 Hz
  ecg_ssl    the same recipe for the single-lead ECG encoder; 1 x 3840 at 128 Hz
  lead_vae   3 -> 12 lead VAE (II, V1, V5 -> 12 leads, 10 s at 100 Hz): MSE + annealed KL (1e-4)

Presets (--preset):
  tiny       compact model, short windows, toy synthetic data, 20 steps: about a minute on a laptop CPU;
             for tests and smoke runs only, not for quality
  cpu        compact model on the simulated cohort, a few thousand steps: a real but small run on a CPU
  real       ecg_ssl: the compact ECG encoder on real ECG (CinC 2017 + PTB-XL lead I training records
             under data.root, default ../shared/data/real) with 1/4 simulated pairs, plus a multi-task term
             on their labels (rhythm, NORM/abnormal, age, sex, HR, RR features), 3,200 steps: ~1 h of one
             idle CPU core.
             ecg_distill: the compact ECG student from a full teacher (--teacher) on the same windows,
             1,000 steps at batch 64: ~1 h of one core.
             ppg_ssl: the compact PPG encoder on PPG-BP's training subjects (pulse trains, 1/4 of the
             pairs) and the wide simulated population, multi-task on age, sex, BMI, SBP and HR: ~30 min
  full       the full (teacher) model on a large simulated cohort, bf16 on CUDA: for one or more GPUs

Every value of the config can be changed with --set KEY=VALUE (repeatable; dotted keys for sections,
VALUE parsed as JSON when it can be): steps, global_batch, seed, device, amp, compile, init_from, log_every,
eval_every, ckpt_every, optim.{lr,weight_decay,warmup_steps,min_lr_ratio,grad_clip,grad_accum},
ssl.{temperature,koleo_weight,ema_momentum,proj_dim,supervised_weight,beat_targets},
vae.{kl_weight,kl_warmup_steps,recon},
augment.{p_cutout,p_time_warp,...}, data.{source,root,real_fraction,num_workers,...},
model_overrides.<any field of the model's config>. Unknown keys and impossible values are rejected
before anything runs. --print-config shows the resolved config and exits.
"""

EPILOG = """\
examples:
  wearsdk train --config lead_vae --preset tiny --out runs/vae_tiny
  wearsdk train --config ppg_ssl --preset full --out runs/ppg_full --set optim.lr=5e-4
  wearsdk train --config lead_vae --preset cpu --out runs/vae_ptbxl \\
      --set data.source=ptbxl --set data.root=../shared/data/real/ptbxl --set vae.recon=zscore_mse
  wearsdk train --config lead_vae --preset cpu --out runs/vae_ptbxl --resume    # continue after a stop
  wearsdk train --config lead_vae --preset cpu --out runs/vae_ptbxl_ft \\
      --set init_from=runs/vae_sim/model.pt --set data.source=ptbxl ...        # fine-tune pre-trained weights
  torchrun --nproc_per_node 4 -m wearsdk train --config ecg_ssl --preset full --out runs/ecg_full

outputs in --out: config.json, metrics.jsonl (one JSON line per logged step / evaluation), curves.png,
checkpoints/ (atomic, sha256-verified on --resume), model.pt (final weights; load them with
wearsdk.models.create_model(NAME, checkpoint_path="OUT/model.pt", **model_overrides)).
"""


def parse_set(items: list[str]) -> dict[str, Any]:
    """``["optim.lr=3e-4", "data.root=/x"]`` -> ``{"optim.lr": 0.0003, "data.root": "/x"}`` (JSON when it
    parses, else the string; JSON lists become tuples)."""
    out: dict[str, Any] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep or not key:
            raise ConfigError(f"--set expects KEY=VALUE (e.g. optim.lr=3e-4), got {item!r}.")
        try:
            value = json.loads(raw)
        except ValueError:
            value = raw
        if isinstance(value, list):
            value = tuple(tuple(v) if isinstance(v, list) else v for v in value)
        out[key.strip()] = value
    return out


def add_run_options(p: argparse.ArgumentParser) -> None:
    """Options shared by ``wearsdk train`` and ``wearsdk distill``: --out, --set, --resume, ..."""
    p.add_argument("--preset", default="tiny", choices=["tiny", "cpu", "real", "full"],
                   help="size of the run (default: tiny)")
    p.add_argument("--out", required=False, help="run folder for checkpoints, metrics and figures")
    p.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override one config value (repeatable)",
    )
    p.add_argument("--resume", action="store_true", help="continue the run in --out from its last checkpoint")
    p.add_argument(
        "--stop-at-step",
        type=int,
        default=None,
        metavar="N",
        help="checkpoint and stop after N steps (for time-sliced jobs); --resume continues",
    )
    p.add_argument("--threads", type=int, default=None, metavar="N", help="torch CPU threads (default: torch's)")
    p.add_argument("--print-config", action="store_true", help="print the resolved config as JSON and exit")
    p.add_argument("--no-progress", action="store_true",
                   help="no progress bars (neither the training steps nor the data being read or simulated)")


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "train",
        help="train a PPG/ECG encoder (self-supervised) or the 3->12 lead VAE",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--config", required=True, choices=["ppg_ssl", "ecg_ssl", "lead_vae"], help="the recipe")
    add_run_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from wearsdk.train import get_config

    return run_config(get_config(args.config, args.preset, parse_set(args.overrides)), args)


def run_config(config: TrainConfig, args: argparse.Namespace) -> int:
    """Print the config (``--print-config``) or run it into ``--out`` and print what came out."""
    from wearsdk.train import train
    from wearsdk.train.distributed import teardown

    if args.print_config:
        print(json.dumps(config.to_dict(), indent=1, default=list))
        return 0
    if not args.out:
        raise ConfigError("--out: expected a run folder (checkpoints, metrics.jsonl, curves.png go there).")
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    try:
        result = train(
            config,
            Path(args.out),
            resume=args.resume,
            stop_at_step=args.stop_at_step,
            progress=not args.no_progress,
        )
    finally:
        teardown()
    if result.rank != 0:
        return 0
    if result.model_path is not None:
        print(f"trained {config.model} for {result.step} steps in {result.seconds:.0f} s -> {result.model_path}")
        if result.eval:
            print(
                "validation:",
                json.dumps(
                    {k: round(v, 4) for k, v in result.eval.items() if isinstance(v, float) and not k.startswith("r_")}
                ),
            )
    else:
        print(f"stopped at step {result.step} of {config.steps}; continue with --resume")
    return 0
