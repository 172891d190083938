"""The runnable Python examples run (the firmware example is compiled in tests/firmware)."""

import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.mark.parametrize(("script", "args", "expect"), [
    ("preprocess_stream.py", [], "identical to offline: True"),
    ("stream_session.py", ["--seconds", "40", "--drop-rate", "0.05"], "= processed"),
    ("encoder_arch_sweep.py", ["--modality", "ecg", "--candidates", "relu_s4", "--repeats", "2"], "relu_s4 {"),
    ("lead_vae_sim_ceiling.py", ["--train-participants", "12", "--test-participants", "6", "--segments", "1"],
     "clean true_dipole_oracle: mean r"),
])
def test_example_runs(script, args, expect):
    proc = subprocess.run([sys.executable, str(EXAMPLES / script), *args], capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert expect in proc.stdout


def test_train_distill_quantize_export_example(tmp_path):
    proc = subprocess.run([sys.executable, str(EXAMPLES / "train_distill_export.py"), "--out", str(tmp_path),
                           "--teacher-steps", "2", "--student-steps", "3"], capture_output=True, text=True,
                          timeout=900)
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = proc.stdout.splitlines()
    assert [ln[:2] for ln in lines if ln[:1].isdigit()] == ["1.", "2.", "3-", "5."]
    cosine = float(lines[-1].rsplit(" ", 1)[1])
    assert cosine > 0.95  # the int8 artifact tracks its own fp32 student (tiny, barely trained)
    assert (tmp_path / "artifact" / "manifest.json").is_file()
