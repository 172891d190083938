"""setuptools hooks of the PEP 517 build (metadata lives in pyproject.toml): build_py also runs the CMake build
of build_native.py and puts the three native libraries and the C API headers into the package.

- wheel / ``pip install .``: the portable ``wheel`` profile (``build_native.build_python`` finds the target
  environment's torch and executorch through pip's isolated build); the libraries go to
  ``wearsdk/_lib`` and ``firmware_bindings/include/*.h`` to ``wearsdk/firmware/include`` inside the wheel;
- editable (``pip install -e .``, what ./bootstrap.sh runs): the ``dev`` profile into the checkout's ``wearsdk/_lib``.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from setuptools import Distribution, setup
from setuptools.command.build_py import build_py

sys.path.insert(0, str(Path(__file__).resolve().parent))
import build_native  # noqa: E402


class BuildWithNative(build_py):
    """build_py, then the native libraries and headers (see the module docstring)."""

    def run(self) -> None:
        pkg = Path(self.build_lib) / "wearsdk"
        if not self.editable_mode:
            shutil.rmtree(pkg, ignore_errors=True)  # no stale files from an earlier build in the wheel
        super().run()
        if self.editable_mode:
            build_native.build("dev")
            return
        lib_dir = build_native.build("wheel")
        (pkg / "_lib").mkdir(parents=True, exist_ok=True)
        for name in build_native.LIBRARIES:
            shutil.copy2(lib_dir / name, pkg / "_lib" / name)
        shutil.copytree(build_native.ROOT / "firmware_bindings" / "include", pkg / "firmware" / "include",
                        dirs_exist_ok=True)


class BinaryDistribution(Distribution):
    """Holds native libraries: the wheel is tagged for this Python and platform, not ``py3-none-any``."""

    def has_ext_modules(self) -> bool:
        return True


# setuptools' own build folders go beside the wheel's CMake build, not into the checkout's CMake build/
setup(cmdclass={"build_py": BuildWithNative}, distclass=BinaryDistribution,
      options={"build": {"build_base": "build-wheel/setuptools"}})
