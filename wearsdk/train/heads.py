"""Fitting and scoring the linear heads (:class:`~wearsdk.models.LinearHeads`) on frozen embeddings.

Labelled windows come from the simulator (:func:`labelled_windows`): each participant contributes windows at
several activities (rest, walk, arm movement, run: motion corrupts the PPG), and each window carries its truth:
mean HR, AF (more than half of its seconds in AF), quality (activity intensity <= 0.2), and the participant's
age, BMI and sex. Heads are fitted per window on training participants (ridge / class-balanced logistic
regression, L2 chosen by 5-fold CV, as the probes of :mod:`wearsdk.train.probes`) and scored on held-out ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from torch import nn

from wearsdk.errors import ConfigError
from wearsdk.models import HEADS, LinearHeads, ModelCard
from wearsdk.train.probes import auroc, fit_linear

__all__ = ["labelled_windows", "embed", "fit_heads", "head_scores"]

_QUALITY_MAX_ACTIVITY = 0.2


def labelled_windows(
    card: ModelCard,
    participants: range,
    segments: int,
    seed: int,
    prevalence: dict[str, float] | None = None,
    progress: bool = True,
) -> tuple[np.ndarray, dict[str, np.ndarray], list[str]]:
    """Simulated encoder windows with per-window truth.

    Returns ``(x (N, channels, window_samples) float32, {head name: (N,) float64}, participant ids)`` with
    ``N = len(participants) * segments``; the cohort is ``Cohort(participants.stop, seed, prevalence=...)``.
    """
    from tqdm.auto import tqdm

    from wearsdk.sim import Cohort, model_window, window_activity

    if segments < 1 or len(participants) < 1:
        raise ConfigError("labelled_windows: need at least one participant and one segment.")
    cohort = Cohort(participants.stop, seed=seed, prevalence=prevalence)
    xs, ids = [], []
    labels: dict[str, list[float]] = {name: [] for name in HEADS}
    fs, n = card.sampling_rate_hz, card.window_samples
    for pid in tqdm(participants, desc=f"simulating labelled {card.modality} windows", disable=not progress):
        participant = cohort[pid]
        traits = participant.traits
        for s in range(segments):
            x, truth = model_window(participant, card, segment=s, activity=window_activity(card, s))
            last = slice(-int(round(n / fs)), None)  # the whole seconds inside the window
            xs.append(x)
            ids.append(f"sim{pid}")
            labels["hr_bpm"].append(float(np.mean(truth.hr_per_s[last])))
            labels["af_prob"].append(float(np.mean(truth.rhythm_per_s[last] == "AF") > 0.5))
            labels["quality_prob"].append(float(np.mean(truth.activity_per_s[last]) <= _QUALITY_MAX_ACTIVITY))
            labels["age_years"].append(float(traits.age))
            labels["bmi"].append(float(traits.bmi))
            labels["sex_male_prob"].append(float(traits.sex == "M"))
    return np.stack(xs), {k: np.asarray(v) for k, v in labels.items()}, ids


@torch.no_grad()
def embed(encoder: nn.Module | Any, x: np.ndarray, batch: int = 64) -> np.ndarray:
    """``(N, D)`` float64 embeddings of ``x (N, channels, samples)`` by an eager encoder or any callable that
    maps a ``(b, channels, samples)`` tensor to ``(b, D)`` (an exported program, a quantized model)."""
    if isinstance(encoder, nn.Module):
        encoder.eval()
    out = [np.asarray(encoder(torch.from_numpy(x[i : i + batch])), np.float64) for i in range(0, len(x), batch)]
    return np.concatenate(out)


def fit_heads(
    embeddings: np.ndarray,
    labels: dict[str, np.ndarray],
    names: Sequence[str] = tuple(HEADS),
    groups: Sequence[str] | None = None,
) -> LinearHeads:
    """Fit one linear head per name on ``embeddings (N, D)`` (training participants' windows); ``groups``
    (``N`` participant ids) keeps each participant in one cross-validation fold."""
    weights, biases = [], []
    g = None if groups is None else np.asarray(groups)
    for name in names:
        w, b = fit_linear(embeddings, labels[name], classify=HEADS[name].kind == "probability", groups=g)
        weights.append(w)
        biases.append(b)
    return LinearHeads(tuple(names), torch.tensor(np.stack(weights)), torch.tensor(np.asarray(biases)))


def head_scores(heads: LinearHeads, embeddings: np.ndarray, labels: dict[str, np.ndarray],
                rest_only: np.ndarray | None = None) -> dict[str, float]:
    """Held-out scores: ``<head>_mae`` and ``<head>_r2`` for regression heads, ``<head>_auroc`` for probabilities;
    with ``rest_only`` (a boolean mask) also ``hr_bpm_mae_rest``."""
    pred = heads.predict(embeddings.astype(np.float32))
    out: dict[str, float] = {}
    for name in heads.names:
        y, p = labels[name], pred[name].astype(np.float64)
        if HEADS[name].kind == "probability":
            out[f"{name}_auroc"] = auroc(y, p)
        else:
            out[f"{name}_mae"] = float(np.mean(np.abs(p - y)))
            out[f"{name}_r2"] = float(1 - np.sum((p - y) ** 2) / np.sum((y - y.mean()) ** 2))
    if rest_only is not None and "hr_bpm" in heads.names:
        out["hr_bpm_mae_rest"] = float(np.mean(np.abs(pred["hr_bpm"][rest_only] - labels["hr_bpm"][rest_only])))
    return out
