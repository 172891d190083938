"""``manifest.json``: what an artifact folder holds, how to feed it, and how it was checked.

Written by every exporter; read back by :func:`wearsdk.runtime.load`, which refuses a folder whose
files do not match their sha256 and sizes. ``"model_card"`` holds :meth:`ModelCard.to_dict` (``None`` for a
plain module exported without a card) and ``"trained"`` says whether the weights were trained.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch

from wearsdk._integrity import ARTIFACT_FORMAT, sha256_file
from wearsdk.errors import ShapeError
from wearsdk.models.card import ModelCard
from wearsdk.quant.versions import tool_versions

__all__ = ["tensor_spec", "write_manifest", "check_windows"]


def check_windows(windows: torch.Tensor | None, what: str) -> None:
    """:class:`ShapeError` unless ``windows`` is ``None`` or ``(n >= 1, channels, samples)``."""
    if windows is not None and (windows.ndim != 3 or windows.shape[0] == 0):
        raise ShapeError(f"{what} must be shaped (windows >= 1, channels, samples), got {tuple(windows.shape)}.")


def tensor_spec(name: str, t: torch.Tensor) -> dict[str, Any]:
    return {"name": name, "shape": list(t.shape), "dtype": str(t.dtype).removeprefix("torch.")}


def write_manifest(folder: Path, *, files: list[Path], backend: str, precision: str, streaming: bool,
                   inputs: list[dict[str, Any]], outputs: list[dict[str, Any]], model_card: ModelCard | None,
                   trained: bool, quantization: dict[str, Any] | None, parity: dict[str, Any],
                   extra: dict[str, Any] | None = None, root: Path | None = None) -> Path:
    """Writes ``folder/manifest.json``. File names are relative to ``root`` (default ``folder``), so a
    package directory lists every file inside it."""
    root = root or folder
    manifest = {
        "format": ARTIFACT_FORMAT,
        "backend": backend,
        "precision": precision,
        "streaming": streaming,
        "model_card": None if model_card is None else model_card.to_dict(),
        "trained": bool(trained),
        "inputs": inputs,
        "outputs": outputs,
        "quantization": quantization,
        "files": {str(f.relative_to(root)): {"bytes": f.stat().st_size, "sha256": sha256_file(f)} for f in files},
        "versions": tool_versions(),
        "parity": parity,
        **(extra or {}),
    }
    path = folder / "manifest.json"
    path.write_text(json.dumps(manifest, indent=2, default=str) + "\n")
    return path
