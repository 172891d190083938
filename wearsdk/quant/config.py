"""Quantization schemes, one small validated dataclass each (torchao style)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from wearsdk.errors import ConfigError

__all__ = ["Int8StaticConfig", "CALIBRATION_WINDOWS"]

# Simulated int8 calibration windows by default (wearsdk export, bench quant, the demo, bundled heads): the
# encoders' windows span 32 participants x rest, walking, arm movement and running. PPG encoder, HR head fitted on
# fp32 embeddings, held-out windows: int8 R^2 0.027 below fp32 with 32 windows, 0.010 with 128.
CALIBRATION_WINDOWS = 128


@dataclass(frozen=True)
class Int8StaticConfig:
    """Static int8 for XNNPACK: symmetric int8 weights (per output channel when ``per_channel``), int8
    activations with ranges from calibration windows (PT2E observers).

    ``keep_float``: fully qualified module names left in float (from a sensitivity report).
    """

    per_channel: bool = True
    keep_float: tuple[str, ...] = ()
    min_calibration_windows: int = 8

    def __post_init__(self) -> None:
        if not isinstance(self.per_channel, bool):
            raise ConfigError(f"Int8StaticConfig.per_channel must be a bool, got {self.per_channel!r}.")
        if isinstance(self.keep_float, str) or not all(isinstance(n, str) for n in self.keep_float):
            raise ConfigError(f"Int8StaticConfig.keep_float must be a tuple of module names, got {self.keep_float!r}.")
        if not isinstance(self.min_calibration_windows, int) or self.min_calibration_windows < 1:
            raise ConfigError(
                f"Int8StaticConfig.min_calibration_windows must be an int >= 1, got {self.min_calibration_windows!r}."
            )

    def to_dict(self) -> dict[str, Any]:
        return {"scheme": "int8_static_xnnpack", **dataclasses.asdict(self)}
