"""Flash and RAM of the DSP core on an embedded target, from a cross build (``arm-none-eabi-size`` on
the object files, ``-fstack-usage`` for the stack)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from wearsdk.errors import NativeLibraryError

__all__ = ["footprint_report", "PIPELINE_COMPONENTS"]

# What the PPG encoder's input pipeline links: everything but the quality flags.
PIPELINE_COMPONENTS = ("sos", "resample", "preprocess", "normalize", "windower", "pipeline")
# The deepest call chain of wear_pipeline_process (stack frames add up along it).
_CHAIN = ("wear_pipeline_process", "wear_preprocess_process", ("sos_block", "resample_rows"))


def _sizes(objects: list[Path], size_tool: str) -> dict[str, dict[str, int]]:
    out = subprocess.run([size_tool, *map(str, objects)], capture_output=True, text=True, check=True).stdout
    result = {}
    for line in out.splitlines()[1:]:
        text, data, bss, _dec, _hex, name = line.split(None, 5)
        result[Path(name).name.split(".")[0]] = {"text": int(text), "data": int(data), "bss": int(bss)}
    return result


def _stack(su_files: list[Path]) -> dict[str, int]:
    frames: dict[str, int] = {}
    for su in su_files:
        for line in su.read_text().splitlines():
            where, size, _kind = line.split("\t")
            name = re.sub(r"\(.*", "", where.rsplit(":", 1)[-1]).split()[-1].split("::")[-1]
            frames[name] = max(frames.get(name, 0), int(size))
    return frames


def footprint_report(build_dir: str | Path, size_tool: str = "arm-none-eabi-size") -> dict:
    """Per-component flash (text + data) and the PPG pipeline's flash and RAM (static + stack), bytes."""
    if shutil.which(size_tool) is None:
        raise NativeLibraryError(f"{size_tool} not found; install Debian's gcc-arm-none-eabi (./bootstrap.sh does).")
    build = Path(build_dir)
    core = sorted(build.glob("CMakeFiles/wear_dsp_objs.dir/firmware_bindings/src/*.obj"))
    footprint = sorted(build.glob("CMakeFiles/footprint_ppg.dir/firmware_bindings/arm/*.obj"))
    if not core or not footprint:
        raise NativeLibraryError(f"no Cortex-M objects under {build}; build it with the arm toolchain file first.")
    sizes = _sizes(core + footprint, size_tool)
    frames = _stack(sorted(build.rglob("*.su")))
    stack = sum(max(frames.get(f, 0) for f in step) if isinstance(step, tuple) else frames.get(step, 0)
                for step in _CHAIN)
    flash = sum(sizes[c]["text"] + sizes[c]["data"] for c in (*PIPELINE_COMPONENTS, "footprint_ppg"))
    static_ram = sum(sizes[c]["data"] + sizes[c]["bss"] for c in (*PIPELINE_COMPONENTS, "footprint_ppg"))
    return {
        "components": {name: s["text"] + s["data"] for name, s in sizes.items()},
        "ppg_pipeline": {"flash": flash, "static_ram": static_ram, "stack": stack, "ram": static_ram + stack},
        "targets": {"flash": 16 * 1024, "ram": 64 * 1024},
    }
