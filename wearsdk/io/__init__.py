"""Readers for real recordings: WFDB, CSV/TSV with time columns, NumPy and MATLAB arrays.

>>> from wearsdk.io import read
>>> rec = read("../shared/data/real/challenge2015/v102s")  # doctest: +SKIP
>>> rec.channels, rec.units  # doctest: +SKIP
(('II', 'V', 'PLETH', 'RESP'), ('mV', 'mV', 'NU', 'NU'))
"""

from wearsdk.io.read import read
from wearsdk.io.recording import BEAT_SYMBOLS, Annotations, Recording
from wearsdk.io.wfdb_reader import read_annotations

__all__ = ["read", "read_annotations", "Recording", "Annotations", "BEAT_SYMBOLS"]
