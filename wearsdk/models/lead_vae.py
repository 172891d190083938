"""WearECG-style convolutional VAE: leads II, V1, V5 -> all 12 leads.

The encoder maps the 3 measured leads ``(batch, 3, 1000)`` (10 s at 100 Hz) to a sequence of Gaussian
latents ``(batch, latent_chs, 1000 / 2**(levels-1))``; the decoder maps a latent sequence to the 12 standard
leads ``(batch, 12, 1000)`` in the order I, II, III, aVR, aVL, aVF, V1-V6. Both halves are stacks of residual
GroupNorm/SiLU blocks with strided-conv down-sampling / nearest up-sampling, and a self-attention block at the
bottleneck. Trained with reconstruction (MSE) + a small, annealed KL weight (~1e-4), see
:mod:`wearsdk.train.vae`.

Units: inputs and outputs share the units of the training data: mV for simulated / raw ECG, SD units
("z") for per-lead z-scored records such as the PTB-XL subset. ``forward`` is deterministic (it decodes the
posterior mean), which is what export and inference use.

References:
    WearECG: generating 12-lead ECG from wearable (reduced-lead) recordings with a conditional VAE-style
    generator (the "WearECG" line of work referenced by DESIGN.md section 2).
    Kingma & Welling, "Auto-Encoding Variational Bayes", ICLR 2014.
    Rombach et al., "High-Resolution Image Synthesis with Latent Diffusion Models", CVPR 2022 (the residual
    GroupNorm/SiLU + bottleneck-attention autoencoder layout, here in 1-D).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from wearsdk.errors import ConfigError, ShapeError
from wearsdk.models._config import replace_checked, to_plain_dict
from wearsdk.models._registry import register_model
from wearsdk.models.blocks import (
    Downsample1d,
    ResBlock1d,
    SelfAttention1d,
    Upsample1d,
    group_norm,
    static_padding,
)
from wearsdk.models.card import ModelCard, Preprocessing
from wearsdk.models.encoder import count_params
from wearsdk.signal import PATCH_LEADS, STANDARD_LEADS, SignalSpec

__all__ = ["LeadVAEConfig", "LeadVAE", "STANDARD_LEADS", "INPUT_LEADS"]

#: The VAE's measured input leads (a chest patch's).
INPUT_LEADS: tuple[str, ...] = PATCH_LEADS


@dataclass(frozen=True)
class LeadVAEConfig:
    """Architecture of a :class:`LeadVAE`.

    Attributes:
        in_leads: names of the measured input leads (default II, V1, V5).
        out_leads: names of the reconstructed output leads (default the 12 standard leads).
        sampling_rate_hz: sampling rate in Hz (100).
        window_samples: window in samples (1000 = 10 s); must be divisible by ``2 ** (len(ch_mult) - 1)``.
        base_chs: channels of the first level.
        ch_mult: channel multiplier per level; a down-sampling (x1/2) sits between consecutive levels.
        blocks_per_level: residual blocks per level in the encoder (the decoder has one more per level).
        kernel_size: odd kernel of the residual blocks' convs.
        latent_chs: latent channels per latent time step.
        attn_heads: heads of the bottleneck self-attention (must divide ``base_chs * ch_mult[-1]``).
        dropout: dropout inside the residual blocks.
    """

    in_leads: tuple[str, ...] = INPUT_LEADS
    out_leads: tuple[str, ...] = STANDARD_LEADS
    sampling_rate_hz: float = 100.0
    window_samples: int = 1000
    base_chs: int = 64
    ch_mult: tuple[int, ...] = (1, 2, 2, 4)
    blocks_per_level: int = 2
    kernel_size: int = 5
    latent_chs: int = 16
    attn_heads: int = 4
    dropout: float = 0.0

    def __post_init__(self) -> None:
        for key in ("window_samples", "base_chs", "blocks_per_level", "latent_chs", "attn_heads"):
            value = getattr(self, key)
            if not isinstance(value, int) or value <= 0:
                raise ConfigError(f"LeadVAEConfig.{key}: expected a positive integer, got {value!r}.")
        if not self.in_leads or not self.out_leads:
            raise ConfigError("LeadVAEConfig.in_leads / out_leads: expected non-empty tuples of lead names.")
        if self.sampling_rate_hz <= 0:
            raise ConfigError(f"LeadVAEConfig.sampling_rate_hz: expected > 0 Hz, got {self.sampling_rate_hz!r}.")
        if not self.ch_mult or any(m <= 0 for m in self.ch_mult):
            raise ConfigError(f"LeadVAEConfig.ch_mult: expected positive multipliers, got {self.ch_mult!r}.")
        factor = 2 ** (len(self.ch_mult) - 1)
        if self.window_samples % factor:
            raise ConfigError(
                f"LeadVAEConfig.window_samples: {self.window_samples} is not divisible by {factor} "
                f"(= 2 ** (len(ch_mult) - 1)); pick a window or fewer levels so up-sampling restores the length."
            )
        static_padding(self.kernel_size)
        top = self.base_chs * self.ch_mult[-1]
        if top % self.attn_heads:
            raise ConfigError(
                f"LeadVAEConfig.attn_heads: {self.attn_heads} does not divide the bottleneck width {top}."
            )
        if not 0 <= self.dropout < 1:
            raise ConfigError(f"LeadVAEConfig.dropout: expected 0 <= dropout < 1, got {self.dropout!r}.")

    @property
    def latent_samples(self) -> int:
        """Latent time steps per window."""
        return self.window_samples // 2 ** (len(self.ch_mult) - 1)


class _Encoder(nn.Module):
    def __init__(self, c: LeadVAEConfig) -> None:
        super().__init__()
        k = c.kernel_size
        chs = [c.base_chs * m for m in c.ch_mult]
        self.conv_in = nn.Conv1d(len(c.in_leads), chs[0], k, padding=static_padding(k))
        layers: list[nn.Module] = []
        prev = chs[0]
        for i, ch in enumerate(chs):
            for _ in range(c.blocks_per_level):
                layers.append(ResBlock1d(prev, ch, k, c.dropout))
                prev = ch
            if i < len(chs) - 1:
                layers.append(Downsample1d(ch))
        self.down = nn.Sequential(*layers)
        self.mid = nn.Sequential(
            ResBlock1d(prev, prev, k, c.dropout),
            SelfAttention1d(prev, c.attn_heads),
            ResBlock1d(prev, prev, k),
        )
        self.out = nn.Sequential(group_norm(prev), nn.SiLU(), nn.Conv1d(prev, 2 * c.latent_chs, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(self.mid(self.down(self.conv_in(x))))


class _Decoder(nn.Module):
    def __init__(self, c: LeadVAEConfig) -> None:
        super().__init__()
        k = c.kernel_size
        chs = [c.base_chs * m for m in c.ch_mult]
        top = chs[-1]
        self.conv_in = nn.Conv1d(c.latent_chs, top, k, padding=static_padding(k))
        self.mid = nn.Sequential(
            ResBlock1d(top, top, k, c.dropout), SelfAttention1d(top, c.attn_heads), ResBlock1d(top, top, k)
        )
        layers: list[nn.Module] = []
        prev = top
        for i in reversed(range(len(chs))):
            for _ in range(c.blocks_per_level + 1):
                layers.append(ResBlock1d(prev, chs[i], k, c.dropout))
                prev = chs[i]
            if i > 0:
                layers.append(Upsample1d(prev))
        self.up = nn.Sequential(*layers)
        self.out = nn.Sequential(
            group_norm(prev), nn.SiLU(), nn.Conv1d(prev, len(c.out_leads), k, padding=static_padding(k))
        )

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.out(self.up(self.mid(self.conv_in(z))))


class LeadVAE(nn.Module):
    """Convolutional VAE from reduced-lead to 12-lead ECG.

    ``forward(x)``: ``(batch, len(in_leads), window_samples)`` -> ``(batch, len(out_leads), window_samples)``,
    decoding the posterior mean (deterministic).
    ``forward_features(x)``: -> posterior mean ``(batch, latent_chs, latent_samples)``.
    ``forward_head(z)``: latent ``(batch, latent_chs, latent_samples)`` -> leads (the decoder).
    ``encode(x)``: -> ``(mu, logvar)``, each ``(batch, latent_chs, latent_samples)`` (training).
    """

    def __init__(self, config: LeadVAEConfig, card: ModelCard | None = None) -> None:
        super().__init__()
        self.config = config
        self.num_features = config.latent_chs
        self.encoder = _Encoder(config)
        self.decoder = _Decoder(config)
        self.card = card

    def _check(self, x: torch.Tensor) -> None:
        c = self.config
        if x.ndim != 3 or x.shape[1] != len(c.in_leads) or x.shape[-1] % 2 ** (len(c.ch_mult) - 1):
            raise ShapeError(
                f"expected input (batch, {len(c.in_leads)}, samples) with leads {c.in_leads} and samples a "
                f"multiple of {2 ** (len(c.ch_mult) - 1)} (trained on {c.window_samples} at "
                f"{c.sampling_rate_hz:g} Hz), got shape {tuple(x.shape)}."
            )

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Posterior ``(mu, logvar)``, each ``(batch, latent_chs, latent_samples)``; logvar clamped to [-30, 20]."""
        self._check(x)
        mu, logvar = self.encoder(x).chunk(2, dim=1)
        return mu, logvar.clamp(-30.0, 20.0)

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        """Posterior mean ``(batch, latent_chs, latent_samples)``."""
        return self.encode(x)[0]

    def forward_head(self, z: torch.Tensor) -> torch.Tensor:
        """Decode a latent ``(batch, latent_chs, latent_samples)`` to ``(batch, len(out_leads), samples)``."""
        return self.decoder(z)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.forward_head(self.forward_features(x))

    def example_inputs(self, batch: int = 1) -> tuple[torch.Tensor]:
        """``((batch, len(in_leads), window_samples),)`` for export."""
        return (torch.randn(batch, len(self.config.in_leads), self.config.window_samples),)


_DEFAULTS: dict[str, dict[str, Any]] = {
    "lead_vae_full": dict(base_chs=64, ch_mult=(1, 2, 2, 4), blocks_per_level=2, kernel_size=5, latent_chs=16),
    "lead_vae_compact": dict(base_chs=32, ch_mult=(1, 2, 2, 2), blocks_per_level=1, kernel_size=5, latent_chs=16),
}


def _create_lead_vae(variant: str, **overrides: Any) -> LeadVAE:
    config = replace_checked(LeadVAEConfig(**_DEFAULTS[variant]), overrides)
    model = LeadVAE(config)
    model.card = ModelCard(
        name=variant,
        version="0.1.0",
        task="lead_reconstruction",
        signal=SignalSpec(modality="ecg", sampling_rate_hz=config.sampling_rate_hz, channels=config.in_leads,
                          units="mV (simulated/raw) or z (per-lead z-scored records); outputs share the input units"),
        window_samples=config.window_samples,
        hop_samples=config.window_samples,
        output_channels=config.out_leads,
        preprocessing=Preprocessing(band_hz=(0.5, 40.0), filter_order=4, normalisation="none", phase="zero_phase"),
        embedding_dim=config.latent_chs,
        num_params=count_params(model),
        recipe="MSE (or per-lead scale-invariant MSE on z-scored records) + KL annealed to 1e-4; "
        "subject-level split (wearsdk.train, config lead_vae)",
        paper="WearECG-style conv VAE; Kingma & Welling, ICLR 2014",
        config=to_plain_dict(config),
    )
    return model


@register_model
def lead_vae_full(**overrides: Any) -> LeadVAE:
    """3 -> 12 lead VAE (teacher): II, V1, V5 (3 x 1000, 10 s at 100 Hz) -> 12 leads."""
    return _create_lead_vae("lead_vae_full", **overrides)


@register_model
def lead_vae_compact(**overrides: Any) -> LeadVAE:
    """Compact 3 -> 12 lead VAE (student, <= 1M parameters), same blocks as ``lead_vae_full``."""
    return _create_lead_vae("lead_vae_compact", **overrides)
