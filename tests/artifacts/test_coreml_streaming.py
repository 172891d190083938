"""CoreML streaming packages (ring buffer and FIR history as CoreML states), the preprocessing op mapped to
MIL as an FIR, the FIR-vs-IIR figure, and the reference data a Mac checks predictions against. Nothing is
predicted here: CoreML runs only on Apple platforms."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

import wearsdk.signal as ws
from wearsdk._integrity import sha256_file
from wearsdk.errors import ConfigError, ExportError
from wearsdk.export import CoreMLStreamingModule, WithPreprocessing, export_coreml, export_coreml_streaming
from wearsdk.export.coreml import _convert, fir_taps
from wearsdk.runtime import inspect

from .test_executorch_export import TinyEncoder

SPEC = ws.PreprocessSpec(sampling_rate=64, low=0.5, high=8.0)
WINDOW, HOP, CH = 512, 128, 4
TAPS = fir_taps(SPEC.sos)
VERIFY = Path(__file__).resolve().parents[2] / "examples" / "ios" / "verify_coreml.py"


def raw_stream(n: int, seed: int = 0) -> torch.Tensor:
    """``(1, CH, n)`` raw samples at 64 Hz with a DC offset, as a PPG front end gives them."""
    g = torch.Generator().manual_seed(seed)
    t = torch.arange(n) / 64
    return (0.8 + torch.sin(2 * torch.pi * 1.2 * t) + 0.3 * torch.randn(1, CH, n, generator=g)).float()


@pytest.fixture(scope="module")
def stream_int8(tmp_path_factory):
    out = tmp_path_factory.mktemp("coreml_stream")
    manifest = export_coreml_streaming(TinyEncoder(), out, name="tiny", spec=SPEC, window=WINDOW, hop=HOP,
                                       channels=CH, raw_stream=raw_stream(3 * WINDOW), precision="int8",
                                       with_preprocessing=True)
    return out, json.loads(manifest.read_text())


def test_streaming_package_keeps_ring_and_fir_history_as_states(stream_int8):
    out, m = stream_int8
    states = {s["name"]: s for s in m["states"]}
    assert states["ring"] == {"name": "ring", "shape": [1, CH, WINDOW], "dtype": "float16"}
    assert states["fir_hist"] == {"name": "fir_hist", "shape": [1, CH, TAPS.size - 1], "dtype": "float16"}
    assert m["inputs"] == [{"name": "chunk", "shape": [1, CH, HOP], "dtype": "float32"}]
    assert m["outputs"][0]["shape"] == [1, 16]
    assert m["streaming"] and m["coreml"]["deployment_target"] == "iOS18"
    assert m["stream"]["warmup_calls"] == WINDOW // HOP - 1 and m["stream"]["chunk"].startswith("raw")
    assert {"read_state", "write_state", "conv", "linear", "constexpr_blockwise_shift_scale"} <= set(
        m["coreml"]["mil_ops"])
    assert inspect(out)["states"] == m["states"]


def test_int8_streaming_package_quantizes_every_weight_but_the_fir(stream_int8):
    out, m = stream_int8
    assert m["coreml"]["weight_dtypes"] == {"float16": 1, "int8": 3}  # FIR taps stay fp16
    assert m["quantization"]["scheme"] == "coreml_linear_symmetric_int8_weights"
    weights = sum(f["bytes"] for n, f in m["files"].items() if n.endswith("weight.bin"))
    model_int8 = sum(p.numel() for p in TinyEncoder().parameters())  # one byte per weight, plus scales
    assert weights < model_int8 + 2 * TAPS.size * CH + 4096


def test_fp16_streaming_without_preprocessing_keeps_only_the_ring(tmp_path):
    m = json.loads(export_coreml_streaming(TinyEncoder(), tmp_path, name="tiny", spec=SPEC, window=WINDOW, hop=HOP,
                                           channels=CH, raw_stream=raw_stream(2 * WINDOW)).read_text())
    assert [s["name"] for s in m["states"]] == ["ring"]
    assert m["coreml"]["weight_dtypes"] == {"float16": 3} and "preprocessing_fir_vs_iir" not in m["coreml"]
    assert "band-passed" in m["stream"]["chunk"]


def test_streaming_module_equals_the_offline_fir_pipeline_at_every_hop():
    model = TinyEncoder().eval()
    module = CoreMLStreamingModule(model, SPEC, window=WINDOW, hop=HOP, channels=CH, fir=TAPS).eval()
    raw = raw_stream(4 * WINDOW, seed=3)
    fir = torch.from_numpy(np.stack([np.convolve(r, TAPS.astype(np.float64))[: raw.shape[-1]]
                                     for r in raw[0].double().numpy()])).float()[None]
    iir = ws.preprocess(raw, ws.PreprocessSpec(**{**SPEC.to_dict(), "norm": "none"}))
    with torch.no_grad():
        for k in range(raw.shape[-1] // HOP):
            got = module(raw[..., k * HOP : (k + 1) * HOP])
            end = (k + 1) * HOP
            if end >= WINDOW:
                assert torch.allclose(got, model(ws.zscore(fir[..., end - WINDOW : end])), atol=1e-4)
                want = model(ws.zscore(iir[..., end - WINDOW : end]))
                assert torch.nn.functional.cosine_similarity(got, want).item() > 0.9999


def test_preprocessing_op_maps_to_an_fir_conv_and_its_difference_is_recorded(tmp_path):
    model = WithPreprocessing(TinyEncoder(), SPEC).eval()
    raw = raw_stream(3 * WINDOW, seed=1).reshape(CH, 3, WINDOW).transpose(0, 1).contiguous()
    m = json.loads(export_coreml(model, tmp_path, name="tiny", example_inputs=(raw[:1],),
                                 reference_windows=raw).read_text())
    diff = m["coreml"]["preprocessing_fir_vs_iir"]
    assert diff["taps"] == TAPS.size and diff["windows"] == 3 and diff["samples"] == WINDOW
    assert 0 < diff["rms"] < diff["max_abs"] < 0.02  # in units of the filtered signal's std
    assert {"conv", "reduce_mean", "real_div", "sqrt"} <= set(m["coreml"]["mil_ops"])

    program = _convert(model, (raw[:1],), name="tiny", precision="fp16", streaming=False)._mil_program
    firs = [op for op in program.functions["main"].operations
            if op.op_type == "conv" and op.weight.shape == (CH, 1, TAPS.size)]
    assert len(firs) == 1 and list(firs[0].pad.val) == [TAPS.size - 1, 0] and firs[0].groups.val == CH
    np.testing.assert_allclose(firs[0].weight.val[0, 0].astype(np.float32), TAPS[::-1], atol=1e-3)


def test_fir_taps_are_the_truncated_iir_impulse_response():
    impulse = np.zeros((1, 1024), np.float32)
    impulse[0, 0] = 1
    h = ws.sosfilt(impulse, SPEC.sos)[0][0]
    np.testing.assert_array_equal(TAPS, h[: TAPS.size])
    assert np.sum(h[TAPS.size :] ** 2) < 1e-6 * np.sum(h**2)


def test_coreml_refuses_what_it_cannot_map(tmp_path):
    with pytest.raises(ConfigError, match="resample on the host"):
        export_coreml_streaming(TinyEncoder(), tmp_path, name="t", spec=SPEC.with_rate(256), window=WINDOW, hop=HOP,
                                channels=CH, raw_stream=raw_stream(2 * WINDOW))
    with pytest.raises(ExportError, match="robust"):
        CoreMLStreamingModule(TinyEncoder(), ws.PreprocessSpec(sampling_rate=64, norm="robust"), window=WINDOW,
                              hop=HOP, channels=CH)
    resampled = WithPreprocessing(TinyEncoder(), ws.PreprocessSpec(sampling_rate=128, target_rate=64))
    with pytest.raises(ExportError, match="without resampling"):
        export_coreml(resampled, tmp_path, name="t", example_inputs=(torch.zeros(1, CH, 2 * WINDOW),))


def test_reference_npz_is_listed_and_the_mac_script_refuses_to_fake_predictions(stream_int8):
    out, m = stream_int8
    ref = m["coreml"]["reference"]
    npz = out / ref["file"]
    assert m["files"][ref["file"]]["sha256"] == sha256_file(npz)
    data = np.load(npz)
    assert data[ref["inputs"][0]].shape == (WINDOW // HOP + 1, 1, CH, HOP) == (ref["calls"], 1, CH, HOP)
    assert data[ref["outputs"][0]].shape == (ref["calls"], 1, 16)
    proc = subprocess.run([sys.executable, str(VERIFY), str(out)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2
    assert "CoreML prediction needs macOS" in proc.stderr and "nothing was predicted" in proc.stderr


def test_cli_exports_a_compact_encoder_as_a_small_int8_streaming_package(tmp_path, capsys):
    from wearsdk.cli import main

    assert main(["export", "--model", "ppg_encoder_compact", "--backend", "coreml", "--quant", "int8", "--streaming",
                 "--with-preprocessing", "--allow-untrained", "--out", str(tmp_path)]) == 0
    info = inspect(tmp_path)
    assert [s["name"] for s in info["states"]] == ["fir_hist", "ring"] and info["states"][1]["shape"] == [1, 4, 3840]
    assert info["inputs"][0]["shape"] == [1, 4, 1920] and info["weight_dtypes"]["int8"] > 10
    m = json.loads((tmp_path / "manifest.json").read_text())
    assert sum(f["bytes"] for n, f in m["files"].items() if ".mlpackage/" in n) <= 300_000
    assert m["coreml"]["preprocessing_fir_vs_iir"]["max_abs"] < 0.05
