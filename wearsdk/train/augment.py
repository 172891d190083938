"""Stochastic augmentations for self-supervised pairs (Abbaspourazad et al., ICLR 2024, section 3).

Each augmentation acts on one window ``(channels, samples)`` with its own probability, drawing every random
number from a caller-supplied ``torch.Generator``, so a view is a pure function of (window, seed): the same in
a single process and under DDP, and again after ``--resume``.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from wearsdk.errors import ShapeError
from wearsdk.train.sections import AugmentConfig

__all__ = [
    "Augmenter",
    "cutout",
    "magnitude_warp",
    "time_warp",
    "gaussian_noise",
    "channel_permutation",
    "channel_collapse",
    "low_rate",
]


def _smooth_curve(values: torch.Tensor, samples: int) -> torch.Tensor:
    """Linear interpolation of knot values ``(rows, knots)`` to ``(rows, samples)``."""
    return F.interpolate(values[None], size=samples, mode="linear", align_corners=True)[0]


def cutout(x: torch.Tensor, max_fraction: float, gen: torch.Generator) -> torch.Tensor:
    """Zero one contiguous segment of up to ``max_fraction * samples`` samples on all channels."""
    t = x.shape[-1]
    length = int(torch.randint(1, max(2, int(max_fraction * t) + 1), (), generator=gen))
    start = int(torch.randint(0, t - length + 1, (), generator=gen))
    y = x.clone()
    y[:, start : start + length] = 0.0
    return y


def magnitude_warp(x: torch.Tensor, sigma: float, knots: int, gen: torch.Generator) -> torch.Tensor:
    """Multiply each channel by a smooth random gain curve (knots ~ N(1, sigma^2), linearly interpolated)."""
    gains = 1.0 + sigma * torch.randn(x.shape[0], knots, generator=gen)
    return x * _smooth_curve(gains, x.shape[-1])


def time_warp(x: torch.Tensor, sigma: float, knots: int, gen: torch.Generator) -> torch.Tensor:
    """Smooth monotone re-timing: local speed factors ~ N(1, sigma^2) (clamped to >= 0.1) are integrated into
    sample positions, which are mapped back onto ``[0, samples - 1]`` and read with linear interpolation."""
    t = x.shape[-1]
    speed = (1.0 + sigma * torch.randn(1, knots, generator=gen)).clamp_min(0.1)
    pos = torch.cumsum(_smooth_curve(speed, t)[0], 0)
    pos = (pos - pos[0]) / (pos[-1] - pos[0]) * (t - 1)
    lo = pos.floor().long().clamp(0, t - 2)
    frac = pos - lo
    return x[:, lo] * (1 - frac) + x[:, lo + 1] * frac


def gaussian_noise(x: torch.Tensor, sigma: float, gen: torch.Generator) -> torch.Tensor:
    """Add white Gaussian noise with SD ``sigma`` times each channel's SD."""
    sd = x.std(dim=-1, keepdim=True).clamp_min(1e-6)
    return x + sigma * sd * torch.randn(x.shape, generator=gen)


def channel_permutation(x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """Randomly permute the channels (e.g. the PPG wavelengths / sites)."""
    return x[torch.randperm(x.shape[0], generator=gen)]


def channel_collapse(x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """Copy one random channel onto every channel (a single-sensor device feeding all inputs)."""
    k = int(torch.randint(0, x.shape[0], (), generator=gen))
    return x[k : k + 1].expand_as(x).clone()


def low_rate(x: torch.Tensor, fraction: float, gen: torch.Generator) -> torch.Tensor:
    """A slower device with a jittery clock, resampled to the model rate: every channel is read at the same
    ``round(fraction * samples)`` instants (a regular grid, each instant moved by up to +-30% of its spacing),
    then linearly interpolated back onto the model grid (what :func:`wearsdk.io.read` does with a 20 Hz
    smartwatch CSV for a 64 Hz model, ``fraction`` 0.31). Each channel keeps its mean and SD."""
    t = x.shape[-1]
    k = max(4, round(fraction * t))
    step = (t - 1) / (k - 1)
    at = (torch.arange(k) + 0.6 * (torch.rand(k, generator=gen) - 0.5)) * step
    at = at.clamp(0.0, float(t - 1))
    at[0], at[-1] = 0.0, float(t - 1)
    lo = at.floor().long().clamp(0, t - 2)
    frac = at - lo
    read = x[:, lo] * (1 - frac) + x[:, lo + 1] * frac  # (channels, k): the device's samples
    grid = torch.arange(t, dtype=at.dtype)
    j = (torch.searchsorted(at, grid, right=True) - 1).clamp(0, k - 2)
    w = ((grid - at[j]) / (at[j + 1] - at[j]).clamp_min(1e-6)).clamp(0, 1)
    y = read[:, j] * (1 - w) + read[:, j + 1] * w
    mean = y.mean(-1, keepdim=True)
    gain = x.std(-1, keepdim=True) / y.std(-1, keepdim=True).clamp_min(1e-6)
    return (y - mean) * gain + x.mean(-1, keepdim=True)


class Augmenter:
    """The augmentation module: ``augmenter(x, gen)`` with ``x`` of shape ``(channels, samples)``.

    Order: time warp, magnitude warp, cut-out, Gaussian noise, channel permutation, channel collapse, low rate;
    each applied with its probability from :class:`~wearsdk.train.config.AugmentConfig`. The channel
    augmentations only when ``channels > 1``.
    """

    def __init__(self, config: AugmentConfig) -> None:
        self.config = config

    def __call__(self, x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
        if x.ndim != 2:
            raise ShapeError(f"Augmenter: expected one window (channels, samples), got {tuple(x.shape)}.")
        c = self.config
        # one coin per augmentation, always drawn: a stable random stream (the collapse and low-rate coins only
        # when enabled, so that configs without them draw exactly the stream they drew before they existed)
        u = torch.rand(6 if c.p_channel_collapse > 0 else 5, generator=gen)
        if u[0] < c.p_time_warp:
            x = time_warp(x, c.time_warp_sigma, c.time_warp_knots, gen)
        if u[1] < c.p_magnitude_warp:
            x = magnitude_warp(x, c.magnitude_warp_sigma, c.magnitude_warp_knots, gen)
        if u[2] < c.p_cutout:
            x = cutout(x, c.cutout_max_fraction, gen)
        if u[3] < c.p_noise:
            x = gaussian_noise(x, c.noise_sigma, gen)
        if u[4] < c.p_channel_permutation and x.shape[0] > 1:
            x = channel_permutation(x, gen)
        if len(u) > 5 and u[5] < c.p_channel_collapse and x.shape[0] > 1:
            x = channel_collapse(x, gen)
        if c.p_low_rate > 0 and float(torch.rand((), generator=gen)) < c.p_low_rate:
            span = c.low_rate_max_fraction - c.low_rate_min_fraction
            x = low_rate(x, c.low_rate_min_fraction + span * float(torch.rand((), generator=gen)), gen)
        return x
