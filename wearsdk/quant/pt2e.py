"""Post-training static int8 quantization with PT2E and the XNNPACK quantizer.

    qmodel = quantize(model, Int8StaticConfig(), example_inputs=(x,), calibration=windows)

The result is a ``torch.fx.GraphModule`` with quantize/dequantize nodes around int8 ops: it runs in
eager for evaluation and lowers to XNNPACK int8 kernels in ExecuTorch (``wearsdk.export``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import torch

from wearsdk.errors import ConfigError, DTypeError, ExportError, NonFiniteInputError, ShapeError
from wearsdk.models.deploy import deploy_form
from wearsdk.quant.config import Int8StaticConfig

__all__ = ["quantize", "output_cosine", "run_batched", "check_layer_names"]


def _quantizer(config: Int8StaticConfig, qat: bool = False):
    """The XNNPACK quantizer of ``config`` (fake-quant observers for training when ``qat``)."""
    from executorch.backends.xnnpack.quantizer.xnnpack_quantizer import (
        XNNPACKQuantizer,
        get_symmetric_quantization_config,
    )
    from torchao.quantization.pt2e.quantizer import get_module_name_filter

    q = XNNPACKQuantizer().set_global(get_symmetric_quantization_config(is_per_channel=config.per_channel, is_qat=qat))
    for name in config.dynamic:
        q.set_module_name(
            name, get_symmetric_quantization_config(is_per_channel=config.per_channel, is_qat=qat, is_dynamic=True)
        )
    if config.keep_float:
        in_float = [get_module_name_filter(name) for name in config.keep_float]
        q.set_filter_function(lambda node: not any(f(node) for f in in_float))
    return q


def _spec(model: torch.nn.Module, expected: tuple[int, ...]) -> str:
    """``(channels, samples) = (4, 3840)`` plus, for a registered model, what those axes are."""
    card = getattr(model, "card", None)
    if card is None:
        return f"(channels, samples) = {expected}"
    return (f"(channels, samples) = {expected} ({card.name}: channels {tuple(card.input_channels)}, "
            f"{card.window_samples} samples at {card.sampling_rate_hz:g} Hz, preprocessed as its card says)")


_FIX = ("Fix: wearsdk.sim.model_windows(model.card, n) makes matching windows; for a recording, "
        "wearsdk.stream.recording_windows(recording, model.card) cuts them the card's way")


def _batches(calibration: Any, example: torch.Tensor, model: torch.nn.Module) -> list[torch.Tensor]:
    """``calibration`` as a list of ``(b, *example.shape[1:])`` float batches; wrong rank or size, a non-float
    dtype, NaN/inf, or no windows at all raise before anything is exported."""
    expected = tuple(example.shape[1:])
    kind = "a (windows, channels, samples) tensor or an iterable of (batch, channels, samples) batches"
    if calibration is None or isinstance(calibration, (str, bytes)):
        raise ConfigError(f"calibration must be {kind}, got {type(calibration).__name__}.")
    if isinstance(calibration, torch.Tensor):
        if calibration.dim() != example.dim():
            raise ShapeError(f"calibration has shape {tuple(calibration.shape)}, expected (windows, *{expected}) "
                             f"with {_spec(model, expected)}. {_FIX}.")
        batches = [calibration]
    else:
        try:
            batches = [c if isinstance(c, torch.Tensor) else torch.as_tensor(c) for c in calibration]
        except (TypeError, ValueError, RuntimeError) as exc:
            raise ConfigError(f"calibration must be {kind}: {type(exc).__name__}: {exc}") from exc
    for i, b in enumerate(batches):
        if b.dim() != example.dim() or tuple(b.shape[1:]) != expected:
            hint = " (a single window: add the batch axis with x[None])" if tuple(b.shape) == expected else ""
            raise ShapeError(f"calibration batch {i} has shape {tuple(b.shape)}, expected (batch, *{expected}) "
                             f"with {_spec(model, expected)}{hint}. {_FIX}.")
        if not b.is_floating_point():
            raise DTypeError(f"calibration batch {i} is {b.dtype}, expected floating point windows "
                             f"({example.dtype}): calibrate on preprocessed signals, not raw ADC counts.")
        finite = torch.isfinite(b).flatten(1).all(1)
        if not bool(finite.all()):
            bad = torch.nonzero(~finite).flatten().tolist()
            raise NonFiniteInputError(
                f"calibration batch {i} holds NaN or inf (its windows {bad[:5]}{' ...' if len(bad) > 5 else ''}): "
                "observers would record infinite ranges. Drop those windows or repair the gaps before calibrating."
            )
    if sum(b.shape[0] for b in batches) == 0:
        raise ConfigError(f"the calibration set is empty: static int8 takes its activation ranges from calibration "
                          f"windows, expected (windows, *{expected}) with {_spec(model, expected)}. {_FIX}.")
    step = example.shape[0]  # the exported graph is specialised to the example's batch size
    windows = torch.cat([b.to(example.dtype) for b in batches])
    if windows.shape[0] % step:
        raise ShapeError(f"{windows.shape[0]} calibration windows do not split into batches of {step}, the batch "
                         "size of example_inputs[0]; use a batch-1 example (windows[:1]).")
    return list(windows.split(step))


def run_batched(module: torch.nn.Module, x: torch.Tensor, batch: int = 1) -> torch.Tensor:
    """``module`` on ``x`` ``(n, channels, samples)`` in batches of ``batch`` (a quantized graph accepts only
    the example's batch size), outputs concatenated; ``n`` must be a multiple of ``batch``."""
    with torch.no_grad():
        return torch.cat([module(x[i : i + batch]) for i in range(0, x.shape[0], batch)])


def _check_example(example_inputs: Any) -> torch.Tensor:
    if (not isinstance(example_inputs, tuple) or not example_inputs
            or not all(isinstance(t, torch.Tensor) for t in example_inputs)):
        raise ConfigError(f"example_inputs must be a tuple of tensors, e.g. (windows[:1],), got "
                          f"{type(example_inputs).__name__}.")
    if len(example_inputs) != 1:
        raise ConfigError(f"quantize calibrates models with one input; example_inputs has {len(example_inputs)}.")
    x = example_inputs[0]
    if x.dim() < 2 or not x.is_floating_point():
        raise ShapeError(f"example_inputs[0] must be a float (batch, channels, samples) tensor, got "
                         f"{x.dtype} {tuple(x.shape)}.")
    return x


_LAYERS = (torch.nn.Conv1d, torch.nn.Conv2d, torch.nn.Linear)  # the layers int8 quantizes


def check_layer_names(model: torch.nn.Module, config: Int8StaticConfig) -> None:
    """Raise :class:`ConfigError` unless ``config.dynamic`` names ``nn.Linear`` modules of ``model`` and
    ``config.keep_float`` names modules of it (``model``: the deploy form, :func:`wearsdk.models.deploy_form`)."""
    modules = dict(model.named_modules())
    not_linear = [n for n in config.dynamic if not isinstance(modules.get(n), torch.nn.Linear)]
    if not_linear:
        linears = [n for n, m in modules.items() if isinstance(m, torch.nn.Linear)]
        raise ConfigError(f"Int8StaticConfig.dynamic names {not_linear} are not nn.Linear modules of the model "
                          f"(dynamic int8 is for linear layers); its linear layers are {linears}.")
    unknown = [n for n in config.keep_float if n not in modules]
    if unknown:
        layers = [n for n, m in model.named_modules() if isinstance(m, _LAYERS)]
        raise ConfigError(f"keep_float names {unknown} are not modules of the model; its conv/linear layers are "
                          f"{layers[:8]}{' ...' if len(layers) > 8 else ''} (model.named_modules() lists all).")


def _float_conv1d_as_conv2d(graph: torch.fx.GraphModule) -> None:
    """Rewrites, in place, each float ``conv1d`` (weights not dequantized: a ``keep_float`` layer) as the same
    convolution in 2-D over ``(batch, channels, samples, 1)``, its weight reshaped where it is stored. ExecuTorch
    1.5's XNNPACK lowering turns every 1-D convolution fed by a dequantize node into an int8 one and then refuses
    a float weight ("Weight and Input should both be quantized"); its 2-D convolutions keep their float weights."""
    g = graph.graph
    for node in list(g.nodes):
        if node.op != "call_function" or node.target is not torch.ops.aten.conv1d.default:
            continue
        x, w, *rest = node.args
        if w.op != "get_attr" or len(w.users) != 1:  # int8 weights (dequantized): the lowering handles those
            continue
        bias, stride, padding, dilation, groups = (*rest, *(None, [1], [0], [1], 1)[len(rest):])
        prefix, _, leaf = w.target.rpartition(".")
        owner = graph.get_submodule(prefix) if prefix else graph
        setattr(owner, leaf, torch.nn.Parameter(getattr(owner, leaf).detach().unsqueeze(-1), requires_grad=False))
        with g.inserting_before(node):
            x2 = g.call_function(torch.ops.aten.unsqueeze.default, (x, -1))
            y2 = g.call_function(torch.ops.aten.conv2d.default,
                                 (x2, w, bias, [*stride, 1], [*padding, 0], [*dilation, 1], groups))
            y = g.call_function(torch.ops.aten.squeeze.dim, (y2, -1))
        node.replace_all_uses_with(y)
        g.erase_node(node)
    graph.recompile()


def quantize(model: torch.nn.Module, config: Int8StaticConfig, *, example_inputs: tuple[torch.Tensor, ...],
             calibration: torch.Tensor | Iterable[torch.Tensor]) -> torch.fx.GraphModule:
    """``model`` with static int8 weights and activations, calibrated on ``calibration``.

    Args:
        model: a float module taking one ``(batch, channels, samples)`` tensor; its deploy form
            (:func:`wearsdk.models.deploy_form`) is what gets quantized.
        config: the scheme (:class:`Int8StaticConfig`), naming layers of the deploy form.
        example_inputs: ``(x,)`` with ``x`` one batch (usually one window) of the model's input; it fixes the
            exported shapes, and every calibration window must match ``x.shape[1:]``.
        calibration: a ``(windows, channels, samples)`` tensor (fed one window per call) or an iterable of
            ``(batch, channels, samples)`` batches: preprocessed model inputs, finite, at least
            ``config.min_calibration_windows`` windows in all.

    Raises:
        ConfigError: wrong config type, an empty or too small calibration set, unknown ``keep_float`` names,
            ``dynamic`` names that are not ``nn.Linear`` modules of the model.
        ShapeError / DTypeError / NonFiniteInputError: calibration windows not of the model's input spec.
        ExportError: ``torch.export`` cannot capture the model.

    All the checks run before ``torch.export``.
    """
    from torchao.quantization.pt2e import allow_exported_model_train_eval
    from torchao.quantization.pt2e.quantize_pt2e import convert_pt2e, prepare_pt2e

    if not isinstance(config, Int8StaticConfig):
        raise ConfigError(f"config must be an Int8StaticConfig, got {type(config).__name__}.")
    example = _check_example(example_inputs)
    batches = _batches(calibration, example, model)
    count = sum(b.shape[0] for b in batches)
    if count < config.min_calibration_windows:
        raise ConfigError(
            f"{count} calibration windows given, config asks for >= {config.min_calibration_windows}: "
            "activation ranges from fewer windows clip real signals. Pass more windows (or lower "
            "Int8StaticConfig.min_calibration_windows knowingly)."
        )
    model = deploy_form(model.eval())
    check_layer_names(model, config)
    try:
        graph = torch.export.export(model, example_inputs, strict=False).module()
    except Exception as exc:  # torch.export raises many types; name the stage and keep the cause
        raise ExportError(f"torch.export failed before quantization: {type(exc).__name__}: {exc}") from exc
    prepared = prepare_pt2e(graph, _quantizer(config))
    with torch.no_grad():
        for batch in batches:
            prepared(batch)
    converted = convert_pt2e(prepared)
    _float_conv1d_as_conv2d(converted)
    allow_exported_model_train_eval(converted)  # so that .eval() on a wrapping module works
    return converted


def output_cosine(a: torch.Tensor, b: torch.Tensor) -> float:
    """Mean cosine similarity of two batches of outputs, flattened per example."""
    a2, b2 = a.reshape(a.shape[0], -1).double(), b.reshape(b.shape[0], -1).double()
    return float(torch.nn.functional.cosine_similarity(a2, b2, dim=1).mean())
