"""Quantization (build time): PT2E static int8 for XNNPACK, calibration, sensitivity reports and
quantization-aware fine-tuning.

Imports executorch/torchao quantizers lazily; ``wearsdk.signal``/``stream``/``runtime`` never need it.
"""

from wearsdk.quant.config import CALIBRATION_SEED, CALIBRATION_WINDOWS, Int8StaticConfig, int8_config_for
from wearsdk.quant.model import QAT_WINDOWS, load_calibration, quantize_model
from wearsdk.quant.pt2e import output_cosine, quantize, run_batched
from wearsdk.quant.qat import QATLoss, qat_finetune
from wearsdk.quant.sensitivity import LayerSensitivity, sensitivity_report

__all__ = [
    "Int8StaticConfig",
    "int8_config_for",
    "CALIBRATION_WINDOWS",
    "CALIBRATION_SEED",
    "quantize",
    "output_cosine",
    "run_batched",
    "LayerSensitivity",
    "sensitivity_report",
    "qat_finetune",
    "QATLoss",
    "QAT_WINDOWS",
    "quantize_model",
    "load_calibration",
]
