"""wearsdk: an on-device wearable biosignal SDK.

Layers (data flows down, never back up): ``io``/``sim`` -> ``signal`` (C++ DSP core) -> ``stream`` ->
``models`` -> ``train``/``quant`` -> ``export`` -> ``runtime``. See DESIGN.md in the project docs.

The everyday verbs are at the top level, loaded on first use (timm / torchao style)::

    import wearsdk
    wearsdk.list_models("*_compact")                      # registered model names
    model = wearsdk.create_model("ppg_encoder_compact", pretrained=True)
    wearsdk.export_model("ppg_encoder_compact", "out/ppg", pretrained=True, precision="int8")
    artifact = wearsdk.load("out/ppg")                    # sha256-verified; artifact.card is its ModelCard
"""

from __future__ import annotations

import importlib
from typing import Any

from wearsdk.errors import (
    ArtifactIntegrityError,
    BackendUnavailableError,
    CheckpointError,
    ConfigError,
    DataFormatError,
    DTypeError,
    ExportError,
    FilterDesignError,
    NativeLibraryError,
    NonFiniteInputError,
    SamplingRateError,
    ShapeError,
    SignalPolarityError,
    SignalSpecError,
    StreamGapError,
    TrainingDivergedError,
    UnknownNameError,
    WearError,
)

__version__ = "0.1.0"

# Sub-packages are imported on first attribute access (``wearsdk.signal``), so that
# ``import wearsdk`` stays cheap and a CLI command only pays for what it uses.
_SUBPACKAGES = ("signal", "stream", "quant", "runtime", "export", "sim", "io", "peaks", "models", "train", "firmware")

# Public functions that live in a sub-package, also importable as ``wearsdk.<name>`` (loaded on use).
_FUNCTIONS = {"ecg_peaks": "wearsdk.peaks", "ppg_peaks": "wearsdk.peaks", "heart_rate": "wearsdk.peaks",
              "ppg_polarity": "wearsdk.peaks", "reconstruct_12lead": "wearsdk.reconstruct",
              "create_model": "wearsdk.models", "list_models": "wearsdk.models", "load": "wearsdk.runtime",
              "export_model": "wearsdk.export"}

__all__ = [
    "__version__",
    *_SUBPACKAGES,
    *_FUNCTIONS,
    "WearError",
    "SignalSpecError",
    "SamplingRateError",
    "ShapeError",
    "DTypeError",
    "NonFiniteInputError",
    "SignalPolarityError",
    "FilterDesignError",
    "NativeLibraryError",
    "DataFormatError",
    "UnknownNameError",
    "ConfigError",
    "CheckpointError",
    "TrainingDivergedError",
    "StreamGapError",
    "ArtifactIntegrityError",
    "ExportError",
    "BackendUnavailableError",
]


def __getattr__(name: str) -> Any:
    if name in _SUBPACKAGES:
        return importlib.import_module(f"wearsdk.{name}")
    if name in _FUNCTIONS:
        return getattr(importlib.import_module(_FUNCTIONS[name]), name)
    raise AttributeError(f"module 'wearsdk' has no attribute {name!r}")
