"""zscore (plain and robust) and quality flags."""

import numpy as np
import torch
from hypothesis import given
from hypothesis import strategies as st

import wearsdk.signal as ws


@given(lead=st.lists(st.integers(1, 4), max_size=2), n=st.integers(2, 800), offset=st.floats(-1e4, 1e4),
       seed=st.integers(0, 2**16))
def test_zscore_matches_numpy(lead, n, offset, seed):
    x = (np.random.default_rng(seed).standard_normal((*lead, n)) + offset).astype(np.float32)
    x64 = x.astype(np.float64)
    ref = (x64 - x64.mean(-1, keepdims=True)) / x64.std(-1, keepdims=True)
    assert np.abs(ws.zscore(x) - ref).max() <= 1e-5 * max(np.abs(ref).max(), 1.0) * max(1.0, abs(offset) / 1e3)


@given(lead=st.lists(st.integers(1, 4), max_size=2), n=st.integers(4, 800), seed=st.integers(0, 2**16))
def test_robust_zscore_matches_numpy_percentiles(lead, n, seed):
    x = np.random.default_rng(seed).standard_normal((*lead, n)).astype(np.float32)
    x64 = x.astype(np.float64)
    med = np.median(x64, -1, keepdims=True)
    q75, q25 = np.percentile(x64, [75, 25], axis=-1, keepdims=True)
    ref = (x64 - med) / ((q75 - q25) / 1.3489795003921634)
    assert np.abs(ws.zscore(x, robust=True) - ref).max() <= 1e-5 * max(np.abs(ref).max(), 1.0)


def test_robust_zscore_ignores_a_spike():
    x = np.random.default_rng(0).standard_normal(1000).astype(np.float32)
    spiky = x.copy()
    spiky[500] = 1e4
    assert np.abs(ws.zscore(spiky, robust=True)[:400] - ws.zscore(x, robust=True)[:400]).max() < 0.02
    assert ws.zscore(spiky)[:400].std() < 0.1  # the plain z-score is crushed by it


def test_flat_row_becomes_zeros_and_is_flagged():
    x = np.full((2, 640), 3.0, np.float32)
    x[1] = np.sin(np.arange(640) / 5)
    z = ws.zscore(x)
    assert np.all(z[0] == 0) and np.all(np.isfinite(z))
    q = ws.quality(x, sampling_rate=64)
    assert q.flatline.tolist() == [True, False]
    assert q.flat_seconds[0] == 10.0


def test_quality_flags_dropouts_clipping_and_clean_rows():
    fs, n = 64, 640
    t = np.arange(n) / fs
    clean = np.sin(2 * np.pi * 1.2 * t) + 0.05 * np.random.default_rng(1).standard_normal(n)
    dropout = clean.copy()
    dropout[100:120] = np.nan
    clipped = np.clip(1.5 * clean, -1.0, 1.0)
    x = torch.tensor(np.stack([clean, dropout, clipped]), dtype=torch.float32)
    q = ws.quality(x, sampling_rate=fs)
    assert q.ok.tolist() == [True, False, False]
    assert q.has_nonfinite.tolist() == [False, True, False]
    assert abs(q.nonfinite_fraction[1] - 20 / n) < 1e-7
    assert q.clipped.tolist() == [False, False, True]
    assert q.clip_fraction[2] > 0.2
