"""``load(path)``: an exported artifact folder, verified against its ``manifest.json`` before use."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch

from wearsdk._integrity import ARTIFACT_FORMAT, sha256_file
from wearsdk.errors import ArtifactIntegrityError, BackendUnavailableError, ShapeError
from wearsdk.runtime.executorch import ExecutorchProgram

__all__ = ["Artifact", "load"]

class Artifact:
    """A verified artifact: ``manifest``, ``card`` (the model card dict) and ``__call__`` for ExecuTorch
    programs and ONNX models (onnxruntime). Not thread-safe: load one per thread."""

    def __init__(self, folder: Path, manifest: dict[str, Any]):
        self.folder = folder
        self.manifest = manifest
        self.card: dict[str, Any] = manifest.get("model_card", {})
        self.inputs = manifest["inputs"]
        self.backend = manifest["backend"]
        self._run = None
        if self.backend == "executorch":
            program = ExecutorchProgram(folder / next(f for f in manifest["files"] if f.endswith(".pte")))
            self._run = program
        elif self.backend == "onnx":
            import onnxruntime as ort

            session = ort.InferenceSession(str(folder / next(iter(manifest["files"]))),
                                           providers=["CPUExecutionProvider"])
            names = [i.name for i in session.get_inputs()]
            self._run = lambda *xs: [torch.from_numpy(y) for y in session.run(
                None, {n: x.numpy() for n, x in zip(names, xs, strict=True)})]

    def __call__(self, *inputs: torch.Tensor) -> list[torch.Tensor]:
        if self._run is None:
            raise BackendUnavailableError(
                f"{self.folder} holds a {self.backend} artifact, which cannot run on this machine (CoreML needs "
                "an Apple platform); its manifest and MIL ops can still be inspected."
            )
        for spec, x in zip(self.inputs, inputs, strict=False):
            if list(x.shape) != spec["shape"] or str(x.dtype).removeprefix("torch.") != spec["dtype"]:
                raise ShapeError(
                    f"input {spec['name']} must be {spec['dtype']} of shape {tuple(spec['shape'])}, got "
                    f"{str(x.dtype).removeprefix('torch.')} {tuple(x.shape)}."
                )
        return self._run(*inputs)


def load(path: str | Path) -> Artifact:
    """Loads the artifact folder (or its ``manifest.json``) after checking every file's size and sha256."""
    path = Path(path)
    folder = path.parent if path.name == "manifest.json" else path
    manifest_path = folder / "manifest.json"
    try:
        manifest = json.loads(manifest_path.read_text())
    except FileNotFoundError as exc:
        raise ArtifactIntegrityError(f"no manifest.json in {folder}: not an exported wearsdk artifact.") from exc
    except json.JSONDecodeError as exc:
        raise ArtifactIntegrityError(f"{manifest_path} is not valid JSON ({exc}); re-export the model.") from exc
    if manifest.get("format") != ARTIFACT_FORMAT:
        raise ArtifactIntegrityError(
            f"{manifest_path} has format {manifest.get('format')!r}, expected {ARTIFACT_FORMAT!r}."
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
