"""Reconstruction metrics of the lead VAE and the baselines it must beat.

* :func:`reconstruction_metrics`: MSE, MAE and per-lead Pearson r (averaged over records), with the mean over
  the reconstructed leads (the 9 leads that are not inputs);
* :class:`LinearLeadMap`: the least-squares linear map from the input leads (plus an intercept) to each of the
  12 leads, fitted on the training records (the bar of DESIGN.md section 7);
* :func:`frechet_distance` / :func:`ecg_frechet_distance`: an FID-style distance (Heusel et al., NeurIPS 2017)
  between Gaussian fits of real and reconstructed ECGs in the embedding space of a fixed ECG encoder.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

import wearsdk.signal as ws
from wearsdk.errors import ConfigError, ShapeError
from wearsdk.train.losses import pearson_r

__all__ = [
    "participant_retrieval",
    "reconstruction_metrics",
    "LinearLeadMap",
    "frechet_distance",
    "ecg_frechet_distance",
    "fixed_ecg_encoder",
]


def reconstruction_metrics(
    pred: torch.Tensor, target: torch.Tensor, leads: Sequence[str], input_leads: Sequence[str]
) -> dict[str, object]:
    """Metrics of ``pred`` vs ``target``, both ``(records, 12, samples)`` in the same units.

    Returns a dict with ``mse``, ``mae`` (over all leads and the reconstructed ones: ``mse_reconstructed``,
    ``mae_reconstructed``), ``pearson_r`` (lead name -> mean r over records), and ``mean_r_reconstructed``
    (mean of the per-lead r over the leads not in ``input_leads``).
    """
    if pred.shape != target.shape or pred.ndim != 3 or pred.shape[1] != len(leads):
        raise ShapeError(
            f"expected pred and target (records, {len(leads)}, samples), got {tuple(pred.shape)} and "
            f"{tuple(target.shape)}."
        )
    pred, target = pred.double(), target.double()
    rec = [i for i, n in enumerate(leads) if n not in input_leads]
    r = pearson_r(pred, target).mean(0)
    err = pred - target
    return {
        "records": int(pred.shape[0]),
        "mse": float(err.square().mean()),
        "mae": float(err.abs().mean()),
        "mse_reconstructed": float(err[:, rec].square().mean()),
        "mae_reconstructed": float(err[:, rec].abs().mean()),
        "pearson_r": {n: float(r[i]) for i, n in enumerate(leads)},
        "mean_r_reconstructed": float(r[rec].mean()),
    }


class LinearLeadMap:
    """Least-squares ``leads_12 ~= W @ [leads_in; 1]``, pooled over every sample of every training record."""

    def __init__(self) -> None:
        self.weights: np.ndarray | None = None

    def fit(self, x_in: torch.Tensor | np.ndarray, x_12: torch.Tensor | np.ndarray) -> LinearLeadMap:
        """``x_in (records, 3, samples)``, ``x_12 (records, 12, samples)``."""
        a = np.asarray(x_in, np.float64).transpose(0, 2, 1).reshape(-1, x_in.shape[1])
        b = np.asarray(x_12, np.float64).transpose(0, 2, 1).reshape(-1, x_12.shape[1])
        a = np.concatenate([a, np.ones((a.shape[0], 1))], axis=1)
        self.weights = np.linalg.lstsq(a, b, rcond=None)[0].T  # (12, 4)
        return self

    def predict(self, x_in: torch.Tensor | np.ndarray) -> torch.Tensor:
        """``(records, 3, samples) -> (records, 12, samples)`` float32."""
        if self.weights is None:
            raise ConfigError("LinearLeadMap.predict: the map has no weights yet; expected fit(x_in, x_12) on "
                              "training records first.")
        x = np.asarray(x_in, np.float64)
        y = np.einsum("oc,rcs->ros", self.weights[:, :-1], x) + self.weights[:, -1][None, :, None]
        return torch.from_numpy(y.astype(np.float32))


def frechet_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Fréchet distance between Gaussian fits of feature sets ``a (n, d)`` and ``b (m, d)``:
    ``|mu_a - mu_b|^2 + tr(S_a + S_b - 2 (S_a S_b)^{1/2})``."""
    from scipy import linalg

    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    mu_a, mu_b = a.mean(0), b.mean(0)
    s_a, s_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    covmean = linalg.sqrtm(s_a @ s_b)
    if np.iscomplexobj(covmean):
        covmean = covmean.real
    return float(np.sum((mu_a - mu_b) ** 2) + np.trace(s_a + s_b - 2 * covmean))


@torch.no_grad()
def fixed_ecg_encoder(calibration: torch.Tensor, seed: int = 0) -> nn.Module:
    """The default fixed feature space of :func:`ecg_frechet_distance`: an ``ecg_encoder_compact`` with
    ``calibration.shape[1]`` inputs, randomly initialised from ``seed``, its BatchNorm statistics set by one
    pass over the (real) ``calibration`` records ``(records, leads, samples)``, then frozen in eval mode.
    A random fixed CNN is a weaker feature space than a trained encoder; pass a trained one when it exists."""
    from wearsdk.models import create_model

    torch.manual_seed(seed)
    in_chans = calibration.shape[1]
    names = tuple(f"ch{i}" for i in range(in_chans))
    model = create_model("ecg_encoder_compact", in_chans=in_chans, channel_names=names)
    for m in model.modules():
        if isinstance(m, nn.BatchNorm1d):
            m.momentum = None  # cumulative average over the calibration pass
    model.train()
    model(ws.zscore(calibration.float(), eps=1e-6))
    model.eval()
    for p in model.parameters():
        p.requires_grad_(False)
    return model


@torch.no_grad()
def ecg_frechet_distance(
    pred: torch.Tensor, target: torch.Tensor, encoder: nn.Module | None = None, batch: int = 64
) -> float:
    """FID-style distance between reconstructed and real ECGs ``(records, 12, samples)`` in the embedding
    space of ``encoder`` (default :func:`fixed_ecg_encoder` calibrated on ``target``); each lead is z-scored
    first."""
    encoder = encoder if encoder is not None else fixed_ecg_encoder(target)

    def embed(x: torch.Tensor) -> np.ndarray:
        x = ws.zscore(x.float(), eps=1e-6)
        return torch.cat([encoder(x[i : i + batch]) for i in range(0, len(x), batch)]).numpy()

    return frechet_distance(embed(target), embed(pred))


def participant_retrieval(embeddings: torch.Tensor, ids: np.ndarray) -> float:
    """Fraction of windows whose nearest neighbour (cosine, among the other windows) belongs to the same
    participant. ``embeddings (n, d)``, ``ids (n,)``; chance is about ``1 / participants``."""
    emb = torch.nn.functional.normalize(embeddings.float(), dim=1)
    sim = emb @ emb.t()
    sim.fill_diagonal_(-2)
    return float((ids[sim.argmax(1).numpy()] == ids).mean())
