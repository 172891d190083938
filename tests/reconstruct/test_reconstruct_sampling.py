"""reconstruct_12lead(..., samples=K): posterior mean and spread, shapes, seeds, and the spread's direction."""

import numpy as np
import pytest
import torch
from ecg_like import ecg_like

from wearsdk.errors import ConfigError
from wearsdk.reconstruct import INPUT_LEADS, OUTPUT_LEADS, Reconstruction, reconstruct_12lead
from wearsdk.train.lead_utility import spread_calibration

MEASURED = [OUTPUT_LEADS.index(k) for k in INPUT_LEADS]
OTHERS = [i for i in range(12) if i not in MEASURED]


def test_samples_return_mean_and_spread_shapes() -> None:
    x = ecg_like(200, 2000, batch=(2,))
    out = reconstruct_12lead(x, sampling_rate=200, samples=3, seed=3)
    assert isinstance(out, Reconstruction)
    mean, spread = out
    assert mean.shape == spread.shape == (2, 12, 2000) and mean.dtype == spread.dtype == np.float32
    np.testing.assert_array_equal(mean[:, MEASURED], x)  # measured leads: the input, no spread
    assert (spread[:, MEASURED] == 0).all()
    assert (spread[:, OTHERS].mean(-1) > 0).all() and np.isfinite(spread).all()
    t = reconstruct_12lead(torch.from_numpy(x[0]), sampling_rate=200.0, samples=2)
    assert isinstance(t.mean, torch.Tensor) and t.spread.shape == (12, 2000)


def test_same_seed_same_output_and_batch_equals_single() -> None:
    x = ecg_like(100, 1000, batch=(2,), seed=1)
    a = reconstruct_12lead(x, sampling_rate=100, samples=3, seed=7)
    b = reconstruct_12lead(x, sampling_rate=100, samples=3, seed=7)
    c = reconstruct_12lead(x, sampling_rate=100, samples=3, seed=8)
    np.testing.assert_array_equal(a.mean, b.mean)
    np.testing.assert_array_equal(a.spread, b.spread)
    assert not np.array_equal(a.spread, c.spread)
    single = reconstruct_12lead(x[1], sampling_rate=100, samples=3, seed=7)
    np.testing.assert_array_equal(single.spread, a.spread[1])  # each record drawn as if alone


def test_zero_or_none_samples_is_the_deterministic_output() -> None:
    x = ecg_like(250, 2500)
    y = reconstruct_12lead(x, sampling_rate=250)
    np.testing.assert_array_equal(reconstruct_12lead(x, sampling_rate=250, samples=0), y)
    np.testing.assert_array_equal(reconstruct_12lead(x, sampling_rate=250, samples=None, seed=5), y)
    mean = reconstruct_12lead(x, sampling_rate=250, samples=4).mean  # draws scatter around the posterior mean
    assert np.corrcoef(mean[OTHERS].ravel(), y[OTHERS].ravel())[0, 1] > 0.95


@pytest.mark.parametrize("bad", [1, -2, 2.5, True, "4"])
def test_bad_sample_counts_are_refused(bad) -> None:
    with pytest.raises(ConfigError, match="samples"):
        reconstruct_12lead(ecg_like(100, 1000), sampling_rate=100, samples=bad)


def test_a_model_without_a_posterior_cannot_be_sampled() -> None:
    from wearsdk.models import create_model

    class Linearish(torch.nn.Module):
        card = create_model("lead_vae_compact").card

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return x[:, [0, 0, 0, 0, 0, 0, 1, 1, 1, 2, 2, 2]]

    with pytest.raises(ConfigError, match="cannot be sampled"):
        reconstruct_12lead(ecg_like(100, 1000), sampling_rate=100, model=Linearish(), samples=2)
    assert reconstruct_12lead(ecg_like(100, 1000), sampling_rate=100, model=Linearish()).shape == (12, 1000)


def test_more_noise_in_more_spread_out_and_calibration_sees_it() -> None:
    """Constructed case: the same records with more input noise get a larger spread and a larger error
    against the clean reconstruction, so spread and error rank alike (positive Spearman rho)."""
    rng = np.random.default_rng(0)
    x = ecg_like(100, 1000, batch=(2,), seed=2)
    clean = reconstruct_12lead(x, sampling_rate=100)
    levels = (0.0, 0.3, 1.0)
    noisy = np.stack([x + s * rng.standard_normal(x.shape).astype(np.float32) for s in levels])  # (3, 2, 3, n)
    out = reconstruct_12lead(noisy.reshape(6, 3, -1), sampling_rate=100, samples=4, seed=0)
    spread = out.spread.reshape(3, 2, 12, -1)[:, :, OTHERS].mean(-1)  # (noise level, record, lead)
    error = np.abs(out.mean.reshape(3, 2, 12, -1) - clean)[:, :, OTHERS].mean(-1)
    level = spread.mean((1, 2))
    assert level[0] < level[1] < level[2]
    assert spread_calibration(spread, error) > 0.3
    assert spread_calibration([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1.0)
