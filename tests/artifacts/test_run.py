"""wearsdk run: an exported artifact on real recordings (resampled, channels picked, gaps skipped)."""

import numpy as np
import pytest

from wearsdk.cli import main
from wearsdk.errors import ArtifactIntegrityError, CheckpointError, ShapeError, SignalPolarityError, StreamGapError
from wearsdk.export import export_model
from wearsdk.io import read
from wearsdk.models import get_model_card, load_heads
from wearsdk.runtime import run_artifact
from wearsdk.runtime.run import resolve_artifact

EXPORTS: list[str] = []  # the models the stand-in exporter below was asked to export


def _quick_export(name, out, **options):
    """The cache's exporter as the CLI passes it (export_model), with 8 calibration windows to keep it quick."""
    EXPORTS.append(name)
    return export_model(name, out, **{**options, "calibration": 8})


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(scope="module")
def ecg_artifact(cache_dir):
    """The bundled ECG encoder's int8 ExecuTorch artifact, exported once through the artifact cache by name."""
    art = resolve_artifact("ecg_encoder_compact", cache_dir=cache_dir, exporter=_quick_export)
    assert EXPORTS == ["ecg_encoder_compact"] and art.trained and art.manifest["precision"] == "int8"
    return art.folder


def test_a_model_name_runs_its_cached_export_and_reuses_it(ecg_artifact, cache_dir, real_data_dir, tmp_path,
                                                           monkeypatch, capsys):
    """`wearsdk run NAME` runs the cached export (verified, not exported again) and gives the folder's outputs."""
    import wearsdk.export

    record = real_data_dir / "challenge2015" / "v102s"
    by_folder = run_artifact(ecg_artifact, record, channels=["II"])
    monkeypatch.setattr(wearsdk.export, "export_model", lambda *a, **k: pytest.fail("exported again"))
    out = tmp_path / "o.npz"
    assert main(["run", "ecg_encoder_compact", "--input", str(record), "--channels", "II",
                 "--cache-dir", str(cache_dir), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "ecg_encoder_compact" in printed and EXPORTS == ["ecg_encoder_compact"]
    np.testing.assert_array_equal(np.load(out)["outputs"], by_folder["outputs"])
    assert by_folder["trained"] and by_folder["outputs"].shape == ((300 - 30) // 15 + 1, 256)
    # by name, the bundled heads read the embeddings (a folder may hold other weights: no heads there)
    heads = load_heads(get_model_card("ecg_encoder_compact"))
    saved = np.load(out)
    for name, values in heads.predict(by_folder["outputs"]).items():
        np.testing.assert_allclose(saved[f"head_{name}"], values, rtol=1e-6, atol=1e-6)
        assert f"{name}: median" in printed
    assert by_folder["heads"] == {}
    assert 40 < np.median(saved["head_hr_bpm"]) < 160
    with pytest.raises(ArtifactIntegrityError, match="no verified executorch int8 export of ecg_encoder_compact"):
        run_artifact("ecg_encoder_compact", record, channels=["II"], cache_dir=tmp_path / "empty")
    with pytest.raises(CheckpointError, match="no published pretrained weights"):
        run_artifact("ecg_encoder_full", record, channels=["II"], cache_dir=tmp_path / "empty")


def test_runs_every_window_of_a_real_record(ecg_artifact, real_data_dir, tmp_path):
    result = run_artifact(ecg_artifact, real_data_dir / "challenge2015" / "v102s", channels=["II"])
    assert result["resampled_from_hz"] == 250.0
    assert result["outputs"].shape[1:] == (256,) and np.isfinite(result["outputs"]).all()
    # v102s lead II loses 3 single samples: bridged and counted, so every window runs
    assert result["bridged_samples"] == 3 and not result["skipped_windows"]
    assert len(result["t_start_s"]) == (300 - 30) // 15 + 1
    out = tmp_path / "o.npz"
    assert main(["run", str(ecg_artifact), "--input", str(real_data_dir / "challenge2015" / "v102s"),
                 "--channels", "II", "--out", str(out)]) == 0
    assert np.load(out)["outputs"].shape == result["outputs"].shape


def test_windows_over_a_long_gap_are_skipped_not_filled(ecg_artifact, real_data_dir, tmp_path):
    rec = read(real_data_dir / "mitdb" / "100")
    x = rec.channel("MLII")[: int(120 * rec.sampling_rate)].copy()
    x[int(50 * rec.sampling_rate): int(52 * rec.sampling_rate)] = np.nan  # a 2 s dropout
    path = tmp_path / "gap.npz"
    np.savez(path, signals=x[None], sampling_rate=rec.sampling_rate, channels=np.array(["MLII"]),
             units=np.array(["mV"]))
    result = run_artifact(ecg_artifact, path, channels=["MLII"])
    assert result["skipped_windows"] == [30.0, 45.0] and result["bridged_samples"] == 0
    assert result["t_start_s"].tolist() == [0.0, 15.0, 60.0, 75.0, 90.0]


def test_a_record_that_is_all_gap_raises_stream_gap_error(ecg_artifact, tmp_path):
    """Every window touches missing samples: no result is possible, and the error says so (not an empty output)."""
    path = tmp_path / "lost.npz"
    np.savez(path, signals=np.full((1, 500 * 60), np.nan), sampling_rate=500.0, channels=np.array(["I"]),
             units=np.array(["mV"]))
    with pytest.raises(StreamGapError, match=r"all 3 window\(s\) of 30 s touch missing samples"):
        run_artifact(ecg_artifact, path)


def test_a_file_for_the_artifact_folder_is_explained(ecg_artifact, real_data_dir, tmp_path):
    pte = next(ecg_artifact.glob("*.pte"))
    with pytest.raises(ArtifactIntegrityError, match="is a file; expected an artifact folder"):
        run_artifact(pte, real_data_dir / "challenge2015" / "v102s", channels=["II"])
    assert main(["run", str(pte), "--input", str(real_data_dir / "challenge2015" / "v102s")]) == 2


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
