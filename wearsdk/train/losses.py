"""Losses of the self-supervised encoder recipe and of the lead VAE.

* :func:`info_nce`: InfoNCE / NT-Xent between online and target projections (van den Oord et al. 2018;
  temperature 0.04 in Abbaspourazad et al., ICLR 2024).
* :func:`koleo`: Kozachenko-Leonenko differential-entropy regulariser (Sablayrolles et al., "Spreading vectors
  for similarity search", ICLR 2019; weight 0.1 in Abbaspourazad et al.).
* :func:`gaussian_kl`: KL(N(mu, exp(logvar)) || N(0, 1)) of the VAE posterior (Kingma & Welling, ICLR 2014).
* :func:`zscore_mse`: per-lead scale-invariant reconstruction error for z-scored records.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from wearsdk.errors import ShapeError

__all__ = ["info_nce", "koleo", "gaussian_kl", "zscore_mse", "pearson_r"]


def info_nce(query: torch.Tensor, key: torch.Tensor, temperature: float) -> torch.Tensor:
    """InfoNCE with in-batch negatives.

    Args:
        query: ``(n, d)`` online projections (L2-normalised here).
        key: ``(n, d)`` target projections; ``key[i]`` is the positive of ``query[i]``, the other rows its
            negatives (normalised here; gradients flow into ``key`` unless it is detached by the caller).
        temperature: softmax temperature (> 0).

    Returns:
        Scalar ``mean_i -log softmax(q_i . k / temperature)[i]``.
    """
    if query.ndim != 2 or query.shape != key.shape:
        raise ShapeError(
            f"info_nce: expected query and key of the same shape (n, d), got {tuple(query.shape)} and "
            f"{tuple(key.shape)}."
        )
    q = F.normalize(query, dim=1)
    k = F.normalize(key, dim=1)
    logits = q @ k.t() / temperature
    return F.cross_entropy(logits, torch.arange(q.shape[0], device=q.device))


def koleo(x: torch.Tensor, eps: float = 1e-8) -> torch.Tensor:
    """KoLeo regulariser: ``-mean_i log(min_{j != i} ||x_i - x_j||_2 + eps)`` on L2-normalised rows.

    Args:
        x: ``(n, d)`` projections, ``n >= 2`` (normalised here).

    Returns:
        Scalar; minimising it spreads the projections apart uniformly.
    """
    if x.ndim != 2 or x.shape[0] < 2:
        raise ShapeError(f"koleo: expected (n >= 2, d) rows, got {tuple(x.shape)}.")
    x = F.normalize(x, dim=1)
    with torch.no_grad():
        dots = x @ x.t()
        dots.fill_diagonal_(-2.0)  # never pick i itself
        nn_idx = dots.argmax(dim=1)  # nearest neighbour on the sphere = largest dot product
    dist = (x - x[nn_idx]).norm(dim=1)
    return -torch.log(dist + eps).mean()


def gaussian_kl(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """Mean over all elements of ``KL(N(mu, exp(logvar)) || N(0, 1)) = 0.5 (mu^2 + e^logvar - 1 - logvar)``."""
    return 0.5 * (mu.square() + logvar.exp() - 1.0 - logvar).mean()


def _zscore(x: torch.Tensor, eps: float = 1e-6) -> torch.Tensor:
    mean = x.mean(dim=-1, keepdim=True)
    std = (x - mean).square().mean(dim=-1, keepdim=True).add(eps).sqrt()
    return (x - mean) / std


def zscore_mse(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Per-lead scale-invariant MSE: each lead of ``pred`` and ``target`` ``(batch, leads, samples)`` is z-scored
    over time first; equals ``2 (1 - r)`` per lead with ``r`` the Pearson correlation. Returns ``(batch, leads)``."""
    return (_zscore(pred) - _zscore(target)).square().mean(dim=-1)


def pearson_r(pred: torch.Tensor, target: torch.Tensor, eps: float = 1e-8) -> torch.Tensor:
    """Pearson r per lead over time: ``(batch, leads, samples)`` x2 -> ``(batch, leads)``."""
    p = pred - pred.mean(dim=-1, keepdim=True)
    t = target - target.mean(dim=-1, keepdim=True)
    return (p * t).sum(-1) / (p.square().sum(-1).sqrt() * t.square().sum(-1).sqrt() + eps)
