"""The self-supervised encoder recipe of Abbaspourazad et al., "Large-scale Training of Foundation Models for
Wearable Biosignals", ICLR 2024.

A batch holds ``n`` positive pairs: two different windows of the same participant, each independently
augmented (:mod:`wearsdk.train.augment`). The online network (encoder + 128-d projection MLP) embeds both
views; a momentum (EMA) copy embeds them too. The loss is the symmetric InfoNCE between online projections
and the other view's target projections (temperature 0.04) plus 0.1 x KoLeo on the online projections::

    L = 1/2 [NCE(q_a, k_b) + NCE(q_b, k_a)] + w_koleo * 1/2 [KoLeo(q_a) + KoLeo(q_b)]

Under DDP the projections of all ranks are gathered first (with gradients for the online ones), so the
negatives and the KoLeo neighbours span the global batch, as in one process.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn

from wearsdk.models import ProjectionHead, create_model
from wearsdk.train.augment import Augmenter
from wearsdk.train.config import TrainConfig
from wearsdk.train.data import SSLPairs, WindowDataset, participant_groups, ssl_plan
from wearsdk.train.distributed import gather_nograd, gather_with_grad
from wearsdk.train.ema import ema_update, make_target
from wearsdk.train.losses import info_nce, koleo
from wearsdk.train.metrics import participant_retrieval

__all__ = ["SSLModule", "SSLTask", "ssl_networks", "ssl_terms", "MAX_EVAL_WINDOWS"]

#: Validation windows used by :meth:`SSLTask.evaluate` (the first ones of the held-out set).
MAX_EVAL_WINDOWS = 2048


class SSLModule(nn.Module):
    """Encoder + projection head: ``(batch, channels, samples) -> (batch, proj_dim)`` projections."""

    def __init__(self, encoder: nn.Module, projector: nn.Module) -> None:
        super().__init__()
        self.encoder = encoder
        self.projector = projector

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.projector(self.encoder(x))


def ssl_networks(config: TrainConfig) -> tuple[nn.Module, nn.Module]:
    """The online encoder (``config.model`` with its overrides) and its projection MLP."""
    encoder = create_model(config.model, **config.model_overrides)
    return encoder, ProjectionHead(encoder.num_features, config.ssl.proj_hidden_dim, config.ssl.proj_dim)


def ssl_terms(q: torch.Tensor, k: torch.Tensor, config: TrainConfig) -> tuple[torch.Tensor, torch.Tensor]:
    """``(InfoNCE, KoLeo)`` of online projections ``q (2n, d)`` and target projections ``k (2n, d)`` of views
    ``[a; b]``: symmetric InfoNCE across views (gathered over DDP ranks) and the mean KoLeo of both views."""
    n = q.shape[0] // 2
    q_a, q_b = gather_with_grad(q[:n]), gather_with_grad(q[n:])
    k_a, k_b = gather_nograd(k[:n]), gather_nograd(k[n:])
    tau = config.ssl.temperature
    return 0.5 * (info_nce(q_a, k_b, tau) + info_nce(q_b, k_a, tau)), 0.5 * (koleo(q_a) + koleo(q_b))


class SSLTask:
    """Builds the online/target networks and the pair data of an ``*_ssl`` config; computes the loss."""

    def __init__(self, config: TrainConfig, train: WindowDataset, val: WindowDataset | None) -> None:
        self.config = config
        encoder, projector = ssl_networks(config)
        self.card = encoder.card
        self.module = self._networks(encoder, projector)
        self.target: nn.Module | None = None  # built by prepare() after the module is on its device
        self.key_dataset = self._pairs(train)
        self.plan = self._plan(train)
        self.val = val
        self._val_cache: tuple[list[torch.Tensor], np.ndarray] | None = None

    def _networks(self, encoder: nn.Module, projector: nn.Module) -> nn.Module:
        """The online module the trainer optimises (a subclass may add outputs)."""
        return SSLModule(encoder, projector)

    def _pairs(self, train: WindowDataset) -> Any:
        """Key dataset: plan key -> the two augmented views of a positive pair."""
        return SSLPairs(train, Augmenter(self.config.augment))

    def _plan(self, train: WindowDataset) -> Any:
        """Step -> global batch of pair keys (participant-level positive pairs)."""
        return ssl_plan(participant_groups(train.participant_ids()), self.config.global_batch, self.config.seed)

    def prepare(self, module: nn.Module) -> None:
        """Called by the trainer once ``module`` is on its device (and its norms converted for DDP)."""
        self.target = make_target(module)

    def loss(self, model: nn.Module, batch: Any, step: int) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        view_a, view_b = batch
        q = model(torch.cat([view_a, view_b])).float()
        with torch.no_grad():
            k = self.target(torch.cat([view_a, view_b])).float()
        nce, reg = ssl_terms(q, k, self.config)
        loss = nce + self.config.ssl.koleo_weight * reg
        return loss, {"info_nce": nce.detach(), "koleo": reg.detach()}

    def after_step(self, module: nn.Module, step: int) -> None:
        ema_update(self.target, module, self.config.ssl.ema_momentum)

    def core(self, module: nn.Module) -> nn.Module:
        """The model whose weights are the run's product (saved as ``model.pt``)."""
        return module.encoder

    def model_state(self, module: nn.Module) -> dict[str, torch.Tensor]:
        return module.encoder.state_dict()

    def extra_state(self, module: nn.Module) -> dict[str, Any]:
        return {"projector": module.projector.state_dict(), "target": self.target.state_dict()}

    def load_state(self, module: nn.Module, model: dict[str, Any], extra: dict[str, Any]) -> None:
        module.encoder.load_state_dict(model)
        module.projector.load_state_dict(extra["projector"])
        self.target.load_state_dict(extra["target"])

    @torch.no_grad()
    def evaluate(self, module: nn.Module, device: torch.device) -> dict[str, float]:
        """Participant retrieval on held-out participants: the fraction of windows whose nearest neighbour
        (cosine, among the other held-out windows) belongs to the same participant (chance ~ 1/participants),
        and the mean per-dimension SD of the normalised embeddings (collapse check)."""
        if self.val is None:
            return {}
        if self._val_cache is None:  # read / simulate the held-out windows once (at most MAX_EVAL_WINDOWS)
            n = min(len(self.val), MAX_EVAL_WINDOWS)
            self._val_cache = ([self.val[i][0] for i in range(n)], np.asarray(self.val.participant_ids()[:n]))
        xs, ids = self._val_cache
        was = module.training
        module.eval()
        emb = torch.cat(
            [module.encoder(torch.stack(xs[i : i + 64]).to(device)).float().cpu() for i in range(0, len(xs), 64)]
        )
        module.train(was)
        return {
            "participant_retrieval_at_1": participant_retrieval(emb, ids),
            "embedding_std": float(torch.nn.functional.normalize(emb, dim=1).std(0).mean()),
        }
