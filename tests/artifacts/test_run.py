"""wearsdk run: an exported artifact on real recordings (resampled, channels picked, gaps skipped)."""

import numpy as np
import pytest

from wearsdk.cli import main
from wearsdk.errors import ShapeError, SignalPolarityError
from wearsdk.export import export_model
from wearsdk.run import run_artifact


@pytest.fixture(scope="module")
def ecg_artifact(tmp_path_factory):
    out = tmp_path_factory.mktemp("ecg")
    export_model("ecg_encoder_compact", out, allow_untrained=True, calibration=8)
    return out


def test_runs_every_window_of_a_real_record(ecg_artifact, real_data_dir, tmp_path):
    result = run_artifact(ecg_artifact, real_data_dir / "challenge2015" / "v102s", channels=["II"])
    assert result["resampled_from_hz"] == 250.0
    assert result["outputs"].shape[1:] == (256,) and np.isfinite(result["outputs"]).all()
    assert result["skipped_windows"]  # v102s has NaN dropouts: windows over them are skipped, not filled
    assert len(result["t_start_s"]) + len(result["skipped_windows"]) == (300 - 30) // 15 + 1
    out = tmp_path / "o.npz"
    assert main(["run", str(ecg_artifact), "--input", str(real_data_dir / "challenge2015" / "v102s"),
                 "--channels", "II", "--out", str(out)]) == 0
    assert np.load(out)["outputs"].shape == result["outputs"].shape


def test_missing_channels_and_short_records_are_explained(ecg_artifact, real_data_dir):
    with pytest.raises(ShapeError, match=r"no channel\(s\) \['I'\]"):
        run_artifact(ecg_artifact, real_data_dir / "challenge2015" / "v102s")
    with pytest.raises(ShapeError, match="lasts 10.0 s"):
        run_artifact(ecg_artifact, real_data_dir / "cinc2021" / "HR06000")


def test_inverted_ppg_is_refused_until_negated(real_data_dir, tmp_path):
    """The E2E-PPG smartwatch stores raw photodiode counts (pulses down): refused, then run with --invert."""
    art = tmp_path / "ppg"
    export_model("ppg_encoder_compact", art, allow_untrained=True, calibration=8)
    rec = real_data_dir / "wearable_ppg" / "e2epyppg_201902020222_Data.csv"
    with pytest.raises(SignalPolarityError, match="--invert ppg"):
        run_artifact(art, rec, channels=["ppg"] * 4)
    result = run_artifact(art, rec, channels=["ppg"] * 4, invert=["ppg"])
    assert result["inverted"] == ["ppg"] and result["resampled_from_hz"] is not None
    assert result["outputs"].shape[1:] == (256,) and len(result["t_start_s"]) >= 10
    with pytest.raises(ShapeError, match="invert names"):
        run_artifact(art, rec, channels=["ppg"] * 4, invert=["hrm"])
