"""Distillation of compact students from trained teachers (recipes ``ppg_distill``, ``ecg_distill``,
``lead_vae_distill``), run by the same trainer (DDP, checkpoints, resume) as the teachers.

* Encoders (:class:`EncoderDistillTask`): student and frozen teacher see the same augmented window; the loss
  (:func:`embedding_distill_loss`) is cosine + norm-relative MSE on the 256-d embeddings + a relational term
  (Park et al., "Relational Knowledge Distillation", CVPR 2019; here as the KL between in-batch similarity
  distributions, as in Fang et al., "SEED", ICLR 2021), so the student keeps the teacher's neighbourhoods.
  Under DDP the embeddings of all ranks are gathered first, so the relational term spans the global batch.
* Lead VAE (:class:`VAEDistillTask`): the student matches the teacher's reconstruction and the true 12 leads,
  with the VAE's own annealed KL (output distillation; Hinton et al., 2015).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from wearsdk.errors import CheckpointError, ConfigError
from wearsdk.models import ModelCard, create_model, is_model
from wearsdk.models._registry import read_checkpoint
from wearsdk.train.augment import Augmenter
from wearsdk.train.config import TrainConfig
from wearsdk.train.data import AugmentedWindows, WindowDataset, epoch_plan
from wearsdk.train.distributed import gather_nograd, gather_with_grad
from wearsdk.train.losses import gaussian_kl
from wearsdk.train.metrics import participant_retrieval, reconstruction_metrics
from wearsdk.train.sections import DistillConfig
from wearsdk.train.ssl import MAX_EVAL_WINDOWS
from wearsdk.train.vae import VAETask

__all__ = [
    "load_teacher",
    "check_pair",
    "embedding_distill_loss",
    "relational_kl",
    "standardized_error",
    "EncoderDistillTask",
    "VAEDistillTask",
]

# Card fields a student must share with its teacher: the input spec, and the embedding or the output leads.
_SHARED_FIELDS = {
    "embedding": ("task", "sampling_rate_hz", "window_samples", "input_channels", "preprocessing", "embedding_dim"),
    "lead_reconstruction": ("task", "sampling_rate_hz", "window_samples", "input_channels", "output_channels"),
}


def load_teacher(path: str | Path) -> nn.Module:
    """The frozen teacher (eval mode, no gradients) from a ``wearsdk train`` run's ``model.pt`` or checkpoint.

    The file's stored config names the model and its overrides; raises :class:`CheckpointError` for a file that
    is missing, unreadable or holds no such config."""
    blob = read_checkpoint(path)
    config = blob.get("config") if isinstance(blob, dict) else None
    if not isinstance(config, dict) or not is_model(str(config.get("model"))):
        raise CheckpointError(
            f"teacher {str(path)!r} does not say which model it holds (no trainer config inside); expected the "
            "model.pt or a checkpoint written by 'wearsdk train'."
        )
    teacher = create_model(config["model"], checkpoint_path=path, **config.get("model_overrides", {}))
    teacher.eval().requires_grad_(False)
    return teacher


def check_pair(teacher: ModelCard, student: ModelCard) -> None:
    """Raise :class:`ConfigError` unless ``student`` takes the same input and produces the same embedding /
    leads as ``teacher`` (checked before any data is read)."""
    fields = _SHARED_FIELDS.get(student.task, ("task",))
    diffs = [f"{k}: teacher {getattr(teacher, k)!r} vs student {getattr(student, k)!r}" for k in fields
             if getattr(teacher, k) != getattr(student, k)]
    if diffs:
        raise ConfigError(
            f"student {student.name!r} cannot be distilled from teacher {teacher.name!r}: "
            + "; ".join(diffs)
            + ". Build the student with the teacher's input spec (model_overrides.*) or pick a matching teacher."
        )


def relational_kl(student: torch.Tensor, teacher: torch.Tensor, temperature: float) -> torch.Tensor:
    """KL(P_teacher || P_student) of the in-batch neighbour distributions ``softmax(cos(e_i, e_j) / T)`` over
    ``j != i``; ``student``, ``teacher``: ``(n, d)`` with ``n >= 2``. Scalar, mean over rows."""
    s, t = F.normalize(student, dim=1), F.normalize(teacher, dim=1)
    mask = torch.eye(len(s), dtype=torch.bool, device=s.device)
    log_p_s = F.log_softmax((s @ s.t() / temperature).masked_fill(mask, -torch.inf), dim=1)
    log_p_t = F.log_softmax((t @ t.t() / temperature).masked_fill(mask, -torch.inf), dim=1)
    p_t = log_p_t.exp()
    return (p_t * (log_p_t - log_p_s)).masked_fill(mask, 0.0).sum(1).mean()


def embedding_distill_loss(
    student: torch.Tensor, teacher: torch.Tensor, config: DistillConfig
) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """The encoder distillation loss of :class:`~wearsdk.train.sections.DistillConfig` on ``(n, d)`` embeddings;
    returns ``(loss, {"cosine", "mse", "relational", "standardized", "lognorm"})``."""
    cosine = (1.0 - F.cosine_similarity(student, teacher, dim=1)).mean()
    mse = (student - teacher).square().sum(1).mean() / teacher.square().sum(1).mean().clamp_min(1e-12)
    relational = relational_kl(student, teacher, config.relational_temperature)
    standardized = standardized_error(student, teacher)
    log_ratio = student.norm(dim=1).clamp_min(1e-12).log() - teacher.norm(dim=1).clamp_min(1e-12).log()
    lognorm = (log_ratio - log_ratio.mean()).square().mean()
    loss = (
        config.cosine_weight * cosine
        + config.mse_weight * mse
        + config.relational_weight * relational
        + config.standardized_weight * standardized
        + config.lognorm_weight * lognorm
    )
    parts = {"cosine": cosine, "mse": mse, "relational": relational, "standardized": standardized, "lognorm": lognorm}
    return loss, {k: v.detach() for k, v in parts.items()}


def standardized_error(student: torch.Tensor, teacher: torch.Tensor) -> torch.Tensor:
    """``mean_d(((u_s - u_t)_d / sd_d(u_t))^2)`` of the unit-normalised ``(n, d)`` embeddings ``u``, with
    ``sd_d`` the teacher's SD of dimension ``d`` over the batch (``n >= 2``): every dimension weighs alike."""
    s, t = F.normalize(student, dim=1), F.normalize(teacher, dim=1)
    sd = t.std(0).clamp_min(1e-6)
    return ((s - t) / sd).square().mean()


class EncoderDistillTask:
    """Student encoder trained on the frozen teacher's embeddings of the same augmented windows."""

    def __init__(self, config: TrainConfig, teacher: nn.Module, train: WindowDataset, val: WindowDataset | None):
        self.config = config
        self.module = create_model(config.model, **config.model_overrides)
        self.card = self.module.card
        self.teacher = teacher
        self.key_dataset = AugmentedWindows(train, Augmenter(config.augment))
        self.plan = epoch_plan(len(train), config.global_batch, config.seed)
        self.val = val
        self._val_cache: tuple[list[torch.Tensor], np.ndarray, torch.Tensor] | None = None

    def prepare(self, module: nn.Module) -> None:
        self.teacher.to(next(module.parameters()).device)

    def loss(self, model: nn.Module, batch: Any, step: int) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        (x,) = batch
        student = model(x).float()
        with torch.no_grad():
            teacher = self.teacher(x).float()
        return embedding_distill_loss(gather_with_grad(student), gather_nograd(teacher), self.config.distill)

    def after_step(self, module: nn.Module, step: int) -> None:
        return None

    def core(self, module: nn.Module) -> nn.Module:
        """The model whose weights are the run's product (saved as ``model.pt``)."""
        return module

    def model_state(self, module: nn.Module) -> dict[str, torch.Tensor]:
        return module.state_dict()

    def extra_state(self, module: nn.Module) -> dict[str, Any]:
        return {}

    def load_state(self, module: nn.Module, model: dict[str, Any], extra: dict[str, Any]) -> None:
        module.load_state_dict(model)

    @torch.no_grad()
    def _embed(self, encoder: nn.Module, xs: list[torch.Tensor], device: torch.device) -> torch.Tensor:
        return torch.cat([encoder(torch.stack(xs[i : i + 64]).to(device)).float().cpu() for i in range(0, len(xs), 64)])

    @torch.no_grad()
    def evaluate(self, module: nn.Module, device: torch.device) -> dict[str, float]:
        """On held-out windows (clean, at most ``MAX_EVAL_WINDOWS``): mean cosine between student and teacher
        embeddings, and participant retrieval@1 of both (see :func:`participant_retrieval`)."""
        if self.val is None:
            return {}
        if self._val_cache is None:
            n = min(len(self.val), MAX_EVAL_WINDOWS)
            xs = [self.val[i][0] for i in range(n)]
            ids = np.asarray(self.val.participant_ids()[:n])
            self._val_cache = (xs, ids, self._embed(self.teacher, xs, device))
        xs, ids, emb_t = self._val_cache
        was = module.training
        module.eval()
        emb_s = self._embed(module, xs, device)
        module.train(was)
        return {
            "cosine_to_teacher": float(F.cosine_similarity(emb_s, emb_t, dim=1).mean()),
            "participant_retrieval_at_1": participant_retrieval(emb_s, ids),
            "teacher_participant_retrieval_at_1": participant_retrieval(emb_t, ids),
            "param_ratio": self.card.num_params / sum(p.numel() for p in self.teacher.parameters()),
        }


class VAEDistillTask(VAETask):
    """Compact lead VAE trained on the frozen teacher VAE's reconstructions and the true 12 leads."""

    def __init__(self, config: TrainConfig, teacher: nn.Module, train: Any, val: Any | None) -> None:
        super().__init__(config, train, val)
        self.teacher = teacher

    def prepare(self, module: nn.Module) -> None:
        super().prepare(module)
        self.teacher.to(next(module.parameters()).device)

    def loss(self, model: nn.Module, batch: Any, step: int) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        x_in, x_12, eps = batch
        recon, mu, logvar = model(x_in, eps)
        recon = recon.float()
        with torch.no_grad():
            target = self.teacher(x_in).float()  # posterior mean: the teacher's deterministic reconstruction
        d = self.config.distill
        to_teacher = (self.recon_error(recon, target) * self.lead_weights).mean()
        to_truth = (self.recon_error(recon, x_12) * self.lead_weights).mean()
        kl = gaussian_kl(mu.float(), logvar.float())
        beta = self.kl_weight(step)
        loss = d.teacher_weight * to_teacher + d.truth_weight * to_truth + beta * kl
        return loss, {"to_teacher": to_teacher.detach(), "to_truth": to_truth.detach(), "kl": kl.detach()}

    def evaluate(self, module: nn.Module, device: torch.device) -> dict[str, Any]:
        """The VAE metrics of the student, plus the teacher's mean per-lead r on the same records."""
        out = super().evaluate(module, device)
        if out:
            x_in, x_12 = self._val_cache
            pred = self.predict(self.teacher, x_in, device)
            c = self.teacher.config
            out["teacher_mean_r_reconstructed"] = reconstruction_metrics(pred, x_12, c.out_leads, c.in_leads)[
                "mean_r_reconstructed"
            ]
            out["param_ratio"] = self.card.num_params / sum(p.numel() for p in self.teacher.parameters())
        return out

