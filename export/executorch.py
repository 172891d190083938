"""ExecuTorch export, one straight line: the model's deploy form (:func:`wearsdk.models.deploy_form`) ->
torch.export -> (PT2E int8) -> to_edge_transform_and_lower with the XNNPACK partitioner -> to_executorch ->
``<name>_executorch_<fp32|int8>.pte`` + manifest.json.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from wearsdk._paths import output_folder
from wearsdk.errors import ConfigError, ExportError
from wearsdk.export.manifest import check_windows, tensor_spec, write_manifest
from wearsdk.export.registry import Backend, ExportJob, register_backend
from wearsdk.models.card import ModelCard
from wearsdk.models.deploy import deploy_form
from wearsdk.quant import Int8StaticConfig, int8_config_for, output_cosine, quantize

__all__ = ["export_executorch", "PRECISIONS"]

PRECISIONS = ("fp32", "int8")


def _lower(exported: torch.export.ExportedProgram) -> bytes:
    from executorch.backends.xnnpack.partition.xnnpack_partitioner import XnnpackPartitioner
    from executorch.exir import EdgeCompileConfig, to_edge_transform_and_lower

    edge = to_edge_transform_and_lower(
        exported, partitioner=[XnnpackPartitioner()], compile_config=EdgeCompileConfig(_check_ir_validity=False)
    )
    return edge.to_executorch().buffer


def _parity(pte: Path, model: torch.nn.Module, windows: torch.Tensor) -> dict[str, Any]:
    from wearsdk.runtime.executorch import ExecutorchProgram

    program = ExecutorchProgram(pte)
    got, want = [], []
    with torch.no_grad():
        for i in range(windows.shape[0]):
            x = windows[i : i + 1]
            got.append(program(x)[0])
            want.append(model(x))
    g, w = torch.cat(got), torch.cat(want)
    return {
        "reference": "eager fp32",
        "windows": int(windows.shape[0]),
        "cosine_mean": output_cosine(g, w),
        "max_abs_err": float((g - w).abs().max()),
    }


def export_executorch(model: torch.nn.Module, out_dir: str | Path, *, name: str,
                      example_inputs: tuple[torch.Tensor, ...], precision: str = "fp32",
                      calibration: torch.Tensor | None = None, quant_config: Int8StaticConfig | None = None,
                      parity_windows: torch.Tensor | None = None, model_card: ModelCard | None = None,
                      trained: bool = True) -> Path:
    """Exports ``model`` for ``example_inputs`` (batch 1) and returns the manifest path.

    ``precision="int8"`` needs ``calibration`` windows ``(n, channels, samples)``; ``quant_config`` defaults to
    the model's own scheme (:func:`wearsdk.quant.int8_config_for`). Parity against eager
    fp32 is measured on ``parity_windows`` (default: the calibration windows, else the example input)
    by running the written ``.pte`` and stored in the manifest. ``model_card`` (the model's
    :class:`~wearsdk.models.ModelCard`; ``None`` for a plain module) and ``trained`` (``False``: random weights)
    go into the manifest.
    """
    if precision not in PRECISIONS:
        raise ConfigError(f"precision must be one of {PRECISIONS}, got {precision!r}.")
    check_windows(parity_windows, "parity_windows")
    out = output_folder(out_dir)
    model = model.eval()
    quant = None
    try:
        if precision == "int8":
            if calibration is None:
                raise ConfigError("precision='int8' needs calibration windows (n, channels, samples).")
            config = quant_config or int8_config_for(model)
            graph = quantize(model, config, example_inputs=example_inputs, calibration=calibration)
            exported = torch.export.export(graph, example_inputs, strict=False)
            quant = config.to_dict()
        else:
            exported = torch.export.export(deploy_form(model), example_inputs, strict=False)
        buffer = _lower(exported)
    except (ConfigError, ExportError):
        raise
    except Exception as exc:  # exir/torch.export raise many types: name the stage, keep the cause
        raise ExportError(
            f"exporting {name} to ExecuTorch ({precision}) failed: {type(exc).__name__}: {exc}. Models must be "
            "export-able (no data-dependent control flow, static padding)."
        ) from exc
    pte = out / f"{name}_executorch_{precision}.pte"
    pte.write_bytes(buffer)
    windows = parity_windows if parity_windows is not None else (
        calibration if calibration is not None else example_inputs[0])
    with torch.no_grad():
        outputs = model(*example_inputs)
    outputs = outputs if isinstance(outputs, (tuple, list)) else (outputs,)
    return write_manifest(
        out,
        files=[pte],
        backend="executorch",
        precision=precision,
        streaming=False,
        inputs=[tensor_spec(f"input_{i}", t) for i, t in enumerate(example_inputs)],
        outputs=[tensor_spec(f"output_{i}", t) for i, t in enumerate(outputs)],
        model_card=model_card,
        trained=trained,
        quantization=quant,
        parity=_parity(pte, model, windows),
    )


def _export_job(job: ExportJob) -> Path:
    """The ``executorch`` backend: a window program (optionally behind the in-graph preprocessing op), or the
    streaming program of :mod:`wearsdk.export.streaming` (raw hops in)."""
    if job.streaming:
        from wearsdk.export.streaming import export_executorch_streaming

        return export_executorch_streaming(
            job.model, job.out, name=job.name, spec=job.spec, window=job.card.window_samples, hop=job.hop,
            channels=len(job.card.input_channels), parity_stream=job.raw_stream().contiguous(),
            precision=job.precision, calibration=job.calibration, model_card=job.card, trained=job.trained)
    parity = job.parity_windows()
    return export_executorch(job.module(), job.out, name=job.name, example_inputs=(parity[:1],),
                             precision=job.precision, calibration=job.calibration if job.precision == "int8" else None,
                             parity_windows=parity, model_card=job.card, trained=job.trained)


register_backend("executorch", Backend(_export_job, precisions=PRECISIONS, streaming=PRECISIONS,
                                       preprocessing=("fp32",),
                                       description=".pte for XNNPACK (fp32, PT2E static int8), streaming state inside"))
