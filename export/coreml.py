"""CoreML export: torch.export -> coremltools ``mlprogram`` (fp16 compute) -> optional int8 weights
(``linear_quantize_weights``) -> ``<name>_coreml_<fp16|int8>[_stream].mlpackage`` + manifest.json.

- Window packages (:func:`export_coreml`, iOS 17): one window in, the model's output out. A model behind
  :class:`~wearsdk.export.WithPreprocessing` keeps its ``wearsdk::preprocess`` op: it is mapped to MIL by a
  composite (:func:`register_mil_ops`). MIL has no recursive filter, so the band-pass becomes a causal FIR
  ``conv`` holding the IIR's impulse response truncated where less than ``FIR_TAIL`` of its energy is left
  (:func:`fir_taps`); the FIR-vs-IIR difference is measured at export and written to the manifest.
- Streaming packages (:func:`export_coreml_streaming`, iOS 18): the ring buffer (and, with preprocessing,
  the FIR's input history) are CoreML states (``ct.StateType``, float16, zero at ``MLModel.makeState()``);
  each prediction takes one hop and returns the output of the latest window, like the ExecuTorch streaming
  program (``wearsdk.export.streaming``).

CoreML cannot predict off Apple platforms, so packages are verified here by inspection (inputs, outputs,
states, MIL ops, weight dtypes). Each folder also holds ``reference.npz`` (inputs and eager fp32 outputs)
for ``examples/ios/verify_coreml.py`` to check predictions on a Mac; no parity is claimed before that.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import numpy as np
import torch

from wearsdk._paths import output_folder
from wearsdk.errors import ConfigError, ExportError, ShapeError
from wearsdk.export.manifest import check_windows, write_manifest
from wearsdk.export.registry import Backend, ExportJob, register_backend
from wearsdk.models.card import ModelCard
from wearsdk.signal import NORMS, PreprocessSpec, preprocess, sosfilt
from wearsdk.signal._ops import ops

__all__ = [
    "CoreMLStreamingModule",
    "export_coreml",
    "export_coreml_streaming",
    "fir_taps",
    "fir_vs_iir",
    "mil_ops",
    "register_mil_ops",
    "PRECISIONS",
    "FIR_TAIL",
]

PRECISIONS = ("fp16", "int8")
FIR_TAIL = 1e-6  # energy fraction of the IIR impulse response left out by the FIR
_FIR_MAX_TAPS = 8192
_FIR_NAME = "fir_taps"  # MIL consts holding FIR taps carry this in their name; int8 weights skip them
_FP16_TINY = float(np.finfo(np.float16).tiny)  # smallest normal float16: the eps floor of an fp16 z-score
_ZSCORE_EPS = 1e-8  # wearsdk::zscore's default eps
REFERENCE_FILE = "reference.npz"
# Tolerances verify_coreml applies to CoreML vs eager fp32: fp16 compute, then int8 weights on top.
TOLERANCE = {"fp16": {"cosine_min": 0.995, "max_abs_err_rel": 0.05},
             "int8": {"cosine_min": 0.98, "max_abs_err_rel": 0.15}}


def mil_ops(mlmodel: Any) -> list[str]:
    """The sorted set of MIL operation types in an ``mlprogram`` model."""
    spec = mlmodel.get_spec()
    return sorted({op.type for f in spec.mlProgram.functions.values()
                   for block in f.block_specializations.values() for op in block.operations})


def fir_taps(sos: np.ndarray, *, tail: float = FIR_TAIL) -> np.ndarray:
    """``(taps,)`` float32: the impulse response of the causal SOS cascade ``sos`` ``(sections, 6)`` run by
    the C++ core, cut where the energy still to come falls below ``tail`` of the total. Convolving with it
    (``y[n] = sum_k h[k] x[n - k]``) equals the IIR from rest up to that truncation."""
    impulse = np.zeros((1, _FIR_MAX_TAPS), dtype=np.float32)
    impulse[0, 0] = 1.0
    h = sosfilt(impulse, sos)[0][0].astype(np.float64)
    remaining = np.cumsum((h**2)[::-1])[::-1] / np.sum(h**2)
    below = np.flatnonzero(remaining < tail)
    if below.size == 0:
        raise ExportError(f"the band-pass impulse response keeps more than {tail:g} of its energy after "
                          f"{_FIR_MAX_TAPS} samples: raise the low cut-off or export to ExecuTorch (exact IIR).")
    return h[: below[0]].astype(np.float32)


def _fir(raw: np.ndarray, taps: np.ndarray) -> np.ndarray:
    """Causal FIR of ``raw`` ``(..., samples)`` from rest, float64."""
    rows = raw.reshape(-1, raw.shape[-1]).astype(np.float64)
    return np.stack([np.convolve(r, taps)[: raw.shape[-1]] for r in rows]).reshape(raw.shape)


def fir_vs_iir(raw: np.ndarray, spec: PreprocessSpec, taps: np.ndarray) -> dict[str, Any]:
    """Difference between the FIR ``taps`` and the C++ IIR of ``spec``, each run from rest on raw windows
    ``(n, channels, samples)`` at ``spec.sampling_rate`` and then normalised as the model sees them
    (z-scored per row for ``norm="zscore"``, else divided by the IIR output's std): ``max_abs`` and
    ``rms`` over every sample, in those units."""
    iir = sosfilt(np.ascontiguousarray(raw, dtype=np.float32), spec.sos)[0].astype(np.float64)
    fir = _fir(raw, taps)
    if spec.norm == "zscore":
        diff = _zscore(fir, spec.eps) - _zscore(iir, spec.eps)
        units = "z-scored model input"
    else:
        diff = (fir - iir) / np.maximum(iir.std(axis=-1, keepdims=True), 1e-12)
        units = "IIR output std per row"
    return {"reference": "C++ IIR (wearsdk.signal.sosfilt), both from rest", "units": units,
            "windows": int(raw.shape[0]), "samples": int(raw.shape[-1]), "taps": int(taps.size),
            "tail_energy": FIR_TAIL, "max_abs": float(np.abs(diff).max()), "rms": float(np.sqrt(np.mean(diff**2)))}


def _zscore(x: np.ndarray, eps: float) -> np.ndarray:
    """``(x - mean) / max(std, eps)`` per row, float64 (the C++ core's z-score)."""
    centred = x - x.mean(axis=-1, keepdims=True)
    return centred / np.maximum(centred.std(axis=-1, keepdims=True), eps)


def _mil_zscore(mb: Any, x: Any, eps: float, name: str) -> Any:
    """``(x - mean) / max(std, eps)`` over the last axis in MIL ops (population std, as the C++ core);
    ``eps`` is floored at float16's smallest normal so an fp16 flat row gives zeros, not NaN."""
    centred = mb.sub(x=x, y=mb.reduce_mean(x=x, axes=[-1], keep_dims=True))
    std = mb.sqrt(x=mb.reduce_mean(x=mb.square(x=centred), axes=[-1], keep_dims=True))
    return mb.real_div(x=centred, y=mb.maximum(x=std, y=np.float32(max(eps, _FP16_TINY))), name=name)


def register_mil_ops() -> None:
    """Maps ``wearsdk::preprocess`` and ``wearsdk::zscore`` to MIL composites for ``ct.convert`` (idempotent;
    the exporters call it before converting).

    ``preprocess(x, sos, zi, bank, hist, up, down, norm, eps)`` on ``(1, channels, samples)`` becomes a
    depthwise causal ``conv`` with the FIR of ``sos`` (left padding ``taps - 1``, from rest), then the
    z-score for ``norm="zscore"``. Only a window graph is mapped: ``zi`` and ``hist`` must be the zero
    start state and come back unchanged; resampling (``up != down``) and ``norm="robust"`` are refused.
    """
    from coremltools.converters.mil import Builder as mb
    from coremltools.converters.mil.frontend.torch.ops import _get_inputs
    from coremltools.converters.mil.frontend.torch.torch_op_registry import register_torch_op

    @register_torch_op(torch_alias=["wearsdk::preprocess"], override=True)
    def wearsdk_preprocess(context: Any, node: Any) -> None:
        x, sos, zi, _bank, hist, up, down, norm, eps = _get_inputs(context, node, expected=9)
        if up.val != down.val:
            raise ExportError(f"CoreML maps the preprocessing op without resampling ({up.val}/{down.val}): export "
                              "with --input-rate equal to the model's rate and resample on the host, or use "
                              "the executorch backend.")
        if int(norm.val) == NORMS["robust"]:
            raise ExportError("norm='robust' has no MIL composite; export with norm='zscore' or 'none'.")
        if zi.val is None or np.any(zi.val):
            raise ExportError("the CoreML preprocessing composite maps window graphs only (zero filter state); "
                              "streaming packages carry their FIR history as a state (--streaming).")
        taps = fir_taps(np.asarray(sos.val, dtype=np.float64))
        channels = x.shape[1]
        weight = np.ascontiguousarray(np.broadcast_to(taps[::-1], (channels, 1, taps.size)))
        y = mb.conv(x=x, weight=mb.const(val=weight, name=f"{node.name}_{_FIR_NAME}"), pad_type="custom",
                    pad=[taps.size - 1, 0], groups=channels)
        if int(norm.val) == NORMS["zscore"]:
            y = _mil_zscore(mb, y, float(eps.val), f"{node.name}_zscore")
        context.add((y, zi, hist), torch_name=node.name)

    @register_torch_op(torch_alias=["wearsdk::zscore"], override=True)
    def wearsdk_zscore(context: Any, node: Any) -> None:
        x, *args = _get_inputs(context, node, min_expected=1)  # torch.export drops arguments left at default
        robust = bool(args[0].val) if args else False
        eps = float(args[1].val) if len(args) > 1 else _ZSCORE_EPS
        if robust:
            raise ExportError("the robust z-score has no MIL composite; use norm='zscore'.")
        context.add(_mil_zscore(mb, x, eps, node.name))


class CoreMLStreamingModule(torch.nn.Module):
    """``model`` behind a ring buffer (and, with ``fir``, a causal FIR band-pass), for CoreML states.

    ``forward(chunk)``: ``chunk`` ``(1, channels, hop)`` float32 at the model rate, raw when ``fir`` is
    given (taps from :func:`fir_taps`), else already band-passed on the host (``spec`` with
    ``norm="none"``). Buffers ``fir_hist`` ``(1, channels, taps - 1)`` (raw history) and ``ring``
    ``(1, channels, window)`` are updated in place and become CoreML states; the ring is normalised by
    ``spec.norm`` before ``model``. The first ``window / hop - 1`` calls fill the ring.
    """

    def __init__(self, model: torch.nn.Module, spec: PreprocessSpec, *, window: int, hop: int, channels: int,
                 fir: np.ndarray | None = None):
        super().__init__()
        if spec.norm == "robust":
            raise ExportError("norm='robust' has no MIL composite; export with norm='zscore' or 'none'.")
        if not 0 < hop <= window:
            raise ConfigError(f"hop must be in 1..window={window}, got {hop}.")
        ops()
        self.model, self.hop, self.eps, self.norm = model, hop, float(spec.eps), spec.norm
        self.with_fir = fir is not None
        if fir is not None:
            taps = torch.from_numpy(np.ascontiguousarray(fir[::-1])).view(1, 1, -1).repeat(channels, 1, 1)
            self.register_buffer(_FIR_NAME, taps, persistent=False)
            self.register_buffer("fir_hist", torch.zeros(1, channels, fir.size - 1))
        self.register_buffer("ring", torch.zeros(1, channels, window))

    def forward(self, chunk: torch.Tensor) -> torch.Tensor:
        y = chunk
        if self.with_fir:
            x = torch.cat([self.fir_hist, chunk], dim=-1)
            self.fir_hist.copy_(x[..., self.hop :])
            y = torch.nn.functional.conv1d(x, getattr(self, _FIR_NAME), groups=chunk.shape[1])
        self.ring.copy_(torch.cat([self.ring[..., self.hop :], y], dim=-1))
        x = self.ring if self.norm == "none" else torch.ops.wearsdk.zscore(self.ring, False, self.eps)
        return self.model(x)


def _convert(module: torch.nn.Module, example: tuple[torch.Tensor, ...], *, name: str, precision: str,
             streaming: bool) -> Any:
    """``torch.export`` -> ``mlprogram`` (fp16 compute; iOS 18 with states, else iOS 17) -> int8 weights
    (symmetric, per channel, every conv/linear weight however small; the FIR taps stay fp16)."""
    import coremltools as ct
    from coremltools.optimize.coreml import OpLinearQuantizerConfig, OptimizationConfig, linear_quantize_weights

    register_mil_ops()
    try:
        exported = torch.export.export(module, example, strict=False).run_decompositions({})
        states = [ct.StateType(wrapped_type=ct.TensorType(shape=tuple(b.shape), dtype=np.float16), name=n)
                  for n, b in module.named_buffers() if n in exported.graph_signature.buffers_to_mutate.values()]
        mlmodel = ct.convert(exported, convert_to="mlprogram", compute_precision=ct.precision.FLOAT16,
                             minimum_deployment_target=ct.target.iOS18 if streaming else ct.target.iOS17,
                             states=states or None)
        if precision == "int8":
            fir_consts = [op.name for op in mlmodel._mil_program.functions["main"].operations
                          if op.op_type == "const" and _FIR_NAME in op.name]
            every_weight = OpLinearQuantizerConfig(mode="linear_symmetric", weight_threshold=0)
            config = OptimizationConfig(global_config=every_weight, op_name_configs=dict.fromkeys(fir_consts))
            mlmodel = linear_quantize_weights(mlmodel, config)
    except ExportError:
        raise
    except Exception as exc:  # coremltools raises many types: name the stage and keep the cause
        raise ExportError(f"converting {name} to CoreML failed: {type(exc).__name__}: {exc}") from exc
    if precision == "int8" and not any(op.startswith("constexpr_") for op in mil_ops(mlmodel)):
        raise ExportError(f"{name}: int8 weight quantization produced no constexpr dequantize op "
                          f"({mil_ops(mlmodel)}).")
    return mlmodel


def _save(mlmodel: Any, out: Path, stem: str) -> Path:
    package = out / f"{stem}.mlpackage"
    if package.exists():
        shutil.rmtree(package)
    mlmodel.save(str(package))
    return package


def _write_reference(out: Path, mlmodel: Any, inputs: np.ndarray, outputs: np.ndarray,
                     precision: str) -> tuple[Path, dict[str, Any]]:
    """``reference.npz``: ``{input name: (calls, *input shape), output name: (calls, *output shape)}``,
    float32, fed to the package call by call (one state across the calls of a streaming package)."""
    spec = mlmodel.get_spec()
    in_name, out_name = spec.description.input[0].name, spec.description.output[0].name
    path = out / REFERENCE_FILE
    np.savez_compressed(path, **{in_name: inputs.astype(np.float32), out_name: outputs.astype(np.float32)})
    return path, {"file": REFERENCE_FILE, "inputs": [in_name], "outputs": [out_name], "calls": int(inputs.shape[0]),
                  "source": "eager fp32 torch", "tolerance": TOLERANCE[precision]}


def _manifest(out: Path, mlmodel: Any, package: Path, reference: tuple[Path, dict[str, Any]], *, precision: str,
              streaming: bool, model_card: ModelCard | None, trained: bool, coreml: dict[str, Any],
              extra: dict[str, Any] | None = None) -> Path:
    from wearsdk.runtime.coreml import describe

    info = describe(mlmodel.get_spec())
    if precision == "int8" and "int8" not in info["weight_dtypes"]:
        raise ExportError(f"{package.name}: int8 requested but the weights are {info['weight_dtypes']}.")
    return write_manifest(
        out,
        files=sorted(p for p in package.rglob("*") if p.is_file()) + [reference[0]],
        backend="coreml",
        precision=precision,
        streaming=streaming,
        inputs=info["inputs"],
        outputs=info["outputs"],
        model_card=model_card,
        trained=trained,
        quantization={"scheme": "coreml_linear_symmetric_int8_weights"} if precision == "int8" else None,
        parity={"status": "not measured: CoreML predicts only on Apple platforms; run examples/ios/verify_coreml.py "
                          f"on a Mac to compare with {REFERENCE_FILE}"},
        extra={"states": info["states"], **(extra or {}),
               "coreml": {"format": "mlprogram", "compute_precision": "float16", "mil_ops": info["mil_ops"],
                          "weight_dtypes": info["weight_dtypes"], "reference": reference[1], **coreml}},
        root=out,
    )


def _preprocessing_spec(model: torch.nn.Module) -> PreprocessSpec | None:
    from wearsdk.export.preprocessing import PreprocessingModule

    return next((m.spec for m in model.modules() if isinstance(m, PreprocessingModule)), None)


def export_coreml(model: torch.nn.Module, out_dir: str | Path, *, name: str,
                  example_inputs: tuple[torch.Tensor, ...], precision: str = "fp16",
                  reference_windows: torch.Tensor | None = None, model_card: ModelCard | None = None,
                  trained: bool = True) -> Path:
    """Exports ``model`` for ``example_inputs`` (one tensor, batch 1) to ``<name>_coreml_<precision>.mlpackage``
    and returns the manifest path.

    ``reference_windows`` ``(n, channels, samples)`` (default: the example) are run through eager
    ``model`` into ``reference.npz``. A model behind ``WithPreprocessing`` takes raw windows; its FIR
    stand-in is compared with the C++ IIR on those windows (``coreml.preprocessing_fir_vs_iir``).
    ``model_card`` (the model's :class:`~wearsdk.models.ModelCard`; ``None`` for a plain module) and ``trained``
    (``False``: random weights) go into the manifest.
    """
    if precision not in PRECISIONS:
        raise ConfigError(f"CoreML precision must be one of {PRECISIONS}, got {precision!r}.")
    if len(example_inputs) != 1:
        raise ConfigError(f"CoreML export takes one input tensor, got {len(example_inputs)}.")
    check_windows(reference_windows, "reference_windows")
    out = output_folder(out_dir)
    model = model.eval()
    mlmodel = _convert(model, example_inputs, name=name, precision=precision, streaming=False)
    package = _save(mlmodel, out, f"{name}_coreml_{precision}")
    windows = (reference_windows if reference_windows is not None else example_inputs[0]).float()
    with torch.no_grad():
        outputs = torch.stack([model(w[None]) for w in windows])
    reference = _write_reference(out, mlmodel, windows[:, None].numpy(), outputs.numpy(), precision)
    coreml: dict[str, Any] = {"deployment_target": "iOS17"}
    spec = _preprocessing_spec(model)
    if spec is not None:
        coreml["preprocessing_fir_vs_iir"] = fir_vs_iir(windows.numpy(), spec, fir_taps(spec.sos))
    return _manifest(out, mlmodel, package, reference, precision=precision, streaming=False,
                     model_card=model_card, trained=trained, coreml=coreml)


def _streaming_reference(module: CoreMLStreamingModule, stream: torch.Tensor, hop: int) -> tuple[np.ndarray, ...]:
    """Chunks ``(calls, 1, channels, hop)`` of ``stream`` and the eager outputs of a fresh ``module`` on them."""
    calls = stream.shape[-1] // hop
    chunks = torch.stack([stream[..., i * hop : (i + 1) * hop] for i in range(calls)])
    with torch.no_grad():
        outputs = torch.stack([module(c) for c in chunks])
    return chunks.numpy(), outputs.numpy()


def export_coreml_streaming(model: torch.nn.Module, out_dir: str | Path, *, name: str, spec: PreprocessSpec,
                            window: int, hop: int, channels: int, raw_stream: torch.Tensor,
                            precision: str = "fp16", with_preprocessing: bool = False,
                            model_card: ModelCard | None = None, trained: bool = True) -> Path:
    """Exports the stateful package ``<name>_coreml_<precision>_stream.mlpackage`` (iOS 18) and returns the
    manifest path.

    Each prediction takes ``chunk`` ``(1, channels, hop)`` at the model rate: raw samples with
    ``with_preprocessing`` (FIR band-pass in the program), else samples the host band-passed with ``spec``
    (``norm="none"``; ``wearsdk.signal.Preprocessor``). ``raw_stream`` ``(1, channels, n)`` raw at
    ``spec.sampling_rate`` gives ``reference.npz`` (its first ``window / hop + 1`` hops and the eager module's
    outputs, warm-up calls included: both start from zero state) and, with preprocessing, the FIR-vs-IIR
    figure on its whole windows.
    """
    if precision not in PRECISIONS:
        raise ConfigError(f"CoreML precision must be one of {PRECISIONS}, got {precision!r}.")
    if not spec.resampler.identity:
        raise ConfigError(f"CoreML streaming takes samples at the model rate ({spec.output_rate:g} Hz), got an input "
                          f"rate of {spec.sampling_rate:g} Hz: resample on the host, or use the executorch backend.")
    if raw_stream.shape[-1] < window + hop:
        raise ShapeError(f"raw_stream must hold at least window + hop = {window + hop} samples (the reference fills "
                         f"the ring and runs two windows), got {raw_stream.shape[-1]}.")
    out = output_folder(out_dir)
    taps = fir_taps(spec.sos) if with_preprocessing else None
    module = CoreMLStreamingModule(model.eval(), spec, window=window, hop=hop, channels=channels, fir=taps).eval()
    mlmodel = _convert(module, (torch.zeros(1, channels, hop),), name=name, precision=precision, streaming=True)
    package = _save(mlmodel, out, f"{name}_coreml_{precision}_stream")
    stream = raw_stream.float() if with_preprocessing else preprocess(
        raw_stream.float(), PreprocessSpec(**{**spec.to_dict(), "norm": "none"}))
    fresh = CoreMLStreamingModule(model, spec, window=window, hop=hop, channels=channels, fir=taps).eval()
    calls = window // hop + 1  # the ring filled, then two full windows
    reference = _write_reference(out, mlmodel, *_streaming_reference(fresh, stream[..., : calls * hop], hop),
                                 precision)
    coreml: dict[str, Any] = {"deployment_target": "iOS18"}
    if taps is not None:
        whole = raw_stream.shape[-1] // window * window  # the stream cut into windows, each filtered from rest
        windows = raw_stream[0, :, :whole].reshape(channels, -1, window).transpose(0, 1).numpy()
        coreml["preprocessing_fir_vs_iir"] = fir_vs_iir(windows, spec, taps)
    chunk = "raw" if with_preprocessing else "band-passed on the host (norm='none')"
    return _manifest(out, mlmodel, package, reference, precision=precision, streaming=True,
                     model_card=model_card, trained=trained, coreml=coreml,
                     extra={"stream": {"preprocess": spec.to_dict(), "window": window, "hop": hop, "hop_in": hop,
                                       "channels": channels, "warmup_calls": window // hop - 1,
                                       "chunk": f"{chunk} samples at {spec.output_rate:g} Hz",
                                       "normalisation": f"{spec.norm} per window, in the program",
                                       "reset": "a new MLState (MLModel.makeState()) starts a new stream",
                                       "state_dtype": "float16 (CoreML states): remove large DC offsets first"}})


def _export_job(job: ExportJob) -> Path:
    """The ``coreml`` backend: fp32 asks for fp16 compute, int8 for int8 weights on top; a window package
    (optionally with the FIR preprocessing composite) or a stateful streaming package."""
    precision = "int8" if job.precision == "int8" else "fp16"
    if job.streaming:
        return export_coreml_streaming(job.model, job.out, name=job.name, spec=job.spec, window=job.card.window_samples,
                                       hop=job.hop, channels=len(job.card.input_channels),
                                       raw_stream=job.raw_stream().contiguous(), precision=precision,
                                       with_preprocessing=job.with_preprocessing, model_card=job.card,
                                       trained=job.trained)
    parity = job.parity_windows()
    return export_coreml(job.module(), job.out, name=job.name, example_inputs=(parity[:1],),
                         reference_windows=parity[:2], precision=precision, model_card=job.card, trained=job.trained)


register_backend("coreml", Backend(_export_job, precisions=("fp32", "int8"), streaming=("fp32", "int8"),
                                   preprocessing=("fp32",),
                                   description=".mlpackage mlprogram (fp16 compute; int8 weights), streaming states"))
