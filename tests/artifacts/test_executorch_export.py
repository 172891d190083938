"""ExecuTorch export (fp32 and PT2E int8 via XNNPACK), manifests, and the verified runtime loader."""

import json
import shutil

import pytest
import torch

from wearsdk.errors import ArtifactIntegrityError, ConfigError, ExportError, ShapeError
from wearsdk.export import export_executorch
from wearsdk.quant import Int8StaticConfig, output_cosine, quantize, run_batched, sensitivity_report
from wearsdk.runtime import load


class TinyEncoder(torch.nn.Module):
    """A small 1D conv encoder shaped like ours: (batch, 4, 512) -> (batch, 16)."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.stem = torch.nn.Conv1d(4, 16, 7, stride=2, padding=3)
        self.bn = torch.nn.BatchNorm1d(16)
        self.block = torch.nn.Conv1d(16, 32, 5, stride=2, padding=2)
        self.head = torch.nn.Linear(32, 16)

    def forward(self, x):
        x = torch.nn.functional.silu(self.bn(self.stem(x)))
        x = torch.nn.functional.silu(self.block(x))
        return self.head(x.mean(-1))


def windows(n: int, seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    t = torch.arange(512) / 64
    base = torch.sin(2 * torch.pi * 1.2 * t)
    return base + 0.3 * torch.randn(n, 4, 512, generator=g)


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory):
    model = TinyEncoder().eval()
    out = tmp_path_factory.mktemp("art")
    ex = (windows(1),)
    fp32 = export_executorch(model, out / "fp32", name="tiny", example_inputs=ex, parity_windows=windows(4, 1))
    int8 = export_executorch(model, out / "int8", name="tiny", example_inputs=ex, precision="int8",
                             calibration=windows(16, 2), parity_windows=windows(8, 3))
    return model, fp32, int8


def test_fp32_artifact_matches_eager(artifacts):
    model, fp32, _ = artifacts
    art = load(fp32.parent)
    x = windows(1, 9)
    with torch.no_grad():
        assert torch.allclose(art(x)[0], model(x), atol=1e-5)
    m = json.loads(fp32.read_text())
    assert m["parity"]["cosine_mean"] > 0.99999 and m["precision"] == "fp32"
    assert m["files"]["tiny_executorch_fp32.pte"]["bytes"] == (fp32.parent / "tiny_executorch_fp32.pte").stat().st_size


def test_int8_artifact_is_close_to_fp32_and_smaller(artifacts):
    model, fp32, int8 = artifacts
    m = json.loads(int8.read_text())
    assert m["quantization"]["scheme"] == "int8_static_xnnpack"
    assert m["parity"]["cosine_mean"] > 0.99
    x = windows(6, 11)
    art = load(int8)
    got = torch.cat([art(x[i : i + 1])[0] for i in range(6)])
    with torch.no_grad():
        assert output_cosine(got, model(x)) > 0.99
    size8 = (int8.parent / "tiny_executorch_int8.pte").stat().st_size
    size32 = (fp32.parent / "tiny_executorch_fp32.pte").stat().st_size
    assert size8 < size32


def test_tampered_artifacts_are_refused(artifacts, tmp_path):
    _, fp32, _ = artifacts
    bad = tmp_path / "bad"
    shutil.copytree(fp32.parent, bad)
    pte = bad / "tiny_executorch_fp32.pte"
    data = bytearray(pte.read_bytes())
    data[len(data) // 2] ^= 0x01  # one flipped bit
    pte.write_bytes(bytes(data))
    with pytest.raises(ArtifactIntegrityError, match="sha256"):
        load(bad)
    pte.write_bytes(bytes(data[: len(data) // 3]))  # truncated
    with pytest.raises(ArtifactIntegrityError):
        load(bad)
    good = json.loads((fp32.parent / "manifest.json").read_text())
    shutil.copy(fp32.parent / "tiny_executorch_fp32.pte", pte)  # the original file, an edited manifest
    edited = {**good, "files": {k: {**v, "sha256": "0" * 64} for k, v in good["files"].items()}}
    (bad / "manifest.json").write_text(json.dumps(edited))
    with pytest.raises(ArtifactIntegrityError, match="sha256"):
        load(bad)
    (bad / "manifest.json").write_text(json.dumps({**good, "format": "something-else/9"}))
    with pytest.raises(ArtifactIntegrityError, match="format"):
        load(bad)
    (bad / "manifest.json").write_text("{broken")
    with pytest.raises(ArtifactIntegrityError, match="JSON"):
        load(bad)
    with pytest.raises(ArtifactIntegrityError, match="no manifest"):
        load(tmp_path / "nowhere")


def test_wrong_input_is_refused_by_the_manifest_contract(artifacts):
    _, fp32, _ = artifacts
    with pytest.raises(ShapeError, match=r"\(1, 4, 512\)"):
        load(fp32)(torch.zeros(1, 4, 500))


def test_bad_export_requests():
    model = TinyEncoder()
    ex = (windows(1),)
    with pytest.raises(ConfigError, match="calibration"):
        export_executorch(model, "unused", name="t", example_inputs=ex, precision="int8")
    with pytest.raises(ConfigError):
        export_executorch(model, "unused", name="t", example_inputs=ex, precision="int4")
    with pytest.raises(ConfigError, match="calibration windows"):
        quantize(model, Int8StaticConfig(), example_inputs=ex, calibration=windows(2))
    with pytest.raises(ConfigError, match="not modules"):
        quantize(model, Int8StaticConfig(keep_float=("nope",)), example_inputs=ex, calibration=windows(8))

    class DataDependent(torch.nn.Module):
        def forward(self, x):
            return x * 2 if x.sum() > 0 else x

    with pytest.raises(ExportError, match="export"):
        export_executorch(DataDependent(), "unused", name="t", example_inputs=ex)


def test_sensitivity_report_ranks_layers():
    model = TinyEncoder().eval()
    report = sensitivity_report(model, example_inputs=(windows(1),), calibration=windows(8, 4),
                                evaluation=windows(4, 5))
    assert {r.name for r in report} == {"stem", "block", "head"}
    assert report[0].cosine_gain >= report[-1].cosine_gain
    assert all(0.9 < r.cosine_all_int8 <= 1.0 for r in report)


def test_with_preprocessing_takes_raw_samples(tmp_path):
    import wearsdk.signal as ws
    from wearsdk.export import WithPreprocessing

    spec = ws.PreprocessSpec(sampling_rate=256, target_rate=64, low=0.5, high=8.0)
    model = WithPreprocessing(TinyEncoder().eval(), spec).eval()
    raw = torch.randn(1, 4, 2048)
    manifest = export_executorch(model, tmp_path, name="tiny_pre", example_inputs=(raw,), parity_windows=raw)
    assert json.loads(manifest.read_text())["parity"]["max_abs_err"] < 1e-5
    with torch.no_grad():
        want = TinyEncoder().eval()(torch.from_numpy(ws.preprocess(raw.numpy(), spec)))
    assert torch.allclose(load(tmp_path)(raw)[0], want, atol=1e-5)


class WideRangeHead(TinyEncoder):
    """TinyEncoder whose 16 outputs span 300x in range (half the head's rows scaled up), like an embedding."""

    def __init__(self):
        super().__init__()
        with torch.no_grad():
            self.head.weight[:8] *= 300.0


def test_dynamic_linear_keeps_small_outputs_and_lowers(tmp_path):
    """One static int8 scale for all 16 outputs rounds the small ones away; ``dynamic=("head",)`` keeps them,
    and the program lowers to XNNPACK and runs like its eager quantized graph."""
    model = WideRangeHead().eval()
    ex, cal, x = (windows(1),), windows(16, 2), windows(8, 4)
    with torch.no_grad():
        ref = model(x)[:, 8:]

    def small_output_error(config):
        q = quantize(model, config, example_inputs=ex, calibration=cal)
        with torch.no_grad():
            out = torch.cat([q(w[None]) for w in x])[:, 8:]
        return float((out - ref).norm() / ref.norm())

    static, dynamic = small_output_error(Int8StaticConfig()), small_output_error(Int8StaticConfig(dynamic=("head",)))
    assert dynamic < 0.1 < static and dynamic < static / 4, (static, dynamic)
    manifest = export_executorch(model, tmp_path, name="wide", example_inputs=ex, precision="int8", calibration=cal,
                                 quant_config=Int8StaticConfig(dynamic=("head",)), parity_windows=x)
    m = json.loads(manifest.read_text())
    assert m["quantization"]["dynamic"] == ["head"] and m["parity"]["cosine_mean"] > 0.99
    with torch.no_grad():
        out = load(tmp_path)(x[:1])[0][0, 8:]
    assert float((out - ref[0]).norm() / ref[0].norm()) < 0.1


def test_dynamic_names_are_checked_before_export():
    model, ex = TinyEncoder().eval(), (windows(1),)
    with pytest.raises(ConfigError, match=r"not nn.Linear.*\['head'\]"):
        quantize(model, Int8StaticConfig(dynamic=("stem",)), example_inputs=ex, calibration=windows(8))
    with pytest.raises(ConfigError, match="both keep_float and dynamic"):
        Int8StaticConfig(keep_float=("head",), dynamic=("head",))
    with pytest.raises(ConfigError, match="tuple of module names"):
        Int8StaticConfig(dynamic="head")


def test_encoders_bring_their_int8_scheme_and_keep_float_adds_to_it():
    from wearsdk.models import create_model
    from wearsdk.quant import int8_config_for

    encoder = create_model("ppg_encoder_compact")  # its deploy form's names: conv_head is a linear there
    assert int8_config_for(encoder) == Int8StaticConfig(dynamic=("conv_head", "embed"))
    assert int8_config_for(create_model("lead_vae_compact")) == Int8StaticConfig()
    more = int8_config_for(create_model("ecg_encoder_compact"), keep_float=("stem.0", "blocks.7.dw.0"))
    assert more.keep_float == ("stem.0", "blocks.7.dw.0") and more.dynamic == ("conv_head", "embed")
    assert int8_config_for(encoder, per_channel=False).per_channel is False


def test_int8_program_with_a_float_conv_lowers_and_keeps_it_float(tmp_path):
    """A keep_float 1-D convolution fed by int8 activations (the encoders' conv_head): ExecuTorch 1.5's XNNPACK
    Conv1d pass refused it ("Weight and Input should both be quantized") until quantize rewrote it in 2-D."""
    model, calib = TinyEncoder().eval(), windows(16, 2)
    config = Int8StaticConfig(keep_float=("block",))
    graph = quantize(model, config, example_inputs=(windows(1),), calibration=calib)
    float_convs = [n for n in graph.graph.nodes if n.target is torch.ops.aten.conv2d.default]
    assert len(float_convs) == 1 and float_convs[0].args[1].op == "get_attr"  # the block, its weight in float
    manifest = export_executorch(model, tmp_path, name="tiny", example_inputs=(windows(1),), precision="int8",
                                 calibration=calib, quant_config=config, parity_windows=windows(8, 3))
    m = json.loads(manifest.read_text())
    assert m["quantization"]["keep_float"] == ["block"] and m["parity"]["cosine_mean"] > 0.99
    x = windows(4, 12)
    with torch.no_grad():
        assert output_cosine(run_batched(graph, x), model(x)) > 0.99
