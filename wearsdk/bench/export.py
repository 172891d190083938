"""``wearsdk bench export``: one window through the same model as eager fp32, ExecuTorch fp32 / int8
(XNNPACK) and onnxruntime fp32, on one thread, interleaved; plus the artifact sizes.

Speed does not depend on the weights, so the models are built with their initial weights; the
artifacts go to a temporary folder.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import torch

from wearsdk.bench._timing import interleaved_medians_ms

__all__ = ["bench_export"]


def bench_export(model_name: str = "ppg_encoder_compact", *, repeats: int = 30,
                 calibration: int = 16) -> dict[str, Any]:
    """Median milliseconds per window of each runtime, the .pte sizes and the int8 speed-ups."""
    import onnxruntime as ort

    from wearsdk.export import export_executorch, export_onnx, simulated_windows
    from wearsdk.models import create_model
    from wearsdk.runtime import load

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        model = create_model(model_name).eval()
        x = simulated_windows(model.card, calibration)
        example = (x[:1],)
        with tempfile.TemporaryDirectory() as tmp:
            folders = {}
            for precision in ("fp32", "int8"):
                folders[precision] = export_executorch(
                    model, Path(tmp) / precision, name=model_name, example_inputs=example, precision=precision,
                    calibration=x if precision == "int8" else None, parity_windows=x[:4]).parent
            onnx_dir = export_onnx(model, Path(tmp) / "onnx", name=model_name, example_inputs=example).parent
            options = ort.SessionOptions()
            options.intra_op_num_threads = options.inter_op_num_threads = 1
            session = ort.InferenceSession(str(next(onnx_dir.glob("*.onnx"))), options,
                                           providers=["CPUExecutionProvider"])
            name = session.get_inputs()[0].name
            fp32, int8 = load(folders["fp32"]), load(folders["int8"])
            sizes = {p: sum(f.stat().st_size for f in folders[p].glob("*.pte")) for p in folders}
            xin = example[0]
            with torch.inference_mode():
                ms = interleaved_medians_ms(
                    {
                        "eager_fp32": lambda: model(xin),
                        "executorch_fp32": lambda: fp32(xin),
                        "executorch_int8": lambda: int8(xin),
                        "onnxruntime_fp32": lambda: session.run(None, {name: xin.numpy()}),
                    },
                    repeats={k: repeats for k in ("eager_fp32", "executorch_fp32", "executorch_int8",
                                                   "onnxruntime_fp32")},
                )
    finally:
        torch.set_num_threads(threads)
    return {
        "model": model_name,
        "input_shape": list(example[0].shape),
        "threads": 1,
        "ms": ms,
        "pte_bytes": sizes,
        "int8_speedup_vs_eager_fp32": ms["eager_fp32"] / ms["executorch_int8"],
        "int8_speedup_vs_onnxruntime_fp32": ms["onnxruntime_fp32"] / ms["executorch_int8"],
    }
