"""Momentum (EMA) target network: ``theta_target <- m theta_target + (1 - m) theta_online``.

Used as the target encoder + projector of the self-supervised recipe (Abbaspourazad et al., ICLR 2024,
momentum 0.99; as in MoCo, He et al. 2020, and BYOL, Grill et al. 2020).
"""

from __future__ import annotations

import copy

import torch
from torch import nn

__all__ = ["make_target", "ema_update"]


def make_target(online: nn.Module) -> nn.Module:
    """A frozen deep copy of ``online`` (no gradients), to be updated with :func:`ema_update`."""
    target = copy.deepcopy(online)
    for p in target.parameters():
        p.requires_grad_(False)
    return target


@torch.no_grad()
def ema_update(target: nn.Module, online: nn.Module, momentum: float) -> None:
    """In place: every parameter ``t <- momentum * t + (1 - momentum) * o``; buffers (BatchNorm running
    statistics, counters) are copied from ``online``."""
    for t, o in zip(target.parameters(), online.parameters(), strict=True):
        t.mul_(momentum).add_(o.detach(), alpha=1.0 - momentum)
    for t, o in zip(target.buffers(), online.buffers(), strict=True):
        t.copy_(o)
