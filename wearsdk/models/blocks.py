"""1-D building blocks shared by the full (teacher) and compact (student) models.

All convolutions use *static* symmetric padding ``(kernel - 1) // 2`` with odd kernels (never
``padding="same"``, which XNNPACK's int8 convolution cannot take), so every block is
``torch.export``-able and quantizable. Tensors are ``(batch, channels, samples)``.

References:
    Tan & Le, "EfficientNet: Rethinking Model Scaling for CNNs", ICML 2019 (MBConv, squeeze-excitation).
    Hu et al., "Squeeze-and-Excitation Networks", CVPR 2018.
    Abbaspourazad et al., "Large-scale Training of Foundation Models for Wearable Biosignals", ICLR 2024
    (the 1-D EfficientNet-style PPG/ECG encoders).
    Ho et al., "Denoising Diffusion Probabilistic Models", NeurIPS 2020 / Rombach et al. 2022 (the residual
    GroupNorm/SiLU blocks with self-attention used by WearECG-style VAEs).
"""

from __future__ import annotations

import math

import torch
from torch import nn

from wearsdk.errors import ConfigError

__all__ = [
    "ACTIVATIONS",
    "static_padding",
    "activation",
    "ConvBnAct1d",
    "SqueezeExcite1d",
    "DropPath",
    "MBConv1d",
    "ResBlock1d",
    "Downsample1d",
    "Upsample1d",
    "SelfAttention1d",
    "group_norm",
]


# Activation layers by config name. SiLU is EfficientNet's; ReLU fuses into XNNPACK's int8 convolutions
# (conv + BN + ReLU become one quantized op), which makes int8 programs faster and closer to fp32.
ACTIVATIONS: dict[str, type[nn.Module]] = {"silu": nn.SiLU, "relu": nn.ReLU, "hardswish": nn.Hardswish}


def activation(name: str) -> nn.Module:
    """A fresh activation layer for a name in :data:`ACTIVATIONS`."""
    if name not in ACTIVATIONS:
        raise ConfigError(f"activation: expected one of {sorted(ACTIVATIONS)}, got {name!r}.")
    return ACTIVATIONS[name]()


def static_padding(kernel_size: int) -> int:
    """Symmetric padding that keeps ``ceil(samples / stride)`` outputs for an odd ``kernel_size``."""
    if kernel_size < 1 or kernel_size % 2 == 0:
        raise ConfigError(
            f"kernel_size: expected an odd kernel (static symmetric padding), got {kernel_size}; use 3, 5, 7, ..."
        )
    return (kernel_size - 1) // 2


class ConvBnAct1d(nn.Sequential):
    """Conv1d (static padding, no bias) -> BatchNorm1d -> activation ``act`` (``None``: none).

    Shapes: ``(batch, in_chs, samples) -> (batch, out_chs, ceil(samples / stride))``.
    """

    def __init__(
        self,
        in_chs: int,
        out_chs: int,
        kernel_size: int = 1,
        stride: int = 1,
        groups: int = 1,
        act: str | None = "silu",
    ) -> None:
        super().__init__(
            nn.Conv1d(in_chs, out_chs, kernel_size, stride, static_padding(kernel_size), groups=groups, bias=False),
            nn.BatchNorm1d(out_chs),
            activation(act) if act else nn.Identity(),
        )


class SqueezeExcite1d(nn.Module):
    """Squeeze-and-excitation: channel gates from the time-averaged activations.

    Shapes: ``(batch, channels, samples) -> (batch, channels, samples)``; ``(batch, channels, samples, 1)`` too,
    with 2-D convolutions (:class:`wearsdk.models.EfficientNet1dXnnpack`).
    """

    def __init__(self, channels: int, rd_channels: int, act: str = "silu") -> None:
        super().__init__()
        self.reduce = nn.Conv1d(channels, rd_channels, 1)
        self.act = activation(act)
        self.expand = nn.Conv1d(rd_channels, channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        s = x.mean(dim=2, keepdim=True)  # over samples, also for (batch, channels, samples, 1)
        s = self.expand(self.act(self.reduce(s)))
        return x * torch.sigmoid(s)


class DropPath(nn.Module):
    """Stochastic depth (per sample) on a residual branch; identity in eval mode."""

    def __init__(self, p: float = 0.0) -> None:
        super().__init__()
        self.p = p

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0.0:
            return x
        keep = 1.0 - self.p
        mask = x.new_empty((x.shape[0],) + (1,) * (x.ndim - 1)).bernoulli_(keep)
        return x * mask / keep


class MBConv1d(nn.Module):
    """Inverted-residual block: 1x1 expand -> depthwise k -> SE -> 1x1 project (+ residual); ``act`` names the
    activation (:data:`ACTIVATIONS`).

    Shapes: ``(batch, in_chs, samples) -> (batch, out_chs, ceil(samples / stride))``. The residual is used when
    ``stride == 1`` and ``in_chs == out_chs``.
    """

    def __init__(
        self,
        in_chs: int,
        out_chs: int,
        kernel_size: int,
        stride: int,
        expand_ratio: float,
        se_ratio: float,
        drop_path: float = 0.0,
        act: str = "silu",
    ) -> None:
        super().__init__()
        mid = max(1, int(round(in_chs * expand_ratio)))
        self.expand = ConvBnAct1d(in_chs, mid, 1, act=act) if mid != in_chs else nn.Identity()
        self.dw = ConvBnAct1d(mid, mid, kernel_size, stride, groups=mid, act=act)
        self.se = SqueezeExcite1d(mid, max(1, int(in_chs * se_ratio)), act) if se_ratio > 0 else nn.Identity()
        self.project = ConvBnAct1d(mid, out_chs, 1, act=None)
        self.has_residual = stride == 1 and in_chs == out_chs
        self.drop_path = DropPath(drop_path)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.project(self.se(self.dw(self.expand(x))))
        if self.has_residual:
            y = x + self.drop_path(y)
        return y


def group_norm(channels: int, max_groups: int = 32) -> nn.GroupNorm:
    """GroupNorm with the largest group count <= ``max_groups`` that divides ``channels``."""
    groups = math.gcd(channels, max_groups)
    return nn.GroupNorm(groups, channels, eps=1e-6)


class ResBlock1d(nn.Module):
    """Residual block: GroupNorm -> SiLU -> Conv(k) -> GroupNorm -> SiLU -> Dropout -> Conv(k) (+ skip).

    Shapes: ``(batch, in_chs, samples) -> (batch, out_chs, samples)``.
    """

    def __init__(self, in_chs: int, out_chs: int, kernel_size: int = 3, dropout: float = 0.0) -> None:
        super().__init__()
        pad = static_padding(kernel_size)
        self.norm1 = group_norm(in_chs)
        self.conv1 = nn.Conv1d(in_chs, out_chs, kernel_size, padding=pad)
        self.norm2 = group_norm(out_chs)
        self.dropout = nn.Dropout(dropout)
        self.conv2 = nn.Conv1d(out_chs, out_chs, kernel_size, padding=pad)
        self.act = nn.SiLU()
        self.skip = nn.Conv1d(in_chs, out_chs, 1) if in_chs != out_chs else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.conv1(self.act(self.norm1(x)))
        h = self.conv2(self.dropout(self.act(self.norm2(h))))
        return self.skip(x) + h


class Downsample1d(nn.Module):
    """Strided conv (k=3, stride 2, static padding): ``(B, C, T) -> (B, C, ceil(T / 2))``."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.conv = nn.Conv1d(channels, channels, 3, stride=2, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(x)


class Upsample1d(nn.Module):
    """Nearest-neighbour x2 then conv (k=3): ``(B, C, T) -> (B, C, 2 T)``."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.conv = nn.Conv1d(channels, channels, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(torch.repeat_interleave(x, 2, dim=-1))


class SelfAttention1d(nn.Module):
    """Multi-head self-attention over time with a pre-GroupNorm and a residual.

    Shapes: ``(batch, channels, samples) -> (batch, channels, samples)``; ``channels % heads == 0``.
    Written with plain matmul/softmax so it exports and lowers everywhere.
    """

    def __init__(self, channels: int, heads: int = 4) -> None:
        super().__init__()
        if channels % heads:
            raise ConfigError(f"attention heads: {heads} does not divide {channels} channels; pick a divisor.")
        self.heads = heads
        self.norm = group_norm(channels)
        self.qkv = nn.Conv1d(channels, 3 * channels, 1)
        self.proj = nn.Conv1d(channels, channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, c, t = x.shape
        q, k, v = self.qkv(self.norm(x)).reshape(b, 3, self.heads, c // self.heads, t).unbind(1)
        attn = torch.softmax(q.transpose(-1, -2) @ k * (c // self.heads) ** -0.5, dim=-1)  # (b, h, t, t)
        out = (v @ attn.transpose(-1, -2)).reshape(b, c, t)
        return x + self.proj(out)
