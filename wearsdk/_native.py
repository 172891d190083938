"""Locating and loading the native libraries built from ``CMakeLists.txt``.

The build puts three shared libraries in ``wearsdk/_lib/`` (or ``$WEARSDK_LIB_DIR``):

- ``libwearsdk_torch.so``: the torch operators ``torch.ops.wearsdk.*``;
- ``libwearsdk_executorch.so``: ExecuTorch kernels for their ``.out`` overloads;
- ``libwear_dsp.so``: the plain C API (``firmware_bindings/include/wear_dsp.h``), for ctypes.

There is no pure-Python fallback: a missing library is a :class:`~wearsdk.errors.NativeLibraryError`
that names the command which builds it.
"""

from __future__ import annotations

import ctypes
import importlib.util
import os
import threading
from pathlib import Path

from wearsdk.errors import NativeLibraryError

__all__ = [
    "BUILD_COMMAND",
    "library_path",
    "load_torch_ops",
    "load_executorch_kernels",
    "load_c_api",
]

LIB_DIR_ENV = "WEARSDK_LIB_DIR"
BUILD_COMMAND = "./bootstrap.sh build   (or: cmake -S . -B build && cmake --build build)"
TORCH_OPS = "libwearsdk_torch.so"
EXECUTORCH_KERNELS = "libwearsdk_executorch.so"
C_API = "libwear_dsp.so"

_lock = threading.Lock()
_loaded: dict[str, object] = {}


def _search_dirs() -> list[Path]:
    dirs = []
    if os.environ.get(LIB_DIR_ENV):
        dirs.append(Path(os.environ[LIB_DIR_ENV]))
    dirs.append(Path(__file__).resolve().parent / "_lib")
    return dirs


def library_path(name: str) -> Path:
    """Path of the built library ``name``; raises NativeLibraryError if it was never built."""
    for d in _search_dirs():
        p = d / name
        if p.is_file():
            return p
    where = ", ".join(str(d) for d in _search_dirs())
    raise NativeLibraryError(
        f"{name} is not built (looked in {where}). wearsdk has no pure-Python fallback for its DSP "
        f"core. Build it from the repository root with: {BUILD_COMMAND}"
    )


def load_torch_ops() -> Path:
    """Loads ``torch.ops.wearsdk.*`` once per process and returns the library path."""
    with _lock:
        if TORCH_OPS not in _loaded:
            import torch

            path = library_path(TORCH_OPS)
            try:
                torch.ops.load_library(str(path))
            except OSError as exc:
                raise NativeLibraryError(
                    f"{path} failed to load ({exc}); it was probably built against another torch. "
                    f"Rebuild with: {BUILD_COMMAND}"
                ) from exc
            _loaded[TORCH_OPS] = path
        return _loaded[TORCH_OPS]  # type: ignore[return-value]


def _preload_executorch_runtime() -> None:
    """Loads the importable executorch package's ``lib/libexecutorch.so`` (``RTLD_GLOBAL``), which our kernels
    link against: their run path finds it only when executorch sits in the same site-packages as wearsdk."""
    spec = importlib.util.find_spec("executorch")
    folders = (spec.submodule_search_locations or []) if spec is not None else []
    for folder in folders:
        runtime = Path(folder) / "lib" / "libexecutorch.so"
        if runtime.is_file():
            ctypes.CDLL(str(runtime), mode=ctypes.RTLD_GLOBAL)
            return


def load_executorch_kernels() -> Path:
    """Registers the wearsdk ExecuTorch kernels with the runtime (``RTLD_GLOBAL``), once per process."""
    with _lock:
        if EXECUTORCH_KERNELS not in _loaded:
            path = library_path(EXECUTORCH_KERNELS)
            try:
                _preload_executorch_runtime()
                lib = ctypes.CDLL(str(path), mode=ctypes.RTLD_GLOBAL)
            except OSError as exc:
                raise NativeLibraryError(
                    f"{path} failed to load ({exc}); rebuild it against the installed executorch with: "
                    f"{BUILD_COMMAND}"
                ) from exc
            if lib.wearsdk_executorch_kernels_registered() != 1:
                raise NativeLibraryError(
                    f"{path} loaded but its kernels did not register with the ExecuTorch runtime "
                    "(already registered by another copy, or a runtime version mismatch)."
                )
            _loaded[EXECUTORCH_KERNELS] = path
        return _loaded[EXECUTORCH_KERNELS]  # type: ignore[return-value]


def load_c_api() -> ctypes.CDLL:
    """The C API library (``wear_dsp.h``) through ctypes, loaded once per process."""
    with _lock:
        if C_API not in _loaded:
            path = library_path(C_API)
            _loaded[C_API] = ctypes.CDLL(str(path))
        return _loaded[C_API]  # type: ignore[return-value]
