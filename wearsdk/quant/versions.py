"""The build tools' versions, recorded in quant reports and artifact manifests."""

from __future__ import annotations

import importlib.metadata

__all__ = ["tool_versions"]

_TOOLS = ("wearsdk", "torch", "executorch", "torchao", "coremltools", "onnx", "onnxruntime")


def tool_versions() -> dict[str, str | None]:
    """``{package: version or None when not installed}`` for wearsdk and its build-time toolchain."""
    out = {}
    for pkg in _TOOLS:
        try:
            out[pkg] = importlib.metadata.version(pkg)
        except importlib.metadata.PackageNotFoundError:
            out[pkg] = None
    return out
