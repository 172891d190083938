"""Making the linear heads (:class:`~wearsdk.models.LinearHeads`): labelled windows, fitting and scoring.

What a head is and how it is read at run time (:data:`~wearsdk.models.HEADS`, ``LinearHeads``, ``load_heads``)
lives in :mod:`wearsdk.models.heads`; this module holds only what training needs on top (the simulator's truth per
window, ridge / logistic fitting, held-out scores), so inference never imports the fitting code.

Labelled windows come from the simulator (:func:`labelled_windows`): each participant contributes windows at
several activities (rest, walk, arm movement, run: motion corrupts the PPG), and each window carries its truth:
mean HR, AF (more than half of its seconds in AF), quality (activity intensity <= 0.2), and the participant's
age, BMI and sex. Heads are fitted per window on training participants (ridge / class-balanced logistic
regression, L2 chosen by 5-fold CV, as the probes of :mod:`wearsdk.train.probes`) and scored on held-out ones.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from wearsdk.errors import ConfigError, ShapeError
from wearsdk.models import HEADS, LinearHeads, ModelCard
from wearsdk.models.heads import QUALITY_MAX_ACTIVITY
from wearsdk.train.probes import auroc, fit_linear

__all__ = ["SIM_HEADS", "labelled_windows", "in_activity", "embed", "fit_heads", "head_scores", "HeadData", "head_data",
           "fit_and_score",
           "HEAD_COHORT_SEED", "HEAD_PREVALENCE"]

#: The heads whose truth the simulator gives per window (the others of HEADS need real labels).
SIM_HEADS = ("hr_bpm", "af_prob", "quality_prob", "age_years", "bmi", "sex_male_prob")
#: The heads' simulated cohort: seed 1 (not the SSL cohort, seed 0), AF prevalence 0.3, no other conditions.
HEAD_COHORT_SEED = 1
HEAD_PREVALENCE: dict[str, float] = {"af": 0.3}


def labelled_windows(
    card: ModelCard,
    participants: range,
    segments: int,
    seed: int,
    prevalence: dict[str, float] | None = None,
    progress: bool = True,
    population: str = "default",
) -> tuple[np.ndarray, dict[str, np.ndarray], list[str]]:
    """Simulated encoder windows with per-window truth.

    Returns ``(x (N, channels, window_samples) float32, {head name: (N,) float64}, participant ids)`` with
    ``N = len(participants) * segments``; the cohort is ``Cohort(participants.stop, seed, prevalence=...,
    population=...)``.
    """
    from tqdm.auto import tqdm

    from wearsdk.sim import Cohort, model_window, window_activity, window_hr_bpm

    if segments < 1 or len(participants) < 1:
        raise ConfigError(f"labelled_windows: expected at least one participant and one segment, got "
                          f"{len(participants)} participants ({participants}) and {segments} segments.")
    cohort = Cohort(participants.stop, seed=seed, prevalence=prevalence, population=population)
    xs, ids = [], []
    labels: dict[str, list[float]] = {name: [] for name in SIM_HEADS}
    fs, n = card.sampling_rate_hz, card.window_samples
    for pid in tqdm(participants, desc=f"simulating labelled {card.modality} windows", disable=not progress):
        participant = cohort[pid]
        traits = participant.traits
        for s in range(segments):
            x, truth = model_window(participant, card, segment=s, activity=window_activity(card, s))
            last = slice(-int(round(n / fs)), None)  # the whole seconds inside the window
            xs.append(x)
            ids.append(f"sim{pid}")
            labels["hr_bpm"].append(window_hr_bpm(truth, card))
            labels["af_prob"].append(float(np.mean(truth.rhythm_per_s[last] == "AF") > 0.5))
            labels["quality_prob"].append(float(np.mean(truth.activity_per_s[last]) <= QUALITY_MAX_ACTIVITY))
            labels["age_years"].append(float(traits.age))
            labels["bmi"].append(float(traits.bmi))
            labels["sex_male_prob"].append(float(traits.sex == "M"))
    return np.stack(xs), {k: np.asarray(v) for k, v in labels.items()}, ids


@torch.no_grad()
def embed(encoder: nn.Module | Any, x: np.ndarray, batch: int = 64) -> np.ndarray:
    """``(N, D)`` float64 embeddings of ``x (N, channels, samples)`` by an eager encoder or any callable that
    maps a ``(b, channels, samples)`` tensor to ``(b, D)`` (an exported program, a quantized model)."""
    if len(x) == 0:
        raise ShapeError("embed: expected at least one window (N, channels, samples), got none; simulate or read "
                         "some windows first.")
    if isinstance(encoder, nn.Module):
        encoder.eval()
    out = [np.asarray(encoder(torch.from_numpy(x[i : i + batch])), np.float64) for i in range(0, len(x), batch)]
    return np.concatenate(out)


def fit_heads(
    embeddings: np.ndarray,
    labels: dict[str, np.ndarray],
    names: Sequence[str] = SIM_HEADS,
    groups: Sequence[str] | None = None,
) -> LinearHeads:
    """Fit one linear head per name on ``embeddings (N, D)`` (training participants' windows), each on the rows
    whose label is not NaN (windows without that label); ``groups`` (``N`` participant ids) keeps each
    participant in one cross-validation fold."""
    if len(embeddings) == 0:
        raise ShapeError("fit_heads: expected embeddings (N, D) of at least one window, got none.")
    weights, biases = [], []
    g = None if groups is None else np.asarray(groups)
    for name in names:
        y = np.asarray(labels[name], np.float64)
        known = np.isfinite(y)
        if not known.any():
            raise ConfigError(f"fit_heads: no window carries a label for head {name!r}; expected labels for it in "
                              "some of the training windows (NaN marks windows without one).")
        w, b = fit_linear(embeddings[known], y[known], classify=HEADS[name].is_probability,
                          groups=None if g is None else g[known])
        weights.append(w)
        biases.append(b)
    return LinearHeads(tuple(names), torch.tensor(np.stack(weights)), torch.tensor(np.asarray(biases)))


def head_scores(heads: LinearHeads, embeddings: np.ndarray, labels: dict[str, np.ndarray],
                rest_only: np.ndarray | None = None) -> dict[str, float]:
    """Held-out scores of the heads with a label in ``labels``: ``<head>_mae`` and ``<head>_r2`` for regression
    heads, ``<head>_auroc`` for probabilities;
    with ``rest_only`` (a boolean mask) also ``hr_bpm_mae_rest``."""
    pred = heads.predict(embeddings.astype(np.float32))
    out: dict[str, float] = {}
    for name in heads.names:
        if name not in labels:  # a head whose truth these windows do not carry (e.g. real-label rhythm heads)
            continue
        y, p = labels[name], pred[name].astype(np.float64)
        if HEADS[name].is_probability:
            out[f"{name}_auroc"] = auroc(y, p)
        else:
            out[f"{name}_mae"] = float(np.mean(np.abs(p - y)))
            out[f"{name}_r2"] = float(1 - np.sum((p - y) ** 2) / np.sum((y - y.mean()) ** 2))
    if rest_only is not None and "hr_bpm" in heads.names:
        out["hr_bpm_mae_rest"] = float(np.mean(np.abs(pred["hr_bpm"][rest_only] - labels["hr_bpm"][rest_only])))
    return out


def in_activity(windows: int, activity: str) -> np.ndarray:
    """``(windows,)`` bool: the windows recorded during ``activity`` when each participant contributes one window
    per activity of :data:`~wearsdk.sim.ACTIVITY_CYCLE`, in that order (:func:`labelled_windows`, :class:`HeadData`)."""
    from wearsdk.sim import ACTIVITY_CYCLE

    return np.arange(windows) % len(ACTIVITY_CYCLE) == ACTIVITY_CYCLE.index(activity)


@dataclass(frozen=True)
class HeadData:
    """Labelled windows of the heads' cohort: training participants' windows (``x_train (N, C, W)``, labels,
    participant ``groups``) and held-out participants' (``x_test``, ``y_test``); each participant contributes one
    window per activity of :data:`~wearsdk.sim.ACTIVITY_CYCLE`, in that order."""

    x_train: np.ndarray
    y_train: dict[str, np.ndarray]
    groups: list[str]
    x_test: np.ndarray
    y_test: dict[str, np.ndarray]

    @property
    def rest(self) -> np.ndarray:
        """``(len(x_test),)`` bool: the held-out windows at rest."""
        return in_activity(len(self.x_test), "rest")


def head_data(card: ModelCard, train_participants: int = 160, test_participants: int = 64, *,
              seed: int = HEAD_COHORT_SEED, prevalence: dict[str, float] | None = None,
              progress: bool = True, population: str = "default") -> HeadData:
    """Participants ``0 .. train_participants - 1`` for fitting and the next ``test_participants`` for scoring, of
    ``Cohort(seed, prevalence, population)`` (default :data:`HEAD_PREVALENCE`), one window per activity each
    (:func:`labelled_windows`)."""
    from wearsdk.sim import ACTIVITY_CYCLE

    n_tr, n_te, prev = train_participants, test_participants, HEAD_PREVALENCE if prevalence is None else prevalence
    x_tr, y_tr, ids = labelled_windows(card, range(n_tr), len(ACTIVITY_CYCLE), seed, prev, progress, population)
    x_te, y_te, _ = labelled_windows(card, range(n_tr, n_tr + n_te), len(ACTIVITY_CYCLE), seed, prev, progress,
                                     population)
    return HeadData(x_tr, y_tr, ids, x_te, y_te)


def fit_and_score(data: HeadData, encoder: nn.Module | Callable[[torch.Tensor], torch.Tensor],
                  *readers: Callable[[torch.Tensor], torch.Tensor]) -> tuple[LinearHeads, dict[str, float]]:
    """Heads fitted on the training windows' embeddings by ``encoder`` and by every extra reader of the same
    encoder (e.g. its int8 program, so the heads read both), stacked; scored (:func:`head_scores`, with
    ``hr_bpm_mae_rest``) on ``encoder``'s embeddings of the held-out windows."""
    e_tr = np.concatenate([embed(r, data.x_train) for r in (encoder, *readers)])
    k = 1 + len(readers)
    heads = fit_heads(e_tr, {n: np.concatenate([v] * k) for n, v in data.y_train.items()}, groups=data.groups * k)
    return heads, head_scores(heads, embed(encoder, data.x_test), data.y_test, data.rest)
