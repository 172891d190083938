"""The DSP core on an ARM Cortex-M4F: cross-compiled with Debian's arm-none-eabi toolchain, its golden
vectors run on QEMU's mps2-an386 board (semihosting), and its flash/RAM measured."""

import shutil
import subprocess
from pathlib import Path

import pytest

from wearsdk.firmware.footprint import footprint_report

REPO = Path(__file__).resolve().parents[2]
TOOLS = ("arm-none-eabi-gcc", "arm-none-eabi-size", "qemu-system-arm")
missing = [t for t in TOOLS if shutil.which(t) is None]
if not missing and subprocess.run(["arm-none-eabi-g++", "-E", "-x", "c++", "-"], input="#include <cmath>\n",
                                  capture_output=True, text=True).returncode != 0:
    missing.append("the C++ standard headers of arm-none-eabi-g++ (libstdc++-arm-none-eabi-newlib)")
pytestmark = pytest.mark.skipif(
    bool(missing),
    reason=f"embedded toolchain missing ({', '.join(missing)}): ./bootstrap.sh installs gcc-arm-none-eabi, "
    "libnewlib-arm-none-eabi, libstdc++-arm-none-eabi-newlib and qemu-system-arm where apt is available",
)


@pytest.fixture(scope="module")
def build_m4() -> Path:
    build = REPO / "build-m4"
    cmake = shutil.which("cmake", path=str(REPO / ".venv" / "bin")) or "cmake"
    subprocess.run([cmake, "-S", str(REPO), "-B", str(build), "-DCMAKE_BUILD_TYPE=MinSizeRel",
                    f"-DCMAKE_TOOLCHAIN_FILE={REPO}/firmware_bindings/arm/toolchain-cortex-m4f.cmake"],
                   check=True, capture_output=True, text=True)
    proc = subprocess.run([cmake, "--build", str(build)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return build


def test_golden_vectors_pass_on_the_emulated_cortex_m4f(build_m4):
    proc = subprocess.run(
        ["qemu-system-arm", "-machine", "mps2-an386", "-nographic", "-semihosting-config",
         "enable=on,target=native", "-kernel", str(build_m4 / "golden_m4.elf")],
        capture_output=True, text=True, timeout=120,
    )
    print(proc.stdout)
    assert "golden: all ok" in proc.stdout, proc.stdout + proc.stderr
    assert proc.stdout.count(" ok") >= 12


def test_ppg_pipeline_fits_the_flash_and_ram_budget(build_m4):
    report = footprint_report(build_m4)
    print(report)
    ppg = report["ppg_pipeline"]
    assert ppg["flash"] <= report["targets"]["flash"]
    assert ppg["ram"] <= report["targets"]["ram"]
    assert ppg["stack"] > 0  # measured, not assumed
