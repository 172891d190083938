"""Export backends come from a registry: export_model looks the backend up, checks the request against what
the backend states it supports, and calls it; wearsdk.quant never imports wearsdk.export."""

import ast
from pathlib import Path

import pytest

from wearsdk.errors import ConfigError, UnknownNameError
from wearsdk.export import Backend, ExportJob, export_model, list_backends, register_backend, registry

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def fake(monkeypatch, tmp_path):
    """A tiny backend registered as "fake" for one test: records the jobs it is given."""
    jobs = []

    def export(job):
        jobs.append(job)
        return tmp_path / "manifest.json"

    monkeypatch.setattr(registry, "_BACKENDS", dict(registry._BACKENDS))
    register_backend("fake", Backend(export, precisions=("fp32",), streaming=("fp32",)))
    return jobs


def test_the_shipped_backends_are_registered():
    assert {"executorch", "coreml", "onnx"} <= set(list_backends())


def test_export_model_calls_the_registered_backend(fake, tmp_path):
    assert export_model("ecg_encoder_compact", tmp_path, backend="fake", allow_untrained=True, calibration=8,
                        streaming=True, hop=640) == tmp_path / "manifest.json"
    (job,) = fake
    assert isinstance(job, ExportJob) and job.card.name == "ecg_encoder_compact" and job.streaming
    assert job.name == "ecg_encoder_compact_untrained" and not job.trained and job.hop == 640
    assert tuple(job.calibration.shape) == (8, 1, job.card.window_samples)
    assert job.raw_stream().shape == (1, 1, 3 * job.card.window_samples)  # raw at the model's rate


def test_requests_a_backend_does_not_support_are_refused_before_export(fake, tmp_path):
    with pytest.raises(ConfigError, match="fake backend exports fp32, not int8"):
        export_model("ecg_encoder_compact", tmp_path, backend="fake", precision="int8", allow_untrained=True)
    with pytest.raises(ConfigError, match="fake backend has no in-graph preprocessing.*coreml, executorch"):
        export_model("ecg_encoder_compact", tmp_path, backend="fake", with_preprocessing=True, allow_untrained=True)
    with pytest.raises(ConfigError, match="onnx backend has no fp32 streaming.*coreml, executorch, fake"):
        export_model("ecg_encoder_compact", tmp_path, backend="onnx", streaming=True, allow_untrained=True)
    with pytest.raises(ConfigError, match="executorch.*fp32 window programs only, not int8"):
        export_model("ecg_encoder_compact", tmp_path, with_preprocessing=True, precision="int8",
                     allow_untrained=True)
    assert fake == []


def test_unknown_backends_and_bad_registrations_name_what_is_expected(fake):
    with pytest.raises(UnknownNameError, match=r"'tflite'.*\['coreml', 'executorch', 'fake', 'onnx'\]"):
        export_model("ecg_encoder_compact", "out", backend="tflite", allow_untrained=True)
    with pytest.raises(ConfigError, match="already registered"):
        register_backend("fake", Backend(print, precisions=("fp32",)))
    with pytest.raises(ConfigError, match="expected a wearsdk.export.Backend"):
        register_backend("other", print)
    with pytest.raises(ConfigError, match="tuple of"):
        Backend(print, precisions=("fp16",))


def _imports(py: Path, package: str) -> set[str]:
    """The modules ``py`` (a module of ``package``) imports, relative imports resolved; ``from wearsdk import x``
    counts as ``wearsdk.x``."""
    found = set()
    for node in ast.walk(ast.parse(py.read_text())):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")[: len(package.split(".")) - max(node.level - 1, 0)] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            found.add(module)
            if module in ("wearsdk", package):
                found |= {f"{module}.{a.name}" for a in node.names}
    return found


def _within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def test_quant_never_imports_export():
    for py in (REPO / "wearsdk" / "quant").rglob("*.py"):
        bad = sorted(m for m in _imports(py, "wearsdk.quant") if _within(m, "wearsdk.export"))
        assert not bad, f"{py.name} imports {bad}: wearsdk.export may import wearsdk.quant, never the reverse"
    allowed = {"wearsdk.quant", "wearsdk.quant.config", "wearsdk.quant.versions"}  # export -> quant, by design
    for py in (REPO / "export").rglob("*.py"):
        quant = {m for m in _imports(py, "wearsdk.export") if _within(m, "wearsdk.quant")}
        assert quant <= allowed, f"{py.name} imports {sorted(quant - allowed)}; allowed from export: {allowed}"
