"""Training of the 3 -> 12 lead VAE (WearECG recipe): reconstruction + annealed small KL.

Loss per batch (``x_in (batch, 3, T)``, ``x_12 (batch, 12, T)``, posterior ``N(mu, sigma^2)`` over
``(latent_chs, T / 2^(levels-1))``)::

    L = recon(decoder(mu + sigma * eps), x_12) + beta(step) * KL(N(mu, sigma^2) || N(0, 1))

``recon`` is the MSE (``vae.recon = "mse"``, data in mV) or the per-lead scale-invariant
``zscore_mse`` (= 2 (1 - r) per lead; for per-lead z-scored records whose amplitudes carry no information);
the measured leads can be weighted (``vae.input_leads_weight``). ``beta`` ramps linearly from 0 to
``vae.kl_weight`` (~1e-4) over ``vae.kl_warmup_steps``; KL is averaged per latent element.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

import wearsdk.signal as ws
from wearsdk.models import create_model
from wearsdk.train.config import TrainConfig
from wearsdk.train.data import LeadDataset, VAEItems, epoch_plan
from wearsdk.train.losses import gaussian_kl, zscore_mse
from wearsdk.train.metrics import reconstruction_metrics

__all__ = ["VAETrainModule", "VAETask"]


class VAETrainModule(nn.Module):
    """Training view of a :class:`~wearsdk.models.LeadVAE`: ``(x_in, eps) -> (recon, mu, logvar)``."""

    def __init__(self, vae: nn.Module) -> None:
        super().__init__()
        self.vae = vae

    def forward(self, x_in: torch.Tensor, eps: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        mu, logvar = self.vae.encode(x_in)
        z = mu + torch.exp(0.5 * logvar) * eps
        return self.vae.decoder(z), mu, logvar


class VAETask:
    """Builds the VAE and its data plan from a ``lead_vae`` config; computes the loss and the metrics."""

    def __init__(self, config: TrainConfig, train: LeadDataset, val: LeadDataset | None) -> None:
        self.config = config
        vae = create_model(config.model, **config.model_overrides)
        self.card = vae.card
        self.module = VAETrainModule(vae)
        c = vae.config
        self.key_dataset = VAEItems(train, (c.latent_chs, c.latent_samples))
        self.plan = epoch_plan(len(train), config.global_batch, config.seed)
        self.val = val
        self._val_cache: tuple[torch.Tensor, torch.Tensor] | None = None
        weights = torch.ones(len(c.out_leads))
        for i, name in enumerate(c.out_leads):
            if name in c.in_leads:
                weights[i] = config.vae.input_leads_weight
        self.lead_weights = weights / weights.mean()

    def prepare(self, module: nn.Module) -> None:
        self.lead_weights = self.lead_weights.to(next(module.parameters()).device)

    def kl_weight(self, step: int) -> float:
        v = self.config.vae
        if v.kl_warmup_steps == 0:
            return v.kl_weight
        return v.kl_weight * min(1.0, step / v.kl_warmup_steps)

    def recon_error(self, pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """Per-lead error ``(batch, leads)`` of the configured reconstruction loss."""
        if self.config.vae.recon == "zscore_mse":
            return zscore_mse(pred, target)
        return (pred - target).square().mean(-1)

    def loss(self, model: nn.Module, batch: Any, step: int) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        x_in, x_12, eps = batch
        recon, mu, logvar = model(x_in, eps)
        rec = (self.recon_error(recon.float(), x_12) * self.lead_weights).mean()
        kl = gaussian_kl(mu.float(), logvar.float())
        beta = self.kl_weight(step)
        return rec + beta * kl, {"recon": rec.detach(), "kl": kl.detach(), "kl_weight": torch.tensor(beta)}

    def after_step(self, module: nn.Module, step: int) -> None:
        return None

    def core(self, module: nn.Module) -> nn.Module:
        """The model whose weights are the run's product (saved as ``model.pt``)."""
        return module.vae

    def model_state(self, module: nn.Module) -> dict[str, torch.Tensor]:
        return module.vae.state_dict()

    def extra_state(self, module: nn.Module) -> dict[str, Any]:
        return {}

    def load_state(self, module: nn.Module, model: dict[str, Any], extra: dict[str, Any]) -> None:
        module.vae.load_state_dict(model)

    @staticmethod
    @torch.no_grad()
    def predict(vae: nn.Module, x_in: torch.Tensor, device: torch.device, batch: int = 64) -> torch.Tensor:
        """Deterministic reconstruction (posterior mean) by ``vae`` of ``x_in (records, 3, T)`` ->
        ``(records, 12, T)`` (evaluated in eval mode; the mode is restored)."""
        was = vae.training
        vae.eval()
        out = torch.cat([vae(x_in[i : i + batch].to(device)).float().cpu() for i in range(0, len(x_in), batch)])
        vae.train(was)
        return out

    def evaluate(self, module: nn.Module, device: torch.device) -> dict[str, Any]:
        """MSE, MAE and per-lead Pearson r on the validation set (outputs z-scored per lead first when the
        loss is ``zscore_mse``)."""
        if self.val is None:
            return {}
        if self._val_cache is None:  # read / simulate the validation records once
            items = [self.val[i] for i in range(len(self.val))]
            self._val_cache = (torch.stack([it[0] for it in items]), torch.stack([it[1] for it in items]))
        x_in, x_12 = self._val_cache
        c = module.vae.config
        pred = self.predict(module.vae, x_in, device)
        if self.config.vae.recon == "zscore_mse":  # trained for shape, not scale: compare z-scored outputs
            pred = ws.zscore(pred, eps=1e-6)
        m = reconstruction_metrics(pred, x_12, c.out_leads, c.in_leads)
        return {
            "mse": m["mse"],
            "mae": m["mae"],
            "mean_r_reconstructed": m["mean_r_reconstructed"],
            **{f"r_{k}": v for k, v in m["pearson_r"].items()},
        }
