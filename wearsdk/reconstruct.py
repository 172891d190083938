"""``wearsdk.reconstruct_12lead``: leads II, V1, V5 in mV, at any sampling rate and length -> the 12 standard
leads in mV at the same rate and length (DESIGN.md sections 2 and 6).

Pipeline, per record ``(3, n)`` at ``sampling_rate`` Hz:

1-2. the model card's preprocessing (:meth:`~wearsdk.models.card.Preprocessing.filter`, phase
   ``"zero_phase"``): resample to the model's rate (100 Hz, zero-phase polyphase FIR), then the card's
   band-pass (4th-order Butterworth 0.5-40 Hz on the C++ core) forward and backward, as the PTB-XL training
   records were filtered (:func:`wearsdk.signal.bandpass` with ``zero_phase=True``);
3. cut 10 s windows (1000 samples) with 50 % overlap, the last one ending at the last sample (a record
   shorter than 10 s is one zero-padded window); normalise each input lead over the window as the card says
   (:meth:`~wearsdk.models.card.Preprocessing.normalise`: a z-score for the bundled weights); run the model;
4. amplitude: a model trained on z-scored leads predicts lead *shapes* (unit SD); each reconstructed lead
   of each window is z-scored again and multiplied by the SD of the least-squares linear estimate of that
   lead in mV, ``AMPLITUDE_MAP_MV @ [II, V1, V5]`` over the same window (the VAE keeps shape and polarity,
   the linear map sets the size). ``AMPLITUDE_MAP_MV`` was fitted on 1,200 simulated 10 s records
   (wearsdk.sim, participants 0-599, seed 0), since the real training records carry no mV amplitudes;
   its limb-lead rows are Einthoven/Goldberger exact. Measured on the 7 real mV records (6 CinC-2021, PTB
   s0010_re; docs/reports/lead_vae_compact_bundled.json, ``pipeline_mv``) the RMS ratio predicted/true of the
   nine reconstructed leads has median 0.85, per-lead means from 0.67 (aVL) and 0.71 (I) to 1.12 (III): amplitudes
   of unmeasured leads are estimates (typically 15 % low, up to about 2x off on one lead of one record), not
   measurements;
5. overlap-add the windows with triangular weights, resample back to ``sampling_rate``, cut to ``n``;
6. the three measured leads are passed through unchanged (exactly the input samples, not filtered).

The nine reconstructed leads are therefore band-limited to 0.5-40 Hz; the measured ones are not.

Uncertainty (``samples=K``): step 3 encodes each window to its Gaussian posterior and decodes K latents drawn
from it (a ``torch.Generator`` seeded with ``seed``, fresh per record), each decoded window goes through steps
4-5 like the deterministic one, and the K full reconstructions give a mean and a per-lead, per-sample SD. The SD
of the measured leads is 0. On PTB-XL fold 9 the SD ranks records x leads by their error (Spearman rho in
docs/reports/lead_vae_compact_ptbxl.json, ``calibration``).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import torch

from wearsdk.errors import (
    ConfigError,
    NonFiniteInputError,
    SamplingRateError,
    ShapeError,
    SignalSpecError,
    UnknownNameError,
)
from wearsdk.models.card import ModelCard
from wearsdk.signal import PATCH_LEADS, STANDARD_LEADS, bandpass, resample, zscore

__all__ = [
    "reconstruct_12lead",
    "Reconstruction",
    "lead_correlations",
    "OUTPUT_LEADS",
    "INPUT_LEADS",
    "AMPLITUDE_MAP_MV",
    "MIN_SECONDS",
    "MIN_RATE_HZ",
]

#: The reconstructed leads, in order: :data:`wearsdk.signal.STANDARD_LEADS`.
OUTPUT_LEADS: tuple[str, ...] = STANDARD_LEADS
#: The measured leads reconstruction starts from: :data:`wearsdk.signal.PATCH_LEADS`.
INPUT_LEADS: tuple[str, ...] = PATCH_LEADS
MIN_SECONDS = 2.0  # shortest record accepted, in seconds
MIN_RATE_HZ = 50.0  # below this a QRS complex is not representable

# Least-squares map [II, V1, V5] (mV) -> 12 leads (mV), rows in OUTPUT_LEADS order, fitted on band-passed
# (0.5-40 Hz) 100 Hz simulated records: wearsdk.train.sim_data.SimLeads(range(0, 600), 2, seed=0), all samples
# pooled, numpy.linalg.lstsq, rounded to 4 decimals. Used only to give the reconstructed z-shapes an mV scale.
AMPLITUDE_MAP_MV: np.ndarray = np.array(
    [
        [-0.1422, -0.1161, 0.3942],
        [1.0, 0.0, 0.0],
        [1.1422, 0.1161, -0.3942],
        [-0.4289, 0.0581, -0.1971],
        [-0.6422, -0.1161, 0.3942],
        [1.0711, 0.0581, -0.1971],
        [0.0, 1.0, 0.0],
        [0.0075, 1.2479, 0.4500],
        [-0.0115, 0.9764, 0.9570],
        [0.0801, 0.3682, 0.9926],
        [0.0, 0.0, 1.0],
        [0.1315, -0.3350, 0.4625],
    ],
    dtype=np.float64,
)
AMPLITUDE_MAP_MV.setflags(write=False)

_EPS = 1e-6  # floor of a reconstructed lead's SD before it is scaled to mV


class Reconstruction(NamedTuple):
    """What ``reconstruct_12lead(..., samples=K)`` returns: ``mean`` and ``spread`` (the SD over the K posterior
    samples), both float32 ``(12, n)`` or ``(batch, 12, n)`` in the output units (mV for mV input); numpy or
    tensors as the input was. The measured leads have ``mean`` = the input and ``spread`` = 0."""

    mean: Any
    spread: Any


@dataclass(frozen=True)
class _Runner:
    """A model reduced to what reconstruction needs: its card (input contract), ``fn(windows) -> leads`` and,
    for a VAE module, ``sample(windows, k, generator) -> (k, windows, 12, window)`` decoded posterior draws."""

    name: str
    card: ModelCard
    fn: Callable[[torch.Tensor], torch.Tensor]  # (k, 3, window) float32 -> (k, 12, window)
    sample: Callable[[torch.Tensor, int, torch.Generator], torch.Tensor] | None = None


def reconstruct_12lead(
    x: Any,
    *,
    sampling_rate: float,
    leads: Sequence[str] = INPUT_LEADS,
    model: Any = None,
    samples: int | None = None,
    seed: int = 0,
) -> Any:
    """Reconstruct the 12 standard ECG leads from leads II, V1 and V5.

    Args:
        x: ``(3, n)`` or ``(batch, 3, n)`` ECG in mV (numpy array or torch tensor), finite, any ``n`` with
            ``n / sampling_rate >= MIN_SECONDS`` (2 s).
        sampling_rate: rate of ``x`` in Hz (required, ``>= MIN_RATE_HZ`` = 50 Hz). Resampled internally to the
            model's rate (100 Hz) and back.
        leads: names of the rows of ``x``, a permutation of ``("II", "V1", "V5")`` (case-insensitive,
            e.g. ``("v1", "ii", "v5")``).
        model: ``None`` (the bundled, sha256-verified ``lead_vae_compact``), a registered model name (loaded
            with ``pretrained=True``), an ``nn.Module`` with a lead-reconstruction ``.card`` (e.g. from
            ``create_model(..., checkpoint_path=...)``), or the folder of an exported artifact (loaded and
            verified with :func:`wearsdk.runtime.load`).
        samples: ``None`` or 0: the deterministic reconstruction (the posterior mean decoded). ``K >= 2``: K
            posterior samples per window (module models with ``encode`` / ``forward_head``, e.g. the bundled
            VAE; not exported artifacts), returned as a :class:`Reconstruction` ``(mean, spread)``.
        seed: seed of the posterior draws (same seed, same output; each record of a batch is drawn as if alone).

    Returns:
        float32 ``(12, n)`` or ``(batch, 12, n)`` in mV at ``sampling_rate``, leads in the order
        I, II, III, aVR, aVL, aVF, V1-V6 (``OUTPUT_LEADS``); numpy in -> numpy out, tensor in -> CPU tensor out.
        The measured leads are the input samples unchanged; the nine others are band-limited to 0.5-40 Hz,
        shaped by the model and scaled to mV as the module docstring says (step 4). With ``samples=K``: a
        :class:`Reconstruction` of two such arrays, the mean and the per-lead, per-sample SD of the K draws.

    Accuracy of the bundled weights (mean per-lead Pearson r over the 9 reconstructed leads; in brackets the
    least-squares linear map fitted on the same PTB-XL training records): 10 s windows, z-units — PTB-XL
    fold 9 (183 records) 0.861 [0.809], CinC-2021 (6) 0.852 [0.817], PTB s0010_re (3 windows) 0.677 [0.583];
    this whole function on the 7 real mV records 0.819 [0.778], MSE 0.0104 [0.0138] mV^2. Per lead and per
    record: ``create_model("lead_vae_compact").card.metrics`` and docs/reports/lead_vae_compact_bundled.json.

    Raises:
        ShapeError: ``x`` is not ``(3, n)`` / ``(batch, 3, n)``, or shorter than ``MIN_SECONDS``.
        SamplingRateError: ``sampling_rate`` is missing, non-finite, not positive or below ``MIN_RATE_HZ``.
        NonFiniteInputError: ``x`` holds NaN or inf.
        UnknownNameError: a lead name or model name is not known.
        SignalSpecError: ``leads`` is not a permutation of II, V1, V5.
        ConfigError: ``samples`` is not None, 0 or an integer >= 2, or the model cannot be sampled.

    Example:
        >>> import numpy as np, wearsdk
        >>> x = np.zeros((3, 2500), np.float32)  # 5 s of II, V1, V5 at 500 Hz
        >>> wearsdk.reconstruct_12lead(x, sampling_rate=500).shape  # doctest: +SKIP
        (12, 2500)
    """
    is_torch = isinstance(x, torch.Tensor)
    arr = _as_records(x)
    fs = _check_rate(sampling_rate)
    n = arr.shape[-1]
    if n / fs < MIN_SECONDS:
        raise ShapeError(
            f"x holds {n} samples at {fs:g} Hz = {n / fs:.3g} s; expected at least {MIN_SECONDS:g} s "
            f"({math.ceil(MIN_SECONDS * fs)} samples). Pass a longer recording."
        )
    order = _lead_order(leads)
    k = _check_samples(samples)
    runner = _resolve_model(model)
    if k and runner.sample is None:
        raise ConfigError(f"model {runner.name!r} cannot be sampled (samples={k}): expected a VAE module with "
                          "encode() and forward_head(), e.g. the bundled lead_vae_compact; an exported artifact "
                          "runs the posterior mean only. Pass samples=None.")
    records = arr[..., order, :].reshape(-1, 3, n)
    draws = np.stack([_reconstruct_one(r, fs, runner, k, seed) for r in records])  # (records, max(k, 1), 12, n)
    if k:
        parts = [draws.mean(1), draws.std(1, ddof=1)]
    else:
        parts = [draws[:, 0]]
    for row, name in enumerate(INPUT_LEADS):
        parts[0][:, OUTPUT_LEADS.index(name)] = records[:, row]
        if k:
            parts[1][:, OUTPUT_LEADS.index(name)] = 0.0
    outs = [p.reshape(*arr.shape[:-2], 12, n).astype(np.float32) for p in parts]
    outs = [torch.from_numpy(o) for o in outs] if is_torch else outs
    return Reconstruction(*outs) if k else outs[0]


def _check_samples(samples: Any) -> int:
    if samples is None or (isinstance(samples, (int, np.integer)) and not isinstance(samples, bool) and samples == 0):
        return 0
    if isinstance(samples, bool) or not isinstance(samples, (int, np.integer)) or samples < 2:
        raise ConfigError(f"samples must be None or 0 (deterministic) or an integer >= 2 (posterior draws for a "
                          f"spread), got {samples!r}.")
    return int(samples)


def _as_records(x: Any) -> np.ndarray:
    if isinstance(x, torch.Tensor):
        x = x.detach().cpu().numpy()
    arr = np.asarray(x)
    if arr.dtype == object or arr.dtype.kind not in "fiu":
        raise SignalSpecError(f"x must be a numeric array in mV, got dtype {arr.dtype}.")
    if arr.ndim not in (2, 3) or arr.shape[-2] != 3:
        raise ShapeError(
            f"x must be (3, samples) or (batch, 3, samples) holding leads II, V1, V5 in mV, got shape "
            f"{arr.shape}. Stack the three leads along the second-to-last axis."
        )
    if arr.size == 0:
        raise ShapeError(
            f"x is empty (shape {arr.shape}): expected (3, samples) or (batch, 3, samples) with at least one "
            f"record of at least {MIN_SECONDS:g} s of leads II, V1, V5 in mV."
        )
    arr = arr.astype(np.float64)
    finite = np.isfinite(arr)
    if not finite.all():
        first = tuple(int(i) for i in np.argwhere(~finite)[0])
        raise NonFiniteInputError(
            f"x holds {int((~finite).sum())} NaN/inf sample(s) (first at index {first}); expected finite mV. "
            "Interpolate or cut the gaps (wearsdk.signal.quality finds them) before reconstructing."
        )
    return arr


def _check_rate(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise SamplingRateError(f"sampling_rate must be a number in Hz, got {value!r} ({type(value).__name__}).")
    fs = float(value)
    if not math.isfinite(fs) or fs <= 0:
        raise SamplingRateError(f"sampling_rate must be a finite number > 0 Hz, got {value!r}.")
    if fs < MIN_RATE_HZ:
        raise SamplingRateError(
            f"sampling_rate {fs:g} Hz is too low for ECG reconstruction; expected >= {MIN_RATE_HZ:g} Hz "
            "(the model works on the 0.5-40 Hz band). Record at a higher rate."
        )
    return fs


def _lead_order(leads: Sequence[str]) -> list[int]:
    from wearsdk.io.units import normalise_channel

    if isinstance(leads, str):
        leads = [s for s in leads.split(",")]
    names = [normalise_channel(str(name)) for name in leads]
    unknown = [n for n in names if n not in OUTPUT_LEADS]
    if unknown:
        raise UnknownNameError(f"unknown lead name(s) {unknown}; expected names from {list(OUTPUT_LEADS)}.")
    if sorted(names) != sorted(INPUT_LEADS):
        raise SignalSpecError(
            f"leads {list(leads)} cannot be reconstructed from: expected the three leads {list(INPUT_LEADS)} "
            "(in any order), one per row of x."
        )
    return [names.index(n) for n in INPUT_LEADS]


def _resolve_model(model: Any) -> _Runner:
    from torch import nn

    if model is None:
        return _named_runner("lead_vae_compact")
    if isinstance(model, nn.Module):
        return _module_runner(model, getattr(getattr(model, "card", None), "name", type(model).__name__))
    if isinstance(model, (str, Path)):
        from wearsdk.models import is_model, list_models

        if isinstance(model, str) and is_model(model):
            return _named_runner(model)
        path = Path(model)
        if path.is_dir() or path.name == "manifest.json":
            return _artifact_runner(str(path.resolve()))
        if path.exists():
            raise ConfigError(
                f"model {str(model)!r} is a file; expected an exported artifact folder (the folder holding "
                "manifest.json, or that manifest.json itself) or a registered model name. A checkpoint file "
                "loads with wearsdk.models.create_model(..., checkpoint_path=...) and is passed as the module."
            )
        raise UnknownNameError(
            f"model {str(model)!r} is neither a registered model ({list_models('lead_vae*')}) nor an exported "
            "artifact folder (with manifest.json)."
        )
    if hasattr(model, "manifest") and callable(model):
        return _artifact_from(model)
    raise ConfigError(
        f"model must be None, a model name, an nn.Module or an artifact folder, got {type(model).__name__}."
    )


@functools.lru_cache(maxsize=4)
def _named_runner(name: str) -> _Runner:
    from wearsdk.models import create_model

    return _module_runner(create_model(name, pretrained=True).eval(), name)


def _module_runner(module: Any, name: str) -> _Runner:
    card = getattr(module, "card", None)
    if not isinstance(card, ModelCard) or card.task != "lead_reconstruction":
        raise ConfigError(
            f"model {name!r} has no lead-reconstruction ModelCard (.card.task == 'lead_reconstruction'); build it "
            "with wearsdk.models.create_model('lead_vae_compact', ...)."
        )
    _check_leads(name, card)

    def in_eval(call: Callable[[], torch.Tensor]) -> torch.Tensor:
        was_training = module.training
        module.eval()
        try:
            with torch.inference_mode():
                return call()
        finally:
            module.train(was_training)

    def fn(windows: torch.Tensor) -> torch.Tensor:
        return in_eval(lambda: module(windows))

    def sample(windows: torch.Tensor, k: int, generator: torch.Generator) -> torch.Tensor:
        def draw() -> torch.Tensor:
            mu, logvar = module.encode(windows)
            z = mu + (0.5 * logvar).exp() * torch.randn((k, *mu.shape), generator=generator)
            return module.forward_head(z.flatten(0, 1)).unflatten(0, (k, len(windows)))

        return in_eval(draw)

    can_sample = callable(getattr(module, "encode", None)) and callable(getattr(module, "forward_head", None))
    return _Runner(name, card, fn, sample if can_sample else None)


@functools.lru_cache(maxsize=4)
def _artifact_runner(folder: str) -> _Runner:
    from wearsdk.runtime import load

    return _artifact_from(load(folder))


def _artifact_from(artifact: Any) -> _Runner:
    card = artifact.card
    if card is None or card.task != "lead_reconstruction":
        raise ConfigError(f"artifact {artifact.folder} holds a {getattr(card, 'task', None)!r} model; expected a lead "
                          "VAE (a manifest whose model card has task 'lead_reconstruction').")
    _check_leads(card.name, card)
    shape = list(artifact.inputs[0]["shape"])
    window, batch = card.window_samples, int(shape[0])
    if shape[1:] != [3, window]:
        raise ConfigError(
            f"artifact {artifact.folder} takes input {shape}; expected (batch, 3, {window}) windows of "
            "preprocessed leads (export without in-graph preprocessing)."
        )

    def fn(windows: torch.Tensor) -> torch.Tensor:
        outs = []
        for i in range(0, windows.shape[0], batch):
            chunk = windows[i : i + batch]
            k = chunk.shape[0]
            if k < batch:
                chunk = torch.cat([chunk, chunk.new_zeros(batch - k, *chunk.shape[1:])])
            outs.append(artifact(chunk.contiguous())[0][:k])
        return torch.cat(outs)

    return _Runner(card.name, card, fn)


def _check_leads(name: str, card: ModelCard) -> None:
    if card.input_channels != INPUT_LEADS or card.output_channels != OUTPUT_LEADS:
        raise ConfigError(
            f"model {name!r} maps {list(card.input_channels)} -> {list(card.output_channels)}; reconstruct_12lead "
            f"needs {list(INPUT_LEADS)} -> {list(OUTPUT_LEADS)}."
        )


def _reconstruct_one(rec: np.ndarray, fs: float, runner: _Runner, k: int = 0, seed: int = 0) -> np.ndarray:
    """``(3, n)`` mV at ``fs`` -> ``(max(k, 1), 12, n)`` mV at ``fs``: the deterministic reconstruction (``k``
    = 0) or ``k`` posterior draws seeded by ``seed`` (measured rows overwritten by the caller)."""
    card = runner.card
    pre, rate, n, w = card.preprocessing, card.sampling_rate_hz, rec.shape[-1], card.window_samples
    y = pre.filter(rec.astype(np.float32), sampling_rate=fs, target_rate=rate).astype(np.float64)
    m = y.shape[-1]
    if m <= w:
        starts = [0]
    else:
        starts = list(range(0, m - w + 1, w // 2))
        if starts[-1] != m - w:
            starts.append(m - w)
    batch = np.zeros((len(starts), 3, w), np.float32)
    for i, s in enumerate(starts):
        seg = y[:, s : s + w]
        batch[i, :, : seg.shape[-1]] = pre.normalise(seg.astype(np.float32))
    if k and runner.sample is not None:  # reconstruct_12lead refuses k > 0 without a sampler
        preds = runner.sample(torch.from_numpy(batch), k, torch.Generator().manual_seed(int(seed)))
    else:
        preds = runner.fn(torch.from_numpy(batch))[None]
    return np.stack([_assemble(p.detach().cpu().numpy().astype(np.float64), y, starts, n, fs, card)
                     for p in preds])


def _assemble(pred: np.ndarray, y: np.ndarray, starts: list[int], n: int, fs: float, card: ModelCard) -> np.ndarray:
    """Model outputs ``pred (windows, 12, w)`` at the model's rate over the filtered input ``y (3, m)`` -> the
    record ``(12, n)`` in mV at ``fs`` (steps 4-5 of the module docstring)."""
    pre, rate, w, m = card.preprocessing, card.sampling_rate_hz, card.window_samples, y.shape[-1]
    shapes = pre.normalisation != "none"  # a model fed normalised leads predicts shapes: scale them to mV
    num, den = np.zeros((12, m)), np.zeros(m)
    ramp = np.minimum(np.arange(1, w + 1), np.arange(w, 0, -1)).astype(np.float64)
    for i, s in enumerate(starts):
        v = min(w, m - s)
        out = pred[i, :, :v]
        if shapes:
            scale = (AMPLITUDE_MAP_MV @ y[:, s : s + v]).std(-1, keepdims=True)
            out = zscore(out.astype(np.float32), eps=_EPS).astype(np.float64) * scale
        num[:, s : s + v] += out * ramp[:v]
        den[s : s + v] += ramp[:v]
    full = num / den
    back = resample(full.astype(np.float32), sampling_rate=rate, target_rate=fs).astype(np.float64)
    if back.shape[-1] >= n:
        return back[:, :n]
    return np.pad(back, ((0, 0), (0, n - back.shape[-1])), mode="edge")


def lead_correlations(y: np.ndarray, truth: np.ndarray, *, sampling_rate: float) -> dict[str, float]:
    """Pearson r per lead of ``y`` against ``truth`` (both ``(12, n)`` mV at ``sampling_rate`` Hz), after the
    same zero-phase 0.5-40 Hz band-pass of both (:func:`wearsdk.signal.bandpass`, ``zero_phase=True``), so
    baseline wander and noise outside the model's band do not count. Keys in :data:`OUTPUT_LEADS` order."""
    low, high = 0.5, min(40.0, 0.45 * sampling_rate)
    t = bandpass(np.nan_to_num(np.asarray(truth, np.float32)), sampling_rate=sampling_rate, low=low, high=high,
                 order=4, zero_phase=True)
    p = bandpass(np.asarray(y, np.float32), sampling_rate=sampling_rate, low=low, high=high, order=4,
                 zero_phase=True)
    return {k: float(np.corrcoef(p[i], t[i])[0, 1]) for i, k in enumerate(OUTPUT_LEADS)}
