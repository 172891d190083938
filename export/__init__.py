"""Build-time export toolchain, imported as ``wearsdk.export`` (the folder is ``export/``).

Backends register themselves by name (:func:`register_backend`, one line at the end of their module:
``executorch``, ``coreml``, ``onnx``); :func:`export_model` looks the backend up and checks the request against
what it supports. A new backend is one new module here plus its import below. Heavy dependencies (executorch's
exir, coremltools, onnx) are imported only here and in ``wearsdk.quant``; the runtime never needs them.
"""

from wearsdk.export.registry import Backend, ExportJob, get_backend, list_backends, register_backend  # noqa: I001
from wearsdk.export.coreml import CoreMLStreamingModule, export_coreml, export_coreml_streaming
from wearsdk.export.executorch import export_executorch
from wearsdk.export.model import export_model
from wearsdk.export.onnx import export_onnx
from wearsdk.export.preprocessing import PreprocessingModule, WithPreprocessing, export_preprocessing
from wearsdk.export.streaming import StreamingModule, export_executorch_streaming

__all__ = [
    "Backend",
    "ExportJob",
    "register_backend",
    "list_backends",
    "get_backend",
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
]
