"""CoreML export: torch.export -> coremltools ``mlprogram`` (fp16 compute) -> optional int8 weights
(``linear_quantize_weights``) -> ``<name>_coreml_<fp16|int8>.mlpackage`` + manifest.json.

CoreML cannot run predictions off Apple platforms, so the package is verified by inspection: its
inputs/outputs against the model's, and the MIL ops it contains (listed in the manifest). The
manifest says plainly that no numeric parity was measured.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import torch

from wearsdk.errors import ConfigError, ExportError
from wearsdk.export.manifest import tensor_spec, write_manifest

__all__ = ["export_coreml", "mil_ops"]

PRECISIONS = ("fp16", "int8")


def mil_ops(mlmodel: Any) -> list[str]:
    """The sorted set of MIL operation types in an ``mlprogram`` model."""
    spec = mlmodel.get_spec()
    return sorted({op.type for f in spec.mlProgram.functions.values()
                   for block in f.block_specializations.values() for op in block.operations})


def export_coreml(model: torch.nn.Module, out_dir: str | Path, *, name: str,
                  example_inputs: tuple[torch.Tensor, ...], precision: str = "fp16",
                  model_card: dict[str, Any] | None = None) -> Path:
    """Exports ``model`` for ``example_inputs`` to an ``.mlpackage``; returns the manifest path."""
    import coremltools as ct
    from coremltools.optimize.coreml import OpLinearQuantizerConfig, OptimizationConfig, linear_quantize_weights

    if precision not in PRECISIONS:
        raise ConfigError(f"CoreML precision must be one of {PRECISIONS}, got {precision!r}.")
    model = model.eval()
    try:
        exported = torch.export.export(model, example_inputs, strict=False).run_decompositions({})
        mlmodel = ct.convert(exported, convert_to="mlprogram", minimum_deployment_target=ct.target.iOS17,
                             compute_precision=ct.precision.FLOAT16)
        if precision == "int8":
            config = OptimizationConfig(global_config=OpLinearQuantizerConfig(mode="linear_symmetric"))
            mlmodel = linear_quantize_weights(mlmodel, config)
    except Exception as exc:  # coremltools raises many types: name the stage and keep the cause
        raise ExportError(f"converting {name} to CoreML failed: {type(exc).__name__}: {exc}") from exc
    ops = mil_ops(mlmodel)
    if precision == "int8" and not any(op.startswith("constexpr_") for op in ops):
        raise ExportError(f"{name}: int8 weight quantization produced no constexpr dequantize op ({ops}).")
    spec = mlmodel.get_spec()
    if len(spec.description.input) != len(example_inputs):
        raise ExportError(f"{name}: the CoreML package has {len(spec.description.input)} inputs, the model "
                          f"{len(example_inputs)}.")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    package = out / f"{name}_coreml_{precision}.mlpackage"
    if package.exists():
        shutil.rmtree(package)
    mlmodel.save(str(package))
    with torch.no_grad():
        outputs = model(*example_inputs)
    outputs = outputs if isinstance(outputs, (tuple, list)) else (outputs,)
    return write_manifest(
        out,
        files=sorted(p for p in package.rglob("*") if p.is_file()),
        backend="coreml",
        precision=precision,
        streaming=False,
        inputs=[{**tensor_spec(i.name, t)} for i, t in zip(spec.description.input, example_inputs, strict=True)],
        outputs=[tensor_spec(o.name, t) for o, t in zip(spec.description.output, outputs, strict=True)],
        model_card=model_card or {"name": name},
        quantization={"scheme": "coreml_linear_symmetric_int8_weights"} if precision == "int8" else None,
        parity={"status": "not measured: CoreML runs only on Apple platforms; verified by inspection"},
        extra={"coreml": {"format": "mlprogram", "deployment_target": "iOS17", "compute_precision": "float16",
                          "mil_ops": ops}},
        root=out,
    )
