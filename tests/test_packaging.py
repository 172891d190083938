"""Package layout: every package folder is installed, export/ is wearsdk.export only, and the public
error types are what the design promises."""

import importlib
import inspect
import subprocess
import sys
import tomllib
from pathlib import Path

import wearsdk
from wearsdk import errors

REPO = Path(__file__).resolve().parents[1]


def _package_folders() -> set[str]:
    found = set()
    for init in (REPO / "wearsdk").rglob("__init__.py"):
        found.add(".".join(init.parent.relative_to(REPO).parts))
    for init in (REPO / "export").rglob("__init__.py"):
        found.add(".".join(("wearsdk", *init.parent.relative_to(REPO).parts)))
    return found


def test_every_package_folder_is_listed_in_pyproject():
    listed = set(tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    assert _package_folders() == listed


def test_export_is_only_importable_as_wearsdk_export(tmp_path):
    # outside the repository root, where `python -m pytest` would put export/ on sys.path
    code = (
        "import importlib.util, wearsdk.export as e; "
        "print(e.__file__.endswith('export/__init__.py'), importlib.util.find_spec('export') is None)"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert proc.stdout.split() == ["True", "True"], proc.stderr


def test_public_api_names_resolve():
    for name in wearsdk.__all__:
        assert getattr(wearsdk, name) is not None
    signal = importlib.import_module("wearsdk.signal")
    for name in signal.__all__:
        assert getattr(signal, name) is not None


def test_every_error_derives_from_wear_error():
    classes = [c for _, c in inspect.getmembers(errors, inspect.isclass) if c.__module__ == errors.__name__]
    assert len(classes) == len(errors.__all__)
    assert all(issubclass(c, errors.WearError) for c in classes)


def test_runtime_and_signal_do_not_import_build_time_layers():
    for layer in ("signal", "stream", "runtime"):
        for py in (REPO / "wearsdk" / layer).rglob("*.py"):
            text = py.read_text()
            for banned in ("wearsdk.train", "wearsdk.quant", "wearsdk.export", "coremltools", "executorch.exir"):
                if banned == "coremltools" and py.name == "coreml.py" and layer == "runtime":
                    # inspecting a CoreML package needs coremltools' protobufs: imported lazily, never at load time
                    assert not any(line.startswith(("import coremltools", "from coremltools"))
                                   for line in text.splitlines()), f"{py.relative_to(REPO)} imports coremltools"
                    continue
                assert banned not in text, f"{py.relative_to(REPO)} imports {banned}"
