"""What is installed and built: versions, and whether the native libraries load (``wearsdk doctor``)."""

from __future__ import annotations

import importlib.metadata
import json
import platform
import sys
from pathlib import Path
from typing import Any

from wearsdk import _native
from wearsdk.errors import NativeLibraryError

__all__ = ["diagnose", "install_kind"]

PACKAGES = ("torch", "executorch", "torchao", "coremltools", "numpy", "scipy", "onnx", "onnxruntime", "wfdb")


def _version(pkg: str) -> str | None:
    try:
        return importlib.metadata.version(pkg)
    except importlib.metadata.PackageNotFoundError:
        return None


def install_kind() -> str:
    """How this wearsdk is installed: ``"wheel"`` (a built package, e.g. in site-packages), ``"editable"``
    (``pip install -e`` of a checkout, what ./bootstrap.sh does) or ``"source"`` (a checkout on ``sys.path``,
    not installed)."""
    import wearsdk

    checkout = Path(wearsdk.__file__).resolve().parents[1]
    if not (checkout / "build_native.py").is_file():
        return "wheel"
    for dist in importlib.metadata.distributions(name="wearsdk"):
        url = json.loads(dist.read_text("direct_url.json") or "{}")
        if url.get("dir_info", {}).get("editable") and url.get("url") == checkout.as_uri():
            return "editable"
    return "source"


def _probe(load) -> tuple[bool, str | None, str | None]:
    try:
        return True, str(load()), None
    except NativeLibraryError as exc:
        return False, None, str(exc)


def _cpp_op_works() -> tuple[bool, str | None, str | None]:
    ok, path, err = _probe(_native.load_torch_ops)
    if not ok:
        return ok, path, err
    import torch

    from wearsdk.signal._ops import ops

    one_pole = torch.tensor([[1.0, 0, 0, 1, -0.5, 0]])  # y[t] = x[t] + 0.5 y[t-1]
    y, _ = ops().sosfilt(torch.ones(1, 4), one_pole, torch.zeros(1, 1, 2, dtype=torch.float64))
    if not torch.allclose(y, torch.tensor([[1.0, 1.5, 1.75, 1.875]])):
        return False, path, f"torch.ops.wearsdk.sosfilt loaded from {path} but computed {y.tolist()}"
    return True, path, None


def diagnose() -> dict[str, Any]:
    """A JSON-ready report. Keys ``cpp_op``, ``executorch_kernels`` and ``c_api`` are booleans (loaded and
    working); ``install`` is :func:`install_kind`, ``package_dir`` the folder wearsdk is imported from."""
    cpp_ok, cpp_path, cpp_err = _cpp_op_works()
    et_ok, et_path, et_err = _probe(_native.load_executorch_kernels)
    capi_ok, _, capi_err = _probe(lambda: _native.library_path(_native.C_API))
    import wearsdk

    report: dict[str, Any] = {
        "wearsdk": wearsdk.__version__,
        "install": install_kind(),
        "package_dir": str(Path(wearsdk.__file__).parent),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "executable": sys.executable,
        "versions": {p: _version(p) for p in PACKAGES},
        "cpp_op": cpp_ok,
        "cpp_op_path": cpp_path,
        "executorch_kernels": et_ok,
        "executorch_kernels_path": et_path,
        "c_api": capi_ok,
        "c_api_path": str(_native.library_path(_native.C_API)) if capi_ok else None,
        "errors": [e for e in (cpp_err, et_err, capi_err) if e],
    }
    try:
        import torch

        report["torch_threads"] = torch.get_num_threads()
        report["cuda"] = torch.cuda.is_available()
    except ImportError:
        report["cuda"] = False
    return report
