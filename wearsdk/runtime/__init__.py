"""Running exported programs. Imports nothing from ``train``, ``quant`` or ``export``."""

from wearsdk.runtime.artifact import Artifact, load
from wearsdk.runtime.cache import ArtifactCache, cached_artifact
from wearsdk.runtime.coreml import inspect, verify_coreml
from wearsdk.runtime.executorch import ExecutorchProgram, load_program
from wearsdk.runtime.run import run_artifact

__all__ = ["Artifact", "load", "ArtifactCache", "cached_artifact", "inspect", "verify_coreml", "ExecutorchProgram",
           "load_program", "run_artifact"]
