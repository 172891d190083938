"""Per-layer sensitivity: how much each quantized layer alone costs the output, to decide what stays
in float (``Int8StaticConfig(keep_float=...)``)."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from wearsdk.quant.config import Int8StaticConfig
from wearsdk.quant.pt2e import output_cosine, quantize

__all__ = ["LayerSensitivity", "sensitivity_report"]


@dataclass(frozen=True)
class LayerSensitivity:
    """``cosine_gain``: output cosine (vs fp32) with this layer kept in float, minus the all-int8 one."""

    name: str
    cosine_all_int8: float
    cosine_without: float

    @property
    def cosine_gain(self) -> float:
        return self.cosine_without - self.cosine_all_int8


def sensitivity_report(model: torch.nn.Module, *, example_inputs: tuple[torch.Tensor, ...],
                       calibration: torch.Tensor, evaluation: torch.Tensor,
                       layers: list[str] | None = None) -> list[LayerSensitivity]:
    """For each conv/linear layer (or ``layers``), re-quantizes with that layer in float and measures the
    output cosine against fp32 on ``evaluation`` windows. Sorted, most sensitive first."""
    model = model.eval()
    with torch.no_grad():
        reference = model(evaluation)
    base = output_cosine(quantize(model, Int8StaticConfig(), example_inputs=example_inputs,
                                  calibration=calibration)(evaluation), reference)
    names = layers or [n for n, m in model.named_modules() if isinstance(m, (torch.nn.Conv1d, torch.nn.Linear))]
    report = []
    for name in names:
        q = quantize(model, Int8StaticConfig(keep_float=(name,)), example_inputs=example_inputs,
                     calibration=calibration)
        with torch.no_grad():
            report.append(LayerSensitivity(name, base, output_cosine(q(evaluation), reference)))
    return sorted(report, key=lambda r: r.cosine_gain, reverse=True)
