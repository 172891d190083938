"""Windower (C wear_windower): windows of any chunking equal the slices of the whole signal."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from wearsdk.errors import ShapeError
from wearsdk.stream import Windower


@given(window=st.integers(1, 60), hop_frac=st.floats(0.01, 1.0), channels=st.integers(1, 5),
       sizes=st.lists(st.integers(0, 90), min_size=1, max_size=25))
def test_windows_equal_slices(window, hop_frac, channels, sizes):
    hop = max(1, int(window * hop_frac))
    n = sum(sizes)
    x = np.arange(channels * n, dtype=np.float32).reshape(channels, n)
    w = Windower(window, hop)
    got, pos = [], 0
    for size in sizes:
        got += w.push(x[:, pos : pos + size])
        pos += size
    want = [x[:, s : s + window] for s in range(0, n - window + 1, hop)]
    assert len(got) == len(want)
    for a, b in zip(got, want, strict=True):
        assert np.array_equal(a, b)


def test_bad_arguments():
    with pytest.raises(ShapeError):
        Windower(10, 11)
    with pytest.raises(ShapeError):
        Windower(0, 1)
    w = Windower(10, 5)
    w.push(np.zeros((2, 3), np.float32))
    with pytest.raises(ShapeError, match="channels"):
        w.push(np.zeros((3, 3), np.float32))
    with pytest.raises(ShapeError, match="holds 3 of 10"):
        w.latest()
