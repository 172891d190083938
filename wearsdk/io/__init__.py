"""Readers for real recordings: WFDB, CSV/TSV with time columns, NumPy and MATLAB arrays.

>>> from wearsdk.io import read
>>> rec = read("../shared/data/real/challenge2015/v102s")  # doctest: +SKIP
>>> rec.channels, rec.units  # doctest: +SKIP
(('II', 'V', 'PLETH', 'RESP'), ('mV', 'mV', 'NU', 'NU'))
"""

from wearsdk.io.read import read
from wearsdk.io.recording import BEAT_SYMBOLS, Annotations, Recording

__all__ = ["read", "Recording", "Annotations", "BEAT_SYMBOLS"]
