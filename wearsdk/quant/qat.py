"""Quantization-aware fine-tuning (PT2E QAT, XNNPACK scheme) for when post-training int8 misses its bar.

    tuned, history = qat_finetune(model, int8_config_for(model), windows=x, steps=300)

The model is exported once (batch axis dynamic) and prepared with fake-quant observers for the same scheme
:func:`~wearsdk.quant.quantize` uses (``prepare_qat_pt2e``; BatchNorm frozen in eval mode, so the folded weights
are fake-quantized as the post-training path will quantize them). Training then asks *both* passes of the
prepared graph -- fake-quantized and, with fake quantization switched off, float -- to reproduce the original
model's outputs on ``windows`` (self-distillation with :func:`wearsdk.train.distill.embedding_distill_loss`:
cosine + norm-relative MSE + per-dimension standardized error, so the low-variance directions that linear heads
read weigh as much as the large ones). A model with a deploy form (:func:`wearsdk.models.deploy_form`) is tuned in
that form, which is what int8 quantizes. The float weights go back into a copy of the model: it keeps the original
function in float, and quantized the usual way (``quantize``, ``wearsdk export --quant int8``, their own
calibration) it loses less of it. Observers are frozen after ``steps // 2`` (their ranges settle first, the
weights then adapt to fixed ranges).
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass

import torch

from wearsdk.errors import ConfigError, ExportError
from wearsdk.models.deploy import deploy_form
from wearsdk.quant.config import Int8StaticConfig
from wearsdk.quant.pt2e import _batches, _quantizer, check_layer_names

__all__ = ["QATLoss", "qat_finetune"]

_TARGET_CHUNK = 64


@dataclass(frozen=True)
class QATLoss:
    """Weights of the self-distillation loss (the fields :func:`embedding_distill_loss` reads)."""

    cosine_weight: float = 1.0
    mse_weight: float = 1.0
    relational_weight: float = 0.0
    relational_temperature: float = 0.1
    standardized_weight: float = 1.0
    lognorm_weight: float = 0.0


def _outputs(module: torch.nn.Module, x: torch.Tensor) -> torch.Tensor:
    out = module(x)
    if not isinstance(out, torch.Tensor):
        raise ConfigError(f"qat_finetune needs a model with one tensor output, got {type(out).__name__}.")
    return out.reshape(out.shape[0], -1)


def _learning_rate(step: int, steps: int, warmup: int, peak: float) -> float:
    """Linear warm-up to ``peak`` over ``warmup`` steps (Adam's first steps move every weight by ~lr whatever
    the gradient: from a model that already fits its targets that is noise), then cosine decay to 0."""
    if step < warmup:
        return peak * (step + 1) / warmup
    return peak * 0.5 * (1.0 + math.cos(math.pi * (step - warmup) / max(1, steps - warmup)))


def qat_finetune(model: torch.nn.Module, config: Int8StaticConfig, *, windows: torch.Tensor, steps: int = 300,
                 lr: float = 5e-4, batch: int = 32, seed: int = 0, loss: QATLoss = QATLoss(),
                 progress: bool = True) -> tuple[torch.nn.Module, list[dict[str, float]]]:
    """A copy of ``model`` fine-tuned so that its static int8 version stays closer to its float one.

    Args:
        model: a float module taking one ``(batch, channels, samples)`` tensor and returning one tensor.
        config: the int8 scheme it will be quantized with (:func:`~wearsdk.quant.int8_config_for`).
        windows: ``(n, channels, samples)`` preprocessed model inputs, finite, ``n >= batch``; the training
            set (keep the windows the result is judged on out of it).
        steps: optimizer steps (AdamW, no weight decay; ``lr`` reached after a linear warm-up over the first tenth,
            then cosine-decayed), ``batch`` windows each.
        seed: batch sampling seed (the result is a pure function of the inputs and the seed).
        loss: term weights of the self-distillation loss.
        progress: show a tqdm bar.

    Returns:
        ``(tuned, history)``: the fine-tuned float copy (eval mode; ``model`` is untouched) and a row for every
        10th step and the last, ``{"step", "loss_int8", "loss_float"}`` (loss of the fake-quantized and the float
        pass on that step's batch).

    Raises:
        ConfigError: a wrong config type, ``steps``/``batch``/``lr`` out of range, fewer windows than ``batch``,
            unknown ``keep_float`` / ``dynamic`` names. ShapeError / DTypeError / NonFiniteInputError: windows
            not of the model's input spec. All before anything is exported. ExportError: the model cannot be
            captured by ``torch.export`` or its tensors cannot be mapped back.
    """
    from torchao.quantization.pt2e import (
        disable_fake_quant,
        disable_observer,
        enable_fake_quant,
        enable_observer,
        move_exported_model_to_eval,
    )
    from torchao.quantization.pt2e.quantize_pt2e import prepare_qat_pt2e
    from tqdm.auto import tqdm

    from wearsdk.train.distill import embedding_distill_loss

    if not isinstance(config, Int8StaticConfig):
        raise ConfigError(f"config must be an Int8StaticConfig, got {type(config).__name__}.")
    for name, value, low in (("steps", steps, 1), ("batch", batch, 2)):
        if not isinstance(value, int) or isinstance(value, bool) or value < low:
            raise ConfigError(f"qat_finetune: {name} must be an int >= {low}, got {value!r}.")
    if not isinstance(lr, (int, float)) or not math.isfinite(lr) or lr <= 0:
        raise ConfigError(f"qat_finetune: lr must be a positive learning rate, got {lr!r}.")
    if not isinstance(windows, torch.Tensor):
        raise ConfigError(
            f"qat_finetune: windows must be a (n, channels, samples) tensor, got {type(windows).__name__}."
        )
    card = getattr(model, "card", None)
    example = windows[:1] if card is None else torch.zeros(1, len(card.input_channels), card.window_samples)
    x = torch.cat(_batches(windows, example, model)).float()
    if len(x) < batch:
        raise ConfigError(f"qat_finetune: {len(x)} windows given, fewer than one batch of {batch}; pass more windows "
                          "or a smaller batch.")
    original = model.eval()
    form = deploy_form(original)  # what int8 will quantize: tune that, then copy its weights back
    check_layer_names(form, config)
    tuned = form if form is not original else copy.deepcopy(original).eval()
    with torch.no_grad():
        targets = torch.cat([_outputs(original, x[i : i + _TARGET_CHUNK]) for i in range(0, len(x), _TARGET_CHUNK)])
    dims = ({0: torch.export.Dim("batch", min=1, max=max(len(x), batch))},)
    graph = torch.export.export(tuned, (x[:batch],), dynamic_shapes=dims, strict=False).module()
    prepared = prepare_qat_pt2e(graph, _quantizer(config, qat=True))
    move_exported_model_to_eval(prepared)  # BatchNorm uses its running statistics, as in the deployed model

    params = [p for p in prepared.parameters() if p.requires_grad]
    warmup = max(1, steps // 10)
    opt = torch.optim.AdamW(params, lr=lr / warmup, weight_decay=0.0)
    gen = torch.Generator().manual_seed(seed)
    history: list[dict[str, float]] = []
    bar = tqdm(range(steps), desc="quantization-aware fine-tuning", unit="step", disable=not progress)
    for step in bar:
        if step == steps // 2:
            prepared.apply(disable_observer)
        observing = step < steps // 2
        idx = torch.randint(0, len(x), (batch,), generator=gen)
        xb, tb = x[idx], targets[idx]
        prepared.apply(enable_fake_quant)
        loss_int8, _ = embedding_distill_loss(_outputs(prepared, xb), tb, loss)
        prepared.apply(disable_fake_quant)
        prepared.apply(disable_observer)
        loss_float, _ = embedding_distill_loss(_outputs(prepared, xb), tb, loss)
        if observing:
            prepared.apply(enable_observer)
        opt.zero_grad(set_to_none=True)
        (loss_int8 + loss_float).backward()
        opt.step()
        for group in opt.param_groups:
            group["lr"] = _learning_rate(step + 1, steps, warmup, lr)
        row = {"step": step, "loss_int8": loss_int8.item(), "loss_float": loss_float.item()}
        if step % 10 == 0 or step == steps - 1:
            history.append(row)
            bar.set_postfix(int8=f"{row['loss_int8']:.2e}", float=f"{row['loss_float']:.2e}")

    trained = prepared.state_dict()
    state = tuned.state_dict()
    missing = [k for k, v in state.items() if v.is_floating_point() and k not in trained]
    if missing:  # the export renamed parameters: refuse rather than return a half-tuned model
        raise ExportError(f"qat_finetune: the prepared graph lost the model's tensors {missing[:5]}.")
    tuned.load_state_dict({k: trained[k] if k in trained else v for k, v in state.items()})
    if form is not original:  # back from the deploy form into a copy of the model
        result = copy.deepcopy(original)
        result.load_xnnpack_form(tuned)
        return result.eval(), history
    return tuned.eval(), history
