"""``wearsdk quantize`` and the calibration checks of ``wearsdk.quant.quantize`` (before any export)."""

import json
import re

import numpy as np
import pytest
import torch

from wearsdk.cli import main
from wearsdk.errors import ConfigError, DataFormatError, DTypeError, NonFiniteInputError, ShapeError
from wearsdk.quant import Int8StaticConfig, quantize, sensitivity_report


class Tiny(torch.nn.Module):
    """(batch, 4, 512) -> (batch, 8)."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.stem = torch.nn.Conv1d(4, 8, 7, stride=4, padding=3)
        self.head = torch.nn.Linear(8, 8)

    def forward(self, x):
        return self.head(torch.nn.functional.relu(self.stem(x)).mean(-1))


def windows(n: int, seed: int = 0) -> torch.Tensor:
    return torch.randn(n, 4, 512, generator=torch.Generator().manual_seed(seed))


def test_bad_calibration_is_refused_before_export(no_export):
    model, ex = Tiny().eval(), (windows(1),)
    cfg = Int8StaticConfig()
    with pytest.raises(ConfigError, match=r"empty.*\(4, 512\)"):
        quantize(model, cfg, example_inputs=ex, calibration=torch.empty(0, 4, 512))
    with pytest.raises(ConfigError, match="empty"):
        quantize(model, cfg, example_inputs=ex, calibration=[])
    with pytest.raises(ShapeError, match=r"\(8, 4, 500\).*\(4, 512\)"):
        quantize(model, cfg, example_inputs=ex, calibration=torch.randn(8, 4, 500))
    with pytest.raises(ShapeError, match=r"\(8, 3, 512\)"):
        quantize(model, cfg, example_inputs=ex, calibration=torch.randn(8, 3, 512))
    with pytest.raises(ShapeError, match="model_windows"):
        quantize(model, cfg, example_inputs=ex, calibration=torch.randn(4, 512))
    with pytest.raises(ShapeError, match=r"x\[None\]"):  # an iterable of single windows without batch axis
        quantize(model, cfg, example_inputs=ex, calibration=[w for w in windows(8)])
    bad = windows(8)
    bad[3, 1, 100] = float("nan")
    with pytest.raises(NonFiniteInputError, match=r"\[3\]"):
        quantize(model, cfg, example_inputs=ex, calibration=bad)
    bad[3, 1, 100] = float("inf")
    with pytest.raises(NonFiniteInputError):
        quantize(model, cfg, example_inputs=ex, calibration=list(bad.split(4)))
    with pytest.raises(DTypeError, match="int16"):
        quantize(model, cfg, example_inputs=ex, calibration=torch.zeros(8, 4, 512, dtype=torch.int16))
    with pytest.raises(ConfigError, match=">= 8"):
        quantize(model, cfg, example_inputs=ex, calibration=windows(3))
    with pytest.raises(ConfigError, match="example_inputs"):
        quantize(model, cfg, example_inputs=windows(1), calibration=windows(8))


def test_calibration_batches_and_float64_are_accepted():
    model, ex = Tiny().eval(), (windows(1),)
    q = quantize(model, Int8StaticConfig(), example_inputs=ex, calibration=list(windows(8, 1).double().split(4)))
    with torch.no_grad():
        assert torch.nn.functional.cosine_similarity(q(ex[0]), model(ex[0])).item() > 0.95


def test_sensitivity_report_follows_the_config():
    report = sensitivity_report(Tiny().eval(), example_inputs=(windows(1),), calibration=windows(8, 1),
                                evaluation=windows(3, 2), config=Int8StaticConfig(keep_float=("head",)))
    assert [r.name for r in report] == ["stem"]
    # a dynamic-int8 layer is tried in float instead (it cannot be both)
    report = sensitivity_report(Tiny().eval(), example_inputs=(windows(1),), calibration=windows(8, 1),
                                evaluation=windows(3, 2), config=Int8StaticConfig(dynamic=("head",)))
    assert sorted(r.name for r in report) == ["head", "stem"]
    with pytest.raises(ShapeError):
        sensitivity_report(Tiny().eval(), example_inputs=(windows(1),), calibration=windows(8, 1),
                           evaluation=torch.randn(3, 4, 100))


def test_quantize_cli_writes_program_and_report(tmp_path, capsys):
    out = tmp_path / "q"
    code = main(["quantize", "--model", "ecg_encoder_compact", "--allow-untrained", "--windows", "8",
                 "--eval-windows", "2", "--out", str(out)])
    assert code == 0
    printed = capsys.readouterr().out
    assert "UNTRAINED" in printed and "cosine" in printed
    report = json.loads((out / "quant_report.json").read_text())
    assert {"model", "trained", "config", "calibration", "int8_vs_fp32", "sensitivity", "program"} <= set(report)
    assert report["model"] == "ecg_encoder_compact" and report["trained"] is False
    scheme = Int8StaticConfig(dynamic=("conv_head", "embed"))  # layer names of its deploy form
    assert report["config"] == json.loads(json.dumps(scheme.to_dict()))
    assert report["calibration"] == {"source": "sim", "seed": 0, "windows": 8}
    agree = report["int8_vs_fp32"]
    assert agree["seed"] != report["calibration"]["seed"] and agree["windows"] == 2
    assert 0.5 < agree["cosine_mean"] <= 1.0 + 1e-9 and agree["max_abs_diff"] >= 0.0
    assert report["sensitivity"] is None
    program = out / report["program"]["file"]
    assert program.name == "ecg_encoder_compact_untrained_int8.pt2" and program.is_file()
    y = torch.export.load(program).module()(torch.randn(1, 1, 3840))
    assert y.shape == (1, 256) and torch.isfinite(y).all()


def test_quantize_cli_refuses_bad_requests(tmp_path, capsys):
    def run(*extra):
        return main(["quantize", "--model", "ecg_encoder_compact", "--out", str(tmp_path / "out"), *extra])

    assert run() == 2 and "--allow-untrained" in capsys.readouterr().err
    cases = {
        "shape.npy": (np.zeros((8, 2, 3840), np.float32), ShapeError, r"\(N, 1, 3840\) float32"),
        "rank.npy": (np.zeros((1, 3840), np.float32), ShapeError, r"\(1, 3840\)"),
        "empty.npy": (np.zeros((0, 1, 3840), np.float32), ConfigError, "no windows"),
        "f64.npy": (np.zeros((8, 1, 3840)), DTypeError, "astype"),
        "nan.npy": (np.full((8, 1, 3840), np.nan, np.float32), NonFiniteInputError, "NaN"),
    }
    for name, (array, error, pattern) in cases.items():
        np.save(tmp_path / name, array)
        assert run("--allow-untrained", "--calibration", str(tmp_path / name)) == 2, name
        err = capsys.readouterr().err
        assert error.__name__ in err and re.search(pattern, err), (name, err)
    assert run("--allow-untrained", "--calibration", str(tmp_path / "missing.npy")) == 2
    assert DataFormatError.__name__ in capsys.readouterr().err
    assert run("--allow-untrained", "--windows", "3") == 2 and ">= 8" in capsys.readouterr().err
    assert run("--allow-untrained", "--keep-float", "nope", "--windows", "8", "--eval-windows", "2") == 2
    assert "not modules" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()

