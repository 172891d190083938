"""Loading and running ExecuTorch ``.pte`` programs with the wearsdk kernels registered first."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from wearsdk._native import load_executorch_kernels
from wearsdk.errors import ArtifactIntegrityError, ShapeError

__all__ = ["ExecutorchProgram", "load_program"]


class ExecutorchProgram:
    """One method of a ``.pte`` program. Not thread-safe: use one instance per thread."""

    def __init__(self, path: str | Path, method: str = "forward"):
        from executorch.runtime import Runtime

        self.path = Path(path)
        if self.path.is_dir():
            raise ArtifactIntegrityError(f"{self.path} is a folder; expected an ExecuTorch .pte file. Load an artifact "
                                         "folder with wearsdk.runtime.load(folder).")
        if not self.path.is_file():
            raise ArtifactIntegrityError(f"no ExecuTorch program at {self.path}: expected a .pte file.")
        load_executorch_kernels()
        try:
            program = Runtime.get().load_program(self.path)
            self._method = program.load_method(method)
        except Exception as exc:  # the pybindings raise RuntimeError/ValueError for corrupt programs
            raise ArtifactIntegrityError(
                f"{self.path} is not a loadable ExecuTorch program ({type(exc).__name__}: {exc}); re-export it."
            ) from exc
        meta = self._method.metadata
        self.input_shapes = [tuple(meta.input_tensor_meta(i).sizes()) for i in range(meta.num_inputs())]

    def __call__(self, *inputs: torch.Tensor) -> list[torch.Tensor]:
        if len(inputs) != len(self.input_shapes):
            raise ShapeError(f"{self.path.name} takes {len(self.input_shapes)} input(s), got {len(inputs)}.")
        args: list[Any] = []
        for i, (x, shape) in enumerate(zip(inputs, self.input_shapes, strict=True)):
            t = torch.as_tensor(x, dtype=torch.float32).contiguous()
            if tuple(t.shape) != shape:
                raise ShapeError(f"input {i} of {self.path.name} must be shaped {shape}, got {tuple(t.shape)}.")
            args.append(t)
        return list(self._method.execute(args))


def load_program(path: str | Path, method: str = "forward") -> ExecutorchProgram:
    """Loads ``method`` of the ``.pte`` at ``path`` (after registering the wearsdk kernels)."""
    return ExecutorchProgram(path, method)
