"""GPU smoke run of the full presets (``ppg_ssl``, ``ecg_ssl``, ``lead_vae``): the full models at their full
windows and batch sizes, bf16 autocast, TF32, a few hundred steps each, printing samples/s and peak GPU memory.
Data: cheap synthetic toy windows by default, so the numbers measure the GPU (``--data sim`` generates the
simulated cohort on the fly and measures the whole pipeline). Exits with a message (code 1) when there is
no CUDA device.

    python examples/gpu_smoke.py --steps 300 --out /tmp/wearsdk_gpu_smoke [--batch 256] [--recipes lead_vae]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

import torch

from wearsdk.train import get_config, train


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--steps", type=int, default=300)
    p.add_argument("--out", default="/tmp/wearsdk_gpu_smoke")
    p.add_argument("--recipes", nargs="+", default=["ppg_ssl", "ecg_ssl", "lead_vae"])
    p.add_argument("--batch", type=int, default=None, help="global batch (default: the full preset's)")
    p.add_argument("--workers", type=int, default=8, help="DataLoader worker processes")
    p.add_argument(
        "--data",
        default="synthetic",
        choices=["synthetic", "sim"],
        help="synthetic (cheap toy windows: measures the GPU) or sim (wearsdk.sim on the fly: measures the pipeline)",
    )
    p.add_argument("--compile", action="store_true", help="also torch.compile the model")
    p.add_argument(
        "--cpu-dry-run",
        action="store_true",
        help="check the script on a CPU (fp32, use with --steps 2 --batch 4); numbers meaningless",
    )
    args = p.parse_args(argv)
    if args.cpu_dry_run:
        return _run(args, device="cpu")
    if not torch.cuda.is_available():
        print("gpu_smoke: no CUDA device visible to torch; run this on a GPU machine.", file=sys.stderr)
        return 1
    print(f"device: {torch.cuda.get_device_name()} | torch {torch.__version__} | bf16 autocast + TF32")
    return _run(args, device="cuda")


def _run(args: argparse.Namespace, device: str) -> int:
    cuda = device == "cuda"
    results = {}
    for recipe in args.recipes:
        overrides = {
            "steps": args.steps,
            "log_every": min(25, args.steps),
            "device": device,
            "eval_every": 0,
            "ckpt_every": 0,
            "amp": "bf16",
            "compile": args.compile,
            "optim.warmup_steps": max(1, args.steps // 10),
            "data.num_workers": args.workers if cuda else 0,
            "data.source": args.data,
            "data.num_participants": 4096 if cuda else 8,
            "data.val_participants": 64 if cuda else 2,
        }
        if args.batch:
            overrides["global_batch"] = args.batch
        config = get_config(recipe, "full", overrides)
        out = Path(args.out) / recipe
        shutil.rmtree(out, ignore_errors=True)
        if cuda:
            torch.cuda.reset_peak_memory_stats()
        t0 = time.time()
        result = train(config, out, progress=True)
        seconds = time.time() - t0
        rows = [json.loads(x) for x in (out / "metrics.jsonl").read_text().splitlines() if x]
        rates = [r["samples_per_s"] for r in rows if r.get("split") == "train"][1:]  # skip the warm-up window
        results[recipe] = {
            "model": config.model,
            "global_batch": config.global_batch,
            "steps": result.step,
            "samples_per_s": round(sum(rates) / max(1, len(rates)), 1),
            "peak_memory_gib": round(torch.cuda.max_memory_allocated() / 2**30, 2) if cuda else None,
            "first_loss": result.losses[0][1],
            "last_loss": result.losses[-1][1],
            "wall_s": round(seconds, 1),
        }
        print(json.dumps({recipe: results[recipe]}))
    print(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
