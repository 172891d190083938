"""Linear probes on frozen embeddings, with a participant-level split (Abbaspourazad et al., ICLR 2024, sec. 5).

Embeddings of a participant's windows are averaged into one vector per participant; a ridge regression
(continuous traits: R^2, MAE) or a logistic regression (binary traits/conditions: AUROC), both written here
with numpy/torch, is fitted on the training participants and scored on held-out participants.
:func:`handcrafted_features` is the baseline the
encoders must beat: heart rate and heart-rate variability from peaks, plus amplitude and spectral statistics.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from torch import nn

from wearsdk.errors import ConfigError

__all__ = ["participant_embeddings", "handcrafted_features", "probe_scores", "fit_linear", "auroc", "macro_f1"]


def _group_mean(ids: Sequence[str], rows: np.ndarray) -> tuple[list[str], np.ndarray]:
    order = sorted(set(ids))
    pos = {p: i for i, p in enumerate(order)}
    sums = np.zeros((len(order), rows.shape[1]))
    counts = np.zeros(len(order))
    for pid, row in zip(ids, rows, strict=True):
        sums[pos[pid]] += row
        counts[pos[pid]] += 1
    return order, sums / counts[:, None]


@torch.no_grad()
def participant_embeddings(
    encoder: nn.Module, dataset: Any, device: torch.device | str = "cpu", batch: int = 64
) -> tuple[list[str], np.ndarray]:
    """Mean embedding per participant of a :class:`~wearsdk.train.data.WindowDataset`: ``(ids, (P, D))``."""
    encoder.eval()
    ids = list(dataset.participant_ids())
    out = []
    for i in range(0, len(dataset), batch):
        x = torch.stack([dataset[j][0] for j in range(i, min(len(dataset), i + batch))]).to(device)
        out.append(encoder(x).float().cpu().numpy())
    return _group_mean(ids, np.concatenate(out))


def _window_features(x: np.ndarray, fs: float) -> np.ndarray:
    from scipy.signal import find_peaks, welch
    from scipy.stats import kurtosis, skew

    ref = x[0] - x[0].mean()
    peaks, _ = find_peaks(ref, distance=max(1, int(0.33 * fs)), prominence=0.5 * ref.std())
    rr = np.diff(peaks) / fs
    rr = rr[(rr > 0.25) & (rr < 2.0)]
    if rr.size >= 2:
        hr, sdnn, rmssd = 60.0 / rr.mean(), rr.std(), np.sqrt(np.mean(np.diff(rr) ** 2))
    else:
        hr, sdnn, rmssd = 0.0, 0.0, 0.0
    f, pxx = welch(x, fs=fs, nperseg=min(x.shape[-1], int(8 * fs)))
    total = pxx.sum(-1) + 1e-12
    bands = [(0.5, 1.0), (1.0, 2.0), (2.0, 4.0), (4.0, 8.0), (8.0, 16.0), (16.0, 40.0)]
    band_frac = [pxx[:, (f >= lo) & (f < hi)].sum(-1) / total for lo, hi in bands]
    stats = [
        skew(x, axis=-1),
        kurtosis(x, axis=-1),
        np.percentile(x, 5, axis=-1),
        np.percentile(x, 95, axis=-1),
        np.abs(np.diff(x, axis=-1)).mean(-1),
    ]
    return np.concatenate([[hr, sdnn, rmssd, rr.size], *band_frac, *stats])


def handcrafted_features(dataset: Any, sampling_rate_hz: float) -> tuple[list[str], np.ndarray]:
    """Hand-crafted baseline per participant: HR, SDNN, RMSSD and beat count from peaks of channel 0, spectral
    band fractions and amplitude statistics (skewness, kurtosis, 5/95th percentiles, mean |diff|) per channel,
    averaged over the participant's windows. Returns ``(ids, (P, F))``."""
    ids = list(dataset.participant_ids())
    rows = np.stack(
        [_window_features(dataset[i][0].numpy().astype(np.float64), sampling_rate_hz) for i in range(len(dataset))]
    )
    return _group_mean(ids, np.nan_to_num(rows))


def _ridge_fit(x: np.ndarray, y: np.ndarray, alpha: float) -> np.ndarray:
    xb = np.concatenate([x, np.ones((len(x), 1))], axis=1)
    reg = alpha * np.eye(xb.shape[1])
    reg[-1, -1] = 0.0  # no penalty on the intercept
    return np.linalg.solve(xb.T @ xb + reg, xb.T @ y)


def _logistic_fit(x: np.ndarray, y: np.ndarray, alpha: float) -> np.ndarray:
    """L2-regularised logistic regression (class-balanced), fitted with L-BFGS; returns weights + intercept."""
    xt = torch.from_numpy(np.concatenate([x, np.ones((len(x), 1))], axis=1))
    yt = torch.from_numpy(y.astype(np.float64))
    pos = max(1.0, float(yt.sum()))
    neg = max(1.0, float(len(yt) - yt.sum()))
    weight = torch.where(yt > 0.5, len(yt) / (2 * pos), len(yt) / (2 * neg))
    w = torch.zeros(xt.shape[1], dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([w], max_iter=200, line_search_fn="strong_wolfe")

    def closure() -> torch.Tensor:
        opt.zero_grad()
        logits = xt @ w
        loss = (weight * torch.nn.functional.binary_cross_entropy_with_logits(logits, yt, reduction="none")).mean()
        loss = loss + 0.5 * alpha * w[:-1].square().sum() / len(yt)
        loss.backward()
        return loss

    opt.step(closure)
    return w.detach().numpy()


def _predict(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    return x @ w[:-1] + w[-1]


def macro_f1(y: np.ndarray, pred: np.ndarray, n_classes: int) -> float:
    """Mean over classes ``0..n_classes-1`` of the F1 of class indices ``pred`` against ``y`` (a class neither
    predicted nor present scores 0)."""
    f1 = []
    for k in range(n_classes):
        tp = np.sum((pred == k) & (y == k))
        denom = np.sum(pred == k) + np.sum(y == k)
        f1.append(2 * tp / denom if denom else 0.0)
    return float(np.mean(f1))


def auroc(y: np.ndarray, score: np.ndarray) -> float:
    """Area under the ROC curve (Mann-Whitney U with tie correction)."""
    from scipy.stats import rankdata

    y = np.asarray(y) > 0.5
    n_pos, n_neg = int(y.sum()), int((~y).sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    ranks = rankdata(score)
    return float((ranks[y].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def _cv_alpha(x: np.ndarray, y: np.ndarray, classify: bool, alphas: np.ndarray, folds: int = 5,
              groups: np.ndarray | None = None) -> float:
    if groups is None:
        parts = np.array_split(np.random.default_rng(0).permutation(len(y)), folds)
    else:  # every row of a group in one fold
        names, index = np.unique(groups, return_inverse=True)
        fold_of_name = np.random.default_rng(0).permutation(len(names)) % folds
        parts = [np.flatnonzero(fold_of_name[index] == k) for k in range(folds)]
    best, best_score = float(alphas[0]), -np.inf
    for alpha in alphas:
        scores = []
        for k in range(folds):
            te = parts[k]
            tr = np.concatenate([parts[j] for j in range(folds) if j != k])
            if classify:
                if len(np.unique(y[tr])) < 2 or len(np.unique(y[te])) < 2:
                    continue
                scores.append(auroc(y[te], _predict(x[te], _logistic_fit(x[tr], y[tr], alpha))))
            else:
                pred = _predict(x[te], _ridge_fit(x[tr], y[tr], alpha))
                scores.append(-np.mean((pred - y[te]) ** 2))
        if scores and np.mean(scores) > best_score:
            best, best_score = float(alpha), float(np.mean(scores))
    return best


def fit_linear(x: np.ndarray, y: np.ndarray, classify: bool,
               groups: np.ndarray | None = None) -> tuple[np.ndarray, float]:
    """One linear read-out ``y ~ x @ w + b`` on ``x (N, D)``: class-balanced L2 logistic regression (``classify``;
    ``b`` and ``x @ w`` are then logits) or ridge, the L2 strength chosen by 5-fold CV on standardised
    features (folds of whole ``groups`` when given, e.g. participant ids: no participant on both sides); the
    standardisation is folded into ``(w (D,), b)``, which apply to raw ``x``."""
    x = np.asarray(x, np.float64)
    y = np.asarray(y, np.float64)
    mu, sd = x.mean(0), x.std(0) + 1e-8
    xs = (x - mu) / sd
    if classify:
        if len(np.unique(y)) < 2:
            raise ConfigError("fit_linear: a classification target needs both classes in the training data; add "
                              "participants (or raise the prevalence of the rare class).")
        wb = _logistic_fit(xs, y, _cv_alpha(xs, y, True, np.logspace(-2, 3, 6), groups=groups))
    else:
        wb = _ridge_fit(xs, y, _cv_alpha(xs, y, False, np.logspace(-2, 4, 13), groups=groups))
    w = wb[:-1] / sd
    return w, float(wb[-1] - mu @ w)


def probe_scores(
    train_x: np.ndarray, train_y: dict[str, np.ndarray], test_x: np.ndarray, test_y: dict[str, np.ndarray]
) -> dict[str, dict[str, float]]:
    """Fit one linear probe per target on ``train_x (P, D)`` and score it on ``test_x``.

    Targets whose training values are all 0/1 are classification (class-balanced L2 logistic regression;
    AUROC); the others regression (ridge; R^2 and MAE); see :func:`fit_linear`.
    """
    x_te = np.asarray(test_x, np.float64)
    scores: dict[str, dict[str, float]] = {}
    for name, y in train_y.items():
        y = np.asarray(y, np.float64)
        yt = np.asarray(test_y[name], np.float64)
        if set(np.unique(y)) <= {0.0, 1.0}:
            if len(np.unique(y)) < 2:
                scores[name] = {"auroc": float("nan"), "positives_test": int(yt.sum())}
                continue
            w, b = fit_linear(train_x, y, classify=True)
            scores[name] = {
                "auroc": auroc(yt, x_te @ w + b),
                "positives_test": int(yt.sum()),
                "positives_train": int(y.sum()),
            }
        else:
            w, b = fit_linear(train_x, y, classify=False)
            pred = x_te @ w + b
            ss_res, ss_tot = np.sum((yt - pred) ** 2), np.sum((yt - yt.mean()) ** 2)
            scores[name] = {"r2": float(1 - ss_res / ss_tot), "mae": float(np.mean(np.abs(yt - pred)))}
    return scores
