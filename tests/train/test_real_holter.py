"""Long annotated ECG records (issue 22): the CPSC 2021 / MIT-BIH readers on the shared records (windows, reference
HR, AF flag, cache), their bad inputs, and the real suite's ``hr`` section on a tiny encoder."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

from wearsdk.errors import DataFormatError, ShapeError
from wearsdk.models import LinearHeads, create_model
from wearsdk.train.real import cpsc2021, mean_hr_bpm, mitdb
from wearsdk.train.real.probe_suite import _suite_hr, hr_section
from wearsdk.train.suites import SuiteRequest

TINY = dict(stem_chs=4, stages=((1, 3, 2, 8, 1),), head_chs=8, embed_dim=8)


pytestmark = pytest.mark.usefixtures("cache")  # every test reads and writes a fresh window cache


def _constant_heads(embed_dim: int, hr_bpm: float) -> LinearHeads:
    return LinearHeads(("hr_bpm",), torch.zeros(1, embed_dim), torch.tensor([hr_bpm]))


def test_mean_hr_counts_beats() -> None:
    assert mean_hr_bpm(np.array([0.0, 1.0, 2.0, 3.0])) == pytest.approx(60.0)
    # alternating 0.5 / 1.0 s: 4 intervals in 3 s -> 80 bpm (a median would say 60 or 120)
    assert mean_hr_bpm(np.array([0.0, 0.5, 1.5, 2.0, 3.0])) == pytest.approx(80.0)
    assert np.isnan(mean_hr_bpm(np.array([0.0, 1.0])))


def test_mitdb_100_windows_and_reference_hr(real_data_dir: Path, card, monkeypatch: pytest.MonkeyPatch) -> None:
    ds = mitdb(real_data_dir / "mitdb", card, progress=False)
    # 1805.6 s at 360 Hz -> 128 Hz, 30 s windows every 15 s
    assert ds.x.shape == (119, 1, card.window_samples) and ds.x.dtype == np.float32
    assert list(ds.records) == ["100"] and set(ds.split) == {"test"}
    w = ds.window_labels
    assert np.allclose(w["start_s"], 15.0 * np.arange(119))
    # 2273 annotated beats (2274 annotations less one rhythm '+') in 1805.6 s: 75.5 bpm on average
    assert abs(np.mean(w["hr_bpm"]) - 60 * 2273 / 1805.6) < 0.5
    assert 70 < w["hr_bpm"].min() and w["hr_bpm"].max() < 85
    assert not w["af"].any()
    # the second call reads the windows from the cache, the labels from the .atr
    monkeypatch.setattr("wearsdk.io.read", lambda *a, **k: pytest.fail("WFDB record read again despite the cache"))
    again = mitdb(real_data_dir / "mitdb", card, progress=False)
    assert np.array_equal(again.x, ds.x) and np.array_equal(again.window_labels["hr_bpm"], w["hr_bpm"])


def test_cpsc2021_af_flag_and_patients(real_data_dir: Path, card) -> None:
    ds = cpsc2021(real_data_dir / "cpsc2021", card, progress=False)
    assert list(ds.records) == ["data_21_7", "data_35_4", "data_92_12"] and list(ds.groups) == ["21", "35", "92"]
    assert np.array_equal(np.bincount(ds.record_of_window), [14, 10, 2])  # 236.0, 168.5 and 48.9 s
    w = ds.window_labels
    last = ds.record_of_window == 2
    # data_92_12: (AFIB from sample 2803 to 6487 at 200 Hz (14.0-32.4 s); windows 0-30 s and 15-45 s
    assert np.allclose(w["af_fraction"][last], [(30 - 14.015) / 30, (32.435 - 15) / 30])
    assert np.array_equal(w["af"], last.astype(float))
    # data_35_4: 144 beats in 168.5 s, alternating RR -> about 51 bpm
    assert np.all(np.abs(w["hr_bpm"][ds.record_of_window == 1] - 51) < 3)
    assert cpsc2021(real_data_dir / "cpsc2021", card, limit=1, progress=False).records.size == 1


def test_bad_holter_inputs(real_data_dir: Path, card, tmp_path: Path) -> None:
    import wfdb

    src = real_data_dir / "cpsc2021"
    with pytest.raises(DataFormatError, match="holds no WFDB records"):
        cpsc2021(tmp_path, card)
    with pytest.raises(DataFormatError, match=r"data_92_12.hea has no lead 'V1' \(it has \['I', 'II'\]\)"):
        cpsc2021(src, card, lead="V1", records=["data_92_12"])
    for ext in ("hea", "dat"):
        shutil.copy(src / f"data_92_12.{ext}", tmp_path)
    with pytest.raises(DataFormatError, match=r"data_92_12.atr is missing; expected the record's reference beat"):
        cpsc2021(tmp_path, card)

    short = tmp_path / "short"
    short.mkdir()
    fs, n = 200, 200 * 20
    sig = np.random.default_rng(0).normal(0, 0.1, (n, 2))
    wfdb.wrsamp("data_1_1", fs=fs, units=["mV", "mV"], sig_name=["I", "II"], p_signal=sig, fmt=["16", "16"],
                write_dir=str(short))
    wfdb.wrann("data_1_1", "atr", np.arange(100, n, 200), symbol=["N"] * len(range(100, n, 200)),
               write_dir=str(short))
    with pytest.raises(ShapeError, match=r"data_1_1 lasts 20.0 s; expected a record of at least 30 s"):
        cpsc2021(short, card)


def test_hr_section_on_a_tiny_encoder(real_data_dir: Path, card) -> None:
    torch.manual_seed(0)
    encoder = create_model("ecg_encoder_compact", **TINY).eval()
    ds = [cpsc2021(real_data_dir / "cpsc2021", encoder.card, records=[r], progress=False)
          for r in ("data_21_7", "data_92_12")]
    out = hr_section(encoder, _constant_heads(8, 70.0), ds)
    ref = {f"cpsc2021/{d.records[0]}": d.window_labels["hr_bpm"] for d in ds}
    assert set(out["per_record"]) == set(ref)
    for name, r in ref.items():
        rec = out["per_record"][name]
        assert rec["windows"] == r.size
        assert rec["head_mae_bpm"] == pytest.approx(np.mean(np.abs(70.0 - r)), abs=1e-3)
        assert rec["head_bias_bpm"] == pytest.approx(np.mean(70.0 - r), abs=1e-3)
        assert rec["ecg_peaks_mae_bpm"] < 1.0  # the SDK's detector on these records' lead I
    every = np.concatenate(list(ref.values()))
    assert out["windows"] == every.size == 16
    assert out["head_mae_bpm"] == pytest.approx(np.mean(np.abs(70.0 - every)), abs=1e-3)
    assert out["head_fit"]["slope"] == pytest.approx(0.0, abs=1e-6)  # a constant head reads no HR
    assert hr_section(encoder, None, ds[:1])["head_mae_bpm"] is None


def test_suite_hr_reads_checkpoint_heads_and_names_missing_folders(real_data_dir: Path, tmp_path: Path) -> None:
    torch.manual_seed(0)
    encoder = create_model("ecg_encoder_compact", **TINY).eval()
    root = tmp_path / "data"
    root.mkdir()
    (root / "cpsc2021").symlink_to(real_data_dir / "cpsc2021")
    with_heads, bare = tmp_path / "with_heads.pt", tmp_path / "bare.pt"
    torch.save({"model": encoder.state_dict(), "heads": _constant_heads(8, 75.0).to_payload()}, with_heads)
    torch.save({"model": encoder.state_dict()}, bare)

    def request(checkpoint: Path) -> SuiteRequest:
        return SuiteRequest(suite="real", model="ecg_encoder_compact", data_root=root, checkpoint=checkpoint,
                            limit=1, seed=1, progress=False)

    out = _suite_hr(request(with_heads), encoder)
    assert out["heads"] == "checkpoint" and out["missing_datasets"] == ["mitdb"]
    (name, rec), = out["per_record"].items()  # limit: one record per dataset
    assert name.startswith("cpsc2021/") and out["head_mae_bpm"] == rec["head_mae_bpm"]
    assert out["head_bias_bpm"] == pytest.approx(75.0 - rec["reference_hr_bpm"], abs=2e-3)
    out = _suite_hr(request(bare), encoder)
    assert out["heads"].startswith("none") and out["head_mae_bpm"] is None and out["ecg_peaks_mae_bpm"] < 1.0
    af_only = tmp_path / "af_only.pt"
    torch.save({"model": encoder.state_dict(),
                "heads": LinearHeads(("af_prob",), torch.zeros(1, 8), torch.zeros(1)).to_payload()}, af_only)
    assert _suite_hr(request(af_only), encoder)["heads"] == "none: the checkpoint heads have no hr_bpm"
