"""Running exported programs. Imports nothing from ``train``, ``quant`` or ``export``."""

from wearsdk.runtime.executorch import ExecutorchProgram, load_program

__all__ = ["ExecutorchProgram", "load_program"]
