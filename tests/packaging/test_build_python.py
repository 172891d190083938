"""``build_native.build_python``: under pip's default isolated build (an overlay on ``PYTHONPATH`` whose
sitecustomize drops the environment's site-packages) the native build still finds the torch and executorch
that wearsdk is installed next to; without them anywhere it says how to install the pins."""

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
HIDE_SITE = (  # what pip's isolated build environment does to sys.path, in short
    "import sys\n"
    "sys.path = [p for p in sys.path if 'site-packages' not in p]\n"
)
ASK = "import build_native, json, os; p, env = build_native.build_python(); print(json.dumps([p, 'PYTHONPATH' in env]))"


def _ask(python: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([python, "-c", ASK], capture_output=True, text=True, cwd=REPO, env=env, timeout=300)


def _base_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONNOUSERSITE", "VIRTUAL_ENV",
                                                               "WEARSDK_BUILD_PYTHON")}


def test_an_isolated_build_finds_the_torch_of_the_environment_it_installs_into(tmp_path):
    (tmp_path / "sitecustomize.py").write_text(HIDE_SITE)
    env = {**_base_env(), "PYTHONPATH": f"{tmp_path}{os.pathsep}{REPO}", "PYTHONNOUSERSITE": "1"}
    hidden = subprocess.run([sys.executable, "-c", "import torch"], capture_output=True, env=env, timeout=120)
    assert hidden.returncode != 0  # the overlay really hides torch, as pip's does
    asked = _ask(sys.executable, env)
    assert asked.returncode == 0, asked.stderr[-2000:]
    assert asked.stdout.strip() == f'["{sys.executable}", false]'  # this Python, run without the overlay


def test_without_torch_anywhere_the_build_says_how_to_install_the_pins(tmp_path):
    bare = tmp_path / "bare"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(bare)], check=True, timeout=120)
    asked = _ask(str(bare / "bin" / "python"), {**_base_env(), "PYTHONPATH": str(REPO)})
    assert asked.returncode != 0
    assert "NativeLibraryError" in asked.stderr and "pip install -r requirements.txt" in asked.stderr
