"""Training: the self-supervised encoder recipe, the lead VAE, and the trainer that runs them.

>>> from wearsdk.train import get_config, train
>>> config = get_config("lead_vae", "tiny", {"steps": 10})
>>> result = train(config, "runs/vae_tiny")        # doctest: +SKIP

Same from the shell: ``wearsdk train --config lead_vae --preset tiny --out runs/vae_tiny``; several processes:
``torchrun --nproc_per_node 2 -m wearsdk train ...``.
"""

from __future__ import annotations

from wearsdk.train.augment import Augmenter
from wearsdk.train.config import PRESETS, RECIPES, TrainConfig, apply_overrides, config_from_dict, get_config
from wearsdk.train.data import (
    LeadDataset,
    PTBXLLeads,
    SyntheticLeads,
    SyntheticWindows,
    WFDBLeads,
    WindowDataset,
)
from wearsdk.train.ema import ema_update, make_target
from wearsdk.train.evaluate import encoder_probe_report, evaluate_run, lead_vae_report
from wearsdk.train.losses import gaussian_kl, info_nce, koleo, pearson_r, zscore_mse
from wearsdk.train.metrics import (
    LinearLeadMap,
    ecg_frechet_distance,
    frechet_distance,
    reconstruction_metrics,
)
from wearsdk.train.sections import (
    AugmentConfig,
    DataConfig,
    DistillConfig,
    OptimConfig,
    SSLConfig,
    VAEConfig,
)
from wearsdk.train.trainer import TrainResult, build_datasets, lr_at, train

__all__ = [
    "RECIPES",
    "PRESETS",
    "TrainConfig",
    "OptimConfig",
    "SSLConfig",
    "VAEConfig",
    "DistillConfig",
    "AugmentConfig",
    "DataConfig",
    "get_config",
    "apply_overrides",
    "config_from_dict",
    "train",
    "TrainResult",
    "build_datasets",
    "lr_at",
    "Augmenter",
    "WindowDataset",
    "LeadDataset",
    "SyntheticWindows",
    "SyntheticLeads",
    "PTBXLLeads",
    "WFDBLeads",
    "info_nce",
    "koleo",
    "gaussian_kl",
    "zscore_mse",
    "pearson_r",
    "ema_update",
    "make_target",
    "reconstruction_metrics",
    "LinearLeadMap",
    "frechet_distance",
    "ecg_frechet_distance",
    "evaluate_run",
    "lead_vae_report",
    "encoder_probe_report",
]
