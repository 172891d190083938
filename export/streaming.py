"""Streaming ExecuTorch programs: the ring buffer and the causal filter state live in the program as
mutable buffers, and each call takes one hop of raw samples.

    forward(chunk (1, channels, hop_in) raw at spec.sampling_rate) -> model(normalise(latest window))

``hop_in = hop * down / up`` raw samples make ``hop`` new samples at the model rate. The first
``window / hop - 1`` calls fill the ring (their outputs are not meaningful: the manifest's
``warmup_calls``); after that call k returns the output of window k, equal to the offline pipeline.
Re-loading the program (or a fresh ``load``) starts a new stream.
"""

from __future__ import annotations

from pathlib import Path

import torch

from wearsdk._paths import output_folder
from wearsdk.errors import ConfigError, ExportError, ShapeError
from wearsdk.export.executorch import _lower
from wearsdk.export.manifest import tensor_spec, write_manifest
from wearsdk.models.card import ModelCard
from wearsdk.models.deploy import deploy_form
from wearsdk.quant import int8_config_for, output_cosine, quantize
from wearsdk.signal import NORMS, PreprocessSpec, preprocess, zscore
from wearsdk.signal._ops import ops

__all__ = ["StreamingModule", "export_executorch_streaming"]


class StreamingModule(torch.nn.Module):
    """``model`` behind the in-graph preprocessing op and a ring buffer (see the module docstring)."""

    def __init__(self, model: torch.nn.Module, spec: PreprocessSpec, *, window: int, hop: int, channels: int):
        super().__init__()
        if spec.norm == "robust":
            raise ExportError("norm='robust' needs scratch memory the ExecuTorch kernel does not allocate.")
        rs = spec.resampler
        if hop > window or (hop * rs.down) % rs.up:
            raise ShapeError(f"hop={hop} must be <= window={window} and a whole number of raw samples "
                             f"(hop * {rs.down} / {rs.up}).")
        ops()
        self.model = model
        self.spec = spec
        self.up, self.down, self.hop = rs.up, rs.down, hop
        self.hop_in = hop * rs.down // rs.up
        taps = 1 if rs.identity else rs.taps
        self.register_buffer("sos", torch.from_numpy(spec.sos))
        self.register_buffer("bank", torch.from_numpy(rs.bank))
        self.register_buffer("zi", torch.zeros(1, channels, spec.sos.shape[0], 2, dtype=torch.float64))
        self.register_buffer("hist", torch.zeros(1, channels, taps - 1))
        self.register_buffer("ring", torch.zeros(1, channels, window))

    def forward(self, chunk: torch.Tensor) -> torch.Tensor:
        y, zf, hist = torch.ops.wearsdk.preprocess(chunk, self.sos, self.zi, self.bank, self.hist, self.up,
                                                   self.down, NORMS["none"], float(self.spec.eps))
        self.zi.copy_(zf)
        self.hist.copy_(hist)
        self.ring.copy_(torch.cat([self.ring[..., self.hop :], y], dim=-1))
        x = self.ring if self.spec.norm == "none" else torch.ops.wearsdk.zscore(self.ring, False, float(self.spec.eps))
        return self.model(x)


def _offline_outputs(model: torch.nn.Module, raw: torch.Tensor, spec: PreprocessSpec, window: int, hop: int):
    pre = preprocess(raw, PreprocessSpec(**{**spec.to_dict(), "norm": "none"}))
    outs = []
    with torch.no_grad():
        for s in range(0, pre.shape[-1] - window + 1, hop):
            win = pre[..., s : s + window]
            outs.append(model(win if spec.norm == "none" else zscore(win)))
    return outs


def export_executorch_streaming(model: torch.nn.Module, out_dir: str | Path, *, name: str, spec: PreprocessSpec,
                                window: int, hop: int, channels: int, parity_stream: torch.Tensor,
                                precision: str = "fp32", calibration: torch.Tensor | None = None,
                                model_card: ModelCard | None = None, trained: bool = True) -> Path:
    """Exports the streaming program ``<name>_executorch_<precision>_stream.pte``; parity is measured by
    streaming ``parity_stream`` (raw, ``(1, channels, n)``) through the written program against the
    offline pipeline on the eager fp32 model. ``model_card`` (the model's :class:`~wearsdk.models.ModelCard`;
    ``None`` for a plain module) and ``trained`` (``False``: random weights) go into the manifest."""
    from wearsdk.runtime.executorch import ExecutorchProgram

    if precision not in ("fp32", "int8"):
        raise ConfigError(f"precision must be fp32 or int8, got {precision!r}.")
    hop_in = hop * spec.resampler.down // spec.resampler.up
    if parity_stream.ndim != 3 or parity_stream.shape[-1] < window // max(hop, 1) * hop_in:
        raise ShapeError(f"parity_stream must be (1, channels, n) raw samples at {spec.sampling_rate:g} Hz with n >= "
                         f"{window // max(hop, 1) * hop_in} (one full window), got {tuple(parity_stream.shape)}.")
    out = output_folder(out_dir)
    model = model.eval()
    quant = None
    if precision == "int8":
        if calibration is None:
            raise ConfigError("precision='int8' needs calibration windows (n, channels, window).")
        config = int8_config_for(model)
        inner = quantize(model, config, example_inputs=(calibration[:1],), calibration=calibration)  # of the form
        quant = config.to_dict()
    else:
        inner = deploy_form(model)
    wrapper = StreamingModule(inner, spec, window=window, hop=hop, channels=channels).eval()
    example = (torch.zeros(1, channels, wrapper.hop_in),)
    try:
        buffer = _lower(torch.export.export(wrapper, example, strict=False))
    except Exception as exc:  # name the stage, keep the cause
        raise ExportError(f"exporting the streaming program of {name} failed: {type(exc).__name__}: {exc}") from exc
    pte = out / f"{name}_executorch_{precision}_stream.pte"
    pte.write_bytes(buffer)

    program = ExecutorchProgram(pte)
    warmup = window // hop - 1
    n_calls = parity_stream.shape[-1] // wrapper.hop_in
    streamed = [program(parity_stream[..., i * wrapper.hop_in : (i + 1) * wrapper.hop_in].contiguous())[0]
                for i in range(n_calls)][warmup:]
    offline = _offline_outputs(model, parity_stream[..., : n_calls * wrapper.hop_in], spec, window, hop)
    got, want = torch.cat(streamed[: len(offline)]), torch.cat(offline[: len(streamed)])
    return write_manifest(
        out,
        files=[pte],
        backend="executorch",
        precision=precision,
        streaming=True,
        inputs=[tensor_spec("chunk", example[0])],
        outputs=[tensor_spec("output_0", offline[0])],
        model_card=model_card,
        trained=trained,
        quantization=quant,
        parity={"reference": "offline pipeline, eager fp32", "windows": int(got.shape[0]),
                "cosine_mean": output_cosine(got, want), "max_abs_err": float((got - want).abs().max())},
        extra={"stream": {"preprocess": spec.to_dict(), "window": window, "hop": hop, "hop_in": wrapper.hop_in,
                          "channels": channels, "warmup_calls": warmup,
                          "reset": "load the program again to start a new stream"}},
    )
