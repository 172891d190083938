"""Checkpoints: written atomically, verified on resume, never carrying DDP's ``module.`` prefix.

Layout in the run folder::

    checkpoints/step_00000100.pt     torch.save of a plain dict (see :func:`save_checkpoint`)
    checkpoints/last.json            {"file": "step_00000100.pt", "step": 100, "sha256": "..."}

``last.json`` is replaced (``os.replace``) only after its checkpoint is fully on disk, so an interrupted write
never leaves a "last" checkpoint that is half-written; the sha256 catches later corruption.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import torch

from wearsdk._integrity import sha256_file
from wearsdk.errors import CheckpointError

__all__ = [
    "FORMAT",
    "save_checkpoint",
    "load_checkpoint",
    "last_checkpoint",
    "strip_module_prefix",
    "RESUMABLE_DIFFERENCES",
    "config_differences",
]

FORMAT = "wearsdk.train/1"

#: TrainConfig fields that may differ between a run and its resumption (they do not change the curve).
RESUMABLE_DIFFERENCES = frozenset({"log_every", "eval_every", "ckpt_every", "compile", "data.num_workers"})


def strip_module_prefix(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Remove DDP's / torch.compile's wrapper prefixes (``module.``, ``_orig_mod.``) from state-dict keys."""
    out = {}
    for key, value in state.items():
        while key.startswith(("module.", "_orig_mod.")):
            key = key.split(".", 1)[1]
        out[key] = value
    return out


def _atomic_write_bytes(path: Path, write) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("wb") as fh:
        write(fh)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def save_checkpoint(run_dir: str | Path, step: int, payload: dict[str, Any], keep: int = 2) -> Path:
    """Write ``payload`` (model/extra/optimizer state, config, rng) as the checkpoint of ``step`` and point
    ``last.json`` at it; older checkpoints beyond the last ``keep`` are removed."""
    ckpt_dir = Path(run_dir) / "checkpoints"
    ckpt_dir.mkdir(parents=True, exist_ok=True)
    payload = dict(payload, format=FORMAT, step=step)
    payload["model"] = strip_module_prefix(payload["model"])
    path = ckpt_dir / f"step_{step:08d}.pt"
    _atomic_write_bytes(path, lambda fh: torch.save(payload, fh))
    meta = json.dumps({"file": path.name, "step": step, "sha256": sha256_file(path)}, indent=1).encode()
    _atomic_write_bytes(ckpt_dir / "last.json", lambda fh: fh.write(meta))
    for old in sorted(ckpt_dir.glob("step_*.pt"))[:-keep]:
        old.unlink()
    return path


def last_checkpoint(run_dir: str | Path) -> tuple[Path, dict[str, Any]] | None:
    """``(path, meta)`` of the last complete checkpoint of a run, or ``None`` when it has none."""
    meta_path = Path(run_dir) / "checkpoints" / "last.json"
    if not meta_path.is_file():
        return None
    try:
        meta = json.loads(meta_path.read_text())
        return meta_path.parent / meta["file"], meta
    except (ValueError, KeyError) as exc:
        raise CheckpointError(f"{str(meta_path)!r} is corrupt ({exc}); delete it to start over.") from exc


def load_checkpoint(run_dir: str | Path) -> dict[str, Any]:
    """Load and verify (sha256, format) the last checkpoint of ``run_dir``."""
    found = last_checkpoint(run_dir)
    if found is None:
        raise CheckpointError(
            f"no checkpoint to resume from in {str(run_dir)!r} (expected checkpoints/last.json); "
            "run without --resume to start a new run."
        )
    path, meta = found
    if not path.is_file():
        raise CheckpointError(f"checkpoint {str(path)!r} named by last.json is missing.")
    digest = sha256_file(path)
    if digest != meta.get("sha256"):
        raise CheckpointError(
            f"checkpoint {str(path)!r} is corrupted or truncated: sha256 {digest[:16]}... does not match "
            f"{str(meta.get('sha256'))[:16]}... recorded when it was written. Delete it (and last.json) to "
            "restart, or restore the file."
        )
    try:
        blob = torch.load(path, map_location="cpu", weights_only=False)
    except Exception as exc:
        raise CheckpointError(f"checkpoint {str(path)!r} could not be read: {type(exc).__name__}: {exc}") from exc
    if not isinstance(blob, dict) or blob.get("format") != FORMAT:
        raise CheckpointError(
            f"checkpoint {str(path)!r}: expected format {FORMAT!r}, got "
            f"{blob.get('format') if isinstance(blob, dict) else type(blob).__name__!r}."
        )
    return blob


def config_differences(a: dict[str, Any], b: dict[str, Any], prefix: str = "") -> list[str]:
    """Dotted keys whose values differ between two nested config dicts."""
    keys = sorted(set(a) | set(b))
    diffs: list[str] = []
    for k in keys:
        va, vb = a.get(k), b.get(k)
        if isinstance(va, dict) and isinstance(vb, dict) and k != "model_overrides":
            diffs += config_differences(va, vb, f"{prefix}{k}.")
        elif va != vb:
            diffs.append(f"{prefix}{k}")
    return diffs
