"""A preprocessing-only ExecuTorch program: raw samples in, model-ready window out.

The graph is one call of ``torch.ops.wearsdk.preprocess``; ExecuTorch runs its ``.out`` kernel from
``libwearsdk_executorch.so`` (the same C++ core as the torch op and the firmware C API).
"""

from __future__ import annotations

from pathlib import Path

import torch

from wearsdk.errors import ExportError, ShapeError
from wearsdk.models.deploy import deploy_form
from wearsdk.signal import NORMS, PreprocessSpec
from wearsdk.signal._ops import ops

__all__ = ["PreprocessingModule", "WithPreprocessing", "export_preprocessing"]


class PreprocessingModule(torch.nn.Module):
    """``forward(x)``: ``(batch, channels, samples)`` raw float32 at ``spec.sampling_rate`` ->
    ``(batch, channels, samples * up / down)`` at ``spec.output_rate``, filtered from rest and normalised.

    ``samples`` must be a multiple of the resampler's ``down`` (static shapes).
    """

    def __init__(self, spec: PreprocessSpec):
        super().__init__()
        if spec.norm == "robust":
            raise ExportError(
                "norm='robust' needs scratch memory that the ExecuTorch kernel does not allocate; export with "
                "norm='zscore' or 'none'."
            )
        self.spec = spec
        rs = spec.resampler
        self.register_buffer("sos", torch.from_numpy(spec.sos), persistent=False)
        self.register_buffer("bank", torch.from_numpy(rs.bank), persistent=False)
        self.up, self.down = rs.up, rs.down
        self.taps = 1 if rs.identity else rs.taps
        ops()  # the op must be registered before tracing

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        lead = x.shape[:-1]
        zi = torch.zeros((*lead, self.sos.shape[0], 2), dtype=torch.float64)
        hist = torch.zeros((*lead, self.taps - 1), dtype=x.dtype)
        y, _, _ = torch.ops.wearsdk.preprocess(
            x, self.sos, zi, self.bank, hist, self.up, self.down, NORMS[self.spec.norm], float(self.spec.eps)
        )
        return y


class WithPreprocessing(torch.nn.Module):
    """``model`` behind the in-graph C++ preprocessing op: ``forward(raw)`` takes a raw window
    ``(batch, channels, samples)`` at ``spec.sampling_rate`` and runs ``model(preprocess(raw))``, so an app
    hands the program sensor samples directly (``wearsdk export --with-preprocessing``)."""

    def __init__(self, model: torch.nn.Module, spec: PreprocessSpec):
        super().__init__()
        self.preprocess = PreprocessingModule(spec)
        self.model = model

    def forward(self, raw: torch.Tensor) -> torch.Tensor:
        return self.model(self.preprocess(raw))

    def xnnpack_form(self) -> WithPreprocessing:
        """The same preprocessing in front of the model's deploy form (:func:`wearsdk.models.deploy_form`)."""
        return WithPreprocessing(deploy_form(self.model), self.preprocess.spec)


def export_preprocessing(spec: PreprocessSpec, *, channels: int, samples: int, out: str | Path,
                         batch: int = 1) -> Path:
    """Exports :class:`PreprocessingModule` for ``(batch, channels, samples)`` input to a ``.pte`` file."""
    from executorch.exir import EdgeCompileConfig, to_edge

    if samples % spec.resampler.down:
        raise ShapeError(
            f"samples={samples} must be a multiple of the resampler's down factor {spec.resampler.down} "
            f"({spec.sampling_rate:g} -> {spec.output_rate:g} Hz)."
        )
    module = PreprocessingModule(spec).eval()
    example = (torch.zeros(batch, channels, samples),)
    try:
        exported = torch.export.export(module, example, strict=False)
        edge = to_edge(exported, compile_config=EdgeCompileConfig(_check_ir_validity=False))
        program = edge.to_executorch()
    except Exception as exc:  # exir raises many types; name the stage and keep the cause
        raise ExportError(f"exporting the preprocessing program failed: {type(exc).__name__}: {exc}") from exc
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(program.buffer)
    return out
