"""The Python examples run as a user runs them: ``python examples/<script> ...`` in a fresh interpreter."""

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture
def run_example() -> Callable[..., subprocess.CompletedProcess]:
    """``run_example(script, *args, timeout=900)``: runs the example, fails the test on a non-zero exit (with the
    end of its stderr) and returns the finished process (``.stdout`` to check)."""

    def run(script: str, *args: object, timeout: float = 900) -> subprocess.CompletedProcess:
        proc = subprocess.run([sys.executable, str(EXAMPLES / script), *map(str, args)], capture_output=True,
                              text=True, timeout=timeout)
        assert proc.returncode == 0, proc.stderr[-2000:]
        return proc

    return run
