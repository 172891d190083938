"""Per-layer sensitivity: how much each quantized layer alone costs the output, to decide what stays
in float (``Int8StaticConfig(keep_float=...)``)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import torch

from wearsdk.models.deploy import deploy_form
from wearsdk.quant.config import Int8StaticConfig
from wearsdk.quant.pt2e import _LAYERS, _batches, _check_example, output_cosine, quantize, run_batched

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
                       layers: list[str] | None = None,
                       config: Int8StaticConfig | None = None) -> list[LayerSensitivity]:
    """For each conv/linear layer (or ``layers``), re-quantizes with that layer also in float and measures the output
    cosine against fp32 on ``evaluation`` windows ``(n, channels, samples)``, held out from ``calibration``. ``config``
    (default ``Int8StaticConfig()``) is the baseline; layers it already keeps in float are skipped, and a ``dynamic``
    layer is tried in float instead of dynamic int8. Sorted, most sensitive first. One quantization per layer: slow for
    deep models, so pass ``layers`` to look at a few."""
    config = config or Int8StaticConfig()
    model = deploy_form(model.eval())  # the layers int8 quantizes: quantize() builds from this form too
    step = _check_example(example_inputs).shape[0]
    _batches(evaluation, example_inputs[0], model)  # evaluation windows of the input spec
    with torch.no_grad():
        reference = model(evaluation)
    q = quantize(model, config, example_inputs=example_inputs, calibration=calibration)
    base = output_cosine(run_batched(q, evaluation, step), reference)
    names = layers or [n for n, m in model.named_modules() if isinstance(m, _LAYERS)]
    report = []
    for name in (n for n in names if n not in config.keep_float):
        trial = dataclasses.replace(config, keep_float=(*config.keep_float, name),
                                    dynamic=tuple(d for d in config.dynamic if d != name))
        q = quantize(model, trial, example_inputs=example_inputs, calibration=calibration)
        report.append(LayerSensitivity(name, base, output_cosine(run_batched(q, evaluation, step), reference)))
    return sorted(report, key=lambda r: r.cosine_gain, reverse=True)
