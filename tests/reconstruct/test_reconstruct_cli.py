"""``wearsdk reconstruct`` end to end on a real WFDB record and on a .npy."""

import numpy as np
import pytest

from wearsdk.cli import main
from wearsdk.reconstruct import INPUT_LEADS, OUTPUT_LEADS


def test_wfdb_record_with_png(real_data_dir, tmp_path, capsys) -> None:
    from wearsdk.io import read

    record = real_data_dir / "cinc2021" / "HR06000"
    out, png = tmp_path / "y.npy", tmp_path / "fig.png"
    assert main(["reconstruct", str(record), "--leads", "II,V1,V5", "--out", str(out), "--png", str(png)]) == 0
    y = np.load(out)
    rec = read(record)
    assert y.shape == (12, rec.signals.shape[1]) and y.dtype == np.float32
    for k in INPUT_LEADS:
        np.testing.assert_array_equal(y[OUTPUT_LEADS.index(k)], rec.signals[rec.channels.index(k)].astype(np.float32))
    assert png.stat().st_size > 20_000 and png.read_bytes()[:4] == b"\x89PNG"
    text = capsys.readouterr().out
    assert "Pearson r vs the record's own leads" in text and "mean" in text


def test_samples_write_the_spread_and_shade_it(real_data_dir, tmp_path, capsys) -> None:
    record = real_data_dir / "cinc2021" / "HR06000"
    out, png = tmp_path / "y.npy", tmp_path / "fig.png"
    assert main(["reconstruct", str(record), "--out", str(out), "--png", str(png), "--samples", "4"]) == 0
    y, spread = np.load(out), np.load(tmp_path / "y_spread.npy")
    assert spread.shape == y.shape and np.all(spread >= 0)
    reconstructed = [OUTPUT_LEADS.index(k) for k in OUTPUT_LEADS if k not in INPUT_LEADS]
    assert spread[reconstructed].mean() > 0 and np.all(spread[[OUTPUT_LEADS.index(k) for k in INPUT_LEADS]] == 0)
    assert png.read_bytes()[:4] == b"\x89PNG" and "posterior draws" in capsys.readouterr().out
    assert main(["reconstruct", str(record), "--out", str(out), "--samples", "1"]) == 2
    assert "--samples" in capsys.readouterr().err


def test_npy_input_needs_fs_and_honours_lead_order(tmp_path, capsys) -> None:
    rng = np.random.default_rng(0)
    x = (0.1 * rng.standard_normal((3, 1250))).astype(np.float32)
    src, out = tmp_path / "x.npy", tmp_path / "y.npy"
    np.save(src, x)
    assert main(["reconstruct", str(src), "--out", str(out)]) == 2
    assert "--fs" in capsys.readouterr().err
    assert main(["reconstruct", str(src), "--fs", "250", "--leads", "V1,II,V5", "--out", str(out)]) == 0
    y = np.load(out)
    assert y.shape == (12, 1250) and y.dtype == np.float32
    np.testing.assert_array_equal(y[OUTPUT_LEADS.index("V1")], x[0])
    np.testing.assert_array_equal(y[OUTPUT_LEADS.index("II")], x[1])


@pytest.mark.parametrize(
    ("record", "extra", "match"),
    [
        ("mitdb/100", [], "no lead"),  # MLII, V5: lacks V1, and the message names it
        ("cinc2021/HR06000", ["--leads", "II,V1"], "three comma-separated"),
        ("cinc2021/HR06000", ["--fs", "250"], "contradicts the record header"),
    ],
)
def test_bad_records_name_the_problem(real_data_dir, tmp_path, capsys, record, extra, match) -> None:
    assert main(["reconstruct", str(real_data_dir / record), "--out", str(tmp_path / "y.npy"), *extra]) == 2
    err = capsys.readouterr().err
    assert match in err
    if record == "mitdb/100":
        assert "'V1'" in err


def test_wrong_path_kinds_and_empty_input_say_what_was_expected(tmp_path, capsys) -> None:
    src = tmp_path / "x.npy"
    np.save(src, np.zeros((3, 1250), np.float32))
    assert main(["reconstruct", str(tmp_path), "--out", str(tmp_path / "y.npy")]) == 2  # a folder as the record
    assert "is a folder; expected a WFDB record" in capsys.readouterr().err
    assert main(["reconstruct", str(src), "--fs", "250", "--out", str(tmp_path)]) == 2  # a folder as the output
    assert "--out" in (err := capsys.readouterr().err) and "is a folder; expected a file name" in err
    assert main(["reconstruct", str(src), "--fs", "250", "--out", str(tmp_path / "y.npy"), "--png", str(tmp_path)]) == 2
    assert "--png" in (err := capsys.readouterr().err) and "is a folder; expected a file name" in err
    empty = tmp_path / "empty.npy"
    np.save(empty, np.zeros((3, 0), np.float32))
    assert main(["reconstruct", str(empty), "--fs", "250", "--out", str(tmp_path / "y.npy")]) == 2
    err = capsys.readouterr().err
    assert "WearError" not in err and ("empty" in err or "no samples" in err) and "expected" in err
    assert not (tmp_path / "y.npy").exists()
