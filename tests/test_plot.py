"""wearsdk.plot: the figures, and what they refuse (no samples, missing leads, a folder as the PNG path)."""

import numpy as np
import pytest

from wearsdk.errors import ConfigError, ShapeError
from wearsdk.plot import plot_12lead, plot_wrist
from wearsdk.sim import Cohort


def test_plot_12lead_writes_a_png(tmp_path):
    ecg = Cohort(1, seed=0)[0].record(4.0, streams=("ecg",)).ecg
    out = plot_12lead(ecg, tmp_path / "sub" / "ecg.png", sampling_rate=500.0)
    assert out == tmp_path / "sub" / "ecg.png" and out.stat().st_size > 10_000


@pytest.mark.parametrize("ecg", [np.zeros((12, 0)), np.zeros((3, 1000)), np.zeros(1000)],
                         ids=["empty", "3 leads", "1-D"])
def test_plot_12lead_refuses_what_is_not_12_leads(ecg, tmp_path):
    with pytest.raises(ShapeError, match=r"\(12, samples\)"):
        plot_12lead(ecg, tmp_path / "ecg.png", sampling_rate=500.0)


def test_a_folder_is_not_a_png_path(tmp_path):
    with pytest.raises(ConfigError, match="PNG path: expected the path of a file to write"):
        plot_12lead(np.zeros((12, 1000)), tmp_path, sampling_rate=500.0)
    assert list(tmp_path.parent.glob(f"{tmp_path.name}.png")) == []


def test_plot_wrist_needs_ppg_and_acc(tmp_path):
    with pytest.raises(ShapeError, match="PPG and accelerometer"):
        plot_wrist(Cohort(1, seed=0)[0].record(4.0, streams=("ecg",)), tmp_path / "wrist.png")
