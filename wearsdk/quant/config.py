"""Quantization schemes, one small validated dataclass each (torchao style)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from wearsdk.errors import ConfigError

__all__ = ["Int8StaticConfig", "CALIBRATION_WINDOWS", "CALIBRATION_SEED", "int8_config_for"]

# Simulated int8 calibration windows by default (wearsdk export, bench quant, the demo, bundled heads): the
# encoders' windows span 32 participants x rest, walking, arm movement and running. PPG encoder, HR head fitted on
# fp32 embeddings, held-out windows: int8 R^2 0.027 below fp32 with 32 windows, 0.010 with 128.
CALIBRATION_WINDOWS = 128
# ... from this simulated cohort seed (wearsdk.sim.model_windows, the generator heads are fitted on too). The bundled
# encoders' heads are fitted on the embeddings of the int8 program calibrated on exactly these windows, the one
# `wearsdk export` builds by default.
# Calibrated on other windows, the ECG encoder's int8 program moves its AF AUROC by up to 0.024 (1,024 windows).
CALIBRATION_SEED = 0


@dataclass(frozen=True)
class Int8StaticConfig:
    """Static int8 for XNNPACK: symmetric int8 weights (per output channel when ``per_channel``), int8
    activations with ranges from calibration windows (PT2E observers).

    ``keep_float``: fully qualified module names left in float (from a sensitivity report).
    ``dynamic``: ``nn.Linear`` module names quantized with dynamic int8 activations instead (int8 weights,
    the input's scale computed per row at run time, float output; XNNPACK's qd8 linear). For a final
    projection whose outputs differ in range, one static output scale would round the small ones away.
    """

    per_channel: bool = True
    keep_float: tuple[str, ...] = ()
    dynamic: tuple[str, ...] = ()
    min_calibration_windows: int = 8

    def __post_init__(self) -> None:
        if not isinstance(self.per_channel, bool):
            raise ConfigError(f"Int8StaticConfig.per_channel must be a bool, got {self.per_channel!r}.")
        for field in ("keep_float", "dynamic"):
            names = getattr(self, field)
            if isinstance(names, str) or not isinstance(names, tuple) or not all(isinstance(n, str) for n in names):
                raise ConfigError(f"Int8StaticConfig.{field} must be a tuple of module names, got {names!r}.")
        both = sorted(set(self.keep_float) & set(self.dynamic))
        if both:
            raise ConfigError(f"Int8StaticConfig: {both} are in both keep_float and dynamic; choose one per layer.")
        if not isinstance(self.min_calibration_windows, int) or self.min_calibration_windows < 1:
            raise ConfigError(
                f"Int8StaticConfig.min_calibration_windows must be an int >= 1, got {self.min_calibration_windows!r}."
            )

    def to_dict(self) -> dict[str, Any]:
        return {"scheme": "int8_static_xnnpack", **dataclasses.asdict(self)}


def int8_config_for(model: Any, **overrides: Any) -> Int8StaticConfig:
    """The int8 scheme a model asks for: :class:`Int8StaticConfig` with ``dynamic`` set to the ``int8_dynamic``
    layer names of its deploy form (:func:`wearsdk.models.deploy_form`; the encoders' ``conv_head`` and ``embed``
    linears; none for other models) and ``keep_float`` to its ``int8_float`` ones plus any ``keep_float``
    override, then the other ``overrides``. ``wearsdk export``, ``wearsdk quantize``, ``wearsdk bench quant``, the
    demo and the bundled heads all use it."""
    from wearsdk.models.deploy import deploy_form

    model = deploy_form(model)
    keep_float = tuple(dict.fromkeys((*getattr(model, "int8_float", ()), *overrides.pop("keep_float", ()))))
    return Int8StaticConfig(**{"dynamic": tuple(getattr(model, "int8_dynamic", ())), "keep_float": keep_float,
                               **overrides})
