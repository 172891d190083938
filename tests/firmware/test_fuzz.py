"""A bounded libFuzzer run of the C API under ASan + UBSan (the harness: firmware_bindings/fuzz/).
A longer run: build-fuzz/fuzz_c_api -runs=1000000 -max_len=4096 CORPUS_DIR."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
RUNS = 20_000

pytestmark = pytest.mark.skipif(
    shutil.which("clang++") is None,
    reason="clang++ missing: ./bootstrap.sh installs clang and libclang-rt-14-dev where apt is available",
)


def test_fuzzing_the_c_api_finds_no_crash_and_no_sanitizer_report(tmp_path):
    build = REPO / "build-fuzz"
    cmake = shutil.which("cmake", path=str(REPO / ".venv" / "bin")) or "cmake"
    subprocess.run([cmake, "-S", str(REPO), "-B", str(build), "-DWEARSDK_FUZZ=ON",
                    "-DCMAKE_C_COMPILER=clang", "-DCMAKE_CXX_COMPILER=clang++"],
                   check=True, capture_output=True, text=True)
    built = subprocess.run([cmake, "--build", str(build)], capture_output=True, text=True)
    assert built.returncode == 0, built.stdout + built.stderr
    proc = subprocess.run(
        [str(build / "fuzz_c_api"), f"-runs={RUNS}", "-max_len=4096", "-seed=1", f"-artifact_prefix={tmp_path}/"],
        capture_output=True, text=True, timeout=600,
    )
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log[-4000:]
    assert re.search(rf"Done {RUNS} runs", log), log[-2000:]
    assert "runtime error" not in log and "ERROR: AddressSanitizer" not in log
