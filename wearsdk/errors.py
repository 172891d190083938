"""The wearsdk error hierarchy.

Every error the SDK raises on purpose is a :class:`WearError`. Messages say what was expected,
what came, and how to fix it, so a user never has to read a traceback from inside torch.
"""

from __future__ import annotations

__all__ = [
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


class WearError(Exception):
    """Base class of every error raised by wearsdk."""


class SignalSpecError(WearError, ValueError):
    """An input signal does not match what the function or model expects."""


class SamplingRateError(SignalSpecError):
    """A sampling rate is missing, non-positive, or does not match the model / filter."""


class ShapeError(SignalSpecError):
    """An array has the wrong rank, an empty axis, or a size that does not fit."""


class DTypeError(SignalSpecError, TypeError):
    """An array has an unsupported dtype (e.g. integer ADC counts with no gain)."""


class NonFiniteInputError(SignalSpecError):
    """An input holds NaN or inf where finite samples are required."""


class SignalPolarityError(SignalSpecError):
    """A signal points the wrong way (e.g. raw PPG light intensity, whose pulses point down)."""


class FilterDesignError(SignalSpecError):
    """Filter or resampler parameters are impossible (e.g. a band edge at or above Nyquist)."""


class NativeLibraryError(WearError, RuntimeError):
    """The C++ DSP library (torch op or ExecuTorch kernels) is not built or failed to load."""


class DataFormatError(WearError, ValueError):
    """A file is missing, truncated, corrupt, or in a format/unit the reader does not know."""


class UnknownNameError(WearError, KeyError):
    """A name (model, trait, condition, lead, method) is not one of the known ones."""

    def __str__(self) -> str:  # KeyError would repr() the message
        return str(self.args[0]) if self.args else ""


class ConfigError(WearError, ValueError):
    """A configuration has an unknown key or an impossible value."""


class CheckpointError(WearError, RuntimeError):
    """A checkpoint is corrupt, truncated, or does not match the model/config."""


class TrainingDivergedError(WearError, RuntimeError):
    """Training produced a non-finite loss."""


class StreamGapError(WearError, RuntimeError):
    """Gaps leave no result possible: e.g. every model window of a recording touches missing samples
    (:func:`wearsdk.runtime.run_artifact`). A live stream reports its gaps as events instead."""


class ArtifactIntegrityError(WearError, RuntimeError):
    """An exported artifact or bundled weight file does not match its manifest (sha256, spec)."""


class ExportError(WearError, RuntimeError):
    """A model cannot be exported to the requested backend."""


class BackendUnavailableError(WearError, RuntimeError):
    """An artifact's backend cannot run on this machine (e.g. CoreML off Apple platforms)."""
