"""``wearsdk bench runtime``: one window through the same model as eager fp32, onnxruntime fp32 and ExecuTorch
fp32 / int8 (XNNPACK), plus one hop through the int8 streaming program, on one thread, interleaved; and the
artifact sizes, next to the targets of DESIGN.md section 7.

Speed does not depend on the weights, so the model is built with its initial weights; the artifacts go to
a temporary folder.
"""

from __future__ import annotations

import math
import tempfile
from pathlib import Path
from typing import Any

import torch

from wearsdk.bench._timing import interleaved_medians_ms

__all__ = ["bench_runtime", "TARGETS"]

# DESIGN.md section 7: compact int8 .pte <= 300 KB, >= 3x eager fp32, faster than onnxruntime fp32; a
# streaming int8 step <= 1 ms on one desktop core.
TARGETS = {
    "pte_int8_bytes": ("<=", 300_000),
    "int8_speedup_vs_eager_fp32": (">=", 3.0),
    "int8_speedup_vs_onnxruntime_fp32": (">", 1.0),
    "stream_step_int8_ms": ("<=", 1.0),
}


def _raw_stream(card: Any, windows: int) -> torch.Tensor:
    """``(1, channels, windows * window)`` raw float32 samples at the card's rate: a 1.2 Hz pulse per
    channel (phase-shifted) plus a slow drift, enough to fill and check the streaming program."""
    t = torch.arange(windows * card.window_samples, dtype=torch.float64) / card.sampling_rate_hz
    rows = [torch.sin(2 * math.pi * 1.2 * t + c) + 0.5 * torch.sin(2 * math.pi * 0.05 * t)
            for c in range(len(card.input_channels))]
    return torch.stack(rows).unsqueeze(0).float()


def _onnx_session(folder: Path) -> Any:
    """An onnxruntime CPU session on one thread for the ``.onnx`` file in ``folder``."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = options.inter_op_num_threads = 1
    return ort.InferenceSession(str(next(folder.glob("*.onnx"))), options, providers=["CPUExecutionProvider"])


def _export_all(model: torch.nn.Module, name: str, out: Path, calibration: torch.Tensor) -> dict[str, Path]:
    """The four artifacts (ExecuTorch fp32 / int8 / int8 streaming, ONNX fp32) as ``{kind: folder}``."""
    from wearsdk.export import export_executorch, export_executorch_streaming, export_onnx

    card = model.card
    example = (calibration[:1],)
    folders = {
        p: export_executorch(model, out / p, name=name, example_inputs=example, precision=p,
                             calibration=calibration if p == "int8" else None, parity_windows=calibration[:2]).parent
        for p in ("fp32", "int8")
    }
    folders["onnx"] = export_onnx(model, out / "onnx", name=name, example_inputs=example,
                                  parity_windows=calibration[:2]).parent
    folders["stream"] = export_executorch_streaming(
        model, out / "stream", name=name, spec=card.preprocess_spec(), window=card.window_samples,
        hop=card.hop_samples, channels=len(card.input_channels), parity_stream=_raw_stream(card, 2),
        precision="int8", calibration=calibration).parent
    return folders


def _meets(result: dict[str, Any]) -> dict[str, bool]:
    ops = {"<=": lambda a, b: a <= b, ">=": lambda a, b: a >= b, ">": lambda a, b: a > b}
    return {key: ops[op](result[key], bound) for key, (op, bound) in TARGETS.items()}


def bench_runtime(model_name: str = "ppg_encoder_compact", *, repeats: int = 30,
                  calibration: int = 16) -> dict[str, Any]:
    """Median milliseconds per call of each runtime on one thread (interleaved rounds), the artifact sizes
    in bytes, the int8 speed-ups, the targets and whether each is met.

    A window is ``(1, channels, window)`` float32 at the model rate; a streaming step is one
    ``push(chunk)`` of ``(1, channels, hop)`` raw samples into the int8 streaming program (its in-graph
    preprocessing included). ``calibration`` simulated windows calibrate the int8 programs.
    """
    from wearsdk.export import simulated_windows
    from wearsdk.models import create_model
    from wearsdk.runtime import load

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        model = create_model(model_name).eval()
        x = simulated_windows(model.card, calibration)
        with tempfile.TemporaryDirectory() as tmp:
            folders = _export_all(model, model_name, Path(tmp), x)
            session = _onnx_session(folders["onnx"])
            onnx_input = session.get_inputs()[0].name
            fp32, int8, stream = (load(folders[k]) for k in ("fp32", "int8", "stream"))
            chunk = _raw_stream(model.card, 1)[..., : stream.inputs[0]["shape"][-1]].contiguous()
            sizes = {k: sum(f.stat().st_size for f in folders[k].glob("*.pte")) for k in ("fp32", "int8", "stream")}
            xin = x[:1]
            with torch.inference_mode():
                ms = interleaved_medians_ms(
                    {
                        "eager_fp32_ms": lambda: model(xin),
                        "onnxruntime_fp32_ms": lambda: session.run(None, {onnx_input: xin.numpy()}),
                        "executorch_fp32_ms": lambda: fp32(xin),
                        "executorch_int8_ms": lambda: int8(xin),
                        "stream_step_int8_ms": lambda: stream.push(chunk),
                    },
                    repeats=dict.fromkeys(("eager_fp32_ms", "onnxruntime_fp32_ms", "executorch_fp32_ms",
                                           "executorch_int8_ms", "stream_step_int8_ms"), repeats),
                )
    finally:
        torch.set_num_threads(threads)
    result = {
        "model": model_name,
        "input_shape": list(xin.shape),
        "chunk_shape": list(chunk.shape),
        "threads": 1,
        "repeats": repeats,
        **ms,
        "pte_fp32_bytes": sizes["fp32"],
        "pte_int8_bytes": sizes["int8"],
        "pte_int8_stream_bytes": sizes["stream"],
        "int8_speedup_vs_eager_fp32": ms["eager_fp32_ms"] / ms["executorch_int8_ms"],
        "int8_speedup_vs_onnxruntime_fp32": ms["onnxruntime_fp32_ms"] / ms["executorch_int8_ms"],
    }
    return {**result, "targets": {k: f"{op} {bound:g}" for k, (op, bound) in TARGETS.items()},
            "meets_targets": _meets(result)}
