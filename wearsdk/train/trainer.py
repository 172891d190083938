"""The trainer: one loop for every recipe, from a 2-core CPU (``tiny`` / ``cpu`` presets) to many GPUs.

* device auto-selection (CUDA when present), bf16 autocast and TF32 on CUDA, optional ``torch.compile``;
* ``torchrun`` + DistributedDataParallel (NCCL on GPUs, gloo on CPU) with global BatchNorm statistics and a
  global contrastive batch, so N processes follow the curve of one process with the same global batch;
* gradient accumulation, gradient clipping, AdamW with linear warm-up then cosine decay;
* checkpoints every ``ckpt_every`` steps written atomically, ``resume=True`` continuing the same curve (the
  data plan, augmentations and noise are pure functions of (seed, step); RNG and optimizer states are saved);
* a non-finite loss stops training before the update, naming the step and the last good checkpoint;
* ``metrics.jsonl`` (one JSON object per logged step / evaluation), ``curves.png``, ``config.json``,
  ``summary.json``, and the
  final model weights ``model.pt`` (plain state dict, loadable with
  ``wearsdk.models.create_model(name, checkpoint_path=...)``), all under ``out_dir``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import math
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader

from wearsdk._paths import output_folder
from wearsdk.errors import CheckpointError, ConfigError, DataFormatError, TrainingDivergedError
from wearsdk.models import ModelCard
from wearsdk.train import checkpoint as ckpt
from wearsdk.train.config import TrainConfig
from wearsdk.train.data import (
    PTBXLLeads,
    StepBatchSampler,
    SyntheticLeads,
    SyntheticWindows,
    WFDBLeads,
)
from wearsdk.train.distributed import DistInfo, all_reduce_mean, convert_batchnorm, setup
from wearsdk.train.sections import REAL_SOURCES

__all__ = ["train", "TrainResult", "build_datasets", "build_task", "lr_at"]


@dataclass
class TrainResult:
    """What a run produced: final step, the logged training losses, the last evaluation, and file paths."""

    step: int
    losses: list[tuple[int, float]] = field(default_factory=list)
    eval: dict[str, Any] = field(default_factory=dict)
    out_dir: Path | None = None
    model_path: Path | None = None
    seconds: float = 0.0
    rank: int = 0


def lr_at(step: int, config: TrainConfig) -> float:
    """Learning rate of optimizer step ``step`` (0-based): linear warm-up, then cosine to ``lr*min_lr_ratio``."""
    o = config.optim
    if step < o.warmup_steps:
        return o.lr * (step + 1) / o.warmup_steps
    span = max(1, config.steps - o.warmup_steps)
    progress = min(1.0, (step - o.warmup_steps) / span)
    return o.lr * (o.min_lr_ratio + (1 - o.min_lr_ratio) * 0.5 * (1 + math.cos(math.pi * progress)))


def _split_by_subject(ids: list[str], val_fraction: float, seed: int) -> tuple[list[int], list[int]]:
    from wearsdk.train.data import sample_seed

    subjects = sorted(set(ids))
    rng = np.random.default_rng(sample_seed(seed, 7))
    val = set(rng.choice(subjects, size=max(1, int(round(val_fraction * len(subjects)))), replace=False).tolist())
    return [i for i, s in enumerate(ids) if s not in val], [i for i, s in enumerate(ids) if s in val]


class _Subset(torch.utils.data.Dataset):
    """Items ``indices`` of a :class:`~wearsdk.train.data.LeadDataset`, keeping its subject ids."""

    def __init__(self, base: Any, indices: list[int]) -> None:
        self.base, self.indices = base, indices
        ids = base.subject_ids()
        self._ids = [ids[i] for i in indices]

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, i: int) -> Any:
        return self.base[self.indices[i]]

    def subject_ids(self) -> list[str]:
        return list(self._ids)


def build_datasets(config: TrainConfig, progress: bool = True) -> tuple[Any, Any]:
    """``(train, val)`` datasets of a config (a :class:`~wearsdk.train.data.WindowDataset` pair for SSL, a
    :class:`~wearsdk.train.data.LeadDataset` pair for the VAE), split by participant / subject, shaped by the
    model's card (:meth:`~wearsdk.train.TrainConfig.resolve`); held in memory when ``data.cache``. ``progress``:
    tqdm bars while real records are read or windows simulated and cached."""
    return _cached(config, _build_datasets(config, config.resolve(), progress), progress)


def _cached(config: TrainConfig, datasets: tuple[Any, Any], progress: bool) -> tuple[Any, Any]:
    """``datasets`` held in memory when ``config.data.cache``."""
    if not config.data.cache or config.data.source in REAL_SOURCES:  # real_*: in memory already
        return datasets
    from wearsdk.train.data import InMemory

    return (InMemory(datasets[0], "caching train data", progress),
            InMemory(datasets[1], "caching val data", progress))


def _build_datasets(config: TrainConfig, card: ModelCard, progress: bool) -> tuple[Any, Any]:
    d = config.data
    window = card.window_samples
    if d.source == "sim":
        from wearsdk.train import sim_data

        return sim_data.build(config, card)
    if d.source in REAL_SOURCES:
        from wearsdk.train import sim_data
        from wearsdk.train.data import InMemory
        from wearsdk.train.real.pretrain import MixedWindows, build_real_ecg, build_real_ppg, sim_target_windows

        if d.source == "real_ecg":
            real, dev = build_real_ecg(d.root, card, d.dev_fraction, config.seed,
                                       beat_targets=config.ssl.beat_targets, progress=progress)
        else:
            real, dev = build_real_ppg(d.root, card, d.dev_fraction, config.seed, progress=progress)
        sim = sim_data.build(config, card)[0]
        if d.sim_targets:
            sim = sim_target_windows(sim, real.spec, progress, d.sim_hr_activities)
        elif d.cache:
            sim = InMemory(sim, "caching simulated windows", progress)
        return MixedWindows(real, sim), dev
    if config.is_lead_vae:
        if d.source == "synthetic":
            return (
                SyntheticLeads(d.num_participants, d.segments_per_participant, window, config.seed),
                SyntheticLeads(
                    d.val_participants,
                    d.segments_per_participant,
                    window,
                    config.seed,
                    first_subject=d.num_participants,
                ),
            )
        if window != 1000 or card.sampling_rate_hz != 100:
            raise ConfigError(
                f"data.source {d.source!r} gives 10 s at 100 Hz (1000 samples); the model "
                f"expects {window} samples at {card.sampling_rate_hz:g} Hz."
            )
        if d.source == "ptbxl":
            return PTBXLLeads(d.root, "train"), PTBXLLeads(d.root, "val")
        full = WFDBLeads(d.root, d.subjects_csv, window_samples=window)
        tr, va = _split_by_subject(full.subject_ids(), 0.1, config.seed)
        return _Subset(full, tr), _Subset(full, va)
    if d.source == "synthetic":
        c = card.input_channels
        return (
            SyntheticWindows(d.num_participants, d.segments_per_participant, len(c), window, config.seed),
            SyntheticWindows(
                d.val_participants,
                d.segments_per_participant,
                len(c),
                window,
                config.seed,
                first_participant=d.num_participants,
            ),
        )
    raise ConfigError(
        f"data.source {d.source!r} is not supported for recipe {config.recipe!r} yet; use "
        "'synthetic' or 'sim', or pass your own WindowDataset to wearsdk.train.train(datasets=...)."
    )


def build_task(config: TrainConfig, datasets: tuple[Any, Any] | None = None, card: ModelCard | None = None,
               progress: bool = True) -> Any:
    """The recipe object (:class:`~wearsdk.train.ssl.SSLTask`, :class:`~wearsdk.train.vae.VAETask`, or a
    distillation task of :mod:`wearsdk.train.distill`). A distillation teacher is loaded and checked against
    the student before any data is read. ``card``: the config's resolved card, when the caller has it;
    ``progress``: bars while the data are built (:func:`build_datasets`)."""
    card = card or config.resolve()
    teacher = None
    if config.is_distill:  # checked before the (possibly slow) data are built
        from wearsdk.train.distill import check_pair, load_teacher

        teacher = load_teacher(config.distill.teacher)
        check_pair(teacher.card, card)
    train_ds, val_ds = (datasets if datasets is not None
                        else _cached(config, _build_datasets(config, card, progress), progress))
    for split, ds in (("training", train_ds), ("validation", val_ds)):
        if ds is not None and len(ds) == 0:
            raise DataFormatError(
                f"the {split} dataset of recipe {config.recipe!r} has no windows; expected at least one "
                f"(data.source {config.data.source!r}). Point data.root at a folder with records, raise "
                "data.num_participants / data.val_participants, or pass datasets of your own."
            )
    if config.is_distill:
        from wearsdk.train.distill import EncoderDistillTask, VAEDistillTask

        return (VAEDistillTask if config.is_lead_vae else EncoderDistillTask)(config, teacher, train_ds, val_ds)
    if config.is_lead_vae:
        from wearsdk.train.vae import VAETask

        return VAETask(config, train_ds, val_ds)
    if config.data.source in REAL_SOURCES:
        from wearsdk.train.real.pretrain import RealSSLTask

        return RealSSLTask(config, train_ds, val_ds)
    from wearsdk.train.ssl import SSLTask

    return SSLTask(config, train_ds, val_ds)


def _param_groups(module: nn.Module, weight_decay: float) -> list[dict[str, Any]]:
    decay, no_decay = [], []
    for p in module.parameters():
        if p.requires_grad:
            (decay if p.ndim > 1 else no_decay).append(p)
    return [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}]


def _to(batch: Any, device: torch.device) -> Any:
    if isinstance(batch, (list, tuple)):
        return type(batch)(_to(b, device) for b in batch)
    return batch.to(device, non_blocking=True) if isinstance(batch, torch.Tensor) else batch


def _plot_curves(metrics_path: Path, png_path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [json.loads(line) for line in metrics_path.read_text().splitlines() if line.strip()]
    train_rows = [r for r in rows if r.get("split") == "train"]
    val_rows = [r for r in rows if r.get("split") == "val"]
    val_keys = [
        k for k in ("mean_r_reconstructed", "participant_retrieval_at_1", "mse") if val_rows and k in val_rows[0]
    ]
    fig, axes = plt.subplots(1, 1 + len(val_keys), figsize=(5 * (1 + len(val_keys)), 3.5), squeeze=False)
    axes[0, 0].plot([r["step"] for r in train_rows], [r["loss"] for r in train_rows])
    axes[0, 0].set(xlabel="step", ylabel="training loss", title="loss")
    for ax, key in zip(axes[0, 1:], val_keys, strict=True):
        ax.plot([r["step"] for r in val_rows], [r[key] for r in val_rows], marker="o")
        ax.set(xlabel="step", ylabel=key, title=f"validation {key}")
    fig.tight_layout()
    fig.savefig(png_path, dpi=100)
    plt.close(fig)


def _added_since(saved: dict[str, Any], key: str, config: TrainConfig) -> bool:
    """Whether dotted ``key`` of a config section is absent from the checkpoint's ``saved`` config and holds its
    default now: a field added to the config after the checkpoint was written, which keeps the old behaviour."""
    section, _, name = key.partition(".")
    if not name or "." in name or not isinstance(saved.get(section), dict) or name in saved[section]:
        return False
    current = getattr(config, section, None)
    return dataclasses.is_dataclass(current) and getattr(current, name) == getattr(type(current)(), name)


def _check_resume(blob: dict[str, Any], config: TrainConfig, run_dir: Path) -> None:
    saved = blob.get("config", {})
    diffs = [
        k
        for k in ckpt.config_differences(saved, config.to_dict())
        if k not in ckpt.RESUMABLE_DIFFERENCES and not _added_since(saved, k, config)
    ]
    if diffs:
        raise CheckpointError(
            f"checkpoint in {str(run_dir)!r} was written by a different config: {diffs} differ. Resume with the "
            "same recipe, preset and overrides (only log/eval/ckpt intervals, compile and data.num_workers may "
            "change), or choose a new --out folder."
        )


def train(
    config: TrainConfig,
    out_dir: str | Path,
    resume: bool = False,
    datasets: tuple[Any, Any] | None = None,
    stop_at_step: int | None = None,
    progress: bool = True,
) -> TrainResult:
    """Run (or resume) one training run; returns a :class:`TrainResult` (on every rank).

    Args:
        config: a :class:`~wearsdk.train.config.TrainConfig` (see ``get_config``); checked against its model's
            card and the files it names first (:meth:`~wearsdk.train.config.TrainConfig.resolve`).
        out_dir: run folder for checkpoints, ``metrics.jsonl``, ``curves.png``, ``config.json``, ``model.pt``
            (created; a file there is a :class:`~wearsdk.ConfigError`).
        resume: continue from the last checkpoint in ``out_dir`` (verified: sha256, format, same config).
        datasets: ``(train, val)`` to use instead of ``config.data`` (your own WindowDataset / LeadDataset).
        stop_at_step: stop (after checkpointing) once this many steps are done, as a time-sliced job would;
            a later ``resume=True`` run continues to ``config.steps``.
        progress: show a tqdm bar on rank 0.
    """
    from tqdm.auto import tqdm

    t0 = time.time()
    out = output_folder(out_dir, what="out_dir (--out)", create=False,
                        use="a run folder, new or holding this run's checkpoints")
    card = config.resolve()
    info: DistInfo = setup(config.device)
    if info.is_main:
        out.mkdir(parents=True, exist_ok=True)
    blob = None
    if resume:
        blob = ckpt.load_checkpoint(out)
        _check_resume(blob, config, out)
    elif info.is_main and ckpt.last_checkpoint(out) is not None:
        raise CheckpointError(
            f"{str(out)!r} already holds a run's checkpoints; pass --resume to continue it or "
            "choose another --out folder."
        )

    torch.manual_seed(config.seed)
    task = build_task(config, datasets, card, progress and info.is_main)
    if config.init_from is not None and blob is None:
        from wearsdk.models import load_weights

        load_weights(task.core(task.module), config.init_from)
    module = task.module.to(info.device)
    if info.world > 1:
        if info.device.type == "cuda":
            module = nn.SyncBatchNorm.convert_sync_batchnorm(module)
        else:
            module = convert_batchnorm(module)
    task.prepare(module)
    optimizer = torch.optim.AdamW(
        _param_groups(module, config.optim.weight_decay), lr=config.optim.lr, betas=config.optim.betas
    )
    start = 0
    if blob is not None:
        task.load_state(module, blob["model"], blob["extra"])
        optimizer.load_state_dict(blob["optimizer"])
        torch.set_rng_state(blob["rng"]["torch"])
        if info.device.type == "cuda" and blob["rng"].get("cuda") is not None:
            torch.cuda.set_rng_state(blob["rng"]["cuda"])
        start = int(blob["step"])
    last_good = None if blob is None else str(ckpt.last_checkpoint(out)[0])

    fwd: nn.Module = module
    if info.world > 1:
        fwd = nn.parallel.DistributedDataParallel(
            module, device_ids=[info.local_rank] if info.device.type == "cuda" else None
        )
    if config.compile:
        fwd = torch.compile(fwd)
    use_amp = info.device.type == "cuda" and config.amp in ("auto", "bf16")
    if config.amp == "bf16" and info.device.type != "cuda":
        use_amp = False  # bf16 autocast on CPU is slow and changes numerics; the CPU path stays fp32
    if info.device.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
        torch.backends.cudnn.benchmark = True  # fixed input shapes: let cuDNN pick the fastest conv kernels

    accum = config.optim.grad_accum
    end = min(config.steps, stop_at_step) if stop_at_step is not None else config.steps
    sampler = StepBatchSampler(task.plan, start, end, config.global_batch, info.rank, info.world, accum)
    loader = DataLoader(
        task.key_dataset,
        batch_sampler=sampler,
        num_workers=config.data.num_workers,
        pin_memory=info.device.type == "cuda",
        persistent_workers=False,
    )
    batches = iter(loader)
    metrics_path = out / "metrics.jsonl"
    if info.is_main:
        (out / "config.json").write_text(json.dumps(config.to_dict(), indent=1, default=list))
        if blob is None:
            metrics_path.write_text("")
        else:  # drop lines logged after the checkpoint we resume from
            kept = [ln for ln in metrics_path.read_text().splitlines() if ln and json.loads(ln)["step"] <= start]
            metrics_path.write_text("".join(k + "\n" for k in kept))

    result = TrainResult(step=start, out_dir=out, rank=info.rank)
    bar = tqdm(
        total=end,
        initial=start,
        disable=not (progress and info.is_main),
        desc=config.recipe,
        file=sys.stderr,
        dynamic_ncols=True,
    )
    samples_seen, t_log = 0, time.time()

    def save(step: int) -> str | None:
        if not info.is_main:
            return None
        payload = {
            "recipe": config.recipe,
            "model_name": config.model,
            "config": config.to_dict(),
            "model": task.model_state(module),
            "extra": task.extra_state(module),
            "optimizer": optimizer.state_dict(),
            "rng": {
                "torch": torch.get_rng_state(),
                "cuda": torch.cuda.get_rng_state() if info.device.type == "cuda" else None,
            },
            "card": task.card.to_dict(),
        }
        return str(ckpt.save_checkpoint(out, step, payload))

    def log(row: dict[str, Any]) -> None:
        if info.is_main:
            with metrics_path.open("a") as fh:
                fh.write(json.dumps(row) + "\n")

    module.train()
    for step in range(start, end):
        lr = lr_at(step, config)
        for group in optimizer.param_groups:
            group["lr"] = lr
        optimizer.zero_grad(set_to_none=True)
        total = torch.zeros((), device=info.device)
        parts: dict[str, torch.Tensor] = {}
        for micro in range(accum):
            batch = _to(next(batches), info.device)
            sync = contextlib.nullcontext()
            if isinstance(fwd, nn.parallel.DistributedDataParallel) and micro < accum - 1:
                sync = fwd.no_sync()
            with sync, torch.autocast(info.device.type, dtype=torch.bfloat16, enabled=use_amp):
                loss, extras = task.loss(fwd, batch, step)
                (loss / accum).backward()
            total += loss.detach().float() / accum
            for k, v in extras.items():
                parts[k] = parts.get(k, 0) + v.float().to(info.device) / accum
            samples_seen += batch[0].shape[0] * info.world
        loss_value = float(all_reduce_mean(total))
        if not math.isfinite(loss_value):
            raise TrainingDivergedError(
                f"non-finite training loss ({loss_value}) at step {step}; the update was not applied. Last good "
                f"checkpoint: {last_good or 'none (no checkpoint written yet)'}. Lower optim.lr, keep "
                "optim.grad_clip > 0, or check the data for NaN/inf, then resume from that checkpoint."
            )
        if config.optim.grad_clip > 0:
            torch.nn.utils.clip_grad_norm_(module.parameters(), config.optim.grad_clip)
        optimizer.step()
        task.after_step(module, step)
        done = step + 1
        result.step = done
        result.losses.append((done, loss_value))
        bar.update(1)
        bar.set_postfix(loss=f"{loss_value:.4f}", lr=f"{lr:.2e}")
        if done % config.log_every == 0 or done == end:
            now = time.time()
            row = {
                "step": done,
                "split": "train",
                "loss": loss_value,
                "lr": lr,
                "samples_per_s": samples_seen / max(1e-9, now - t_log),
            }
            row.update({k: float(all_reduce_mean(v)) for k, v in parts.items()})
            log(row)
            samples_seen, t_log = 0, now
        is_last = done == end
        if (config.eval_every and done % config.eval_every == 0) or (is_last and done == config.steps):
            if info.is_main:
                result.eval = task.evaluate(module, info.device)
                log({"step": done, "split": "val", **result.eval})
        if (config.ckpt_every and done % config.ckpt_every == 0) or is_last:
            last_good = save(done) or last_good
    bar.close()
    if info.is_main and result.step == config.steps:
        result.model_path = out / "model.pt"
        torch.save(
            {"model": task.model_state(module), "card": task.card.to_dict(), "config": config.to_dict()},
            result.model_path,
        )
        _plot_curves(metrics_path, out / "curves.png")
    result.seconds = time.time() - t0
    if info.is_main and result.model_path is not None:
        summary = {
            "steps": result.step,
            "seconds_this_process": round(result.seconds, 1),
            "final_train_loss": result.losses[-1][1] if result.losses else None,
            "eval": result.eval,
        }
        (out / "summary.json").write_text(json.dumps(summary, indent=1))
    return result
