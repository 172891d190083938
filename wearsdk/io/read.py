"""``read(path, **options)``: pick the reader from the files present."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from pathlib import Path

from wearsdk._paths import input_file
from wearsdk.errors import ConfigError, DataFormatError
from wearsdk.io.array_reader import read_array
from wearsdk.io.recording import Recording
from wearsdk.io.text_reader import read_text
from wearsdk.io.wfdb_reader import read_wfdb

__all__ = ["read"]

_WFDB_DATA = {".dat", ".mat", ".xyz", ".atr", ".qrs", ".hea"}
_TEXT = {".csv", ".tsv", ".txt"}
_ARRAY = {".npy", ".npz", ".mat"}


def _choose(path: Path) -> tuple[Callable[..., Recording], Path]:
    suffix = path.suffix.lower()
    if suffix in _WFDB_DATA:
        base = path.with_suffix("")
        if base.with_name(base.name + ".hea").is_file():
            return read_wfdb, base
    if suffix == "" or suffix not in _WFDB_DATA | _TEXT | _ARRAY:
        if path.with_name(path.name + ".hea").is_file():
            return read_wfdb, path
    input_file(path, what="recording", use=f"a recording file: a WFDB record name with its header {path.name}.hea "
               "beside it, or a .hea/.dat/.mat, CSV/TSV/TXT, .npy/.npz or .mat file")
    if suffix == ".hea":
        raise DataFormatError(f"WFDB header {path} is missing.")
    if suffix in _TEXT:
        return read_text, path
    if suffix in _ARRAY:
        return read_array, path
    if suffix in (".dat", ".xyz"):
        raise DataFormatError(f"{path} is WFDB data but its header {path.with_suffix('.hea').name} is missing.")
    raise DataFormatError(
        f"{path}: unknown file type {suffix!r}; wearsdk.io.read knows WFDB (.hea + .dat/.mat), "
        "CSV/TSV/TXT, NumPy (.npy/.npz) and MATLAB (.mat)."
    )


def read(path: str | Path, **options: object) -> Recording:
    """Read a recording; the reader is chosen from the files present.

    * WFDB: ``path`` is the record name (``.../100``) or any of its files (``.hea``, ``.dat``, ``.mat``);
      options ``units``, ``annotator``, ``channels``. Units are normalised (``mv``, ``uV``, ``V`` -> mV);
      annotations (``.atr`` ...) are attached.
    * CSV/TSV/TXT: options ``sampling_rate``, ``time_column``, ``time_unit``, ``units``, ``gap_factor``,
      ``channels``. Irregular timestamps are resampled onto a uniform grid; gaps are NaN and flagged.
    * NumPy ``.npy``/``.npz``, MATLAB ``.mat``: options ``sampling_rate``, ``channels``, ``units``, ``key``,
      ``channels_last``.

    Returns a :class:`~wearsdk.io.Recording` with ``signals (channels, samples)``. Unknown options raise
    :class:`~wearsdk.ConfigError` listing the valid ones; missing, truncated or corrupt files and unknown
    units raise :class:`~wearsdk.DataFormatError`.

    Example:
        >>> rec = read("../shared/data/real/mitdb/100")  # doctest: +SKIP
        >>> rec.signals.shape, rec.sampling_rate, rec.annotations.beats[:3]  # doctest: +SKIP
    """
    reader, target = _choose(Path(path))
    allowed = [p for p in inspect.signature(reader).parameters if p != "path" and p != "base"]
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        raise ConfigError(f"{reader.__name__} does not take option(s) {unknown}; valid options: {allowed}.")
    if "channels" in options and options["channels"] is not None:
        options["channels"] = tuple(options["channels"])  # type: ignore[arg-type]
    return reader(target, **options)
