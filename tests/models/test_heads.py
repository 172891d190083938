"""Linear heads: forward semantics, payload round trip, fitting recovers known linear relations."""

import numpy as np
import pytest
import torch

from wearsdk.errors import CheckpointError, ConfigError, ShapeError
from wearsdk.models import HEADS, LinearHeads
from wearsdk.train.heads import embed, fit_heads, head_scores
from wearsdk.train.probes import fit_linear


def _heads() -> LinearHeads:
    w = torch.zeros(2, 4)
    w[0, 0], w[1, 1] = 2.0, 1.0
    return LinearHeads(("hr_bpm", "af_prob"), w, torch.tensor([60.0, 0.0]))


def test_regression_heads_are_linear_and_probability_heads_are_sigmoids() -> None:
    out = _heads().predict(np.array([[5.0, 0.0, 0, 0], [0.0, 100.0, 0, 0], [0.0, -100.0, 0, 0]]))
    np.testing.assert_allclose(out["hr_bpm"], [70.0, 60.0, 60.0])
    np.testing.assert_allclose(out["af_prob"], [0.5, 1.0, 0.0], atol=1e-6)
    assert _heads().predict(np.zeros(4))["hr_bpm"].shape == (1,)


def test_payload_round_trip_and_bad_heads() -> None:
    heads = _heads()
    again = LinearHeads.from_payload(heads.to_payload())
    x = torch.randn(3, 4)
    torch.testing.assert_close(again(x), heads(x))
    with pytest.raises(CheckpointError, match="unknown head"):
        LinearHeads(("heart_rate",), torch.zeros(1, 4), torch.zeros(1))
    with pytest.raises(CheckpointError, match="no usable 'heads'"):
        LinearHeads.from_payload({"names": ["hr_bpm"]})
    with pytest.raises(ShapeError, match=r"expected embeddings \(batch, 4\)"):
        heads(torch.zeros(2, 5))


def test_fit_heads_recovers_linear_relations() -> None:
    rng = np.random.default_rng(0)
    e = rng.normal(size=(400, 16)) * rng.uniform(0.1, 10, size=16)  # unequal feature scales
    labels = {
        "hr_bpm": 70 + 3 * e[:, 0] - 0.5 * e[:, 3] + rng.normal(0, 0.5, 400),
        "af_prob": (e[:, 1] + rng.normal(0, 0.3, 400) > 0).astype(float),
    }
    train, test = slice(0, 300), slice(300, None)
    heads = fit_heads(e[train], {k: v[train] for k, v in labels.items()}, names=("hr_bpm", "af_prob"))
    scores = head_scores(heads, e[test], {k: v[test] for k, v in labels.items()})
    assert scores["hr_bpm_r2"] > 0.98 and scores["hr_bpm_mae"] < 1.0
    assert scores["af_prob_auroc"] > 0.95
    assert set(heads.names) <= set(HEADS)


def test_fit_linear_needs_both_classes() -> None:
    with pytest.raises(ConfigError, match="both classes"):
        fit_linear(np.zeros((10, 2)), np.zeros(10), classify=True)


def test_empty_input_says_what_was_expected() -> None:
    with pytest.raises(ShapeError, match="at least one window"):
        _heads().predict(np.zeros((0, 4)))
    with pytest.raises(ShapeError, match="at least one window"):
        embed(torch.nn.Identity(), np.zeros((0, 1, 8), np.float32))
    with pytest.raises(ShapeError, match="at least one window"):
        fit_heads(np.zeros((0, 4)), {"hr_bpm": np.zeros(0)}, names=("hr_bpm",))
