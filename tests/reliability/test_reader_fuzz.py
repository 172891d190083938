"""Fuzzing the file readers with hypothesis-generated corrupt files: every outcome is a valid
Recording or a WearError subclass, never another exception (and never a crash).

A longer run: WEARSDK_FUZZ_EXAMPLES=5000 .venv/bin/python -m pytest tests/reliability/test_reader_fuzz.py
"""

import os
import shutil
from pathlib import Path

import numpy as np
import pytest
import wfdb
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wearsdk.errors import WearError
from wearsdk.io import Recording, read

FUZZ = settings(max_examples=int(os.environ.get("WEARSDK_FUZZ_EXAMPLES", "100")), deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def _check(path: Path, **options) -> None:
    try:
        rec = read(path, **options)
    except WearError:
        return
    assert isinstance(rec, Recording)
    assert rec.signals.ndim == 2 and rec.signals.shape[0] == len(rec.channels)
    assert np.isfinite(rec.sampling_rate) and rec.sampling_rate > 0


@pytest.fixture(scope="module")
def wfdb_record(tmp_path_factory) -> Path:
    """A small 3-lead WFDB record written with the wfdb package (format 16, mV)."""
    folder = tmp_path_factory.mktemp("wfdb")
    t = np.arange(1000) / 250
    sig = np.stack([np.sin(2 * np.pi * 1.2 * t), 0.5 * np.cos(2 * np.pi * 1.2 * t), 0.1 * t], axis=1)
    wfdb.wrsamp("rec", fs=250, units=["mV"] * 3, sig_name=["II", "V1", "V5"], p_signal=sig, fmt=["16"] * 3,
                write_dir=str(folder))
    return folder / "rec"


def _mutate(data: bytes, edits: list[tuple[int, int, int]], cut: float | None) -> bytes:
    buf = bytearray(data)
    for kind, pos, value in edits:
        if not buf:
            break
        i = pos % len(buf)
        if kind == 0:
            buf[i] = value
        elif kind == 1:
            del buf[i]
        else:
            buf.insert(i, value)
    if cut is not None:
        buf = buf[: int(len(buf) * cut)]
    return bytes(buf)


EDITS = st.lists(st.tuples(st.integers(0, 2), st.integers(0, 10**6), st.integers(0, 255)), max_size=6)


@FUZZ
@given(header_edits=EDITS, data_edits=EDITS, header_cut=st.none() | st.floats(0, 1),
       data_cut=st.none() | st.floats(0, 1))
def test_corrupt_wfdb_records(wfdb_record, tmp_path_factory, header_edits, data_edits, header_cut, data_cut):
    folder = tmp_path_factory.mktemp("corrupt")
    for suffix in (".hea", ".dat"):
        shutil.copy(wfdb_record.with_suffix(suffix), folder / f"rec{suffix}")
    hea, dat = folder / "rec.hea", folder / "rec.dat"
    hea.write_bytes(_mutate(hea.read_bytes(), header_edits, header_cut))
    dat.write_bytes(_mutate(dat.read_bytes(), data_edits, data_cut))
    _check(folder / "rec")


CELL = st.one_of(st.floats(allow_nan=True, allow_infinity=True).map(repr), st.integers(-10**12, 10**12).map(str),
                 st.text(alphabet="abc,;\t\"' -.eE0123456789", max_size=6))


@FUZZ
@given(header=st.lists(st.text(alphabet="abctime_ \t,", min_size=0, max_size=8), min_size=0, max_size=4),
       rows=st.lists(st.lists(CELL, min_size=0, max_size=4), max_size=30), sep=st.sampled_from([",", "\t", ";", " "]),
       suffix=st.sampled_from([".csv", ".tsv", ".txt"]), rate=st.none() | st.sampled_from([0.0, -1.0, 25.0, 64.0]))
def test_corrupt_text_files(tmp_path_factory, header, rows, sep, suffix, rate):
    path = tmp_path_factory.mktemp("txt") / f"x{suffix}"
    lines = [sep.join(header)] + [sep.join(r) for r in rows]
    path.write_text("\n".join(lines))
    _check(path, **({} if rate is None else {"sampling_rate": rate}))


@FUZZ
@given(shape=st.lists(st.integers(0, 5), min_size=0, max_size=3),
       dtype=st.sampled_from(["float32", "float64", "int16", "uint8", "bool", "complex64", "object"]),
       fill=st.sampled_from([0.0, 1.5, np.nan, np.inf]), rate=st.none() | st.sampled_from([0.0, 100.0]),
       garbage=st.none() | st.binary(max_size=200))
def test_corrupt_numpy_files(tmp_path_factory, shape, dtype, fill, rate, garbage):
    path = tmp_path_factory.mktemp("npy") / "x.npy"
    if garbage is not None:
        path.write_bytes(b"\x93NUMPY" + garbage)
    else:
        arr = np.full(shape, fill if dtype not in ("int16", "uint8", "bool") else 1, dtype=np.float64)
        arr = arr.astype(object) if dtype == "object" else arr.astype(dtype)
        np.save(path, arr, allow_pickle=dtype == "object")
    _check(path, **({} if rate is None else {"sampling_rate": rate}))
