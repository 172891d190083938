"""ONNX export (for comparison and other runtimes): torch.onnx dynamo export ->
``<name>_onnx_fp32.onnx`` + manifest.json with parity measured by onnxruntime."""

from __future__ import annotations

from pathlib import Path

import torch

from wearsdk._paths import output_folder
from wearsdk.errors import ExportError
from wearsdk.export.manifest import check_windows, tensor_spec, write_manifest
from wearsdk.export.registry import Backend, ExportJob, register_backend
from wearsdk.models.card import ModelCard
from wearsdk.quant import output_cosine

__all__ = ["export_onnx"]


def export_onnx(model: torch.nn.Module, out_dir: str | Path, *, name: str, example_inputs: tuple[torch.Tensor, ...],
                parity_windows: torch.Tensor | None = None, model_card: ModelCard | None = None,
                trained: bool = True) -> Path:
    """Exports ``model`` to ONNX (opset of the dynamo exporter) and checks it with onnxruntime.
    ``model_card`` (the model's :class:`~wearsdk.models.ModelCard`; ``None`` for a plain module) and ``trained``
    (``False``: random weights) go into the manifest."""
    import onnxruntime as ort

    check_windows(parity_windows, "parity_windows")
    model = model.eval()
    out = output_folder(out_dir)
    path = out / f"{name}_onnx_fp32.onnx"
    try:
        program = torch.onnx.export(model, example_inputs, dynamo=True, verbose=False)
        program.save(str(path))
    except Exception as exc:  # the exporter raises many types: name the stage and keep the cause
        raise ExportError(f"exporting {name} to ONNX failed: {type(exc).__name__}: {exc}") from exc
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    names = [i.name for i in session.get_inputs()]
    windows = parity_windows if parity_windows is not None else example_inputs[0]
    got, want = [], []
    with torch.no_grad():
        for i in range(windows.shape[0]):
            x = windows[i : i + 1]
            got.append(torch.from_numpy(session.run(None, {names[0]: x.numpy()})[0]))
            want.append(model(x))
        outputs = model(*example_inputs)
    g, w = torch.cat(got), torch.cat(want)
    outputs = outputs if isinstance(outputs, (tuple, list)) else (outputs,)
    return write_manifest(
        out,
        files=[path],
        backend="onnx",
        precision="fp32",
        streaming=False,
        inputs=[tensor_spec(n, t) for n, t in zip(names, example_inputs, strict=True)],
        outputs=[tensor_spec(o.name, t) for o, t in zip(session.get_outputs(), outputs, strict=True)],
        model_card=model_card,
        trained=trained,
        quantization=None,
        parity={"reference": "eager fp32", "runtime": "onnxruntime", "windows": int(windows.shape[0]),
                "cosine_mean": output_cosine(g, w), "max_abs_err": float((g - w).abs().max())},
    )


def _export_job(job: ExportJob) -> Path:
    """The ``onnx`` backend: an fp32 window program, for comparison and other runtimes."""
    parity = job.parity_windows()
    return export_onnx(job.module(), job.out, name=job.name, example_inputs=(parity[:1],), parity_windows=parity,
                       model_card=job.card, trained=job.trained)


register_backend("onnx", Backend(_export_job, precisions=("fp32",), description=".onnx fp32 checked by onnxruntime"))
