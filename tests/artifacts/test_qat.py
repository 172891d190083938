"""Quantization-aware fine-tuning: ``wearsdk.quant.qat_finetune`` and ``wearsdk quantize --qat-steps``."""

import json

import numpy as np
import pytest
import torch

from wearsdk.cli import main
from wearsdk.errors import CheckpointError, ConfigError, NonFiniteInputError, ShapeError
from wearsdk.models import create_model
from wearsdk.quant import Int8StaticConfig, qat_finetune, quantize, run_batched


class ConvBn(torch.nn.Module):
    """(batch, 2, 256) -> (batch, 16): conv-BN-ReLU twice, mean over time, linear; trained BatchNorm statistics."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.a = torch.nn.Sequential(torch.nn.Conv1d(2, 16, 9, padding=4, bias=False), torch.nn.BatchNorm1d(16),
                                     torch.nn.ReLU())
        self.b = torch.nn.Sequential(torch.nn.Conv1d(16, 16, 9, stride=2, padding=4, bias=False),
                                     torch.nn.BatchNorm1d(16), torch.nn.ReLU())
        self.head = torch.nn.Linear(16, 16)
        with torch.no_grad():
            for bn in (self.a[1], self.b[1]):
                bn.running_mean.uniform_(-0.2, 0.2)
                bn.running_var.uniform_(0.5, 2.0)
                bn.weight.uniform_(0.5, 1.5)

    def forward(self, x):
        return self.head(self.b(self.a(x)).mean(-1))


def windows(n: int, seed: int) -> torch.Tensor:
    return torch.randn(n, 2, 256, generator=torch.Generator().manual_seed(seed)).cumsum(-1) * 0.1


def int8_error(model: torch.nn.Module, calib: torch.Tensor, x: torch.Tensor) -> float:
    """Mean 1 - cosine of the int8 model's outputs with the float ones on ``x``."""
    q = quantize(model, Int8StaticConfig(), example_inputs=(calib[:1],), calibration=calib)
    with torch.no_grad():
        want = model(x)
    return float((1 - torch.nn.functional.cosine_similarity(run_batched(q, x), want, dim=1)).mean())


def test_qat_keeps_the_float_model_and_narrows_its_int8_gap():
    model = ConvBn().eval()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    train, calib, held_out = windows(256, 1), windows(32, 2), windows(64, 3)
    tuned, history = qat_finetune(model, Int8StaticConfig(), windows=train, steps=120, lr=2e-3, batch=32,
                                  progress=False)
    assert all(torch.equal(v, model.state_dict()[k]) for k, v in before.items())  # the original is untouched
    assert set(tuned.state_dict()) == set(before) and not tuned.training
    assert history[0]["step"] == 0 and history[-1]["step"] == 119
    assert all(np.isfinite([r["loss_int8"], r["loss_float"]]).all() for r in history)
    with torch.no_grad():  # the float function is kept
        assert torch.nn.functional.cosine_similarity(tuned(held_out), model(held_out), dim=1).min() > 0.99
    # measured 6.3e-5 -> 4.7e-5 (quantized afresh, with their own calibration, as wearsdk export does)
    assert int8_error(tuned, calib, held_out) < 0.9 * int8_error(model, calib, held_out)


def test_bad_requests_are_refused_before_export(no_export):
    model, cfg, x = ConvBn().eval(), Int8StaticConfig(), windows(16, 0)
    with pytest.raises(ConfigError, match="Int8StaticConfig"):
        qat_finetune(model, {"per_channel": True}, windows=x)
    with pytest.raises(ConfigError, match="steps"):
        qat_finetune(model, cfg, windows=x, steps=0)
    with pytest.raises(ConfigError, match="batch"):
        qat_finetune(model, cfg, windows=x, batch=1)
    with pytest.raises(ConfigError, match="lr"):
        qat_finetune(model, cfg, windows=x, lr=float("nan"))
    with pytest.raises(ConfigError, match="fewer than one batch"):
        qat_finetune(model, cfg, windows=x, batch=32)
    with pytest.raises(ConfigError, match="not modules"):
        qat_finetune(model, Int8StaticConfig(keep_float=("nope",)), windows=x, batch=8)
    bad = x.clone()
    bad[2, 0, 5] = float("inf")
    with pytest.raises(NonFiniteInputError, match=r"\[2\]"):
        qat_finetune(model, cfg, windows=bad, batch=8)
    encoder = create_model("ecg_encoder_compact")
    with pytest.raises(ShapeError, match=r"\(1, 3840\)"):
        qat_finetune(encoder, cfg, windows=torch.randn(8, 1, 1000), batch=8)


def test_quantize_cli_qat_writes_loadable_weights_and_report(tmp_path, capsys):
    out = tmp_path / "q"
    code = main(["quantize", "--model", "ecg_encoder_compact", "--pretrained", "--qat-steps", "2",
                 "--qat-windows", "8", "--windows", "8", "--eval-windows", "2", "--out", str(out)])
    assert code == 0
    assert "quantization-aware fine-tuning: 2 steps on 8 windows" in capsys.readouterr().out
    report = json.loads((out / "quant_report.json").read_text())
    qat = report["qat"]
    assert qat["steps"] == 2 and qat["windows"] == 8 and qat["seed"] == 2 and qat["from"] == "pretrained"
    assert [r["step"] for r in qat["history"]] == [0, 1] and 0.9 < qat["cosine_mean_before"] <= 1.0 + 1e-9
    # two warm-up steps barely move the weights; the real-trained ECG encoder's BatchNorm statistics shift on the
    # 8 simulated windows (0.969 measured for ecg_encoder_compact 0.2.0, > 0.99 for the simulator-trained 0.1.0)
    assert qat["float_cosine_to_original_min"] > 0.95
    tuned = create_model("ecg_encoder_compact", checkpoint_path=out / qat["weights"])
    bundled = create_model("ecg_encoder_compact", pretrained=True)
    changed = [k for k, v in tuned.state_dict().items() if not torch.equal(v, bundled.state_dict()[k])]
    # weights moved, BN statistics kept, but conv_head's: QAT tunes the deploy form, where its BN is folded into it
    stats = {k for k in changed if not k.endswith(("weight", "bias"))}
    assert changed and stats <= {"conv_head.1.running_mean", "conv_head.1.running_var"}
    assert main(["quantize", "--model", "ecg_encoder_compact", "--allow-untrained", "--qat-steps", "2",
                 "--out", str(tmp_path / "u")]) == 2
    assert CheckpointError.__name__ in capsys.readouterr().err
    assert main(["quantize", "--model", "ecg_encoder_compact", "--pretrained", "--qat-steps", "2",
                 "--qat-windows", "1", "--out", str(tmp_path / "w")]) == 2
    assert "qat_windows must be at least 2" in capsys.readouterr().err
    assert not (tmp_path / "u").exists() and not (tmp_path / "w").exists()
