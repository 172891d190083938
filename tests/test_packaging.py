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


def test_top_level_api_is_lazy_and_is_the_subpackages_own():
    code = ("import sys, wearsdk; "
            "print(sorted(m for m in ('torch', 'wearsdk.models', 'wearsdk.export') if m in sys.modules))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.stdout.strip() == "[]", proc.stderr
    from wearsdk import models, runtime

    assert wearsdk.create_model is models.create_model and wearsdk.list_models is models.list_models
    assert wearsdk.load is runtime.load
    assert wearsdk.export_model is importlib.import_module("wearsdk.export").export_model
    assert "ppg_encoder_compact" in wearsdk.list_models()


def test_firmware_headers_and_install_kind_of_this_checkout():
    from wearsdk.doctor import install_kind
    from wearsdk.firmware import include_dir

    assert include_dir() == REPO / "firmware_bindings" / "include" and (include_dir() / "wear_dsp.h").is_file()
    assert install_kind() == "editable"  # ./bootstrap.sh installs the checkout editable


def test_sdist_holds_the_native_sources_and_no_built_library(tmp_path):
    code = "import sys; from setuptools.build_meta import build_sdist; print(build_sdist(sys.argv[1]))"
    proc = subprocess.run([sys.executable, "-c", code, str(tmp_path)], cwd=REPO, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    import tarfile

    names = {n.split("/", 1)[1] for n in tarfile.open(tmp_path / proc.stdout.strip().splitlines()[-1]).getnames()
             if "/" in n}
    for needed in ("setup.py", "build_native.py", "pyproject.toml", "CMakeLists.txt", "MANIFEST.in",
                   "firmware_bindings/include/wear_dsp.h", "firmware_bindings/src/pipeline.cpp",
                   "wearsdk/csrc/torch_ops.cpp", "wearsdk/csrc/executorch_kernels.cpp", "examples/cpp/CMakeLists.txt",
                   "export/__init__.py", "wearsdk/models/weights/ppg_encoder_compact.pt"):
        assert needed in names, needed
    assert not any(n.endswith(".so") for n in names)


def _sources() -> list[Path]:
    return sorted([*(REPO / "wearsdk").rglob("*.py"), *(REPO / "export").rglob("*.py")])


def test_no_module_is_over_500_lines():
    long = {str(p.relative_to(REPO)): n for p in _sources() if (n := len(p.read_text().splitlines())) > 500}
    assert not long, f"split these modules (one job each): {long}"


def test_cards_are_typed_everywhere():
    untyped = [str(p.relative_to(REPO)) for p in _sources() if "card: Any" in p.read_text()]
    assert not untyped, f"type the card parameter as wearsdk.models.ModelCard in {untyped}"
