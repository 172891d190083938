"""``load(path)``: an exported artifact folder, verified against its ``manifest.json`` before use."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

from wearsdk._integrity import ARTIFACT_FORMAT, sha256_file
from wearsdk.errors import ArtifactIntegrityError, BackendUnavailableError, ConfigError, DTypeError, ShapeError
from wearsdk.models.card import ModelCard
from wearsdk.runtime.executorch import ExecutorchProgram

__all__ = ["Artifact", "load"]

class Artifact:
    """A verified artifact: ``manifest``, ``card`` (the model's :class:`~wearsdk.models.ModelCard`; ``None`` for a
    plain module exported without one), ``trained`` (``False``: random weights, exported with
    ``--allow-untrained``), ``__call__`` for window programs (ExecuTorch and ONNX via onnxruntime) and
    ``push`` / ``reset`` for streaming programs. CoreML packages cannot run here (see
    :func:`wearsdk.runtime.inspect`). Not thread-safe: load one per thread."""

    def __init__(self, folder: Path, manifest: dict[str, Any]):
        self.folder = folder
        self.manifest = manifest
        self.card: ModelCard | None = _card(folder, manifest)
        self.trained: bool = _trained(folder, manifest)
        self.inputs = manifest["inputs"]
        self.backend = manifest["backend"]
        self.streaming = bool(manifest.get("streaming"))
        self._pushes = 0
        self._run = self._runner()

    def _runner(self) -> Callable[..., list[torch.Tensor]] | None:
        """A fresh callable on the artifact's file (a new program: streaming state starts from zero)."""
        if self.backend == "executorch":
            return ExecutorchProgram(self.folder / next(f for f in self.manifest["files"] if f.endswith(".pte")))
        if self.backend == "onnx":
            import onnxruntime as ort

            session = ort.InferenceSession(str(self.folder / next(iter(self.manifest["files"]))),
                                           providers=["CPUExecutionProvider"])
            names = [i.name for i in session.get_inputs()]
            return lambda *xs: [torch.from_numpy(y) for y in session.run(
                None, {n: x.numpy() for n, x in zip(names, xs, strict=True)})]
        return None

    def _check(self, inputs: tuple[torch.Tensor, ...]) -> None:
        if self._run is None:
            raise BackendUnavailableError(
                f"{self.folder} holds a {self.backend} artifact, which cannot run on this machine (CoreML needs "
                "an Apple platform); its manifest, states and MIL ops can still be read with wearsdk.runtime.inspect."
            )
        for spec, x in zip(self.inputs, inputs, strict=False):
            dtype = str(x.dtype).removeprefix("torch.")
            if dtype != spec["dtype"]:
                raise DTypeError(f"input {spec['name']} must be {spec['dtype']}, got {dtype}; convert it first "
                                 f"(x.to(torch.{spec['dtype']})).")
            if list(x.shape) != spec["shape"]:
                raise ShapeError(f"input {spec['name']} must be shaped {tuple(spec['shape'])}, got {tuple(x.shape)}.")

    def __call__(self, *inputs: torch.Tensor) -> list[torch.Tensor]:
        """Runs a window program on ``inputs`` shaped as the manifest's ``inputs``; returns its outputs."""
        if self.streaming:
            raise ConfigError(f"{self.folder} is a streaming program: feed it one hop at a time with push(chunk).")
        self._check(inputs)
        return self._run(*inputs)

    def push(self, chunk: torch.Tensor) -> torch.Tensor | None:
        """Feeds one hop ``(1, channels, hop_in)`` float32 of raw samples at the stream's input rate to a
        streaming program. Returns the output for the latest full window, or ``None`` during the first
        ``manifest["stream"]["warmup_calls"]`` pushes, while the ring buffer is still filling."""
        if not self.streaming:
            raise ConfigError(f"{self.folder} is a window program: call it on whole windows; push(chunk) is for "
                              "artifacts exported with --streaming.")
        self._check((chunk,))
        out = self._run(chunk)[0]
        self._pushes += 1
        return out if self._pushes > self.manifest["stream"]["warmup_calls"] else None

    def reset(self) -> None:
        """Starts a new stream: the program is loaded again, so its ring buffer and filter state are zero."""
        self._run = self._runner()
        self._pushes = 0


def _card(folder: Path, manifest: dict[str, Any]) -> ModelCard | None:
    """The manifest's ``model_card`` as a :class:`ModelCard` (``None`` when the exporter had none)."""
    data = manifest.get("model_card")
    if data is None:
        return None
    try:
        return ModelCard.from_dict(data)
    except (ConfigError, TypeError, ValueError, KeyError, IndexError) as exc:
        raise ArtifactIntegrityError(
            f"{folder / 'manifest.json'}: its model_card is not a card this version of wearsdk reads ({exc}); "
            "expected ModelCard.to_dict(). Re-export the model with this version (wearsdk export)."
        ) from exc


def _trained(folder: Path, manifest: dict[str, Any]) -> bool:
    trained = manifest.get("trained")
    if not isinstance(trained, bool):
        raise ArtifactIntegrityError(
            f"{folder / 'manifest.json'}: expected a top-level 'trained' true/false, got {trained!r} (a manifest "
            "written by an older wearsdk). Re-export the model with this version (wearsdk export)."
        )
    return trained


def load(path: str | Path) -> Artifact:
    """Loads the artifact folder (or its ``manifest.json``) after checking every file's size and sha256.

    Raises:
        ArtifactIntegrityError: ``path`` is another file (e.g. the ``.pte`` itself) or holds no manifest; a file
            is missing or differs from its sha256; the manifest is from an older wearsdk (its card does not
            parse, or it has no top-level ``trained``).
    """
    path = Path(path)
    if path.is_file() and path.name != "manifest.json":
        raise ArtifactIntegrityError(
            f"{path} is a file; expected an artifact folder written by wearsdk export (or its manifest.json). "
            f"Pass the folder that holds it, e.g. {path.parent}."
        )
    folder = path.parent if path.name == "manifest.json" else path
    manifest_path = folder / "manifest.json"
    try:
        manifest = json.loads(manifest_path.read_text())
    except FileNotFoundError as exc:
        raise ArtifactIntegrityError(f"no manifest.json in {folder}: not an exported wearsdk artifact.") from exc
    except json.JSONDecodeError as exc:
        raise ArtifactIntegrityError(f"{manifest_path} is not valid JSON ({exc}); re-export the model.") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != ARTIFACT_FORMAT:
        raise ArtifactIntegrityError(
            f"{manifest_path} has format {manifest.get('format') if isinstance(manifest, dict) else manifest!r}, "
            f"expected {ARTIFACT_FORMAT!r}: not a manifest written by wearsdk export; re-export the model."
        )
    for key in ("backend", "files", "inputs", "outputs"):
        if key not in manifest:
            raise ArtifactIntegrityError(f"{manifest_path} lacks {key!r}; re-export the model.")
    for name, meta in manifest["files"].items():
        f = folder / name
        if not f.is_file():
            raise ArtifactIntegrityError(f"{f} is listed in the manifest but missing.")
        if f.stat().st_size != meta["bytes"] or sha256_file(f) != meta["sha256"]:
            raise ArtifactIntegrityError(
                f"{f} does not match its manifest (size or sha256 differ): the file was truncated, corrupted or "
                "replaced. Re-export, or restore the original file."
            )
    return Artifact(folder, manifest)
