"""The native build of wearsdk: CMake (Ninja when available) for the three shared libraries.

One build definition, two callers: ``setup.py`` (``pip wheel`` / ``pip install``, editable or not) and
``bootstrap.sh`` (``python build_native.py``). Two profiles of the same ``CMakeLists.txt``:

- ``dev``: the checkout's build (``build/``, libraries into ``wearsdk/_lib``, C tests and the C++ example,
  ``-march=native``); what ``./bootstrap.sh`` and ``pip install -e .`` run;
- ``wheel``: portable binaries (no ``-march=native``), no tests or examples, an ``$ORIGIN``-relative run path
  to the installed torch and executorch, libraries into ``<build dir>/lib`` for ``setup.py`` to package.

Both link against the torch and executorch that wearsdk will be imported with (their headers and libraries): the
torch op must match that torch's ABI exactly. pip's default isolated build hides them from the build backend
(build requirements go into a temporary overlay), so :func:`build_python` looks for them in the environment
pip installs into: ``$WEARSDK_BUILD_PYTHON`` when set, then this interpreter without pip's overlay (the interpreter
that runs pip also runs the backend), then ``$VIRTUAL_ENV``. ``--no-build-isolation`` needs no search.
CMake reuses its build folder, so a second build with nothing changed takes seconds.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))  # wearsdk.errors, without installing (it imports nothing heavy)
from wearsdk.errors import NativeLibraryError  # noqa: E402

__all__ = ["LIBRARIES", "PROFILES", "build", "build_python"]

LIBRARIES = ("libwear_dsp.so", "libwearsdk_torch.so", "libwearsdk_executorch.so")
PROFILES = {
    "dev": {"build_dir": "build", "options": {}},
    "wheel": {
        "build_dir": "build-wheel",
        "options": {
            "WEARSDK_BUILD_TESTS": "OFF",
            "WEARSDK_BUILD_EXAMPLES": "OFF",
            "WEARSDK_NATIVE_ARCH": "OFF",
            "CMAKE_BUILD_WITH_INSTALL_RPATH": "ON",
            # wearsdk/_lib/ -> site-packages/{torch,executorch}/lib, wherever the wheel is installed
            "CMAKE_INSTALL_RPATH": "$ORIGIN/../../torch/lib;$ORIGIN/../../executorch/lib",
        },
    },
}
BUILD_DIR_ENV = "WEARSDK_CMAKE_BUILD_DIR"
BUILD_PYTHON_ENV = "WEARSDK_BUILD_PYTHON"
ISOLATION_VARS = ("PYTHONPATH", "PYTHONNOUSERSITE")  # how pip's isolated build hides the target's site-packages
_PROBE = f"import sys, torch, executorch; print(sys.version_info[:2] == {tuple(sys.version_info[:2])})"


def build_python() -> tuple[str, dict[str, str]]:
    """The Python whose torch and executorch the libraries link against, and the environment to run it in.

    This interpreter when it imports both; else (pip's isolated build) the first of ``$WEARSDK_BUILD_PYTHON``, this
    interpreter without pip's overlay (:data:`ISOLATION_VARS` removed) and ``$VIRTUAL_ENV/bin/python`` that imports
    both and is this Python version. Raises NativeLibraryError saying how to install the pins when none does.
    """
    if all(importlib.util.find_spec(m) is not None for m in ("torch", "executorch")):
        return sys.executable, dict(os.environ)
    plain = {k: v for k, v in os.environ.items() if k not in ISOLATION_VARS}
    candidates = [os.environ.get(BUILD_PYTHON_ENV), sys.executable,
                  os.environ.get("VIRTUAL_ENV") and str(Path(os.environ["VIRTUAL_ENV"]) / "bin" / "python")]
    for python in dict.fromkeys(c for c in candidates if c):
        try:
            probe = subprocess.run([python, "-c", _PROBE], capture_output=True, text=True, env=plain, timeout=300)
        except OSError:
            continue
        if probe.returncode == 0 and probe.stdout.strip() == "True":
            return python, plain
    raise NativeLibraryError(
        f"building wearsdk's native libraries needs torch and executorch in the environment wearsdk is installed "
        f"into (the C++ torch op and ExecuTorch kernels link against them); neither {sys.executable} nor "
        f"${BUILD_PYTHON_ENV} / $VIRTUAL_ENV imports both. Install the pins first: pip install -r requirements.txt "
        f"(torch 2.13.0 CPU, executorch 1.5.1), then pip install . again; or point ${BUILD_PYTHON_ENV} at the Python "
        "that has them."
    )


def _tool(name: str, python: str) -> str | None:
    """``name`` next to ``python`` or this interpreter (the pinned cmake / ninja of a venv), or else on PATH."""
    here = [Path(p).parent / name for p in (python, sys.executable)]
    return next((str(h) for h in here if h.is_file()), None) or shutil.which(name)


def build(profile: str = "dev", build_dir: str | Path | None = None, jobs: int | None = None) -> Path:
    """Configures (first time only) and builds ``profile``; returns the folder holding :data:`LIBRARIES`.

    ``build_dir`` defaults to ``$WEARSDK_CMAKE_BUILD_DIR`` or the profile's folder under the source root.
    Raises NativeLibraryError when torch/executorch or cmake are missing, or CMake fails (its log is printed).
    """
    if profile not in PROFILES:
        raise NativeLibraryError(f"unknown build profile {profile!r}; expected one of {sorted(PROFILES)}.")
    python, env = build_python()
    cmake = _tool("cmake", python)
    if cmake is None:
        raise NativeLibraryError("cmake (>= 3.18) not found next to the interpreter or on PATH; "
                                 "pip install cmake ninja (both pinned in requirements.txt).")
    conf = PROFILES[profile]
    out = Path(build_dir or os.environ.get(BUILD_DIR_ENV) or ROOT / conf["build_dir"]).resolve()
    lib_dir = ROOT / "wearsdk" / "_lib" if profile == "dev" else out / "lib"
    out.mkdir(parents=True, exist_ok=True)
    bins = dict.fromkeys(str(Path(p).parent) for p in (python, sys.executable))
    env = {**env, "PATH": os.pathsep.join([*bins, env.get("PATH", "")])}
    if not (out / "CMakeCache.txt").is_file():
        ninja = _tool("ninja", python)
        generator = ["-G", "Ninja", f"-DCMAKE_MAKE_PROGRAM={ninja}"] if ninja else []
        options = {**conf["options"], "Python3_EXECUTABLE": python, "WEARSDK_LIB_OUTPUT_DIR": str(lib_dir)}
        cmd = [cmake, "-S", str(ROOT), "-B", str(out), *generator, *(f"-D{k}={v}" for k, v in options.items())]
        log = out / "configure.log"
        with log.open("w") as fh:
            rc = subprocess.run(cmd, stdout=fh, stderr=subprocess.STDOUT, env=env).returncode
        if rc != 0:
            (out / "CMakeCache.txt").unlink(missing_ok=True)
            raise NativeLibraryError(f"CMake could not configure the native build:\n{log.read_text()}")
    cmd = [cmake, "--build", str(out), "--parallel", str(jobs or os.cpu_count() or 1)]
    if subprocess.run(cmd, env=env).returncode != 0:
        raise NativeLibraryError(f"the native build failed (output above); build folder {out}")
    return lib_dir


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Build wearsdk's native libraries with CMake (what setup.py runs; ./bootstrap.sh calls it).")
    parser.add_argument("--profile", choices=sorted(PROFILES), default="dev",
                        help="dev: build/ -> wearsdk/_lib with C tests (default); wheel: portable, build-wheel/")
    parser.add_argument("--build-dir", help=f"CMake build folder (default: the profile's, or ${BUILD_DIR_ENV})")
    parser.add_argument("--jobs", type=int, help="parallel compile jobs (default: all cores)")
    args = parser.parse_args(argv)
    try:
        print(f"build_native: libraries in {build(args.profile, args.build_dir, args.jobs)}")
    except NativeLibraryError as exc:
        print(f"build_native: error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
