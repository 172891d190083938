"""Streaming ExecuTorch programs (ring buffer + filter state as mutable buffers) equal the offline
pipeline after warm-up, in fp32 and int8."""

import json

import pytest
import torch

import wearsdk.signal as ws
from wearsdk.errors import ConfigError, DTypeError, ShapeError
from wearsdk.export import StreamingModule, export_executorch_streaming
from wearsdk.runtime import load

SPEC = ws.PreprocessSpec(sampling_rate=256, target_rate=64, low=0.5, high=8.0)
WINDOW, HOP, CH = 128, 32, 2


class Enc(torch.nn.Module):
    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.conv = torch.nn.Conv1d(CH, 8, 5, stride=2, padding=2)
        self.fc = torch.nn.Linear(8, 4)

    def forward(self, x):
        return self.fc(torch.nn.functional.silu(self.conv(x)).mean(-1))


def raw(seconds: int, seed: int) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    t = torch.arange(256 * seconds) / 256
    return (torch.sin(2 * torch.pi * 1.3 * t) + 0.2 * torch.randn(1, CH, t.numel(), generator=g)).float()


@pytest.mark.parametrize("precision", ["fp32", "int8"])
def test_streaming_program_equals_offline(tmp_path, precision):
    calib = torch.stack([ws.zscore(w) for w in torch.randn(16, CH, WINDOW)])
    manifest = export_executorch_streaming(Enc(), tmp_path, name="enc", spec=SPEC, window=WINDOW, hop=HOP,
                                           channels=CH, parity_stream=raw(20, 1), precision=precision,
                                           calibration=calib)
    m = json.loads(manifest.read_text())
    assert m["streaming"] and m["stream"]["hop_in"] == HOP * 4 and m["stream"]["warmup_calls"] == WINDOW // HOP - 1
    assert m["parity"]["windows"] >= 30
    if precision == "fp32":
        assert m["parity"]["max_abs_err"] < 1e-5
    else:
        assert m["parity"]["cosine_mean"] > 0.98
    art = load(tmp_path)
    assert art.inputs[0]["shape"] == [1, CH, HOP * 4]
    with pytest.raises(ShapeError, match=rf"\(1, {CH}, {HOP * 4}\)"):
        art.push(torch.zeros(1, CH, 100))
    with pytest.raises(DTypeError, match="float32"):
        art.push(torch.zeros(1, CH, HOP * 4, dtype=torch.float64))
    with pytest.raises(ConfigError, match="push"):
        art(torch.zeros(1, CH, HOP * 4))


def test_push_is_silent_while_the_ring_fills_and_reset_starts_a_new_stream(tmp_path):
    export_executorch_streaming(Enc(), tmp_path, name="enc", spec=SPEC, window=WINDOW, hop=HOP, channels=CH,
                                parity_stream=raw(4, 1))
    art = load(tmp_path)
    chunks = raw(4, 2).split(HOP * 4, dim=-1)
    first = [art.push(c.contiguous()) for c in chunks[: WINDOW // HOP]]
    assert all(o is None for o in first[:-1]) and first[-1].shape == (1, 4)
    art.reset()
    again = [art.push(c.contiguous()) for c in chunks[: WINDOW // HOP]]
    assert again[:-1] == [None] * (WINDOW // HOP - 1) and torch.equal(again[-1], first[-1])


def test_streaming_module_refuses_a_hop_that_splits_samples():
    with pytest.raises(ShapeError):
        StreamingModule(Enc(), ws.PreprocessSpec(sampling_rate=100, target_rate=64), window=64, hop=3, channels=CH)
