"""The quiet console (issue 26): the CLI entry drops the known harmless third-party messages by exact text, and
only those; ``-v`` keeps them. Checked on the real torchao / torch of this environment, in subprocesses."""

import subprocess
import sys

import pytest

from wearsdk.cli import main

BANNED = ("failed to load", "deprecat")
LEAFSPEC = ("`isinstance(treespec, LeafSpec)` is deprecated, use `isinstance(treespec, TreeSpec) and "
            "treespec.is_leaf()` instead.")


def _after_cli(args: list[str], then: str) -> subprocess.CompletedProcess:
    """``wearsdk ARGS`` through the CLI entry, then ``then`` in the same process (what a command goes on to do)."""
    code = f"from wearsdk.cli import main; main({args!r}); {then}"
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)


def test_torchao_probes_and_the_pytree_deprecation_are_dropped_after_the_cli_entry_and_nothing_else():
    others = ("logging.getLogger('torchao').warning('Failed to load /x/torchao/_C_other.so: some real problem'); "
              f"warnings.warn({LEAFSPEC!r}, FutureWarning); "
              "warnings.warn('`isinstance(x, Y)` is deprecated', FutureWarning)")
    quiet = _after_cli(["doctor"], "import logging, warnings, torchao; " + others)
    assert quiet.returncode == 0, quiet.stderr
    lines = quiet.stderr.splitlines()
    kept = [line for line in lines if "some real problem" in line or "`isinstance(x, Y)` is deprecated" in line]
    assert len(kept) == 2, quiet.stderr  # another extension's failure and another deprecation still print
    assert not any(b in line.lower() for line in lines if line not in kept for b in BANNED), quiet.stderr
    assert "LeafSpec" not in quiet.stderr
    loud = _after_cli(["-v", "doctor"], "import torchao")
    assert "Failed to load" in loud.stderr and "_C_mxfp8" in loud.stderr  # -v shows them, so the test can fail
    assert "register_constant() on Enum subclasses is deprecated" in loud.stderr


def test_our_errors_still_print(capsys):
    assert main(["firmware-config", "/nonexistent/manifest.json", "--input-rate", "256", "--out", "x.h"]) == 2
    assert "error:" in capsys.readouterr().err


def test_version(capsys):
    import wearsdk

    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.strip() == f"wearsdk {wearsdk.__version__}"
