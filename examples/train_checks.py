"""Model sizes, 2-process gloo DDP vs one process, and resume checks of the tiny presets; writes a JSON report.

.venv/bin/python examples/train_checks.py --report docs/reports/trainer_checks.json
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import tempfile
import time
from pathlib import Path

import torch
import torch.multiprocessing as mp

from wearsdk.models import create_model, list_models
from wearsdk.train import get_config, train

RECIPES = ("lead_vae", "ppg_ssl", "ecg_ssl")


def _curve(run_dir: Path) -> list[float]:
    rows = [json.loads(x) for x in (run_dir / "metrics.jsonl").read_text().splitlines() if x]
    return [r["loss"] for r in rows if r["split"] == "train"]


def _worker(rank: int, world: int, port: int, recipe: str, out: str, steps: int) -> None:
    os.environ.update(
        MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), RANK=str(rank), LOCAL_RANK=str(rank), WORLD_SIZE=str(world)
    )
    torch.set_num_threads(1)
    from wearsdk.train.distributed import teardown

    try:
        train(get_config(recipe, "tiny", {"steps": steps, "log_every": 1}), out, progress=False)
    finally:
        teardown()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--report", default="docs/reports/trainer_checks.json")
    p.add_argument("--steps", type=int, default=6)
    args = p.parse_args(argv)
    torch.set_num_threads(1)
    models = {}
    for name in list_models():
        card = create_model(name).card
        models[name] = {
            "num_params": card.num_params,
            "input_channels": list(card.input_channels),
            "window_samples": card.window_samples,
            "sampling_rate_hz": card.sampling_rate_hz,
            "embedding_dim": card.embedding_dim,
        }
    checks = {}
    for recipe in RECIPES:
        tmp = Path(tempfile.mkdtemp(prefix=f"wearsdk_{recipe}_"))
        config = get_config(recipe, "tiny", {"steps": args.steps, "log_every": 1})
        single = train(config, tmp / "single", progress=False)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        mp.spawn(_worker, args=(2, port, recipe, str(tmp / "ddp"), args.steps), nprocs=2, join=True)
        a = torch.tensor([x for _, x in single.losses])
        b = torch.tensor(_curve(tmp / "ddp"))
        train(config, tmp / "part", stop_at_step=args.steps // 2, progress=False)
        train(config, tmp / "part", resume=True, progress=False)
        checks[recipe] = {
            "global_batch": config.global_batch,
            "single_process_losses": a.tolist(),
            "two_process_gloo_losses": b.tolist(),
            "max_abs_loss_difference": float((a - b).abs().max()),
            "resume_after_half_gives_identical_curve": _curve(tmp / "part") == _curve(tmp / "single"),
        }
    report = {
        "what": "model sizes; tiny presets on CPU: 2-process gloo DDP vs 1 process with the same global batch, "
        f"and stop at step {args.steps // 2} + resume vs an uninterrupted run",
        "torch": torch.__version__,
        "date_utc": time.strftime("%Y-%m-%d %H:%M", time.gmtime()),
        "models": models,
        "ddp_and_resume": checks,
    }
    Path(args.report).parent.mkdir(parents=True, exist_ok=True)
    Path(args.report).write_text(json.dumps(report, indent=1))
    print(
        json.dumps(
            {k: (v["max_abs_loss_difference"], v["resume_after_half_gives_identical_curve"]) for k, v in checks.items()}
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
