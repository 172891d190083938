"""The runnable Python examples run (the firmware example is compiled in tests/firmware)."""

import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.mark.parametrize(("script", "args", "expect"), [
    ("preprocess_stream.py", [], "identical to offline: True"),
    ("stream_session.py", ["--seconds", "40", "--drop-rate", "0.05"], "= processed"),
])
def test_example_runs(script, args, expect):
    proc = subprocess.run([sys.executable, str(EXAMPLES / script), *args], capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert expect in proc.stdout
