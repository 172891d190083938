"""Post-training static int8 quantization with PT2E and the XNNPACK quantizer.

    qmodel = quantize(model, Int8StaticConfig(), example_inputs=(x,), calibration=windows)

The result is a ``torch.fx.GraphModule`` with quantize/dequantize nodes around int8 ops: it runs in
eager for evaluation and lowers to XNNPACK int8 kernels in ExecuTorch (``wearsdk.export``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import torch

from wearsdk.errors import ConfigError, ExportError, ShapeError
from wearsdk.quant.config import Int8StaticConfig

__all__ = ["quantize", "output_cosine"]


def _quantizer(config: Int8StaticConfig):
    from executorch.backends.xnnpack.quantizer.xnnpack_quantizer import (
        XNNPACKQuantizer,
        get_symmetric_quantization_config,
    )
    from torchao.quantization.pt2e.quantizer import get_module_name_filter

    q = XNNPACKQuantizer().set_global(get_symmetric_quantization_config(is_per_channel=config.per_channel))
    if config.keep_float:
        in_float = [get_module_name_filter(name) for name in config.keep_float]
        q.set_filter_function(lambda node: not any(f(node) for f in in_float))
    return q


def _batches(calibration: Any) -> list[torch.Tensor]:
    if isinstance(calibration, torch.Tensor):
        if calibration.dim() < 2:
            raise ShapeError(f"calibration must be (windows, ...) shaped, got {tuple(calibration.shape)}.")
        return [calibration[i : i + 1] for i in range(calibration.shape[0])]
    return [torch.as_tensor(c, dtype=torch.float32) for c in calibration]


def quantize(model: torch.nn.Module, config: Int8StaticConfig, *, example_inputs: tuple[torch.Tensor, ...],
             calibration: torch.Tensor | Iterable[torch.Tensor]) -> torch.fx.GraphModule:
    """``model`` with static int8 weights and activations, calibrated on ``calibration`` (a
    ``(windows, channels, samples)`` tensor, one window per call, or an iterable of input batches)."""
    from torchao.quantization.pt2e import allow_exported_model_train_eval
    from torchao.quantization.pt2e.quantize_pt2e import convert_pt2e, prepare_pt2e

    if not isinstance(config, Int8StaticConfig):
        raise ConfigError(f"config must be an Int8StaticConfig, got {type(config).__name__}.")
    batches = _batches(calibration)
    if len(batches) < config.min_calibration_windows:
        raise ConfigError(
            f"{len(batches)} calibration windows given, config asks for >= {config.min_calibration_windows}: "
            "activation ranges from fewer windows clip real signals."
        )
    names = {n for n, _ in model.named_modules()}
    unknown = [n for n in config.keep_float if n not in names]
    if unknown:
        raise ConfigError(f"keep_float names {unknown} are not modules of the model.")
    model = model.eval()
    try:
        graph = torch.export.export(model, example_inputs, strict=False).module()
    except Exception as exc:  # torch.export raises many types; name the stage and keep the cause
        raise ExportError(f"torch.export failed before quantization: {type(exc).__name__}: {exc}") from exc
    prepared = prepare_pt2e(graph, _quantizer(config))
    with torch.no_grad():
        for batch in batches:
            prepared(batch)
    converted = convert_pt2e(prepared)
    allow_exported_model_train_eval(converted)  # so that .eval() on a wrapping module works
    return converted


def output_cosine(a: torch.Tensor, b: torch.Tensor) -> float:
    """Mean cosine similarity of two batches of outputs, flattened per example."""
    a2, b2 = a.reshape(a.shape[0], -1).double(), b.reshape(b.shape[0], -1).double()
    return float(torch.nn.functional.cosine_similarity(a2, b2, dim=1).mean())
