"""The streaming detectors: any chunking of a signal gives the offline peaks exactly; an empty chunk gives none."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from wearsdk.peaks import EcgPeakDetector, PpgPeakDetector, ecg_peaks, ppg_peaks
from wearsdk.sim import Cohort, Noise


def _assert_chunks_equal_offline(detector, offline: np.ndarray, x: np.ndarray, sizes: list[int]) -> None:
    cuts = np.cumsum(sizes)
    cuts = cuts[cuts < x.size]
    parts = [detector.push(c) for c in np.split(x, cuts)] + [detector.flush()]
    np.testing.assert_array_equal(np.unique(np.concatenate(parts)), offline)


@given(sizes=st.lists(st.integers(1, 900), min_size=1, max_size=40), seed=st.integers(0, 50))
def test_ecg_streaming_equals_offline(sizes, seed):
    rec = Cohort(1, seed=seed)[0].record(12.0, sampling_rates={"ecg": 250.0}, streams=("ecg",))
    x = rec.lead("II").astype(np.float64)
    _assert_chunks_equal_offline(EcgPeakDetector(sampling_rate=250.0), ecg_peaks(x, sampling_rate=250.0), x, sizes)


@given(sizes=st.lists(st.integers(1, 200), min_size=1, max_size=30), seed=st.integers(0, 50))
def test_ppg_streaming_equals_offline(sizes, seed):
    x = Cohort(1, seed=seed)[0].record(20.0, streams=("ppg",), noise=Noise()).ppg[1].astype(np.float64)
    _assert_chunks_equal_offline(PpgPeakDetector(sampling_rate=64.0), ppg_peaks(x, sampling_rate=64.0), x, sizes)


def test_streaming_detectors_take_an_empty_chunk():
    empty = np.zeros(0, np.float32)
    assert EcgPeakDetector(sampling_rate=500.0).push(empty).size == 0
    assert PpgPeakDetector(sampling_rate=64.0).push(empty).size == 0
