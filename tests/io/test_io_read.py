"""wearsdk.io.read on the shared real recordings, synthetic files, and broken files."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from wearsdk.errors import ConfigError, DataFormatError
from wearsdk.io import read

LEADS = ("I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6")


def test_wfdb_mitdb_with_annotations(real_data_dir):
    rec = read(real_data_dir / "mitdb" / "100")
    assert rec.signals.shape == (2, 650000) and rec.sampling_rate == 360.0
    assert rec.channels == ("MLII", "V5") and rec.units == ("mV", "mV")
    assert rec.annotations.beats.size == 2273  # 2274 annotations minus the rhythm label
    assert 0.5 < np.percentile(rec.signals[0], 99.9) < 3.0  # R waves in mV


def test_wfdb_lowercase_mv_mat_format_and_lead_names(real_data_dir):
    rec = read(real_data_dir / "cinc2021" / "HR06000.mat")  # any of the record's files works
    assert rec.channels == LEADS and set(rec.units) == {"mV"} and rec.signals.shape == (12, 5000)
    assert any("Dx" in c for c in rec.metadata["comments"])
    ptb = read(real_data_dir / "ptbdb" / "s0010_re.hea")  # 'i', 'avr' spellings, no unit -> mV
    assert ptb.channels[:12] == LEADS and ptb.units[0] == "mV"
    # Einthoven holds in raw mV data (our units are not rescaled per lead)
    np.testing.assert_allclose(rec.signals[2], rec.signals[1] - rec.signals[0], atol=0.01)


def test_wfdb_nan_dropouts_flagged(real_data_dir):
    rec = read(real_data_dir / "challenge2015" / "v102s")
    assert rec.channels == ("II", "V", "PLETH", "RESP") and rec.units == ("mV", "mV", "NU", "NU")
    assert (~rec.valid).sum() > 0 and np.isnan(rec.signals[~rec.valid]).all()


def test_ptbxl_z_units_kept(real_data_dir):
    rec = read(real_data_dir / "ptbxl" / "records100" / "00000" / "00024_lr")
    assert rec.sampling_rate == 100.0 and set(rec.units) == {"z"}


def test_irregular_smartwatch_csv_resampled_with_gaps(real_data_dir):
    rec = read(real_data_dir / "wearable_ppg" / "e2epyppg_201902020222_Data.csv")
    assert rec.sampling_rate == 20.0 and rec.channels[:2] == ("ppg", "hrm")
    assert 730 < rec.duration_s < 740 and rec.start_time == pytest.approx(1549066937.018)
    assert rec.metadata["gaps"] >= 1 and (~rec.valid).any() and rec.valid.mean() > 0.99


def test_text_variants(real_data_dir):
    hp = read(real_data_dir / "wearable_ppg" / "heartpy_data.csv", sampling_rate=100.0)
    assert hp.signals.shape == (1, 2483)
    hp2 = read(real_data_dir / "wearable_ppg" / "heartpy_data2.csv")  # 'timer' column in ms
    assert hp2.sampling_rate == 117.0 and hp2.channels == ("hr",)
    bit = read(real_data_dir / "bitalino" / "biosppy_ppg.txt")  # OpenSignals '#' header
    assert bit.sampling_rate == 1000.0 and bit.channels == ("PPG",) and bit.signals.shape == (1, 20000)


def test_matlab_array_needs_rate(real_data_dir):
    path = real_data_dir / "cpsc2019" / "data" / "data_00014.mat"
    with pytest.raises(DataFormatError, match="sampling_rate"):
        read(path)
    rec = read(path, sampling_rate=500.0, units="mV", channels=["ECG"])
    assert rec.signals.shape == (1, 5000) and rec.units == ("mV",) and rec.channels == ("ECG",)


@given(
    rate=st.sampled_from([20.0, 50.0, 128.0]),
    jitter=st.floats(0.0, 0.3),
    gap_at=st.floats(0.2, 0.8),
    seed=st.integers(0, 1000),
)
def test_csv_irregular_roundtrip(tmp_path_factory, rate, jitter, gap_at, seed):
    rng = np.random.default_rng(seed)
    n = 400
    t = (np.arange(n) + jitter * rng.uniform(-1, 1, n)) / rate  # timestamps jitter around the clock grid
    g = int(gap_at * n)
    t[g:] += 1.0  # a 1 s gap
    x = np.sin(2 * np.pi * 1.2 * t)
    path = tmp_path_factory.mktemp("csv") / "watch.csv"
    lines = ["timestamp,ppg"] + [f"{1.6e12 + 1000 * a:.1f},{b:.6f}" for a, b in zip(t, x, strict=True)]
    path.write_text("\n".join(lines))
    rec = read(path)
    assert rec.sampling_rate == rate
    grid = np.arange(rec.signals.shape[1]) / rate + (t[0] - t[0])
    ok = rec.valid[0]
    # inside valid stretches the resampled signal follows the sine (linear interpolation error only)
    truth = np.sin(2 * np.pi * 1.2 * (grid + t[0]))
    assert np.max(np.abs(rec.signals[0][ok] - truth[ok])) < 0.08
    # the whole gap is flagged and never bridged
    in_gap = (grid > t[g - 1] - t[0] + 0.5 / rate) & (grid < t[g] - t[0] - 0.5 / rate)
    assert in_gap.sum() >= int(0.9 * rate) - 1 and not ok[in_gap].any()


def test_npz_roundtrip(tmp_path):
    x = np.random.default_rng(0).standard_normal((2, 300))
    np.savez(tmp_path / "a.npz", signals=x, sampling_rate=250.0, channels=np.array(["II", "V5"]),
             units=np.array(["uV", "uV"]))
    rec = read(tmp_path / "a.npz")
    np.testing.assert_allclose(rec.signals, x * 1e-3)
    assert rec.units == ("mV", "mV") and rec.sampling_rate == 250.0
    np.save(tmp_path / "b.npy", x.T)
    assert read(tmp_path / "b.npy", sampling_rate=100.0, channels_last=True).signals.shape == (2, 300)


def _copy_record(real_data_dir, tmp_path, name="100"):
    for ext in ("hea", "dat", "atr"):
        shutil.copy(real_data_dir / "mitdb" / f"{name}.{ext}", tmp_path / f"{name}.{ext}")
    return tmp_path / name


def test_missing_header(real_data_dir, tmp_path):
    _copy_record(real_data_dir, tmp_path)
    (tmp_path / "100.hea").unlink()
    with pytest.raises(DataFormatError, match="header"):
        read(tmp_path / "100.dat")


def test_corrupt_header(real_data_dir, tmp_path):
    base = _copy_record(real_data_dir, tmp_path)
    (tmp_path / "100.hea").write_text("100 two 360 650000\ngarbage\n")
    with pytest.raises(DataFormatError, match="corrupt"):
        read(base)


def test_truncated_data(real_data_dir, tmp_path):
    base = _copy_record(real_data_dir, tmp_path)
    data = (tmp_path / "100.dat").read_bytes()
    (tmp_path / "100.dat").write_bytes(data[: len(data) // 3])
    with pytest.raises(DataFormatError, match="truncated"):
        read(base)


def test_unknown_units(real_data_dir, tmp_path):
    base = _copy_record(real_data_dir, tmp_path)
    hea = (tmp_path / "100.hea").read_text().replace("200 11", "200/furlongs 11", 1)
    (tmp_path / "100.hea").write_text(hea)
    with pytest.raises(DataFormatError, match="furlongs.*units="):
        read(base)
    rec = read(base, units={"MLII": "mV"})  # the fix the message names
    assert rec.units[0] == "mV"


def test_bad_paths_and_options(tmp_path, real_data_dir):
    with pytest.raises(DataFormatError, match="does not exist"):
        read(tmp_path / "nothing.csv")
    (tmp_path / "x.edf").write_bytes(b"0")
    with pytest.raises(DataFormatError, match="unknown file type"):
        read(tmp_path / "x.edf")
    with pytest.raises(ConfigError, match="sampling_rat"):
        read(real_data_dir / "mitdb" / "100", sampling_rat=360)
    (tmp_path / "ragged.csv").write_text("t,x\n0,1\n1,2,3\n")
    with pytest.raises(DataFormatError, match="truncated|fields"):
        read(tmp_path / "ragged.csv")


def test_complex_or_object_arrays_are_refused_not_cast(tmp_path):
    """np.asarray(complex, float64) would silently drop the imaginary part: refused, naming the dtype."""
    path = tmp_path / "x.npy"
    np.save(path, np.exp(1j * np.linspace(0, 20, 500)))
    with pytest.raises(DataFormatError, match="complex128 values, not real numbers"):
        read(path, sampling_rate=100.0)
    np.save(path, np.linspace(0, 1, 500).astype(np.float32))
    assert read(path, sampling_rate=100.0).signals.shape == (1, 500)


def test_empty_input_and_a_folder_for_a_file_are_explained(tmp_path):
    (tmp_path / "rec.csv").mkdir()
    with pytest.raises(DataFormatError, match="is a folder; expected a recording file"):
        read(tmp_path / "rec.csv")
    with pytest.raises(DataFormatError, match="is a folder; expected a recording file"):
        read(tmp_path)
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(DataFormatError, match="no data rows; expected delimited rows"):
        read(tmp_path / "empty.csv", sampling_rate=100.0)
    np.save(tmp_path / "none.npy", np.zeros((1, 0)))
    with pytest.raises(DataFormatError, match=">= 1 sample"):
        read(tmp_path / "none.npy", sampling_rate=100.0)
    np.save(tmp_path / "nochannel.npy", np.zeros((0, 10)))
    with pytest.raises(DataFormatError, match=">= 1 channel"):
        read(tmp_path / "nochannel.npy", sampling_rate=100.0)
