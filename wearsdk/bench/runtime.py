"""``wearsdk bench runtime``: one window through the same model as eager fp32, onnxruntime fp32 and ExecuTorch
fp32 / int8 (XNNPACK), plus one hop of raw samples through the fp32 and int8 streaming programs (the end-to-end
step: in-graph C++ preprocessing op, ring buffer, z-score, model), on one thread (torch and ExecuTorch's XNNPACK
threadpool), interleaved; and the artifact sizes, next to the targets of DESIGN.md section 7.

Speed does not depend on the weights, so the model is built with its initial weights; the artifacts go to
a temporary folder.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import torch

from wearsdk.bench._timing import interleaved_medians_ms
from wearsdk.errors import ConfigError
from wearsdk.models.card import ModelCard

__all__ = ["bench_runtime", "TARGETS"]

# DESIGN.md section 7: compact int8 .pte <= 300 KB, >= 3x eager fp32, faster than onnxruntime fp32; a
# streaming int8 step <= 1 ms on one desktop core.
TARGETS = {
    "pte_int8_bytes": ("<=", 300_000),
    "int8_speedup_vs_eager_fp32": (">=", 3.0),
    "int8_speedup_vs_onnxruntime_fp32": (">", 1.0),
    "stream_step_int8_ms": ("<=", 1.0),
}


def _raw_stream(card: ModelCard, windows: int) -> torch.Tensor:
    """``(1, channels, windows * window)`` raw float32 simulated samples at the card's rate
    (:func:`wearsdk.sim.windows.raw_window`), enough to fill and check the streaming program."""
    from wearsdk.sim.windows import raw_window

    raw = raw_window(card, windows * card.window_seconds, rate=card.sampling_rate_hz)
    return torch.from_numpy(raw[:, : windows * card.window_samples])[None]


def _onnx_session(folder: Path) -> Any:
    """An onnxruntime CPU session on one thread for the ``.onnx`` file in ``folder``."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = options.inter_op_num_threads = 1
    return ort.InferenceSession(str(next(folder.glob("*.onnx"))), options, providers=["CPUExecutionProvider"])


def _export_all(model: torch.nn.Module, name: str, out: Path, calibration: torch.Tensor) -> dict[str, Path]:
    """The artifacts as ``{kind: folder}``: ExecuTorch fp32 / int8, ONNX fp32 and, for a causal model, the
    ExecuTorch int8 and fp32 streaming programs (``"stream"``, ``"stream_fp32"``; a zero-phase model has none)."""
    from wearsdk.export import export_executorch, export_executorch_streaming, export_onnx

    card = model.card
    example = (calibration[:1],)
    folders = {
        p: export_executorch(model, out / p, name=name, example_inputs=example, precision=p,
                             calibration=calibration if p == "int8" else None, parity_windows=calibration[:2],
                             model_card=card).parent
        for p in ("fp32", "int8")
    }
    folders["onnx"] = export_onnx(model, out / "onnx", name=name, example_inputs=example,
                                  parity_windows=calibration[:2], model_card=card).parent
    if card.preprocessing.phase == "causal":
        for kind, precision in (("stream", "int8"), ("stream_fp32", "fp32")):
            folders[kind] = export_executorch_streaming(
                model, out / kind, name=name, spec=card.preprocess_spec(), window=card.window_samples,
                hop=card.hop_samples, channels=len(card.input_channels), parity_stream=_raw_stream(card, 2),
                precision=precision, calibration=calibration if precision == "int8" else None,
                model_card=card).parent
    return folders


def _meets(result: dict[str, Any]) -> dict[str, bool | None]:
    """Whether each target is met; ``None`` where it does not apply (no streaming program)."""
    ops = {"<=": lambda a, b: a <= b, ">=": lambda a, b: a >= b, ">": lambda a, b: a > b}
    return {key: None if result[key] is None else ops[op](result[key], bound)
            for key, (op, bound) in TARGETS.items()}


def bench_runtime(model_name: str = "ppg_encoder_compact", *, repeats: int = 30,
                  calibration: int = 16) -> dict[str, Any]:
    """Median milliseconds per call of each runtime on one thread (interleaved rounds), the artifact sizes
    in bytes, the int8 speed-ups, ``int8_vs_fp32_executorch`` (``executorch_int8_ms / executorch_fp32_ms``),
    the targets and whether each is met.

    A window is ``(1, channels, window)`` float32 at the model rate; a streaming step
    (``stream_step_int8_ms`` / ``stream_step_fp32_ms``) is one ``push(chunk)`` of ``(1, channels, hop)`` raw
    samples into the streaming program: the end-to-end step from raw samples (in-graph preprocessing op, ring
    buffer, z-score, model). A zero-phase model (the lead VAEs) has no streaming program: its streaming figures
    are ``None`` and ``"stream"`` says why. ``calibration`` simulated windows calibrate the int8 programs.
    """
    from wearsdk.bench.profile import one_thread
    from wearsdk.models import create_model
    from wearsdk.runtime import load
    from wearsdk.sim import model_windows

    if isinstance(repeats, bool) or not isinstance(repeats, int) or repeats < 1:
        raise ConfigError(f"bench_runtime: repeats must be a positive number of timed calls, got {repeats!r}.")
    with one_thread():
        model = create_model(model_name).eval()
        card = model.card
        x = torch.from_numpy(model_windows(card, calibration))
        xin = x[:1]
        with tempfile.TemporaryDirectory() as tmp:
            folders = _export_all(model, model_name, Path(tmp), x)
            session = _onnx_session(folders["onnx"])
            onnx_input = session.get_inputs()[0].name
            fp32, int8 = load(folders["fp32"]), load(folders["int8"])
            sizes = {k: sum(f.stat().st_size for f in d.glob("*.pte")) for k, d in folders.items() if k != "onnx"}
            calls = {
                "eager_fp32_ms": lambda: model(xin),
                "onnxruntime_fp32_ms": lambda: session.run(None, {onnx_input: xin.numpy()}),
                "executorch_fp32_ms": lambda: fp32(xin),
                "executorch_int8_ms": lambda: int8(xin),
            }
            chunk = None
            if "stream" in folders:
                stream, stream_fp32 = load(folders["stream"]), load(folders["stream_fp32"])
                chunk = _raw_stream(card, 1)[..., : stream.inputs[0]["shape"][-1]].contiguous()
                calls["stream_step_int8_ms"] = lambda: stream.push(chunk)
                calls["stream_step_fp32_ms"] = lambda: stream_fp32.push(chunk)
            with torch.inference_mode():
                ms = interleaved_medians_ms(calls, repeats=dict.fromkeys(calls, repeats))
    result = {
        "model": model_name,
        "input_shape": list(xin.shape),
        "chunk_shape": None if chunk is None else list(chunk.shape),
        "threads": 1,
        "repeats": repeats,
        **ms,
        "stream_step_int8_ms": ms.get("stream_step_int8_ms"),
        "stream_step_fp32_ms": ms.get("stream_step_fp32_ms"),
        "pte_fp32_bytes": sizes["fp32"],
        "pte_int8_bytes": sizes["int8"],
        "pte_int8_stream_bytes": sizes.get("stream"),
        "int8_speedup_vs_eager_fp32": ms["eager_fp32_ms"] / ms["executorch_int8_ms"],
        "int8_speedup_vs_onnxruntime_fp32": ms["onnxruntime_fp32_ms"] / ms["executorch_int8_ms"],
        "int8_vs_fp32_executorch": ms["executorch_int8_ms"] / ms["executorch_fp32_ms"],
    }
    if chunk is None:
        result["stream"] = (f"not applicable: {model_name}'s preprocessing is {card.preprocessing.phase} (offline, "
                            "whole records), so it has no streaming program")
    return {**result, "targets": {k: f"{op} {bound:g}" for k, (op, bound) in TARGETS.items()},
            "meets_targets": _meets(result)}
