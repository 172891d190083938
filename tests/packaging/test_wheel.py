"""The wheel end to end (issue 26): ``pip wheel`` builds it from the checkout with pip's default isolated build
environment (CMake against this venv's torch, reusing build-wheel/), it
installs into a fresh venv that sees the pinned dependencies of this one (a .pth file, nothing downloaded) but
not its editable wearsdk, and there ``wearsdk doctor --json`` loads every native part and the bundled PPG encoder
goes raw samples -> preprocessing -> int8 ExecuTorch export (CLI) -> ``wearsdk.load`` -> run."""

import json
import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
QUIET_STDERR_BANS = ("failed to load", "deprecat")  # torchao extension probes, torch pytree deprecations


def _run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "WEARSDK_LIB_DIR")}
    return subprocess.run(cmd, capture_output=True, text=True, timeout=600, env={**env, **kw.pop("env", {})}, **kw)


@pytest.mark.slow
def test_wheel_builds_installs_and_runs_the_pipeline_in_a_fresh_venv(tmp_path):
    dist = tmp_path / "dist"
    built = _run([sys.executable, "-m", "pip", "wheel", str(REPO), "--no-deps", "-w",  # pip's isolated build
                  str(dist)], cwd=REPO)
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    (wheel,) = dist.glob("wearsdk-*-cp311-cp311-linux_*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for expected in ("wearsdk/_lib/libwear_dsp.so", "wearsdk/_lib/libwearsdk_torch.so",
                     "wearsdk/_lib/libwearsdk_executorch.so", "wearsdk/firmware/include/wear_dsp.h",
                     "wearsdk/models/weights/ppg_encoder_compact.pt", "wearsdk/models/weights/ppg_encoder_compact.json",
                     "wearsdk/export/__init__.py"):
        assert expected in names
    assert not any(n.startswith(("wearsdk/csrc/", "export/")) for n in names)

    # a fresh venv (no pip of its own: this venv's, through the .pth) seeing this venv's site-packages last
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    py = venv / "bin" / "python"
    site = Path(_run([str(py), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"]).stdout.strip())
    (site / "pinned_deps.pth").write_text(sysconfig.get_path("purelib") + "\n")
    installed = _run([str(py), "-m", "pip", "install", "--no-deps", "--no-index", str(wheel)])
    assert installed.returncode == 0, installed.stderr[-3000:]

    doctor = _run([str(venv / "bin" / "wearsdk"), "doctor", "--json"], cwd=tmp_path)
    assert doctor.returncode == 0, doctor.stderr
    report = json.loads(doctor.stdout)
    assert report["install"] == "wheel" and report["package_dir"] == str(site / "wearsdk")
    assert report["cpp_op"] and report["executorch_kernels"] and report["c_api"]
    assert report["c_api_path"].startswith(str(site))

    out = tmp_path / "ppg_int8"
    export = _run([str(venv / "bin" / "wearsdk"), "export", "--model", "ppg_encoder_compact", "--pretrained",
                   "--quant", "int8", "--calibration", "8", "--out", str(out)], cwd=tmp_path)
    assert export.returncode == 0, export.stderr[-3000:]
    for banned in QUIET_STDERR_BANS:  # the CLI's console is quiet about known third-party noise
        assert banned not in (doctor.stderr + export.stderr).lower(), export.stderr

    run = _run([str(py), str(REPO / "tests" / "packaging" / "wheel_pipeline.py"), str(out)], cwd=tmp_path)
    assert run.returncode == 0, run.stderr[-3000:]
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result["wearsdk_file"] == str(site / "wearsdk" / "__init__.py")  # the wheel, not the checkout
    assert result["include_dir"] == str(site / "wearsdk" / "firmware" / "include")
    assert result["shape"] == [1, 256] and result["card_matches"]
    assert result["cosine_int8_vs_fp32"] > 0.99
