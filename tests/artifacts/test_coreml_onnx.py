"""CoreML (verified by inspection: no CoreML runtime off Apple) and ONNX (run by onnxruntime) export."""

import json

import pytest
import torch

from wearsdk.errors import BackendUnavailableError, ConfigError
from wearsdk.export import export_coreml, export_onnx
from wearsdk.runtime import load

from .test_executorch_export import TinyEncoder, windows


@pytest.mark.parametrize("precision", ["fp16", "int8"])
def test_coreml_package_holds_the_model_ops(tmp_path, precision):
    manifest_path = export_coreml(TinyEncoder(), tmp_path, name="tiny", example_inputs=(windows(1),),
                                  precision=precision)
    m = json.loads(manifest_path.read_text())
    ops = m["coreml"]["mil_ops"]
    assert {"conv", "linear", "silu", "reduce_mean"} <= set(ops)
    assert any(op.startswith("constexpr_") for op in ops) == (precision == "int8")
    assert m["inputs"][0]["shape"] == [1, 4, 512]
    assert "not measured" in m["parity"]["status"]
    assert all(name.startswith(f"tiny_coreml_{precision}.mlpackage/") for name in m["files"] if name != "reference.npz")
    assert "reference.npz" in m["files"] and m["states"] == []
    assert m["coreml"]["weight_dtypes"] == ({"int8": 3} if precision == "int8" else {"float16": 3})
    art = load(tmp_path)  # every file of the package verified
    with pytest.raises(BackendUnavailableError, match="Apple"):
        art(windows(1))


def test_coreml_int8_weights_shrink_the_package(tmp_path):
    sizes = {}
    for precision in ("fp16", "int8"):
        m = json.loads(export_coreml(TinyEncoder(), tmp_path / precision, name="tiny", example_inputs=(windows(1),),
                                     precision=precision).read_text())
        sizes[precision] = sum(f["bytes"] for name, f in m["files"].items() if "weight" in name)
    assert sizes["int8"] < 0.7 * sizes["fp16"]


def test_onnx_export_runs_in_onnxruntime(tmp_path):
    model = TinyEncoder().eval()
    m = json.loads(export_onnx(model, tmp_path, name="tiny", example_inputs=(windows(1),),
                               parity_windows=windows(3, 7)).read_text())
    assert m["parity"]["cosine_mean"] > 0.99999
    art = load(tmp_path)
    x = windows(1, 8)
    with torch.no_grad():
        assert torch.allclose(art(x)[0], model(x), atol=1e-5)


def test_bad_coreml_precision():
    with pytest.raises(ConfigError):
        export_coreml(TinyEncoder(), "unused", name="t", example_inputs=(windows(1),), precision="int4")
