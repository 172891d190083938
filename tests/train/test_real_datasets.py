"""Real ECG datasets (issue 22): CinC 2017 and PTB-XL lead I readers on a few shared records, splits, the window
cache, and the bad inputs (folders without labels, unknown label codes, records shorter than the minimum)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from wearsdk.errors import DataFormatError, ShapeError, WearError
from wearsdk.io import Recording
from wearsdk.train.real import (
    CINC_CLASSES,
    cinc2017,
    cinc2017_labels,
    ptbxl_labels,
    ptbxl_lead1,
    record_windows,
)

pytestmark = pytest.mark.usefixtures("cache")  # every test reads and writes a fresh window cache


def test_cinc2017_windows_labels_and_cache(real_data_dir: Path, card, cache: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    ds = cinc2017(real_data_dir / "cinc2017", card, limit=6, progress=False)
    assert ds.x.shape[1:] == (1, card.window_samples) and ds.x.dtype == np.float32
    assert len(ds.records) == 6 and set(ds.record_of_window) == set(range(6))
    assert np.isfinite(ds.x).all() and np.allclose(np.asarray(ds.x).std(-1), 1.0, atol=1e-3)  # z-scored windows
    assert set(ds.labels["rhythm"]) <= set(range(len(CINC_CLASSES)))
    assert np.array_equal(ds.labels["af"], (ds.labels["rhythm"] == 1).astype(float))
    # a record shorter than the window fills it by repetition: its own samples repeat with its period
    short = np.flatnonzero(np.asarray(ds.valid_samples) < card.window_samples)
    for i in short:
        n = int(ds.valid_samples[i])
        assert 9 * card.sampling_rate_hz - 2 <= n
        assert np.allclose(ds.x[i, 0, n:], ds.x[i, 0, :card.window_samples - n], atol=1e-5)
    assert isinstance(ds.x, np.memmap)
    # a second call reads the cache: no WFDB parsing
    monkeypatch.setattr("wearsdk.io.read", lambda *a, **k: pytest.fail("read again despite the cache"))
    again = cinc2017(real_data_dir / "cinc2017", card, limit=6, progress=False)
    assert np.array_equal(again.x, ds.x) and len(list(cache.rglob("done.json"))) == 1


def test_cinc2017_split_is_stratified_by_label_and_seeded(real_data_dir: Path) -> None:
    records, cls, split = cinc2017_labels(real_data_dir / "cinc2017")
    assert len(records) == 4722 and len(set(records)) == 4722
    for k in range(4):
        frac = np.mean(split[cls == k] == "val")
        assert 0.19 < frac < 0.21
    assert np.array_equal(split, cinc2017_labels(real_data_dir / "cinc2017")[2])
    assert not np.array_equal(split, cinc2017_labels(real_data_dir / "cinc2017", seed=1)[2])


def test_ptbxl_lead1_windows_labels_and_patient_split(real_data_dir: Path, card) -> None:
    t = ptbxl_labels(real_data_dir / "ptbxl")
    assert len(t["records"]) == 1624 and set(t["split"]) == {"train", "val"}
    assert not set(t["groups"][t["split"] == "train"]) & set(t["groups"][t["split"] == "val"])
    assert set(t["abnormal"]) == {0.0, 1.0} and set(t["sex_female"]) == {0.0, 1.0}
    assert np.isnan(t["age"]).sum() == 5 and np.nanmax(t["age"]) < 120
    first = dict(zip(t["records"], t["abnormal"], strict=True))
    assert first["24"] == 0.0  # {'NORM': 100.0, 'SR': 0.0}

    ds = ptbxl_lead1(real_data_dir / "ptbxl", card, limit=4, progress=False)
    assert ds.x.shape == (4, 1, card.window_samples)
    assert np.array_equal(ds.valid_samples, np.full(4, int(10 * card.sampling_rate_hz)))  # 10 s, repeated x3
    n = int(ds.valid_samples[0])
    assert np.allclose(ds.x[0, 0, n:], ds.x[0, 0, :card.window_samples - n], atol=1e-5)


def test_record_windows_long_and_too_short(card) -> None:
    fs = 300.0
    t = np.arange(int(61 * fs)) / fs
    lead = np.sin(2 * np.pi * 1.2 * t) ** 21  # spiky, 72 /min
    rec = Recording(signals=lead[None], sampling_rate=fs, channels=("ECG",), units=("mV",),
                    valid=np.ones((1, lead.size), bool), metadata={"path": "long.hea"})
    x, valid = record_windows(rec, "ECG", card)
    assert x.shape == (3, 1, card.window_samples) and (valid == card.window_samples).all()  # windows at 0, 15, 30 s
    short = Recording(signals=lead[None, :int(5 * fs)], sampling_rate=fs, channels=("ECG",), units=("mV",),
                      valid=np.ones((1, int(5 * fs)), bool), metadata={"path": "short.hea"})
    with pytest.raises(ShapeError, match=r"short\.hea lasts 5\.0 s; expected a record of at least 9 s"):
        record_windows(short, "ECG", card)


def test_bad_dataset_folders(real_data_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(DataFormatError, match="has no REFERENCE.csv"):
        cinc2017_labels(tmp_path)
    with pytest.raises(DataFormatError, match="has no labels.csv"):
        ptbxl_labels(tmp_path)

    (tmp_path / "REFERENCE.csv").write_text("A00001,N\nA00002,X\n")
    with pytest.raises(DataFormatError, match=r"REFERENCE.csv, line 2: .*label one of"):
        cinc2017_labels(tmp_path)
    (tmp_path / "REFERENCE.csv").write_text("A00001,N\n")
    with pytest.raises(DataFormatError, match=r"A00001.hea is missing"):
        cinc2017_labels(tmp_path)

    src = real_data_dir / "ptbxl"
    shutil.copy(src / "scp_statements.csv", tmp_path)
    header = (src / "labels.csv").read_text().splitlines()[0]
    (tmp_path / "labels.csv").write_text(header + "\n24,train,9012,41.0,0,,69.0,\"{'NORM': 100.0, 'XYZ': 0.0}\",3\n")
    with pytest.raises(WearError, match=r"ecg_id 24: SCP code\(s\) \['XYZ'\] are not in"):
        ptbxl_labels(tmp_path)
    (tmp_path / "labels.csv").write_text(header + "\n24,train,9012,41.0,0,,69.0,\"{'NORM': 100.0}\",3\n")
    with pytest.raises(DataFormatError, match=r"00024_lr.hea is missing"):
        ptbxl_labels(tmp_path)
    (tmp_path / "scp_statements.csv").unlink()
    with pytest.raises(DataFormatError, match="has no scp_statements.csv"):
        ptbxl_labels(tmp_path)
