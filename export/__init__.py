"""Build-time export toolchain, imported as ``wearsdk.export`` (the folder is ``export/``).

Heavy dependencies (executorch's exir, coremltools, onnx) are imported only here and in
``wearsdk.quant``; the runtime never needs them.
"""

from wearsdk.export.coreml import CoreMLStreamingModule, export_coreml, export_coreml_streaming
from wearsdk.export.executorch import export_executorch
from wearsdk.export.model import CALIBRATION_WINDOWS, export_model, simulated_windows
from wearsdk.export.onnx import export_onnx
from wearsdk.export.preprocessing import PreprocessingModule, WithPreprocessing, export_preprocessing
from wearsdk.export.streaming import StreamingModule, export_executorch_streaming

__all__ = [
    "PreprocessingModule",
    "StreamingModule",
    "CoreMLStreamingModule",
    "WithPreprocessing",
    "export_preprocessing",
    "export_executorch",
    "export_executorch_streaming",
    "export_coreml",
    "export_coreml_streaming",
    "export_onnx",
    "export_model",
    "simulated_windows",
    "CALIBRATION_WINDOWS",
]
