"""Losses on hand-computed cases, the EMA update, and the augmentations."""

from __future__ import annotations

import math

import pytest
import torch

from wearsdk import ConfigError, ShapeError
from wearsdk.train import (
    AugmentConfig,
    Augmenter,
    ema_update,
    gaussian_kl,
    info_nce,
    koleo,
    make_target,
    pearson_r,
)
from wearsdk.train.augment import channel_collapse, channel_permutation, cutout, low_rate, time_warp
from wearsdk.train.losses import zscore_mse


def test_info_nce_two_orthogonal_pairs() -> None:
    q = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    # logits = q k^T / 0.5 = [[2, 0], [0, 2]]: loss = -log(e^2 / (e^2 + e^0)) = log(1 + e^-2)
    assert info_nce(q, q.clone(), 0.5).item() == pytest.approx(math.log(1 + math.exp(-2)), rel=1e-6)


def test_info_nce_normalises_and_uses_in_batch_negatives() -> None:
    q = torch.tensor([[3.0, 0.0], [0.0, 0.5], [1.0, 1.0]])
    k = torch.tensor([[1.0, 0.0], [1.0, 1.0], [0.0, 2.0]])
    qn, kn = q / q.norm(dim=1, keepdim=True), k / k.norm(dim=1, keepdim=True)
    logits = qn @ kn.t() / 0.04
    expected = -torch.stack([logits[i].log_softmax(0)[i] for i in range(3)]).mean()
    assert info_nce(q, k, 0.04).item() == pytest.approx(expected.item(), rel=1e-6)


def test_koleo_three_points_on_a_circle() -> None:
    x = torch.tensor([[2.0, 0.0], [0.0, 1.0], [-1.0, 0.0]])  # normalised: (1,0), (0,1), (-1,0)
    # nearest-neighbour distance of each point is sqrt(2): loss = -log(sqrt(2))
    assert koleo(x).item() == pytest.approx(-0.5 * math.log(2), rel=1e-6)


def test_koleo_gradient_pushes_close_points_apart() -> None:
    x = torch.tensor([[1.0, 0.0], [1.0, 0.1], [-1.0, 0.0]], requires_grad=True)
    koleo(x).backward()
    assert x.grad[1, 1] < 0  # point 1 moves away from point 0 (along +y, descent = -grad)


def test_gaussian_kl_hand_values() -> None:
    assert gaussian_kl(torch.tensor([1.0]), torch.tensor([0.0])).item() == pytest.approx(0.5)
    lv = math.log(2.0)
    assert gaussian_kl(torch.tensor([0.0]), torch.tensor([lv])).item() == pytest.approx(0.5 * (2 - 1 - lv))
    assert gaussian_kl(torch.zeros(4, 3), torch.zeros(4, 3)).item() == 0.0


def test_zscore_mse_is_two_times_one_minus_r() -> None:
    torch.manual_seed(0)
    a, b = torch.randn(2, 3, 100), torch.randn(2, 3, 100)
    b = 0.5 * a + b
    torch.testing.assert_close(zscore_mse(3 * a + 1, b), 2 * (1 - pearson_r(a, b)), rtol=1e-4, atol=1e-4)


def test_loss_shape_errors() -> None:
    with pytest.raises(ShapeError):
        info_nce(torch.zeros(3, 2), torch.zeros(2, 2), 0.1)
    with pytest.raises(ShapeError):
        koleo(torch.zeros(1, 4))


def test_ema_update() -> None:
    online = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.BatchNorm1d(2))
    target = make_target(online)
    assert not any(p.requires_grad for p in target.parameters())
    with torch.no_grad():
        for p in target.parameters():
            p.fill_(0.0)
        for p in online.parameters():
            p.fill_(1.0)
        online[1].running_mean.fill_(3.0)
    ema_update(target, online, momentum=0.9)
    for p in target.parameters():
        torch.testing.assert_close(p, torch.full_like(p, 0.1))
    torch.testing.assert_close(target[1].running_mean, torch.full((2,), 3.0))


def test_augmenter_is_a_pure_function_of_the_seed() -> None:
    x = torch.randn(4, 256)
    aug = Augmenter(AugmentConfig(p_cutout=1, p_magnitude_warp=1, p_time_warp=1, p_noise=1, p_channel_permutation=1))
    a = aug(x, torch.Generator().manual_seed(5))
    torch.testing.assert_close(a, aug(x, torch.Generator().manual_seed(5)))
    assert a.shape == x.shape and not torch.equal(a, aug(x, torch.Generator().manual_seed(6)))
    off = Augmenter(AugmentConfig(p_cutout=0, p_magnitude_warp=0, p_time_warp=0, p_noise=0, p_channel_permutation=0))
    torch.testing.assert_close(off(x, torch.Generator().manual_seed(1)), x)


def test_single_augmentations() -> None:
    g = torch.Generator().manual_seed(0)
    x = torch.arange(20.0).repeat(3, 1) + 1
    y = cutout(x, 0.3, g)
    zeroed = (y == 0).all(0)
    assert 1 <= zeroed.sum() <= 7 and (y[:, ~zeroed] == x[:, ~zeroed]).all()
    torch.testing.assert_close(time_warp(x, 0.0, 4, g), x)  # no speed change = identity
    assert time_warp(x, 0.3, 4, g)[:, 0].eq(x[:, 0]).all()  # endpoints stay put
    p = channel_permutation(torch.arange(4.0)[:, None], g)
    assert sorted(p.flatten().tolist()) == [0, 1, 2, 3]
    c = channel_collapse(torch.arange(8.0).reshape(4, 2), g)
    assert c.shape == (4, 2) and (c == c[0]).all() and c[0, 1] - c[0, 0] == 1 and int(c[0, 0]) % 2 == 0


def test_channel_collapse_leaves_the_random_stream_of_configs_without_it() -> None:
    """Enabling the collapse adds a coin; configs without it draw exactly the five coins they always drew."""
    x = torch.randn(4, 256)
    off = {k: 0.0 for k in ("p_cutout", "p_magnitude_warp", "p_time_warp", "p_noise", "p_channel_permutation")}
    for collapse, coins in ((0.0, 5), (1e-9, 6)):
        g = torch.Generator().manual_seed(3)
        Augmenter(AugmentConfig(**off, p_channel_collapse=collapse))(x, g)
        reference = torch.Generator().manual_seed(3)
        torch.rand(coins, generator=reference)
        torch.testing.assert_close(torch.rand(4, generator=g), torch.rand(4, generator=reference))
    always = Augmenter(AugmentConfig(**off, p_channel_collapse=1.0))
    z = always(x, torch.Generator().manual_seed(0))
    assert (z == z[0]).all() and any(torch.equal(z[0], row) for row in x)
    single = torch.randn(1, 64)
    torch.testing.assert_close(always(single, torch.Generator().manual_seed(0)), single)


def test_low_rate_reads_a_slower_jittery_device_and_interpolates_back() -> None:
    """Shape, mean and SD kept; every channel read at the same instants; a 1.2 Hz pulse passes through a
    16 Hz device, 12 Hz content (above its 8 Hz Nyquist) does not; a pure function of the seed."""
    t = torch.arange(640) / 64.0
    pulse = torch.sin(2 * math.pi * 1.2 * t)
    x = torch.stack([pulse, 3 * pulse + 1, torch.sin(2 * math.pi * 12.0 * t)])
    y = low_rate(x, 0.25, torch.Generator().manual_seed(0))
    assert y.shape == x.shape
    torch.testing.assert_close(y.mean(-1), x.mean(-1), atol=1e-5, rtol=0)
    torch.testing.assert_close(y.std(-1), x.std(-1), atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(y[1], 3 * y[0] + 1, atol=1e-4, rtol=0)  # one clock for every channel
    assert (y[0] - x[0]).abs().max() < 0.1
    assert abs(float(torch.corrcoef(torch.stack([y[2], x[2]]))[0, 1])) < 0.5
    torch.testing.assert_close(low_rate(x, 0.25, torch.Generator().manual_seed(0)), y)
    assert not torch.equal(low_rate(x, 0.25, torch.Generator().manual_seed(1)), y)


def test_low_rate_coins_only_when_enabled_and_its_range_is_checked() -> None:
    x = torch.randn(4, 256)
    off = {k: 0.0 for k in ("p_cutout", "p_magnitude_warp", "p_time_warp", "p_noise", "p_channel_permutation")}
    g = torch.Generator().manual_seed(3)
    Augmenter(AugmentConfig(**off))(x, g)
    reference = torch.Generator().manual_seed(3)
    torch.rand(5, generator=reference)
    torch.testing.assert_close(torch.rand(4, generator=g), torch.rand(4, generator=reference))
    z = Augmenter(AugmentConfig(**off, p_low_rate=1.0))(x, torch.Generator().manual_seed(0))
    assert z.shape == x.shape and not torch.equal(z, x)
    with pytest.raises(ConfigError, match="low_rate_min_fraction"):
        AugmentConfig(low_rate_min_fraction=0.6, low_rate_max_fraction=0.5)
