"""Delimited text (CSV / TSV / whitespace, optional ``#`` header lines) with or without a time column.

With a time column, samples are placed on a uniform grid at ``sampling_rate`` (default: the rounded
mean rate of the timestamps outside gaps) by linear interpolation; grid points inside a gap longer than
``gap_factor`` x the median interval are NaN and flagged invalid, never bridged.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from wearsdk.errors import DataFormatError
from wearsdk.io.recording import Recording
from wearsdk.io.units import channel_indices, normalise_channel, to_canonical_units

__all__ = ["read_text", "TIME_NAMES"]

#: Column names recognised as time (case-insensitive).
TIME_NAMES = ("time", "timestamp", "timer", "t", "time_s", "time_ms", "seconds", "ms")
_TIME_UNITS = {"s": 1.0, "ms": 1e-3, "us": 1e-6}


def _split(line: str, delim: str | None) -> list[str]:
    return [f.strip() for f in (line.split(delim) if delim else line.split())]


def _is_number(s: str) -> bool:
    try:
        float(s)
    except ValueError:
        return False
    return True


def read_text(path: Path, *, sampling_rate: float | None = None, time_column: str | int | None = None,
              time_unit: str | None = None, units: Mapping[str, str] | str | None = None,
              gap_factor: float = 3.0, channels: tuple[str, ...] | None = None) -> Recording:
    """Read a delimited text file into a :class:`Recording`.

    Args:
        path: the file.
        sampling_rate: Hz of the output grid. Required when there is no time column and no
            ``Sampling Rate`` header comment (OpenSignals style).
        time_column: name or index of the time column (default: a column named like :data:`TIME_NAMES`).
        time_unit: ``"s"``, ``"ms"`` or ``"us"`` (default: ms if the median step is >= 1 or the values look
            like Unix-epoch milliseconds, else s).
        units: unit of every channel (one string) or ``{channel: unit}``; voltages become mV.
        gap_factor: a time step longer than this many median steps is a gap (flagged, not bridged).
        channels: keep only these columns.
    """
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError as exc:
        raise DataFormatError(f"cannot read {path}: {exc}") from None
    comments = [ln.lstrip("#").strip() for ln in lines if ln.startswith("#")]
    body = [ln for ln in lines if ln.strip() and not ln.startswith("#")]
    if not body:
        raise DataFormatError(f"{path} holds no data rows; expected delimited rows of samples (an optional header "
                              "line of column names, then one row per sample time).")
    first = body[0]
    delim = "\t" if "\t" in first else ("," if "," in first else (";" if ";" in first else None))
    head = _split(first, delim)
    has_header = not all(_is_number(f) for f in head if f)
    names = head if has_header else []
    rows = body[1:] if has_header else body
    ncol = len(head)
    fields = [_split(r, delim) for r in rows]
    bad = next((i for i, f in enumerate(fields) if len(f) != ncol), None)
    if bad is not None:
        raise DataFormatError(
            f"{path}: data row {bad + 1} has {len(fields[bad])} fields, expected {ncol} like the first row; "
            "the file is truncated or mixes delimiters."
        )
    try:
        data = np.array([[float(v) if v not in ("", "nan", "NaN") else np.nan for v in f] for f in fields],
                        dtype=np.float64).reshape(len(fields), ncol)
    except ValueError as exc:
        raise DataFormatError(f"{path}: a data row is not numeric ({exc}).") from None
    if not names:
        label = next((re.split(r":=", c)[1].strip() for c in comments if c.lower().startswith("labels")), "")
        names = label.split() if len(label.split()) == ncol else [f"ch{i}" for i in range(ncol)]
    if sampling_rate is None:
        for c in comments:
            m = re.match(r"sampling rate.*?[:=]+\s*([0-9.]+)", c, re.IGNORECASE)
            if m:
                sampling_rate = float(m.group(1))
    t_idx = _time_index(names, time_column, path)
    meta: dict[str, object] = {"reader": "text", "path": str(path), "comments": comments}
    start_time = None
    if t_idx is None:
        if sampling_rate is None:
            raise DataFormatError(
                f"{path} has no time column and no sampling-rate header; pass sampling_rate=<Hz> to read(), "
                f"or time_column=<name> if one of {names} is time."
            )
        x = data.T
        valid = np.isfinite(x)
    else:
        t_raw = data[:, t_idx]
        x_raw = np.delete(data, t_idx, axis=1).T
        names = [n for i, n in enumerate(names) if i != t_idx]
        t, start_time = _seconds(t_raw, time_unit, path)
        x, valid, sampling_rate, n_gaps = _to_grid(t, x_raw, sampling_rate, gap_factor)
        meta.update(irregular=True, gaps=n_gaps)
    names = [normalise_channel(n) for n in names]
    if isinstance(units, str):
        unit_list = [units] * len(names)
    else:
        unit_list = [(units or {}).get(n, "") for n in names]
    out_units = to_canonical_units(x, names, unit_list)
    keep = channel_indices(names, channels, str(path), noun="column")
    return Recording(signals=x[keep], sampling_rate=float(sampling_rate), channels=tuple(names[i] for i in keep),
                     units=tuple(out_units[i] for i in keep), valid=valid[keep], start_time=start_time,
                     metadata=meta)


def _time_index(names: list[str], time_column: str | int | None, path: Path) -> int | None:
    if time_column is None:
        lowered = [n.lower() for n in names]
        return next((lowered.index(t) for t in TIME_NAMES if t in lowered), None)
    if isinstance(time_column, int):
        if not 0 <= time_column < len(names):
            raise DataFormatError(f"time_column={time_column} is out of range for {path} ({len(names)} columns).")
        return time_column
    if time_column not in names:
        raise DataFormatError(f"time_column={time_column!r} is not a column of {path}; columns are {names}.")
    return names.index(time_column)


def _seconds(t_raw: np.ndarray, time_unit: str | None, path: Path) -> tuple[np.ndarray, float | None]:
    ok = np.isfinite(t_raw)
    if ok.sum() < 2:
        raise DataFormatError(f"{path}: the time column has fewer than two valid values.")
    step = float(np.median(np.diff(t_raw[ok])))
    if time_unit is None:
        time_unit = "ms" if (step >= 1.0 or np.nanmax(t_raw) > 1e11) else "s"
    if time_unit not in _TIME_UNITS:
        raise DataFormatError(f"time_unit={time_unit!r}; expected one of {sorted(_TIME_UNITS)}.")
    t = t_raw * _TIME_UNITS[time_unit]
    start = float(t[ok][0]) if t[ok][0] > 1e8 else None  # Unix epoch
    return t - t[ok][0], start


def _to_grid(t: np.ndarray, x: np.ndarray, fs: float | None, gap_factor: float
             ) -> tuple[np.ndarray, np.ndarray, float, int]:
    ok = np.isfinite(t)
    t, x = t[ok], x[:, ok]
    order = np.argsort(t, kind="stable")
    t, x = t[order], x[:, order]
    t, first = np.unique(t, return_index=True)
    x = x[:, first]
    dt = np.diff(t)
    step = float(np.median(dt))
    regular = dt[dt <= gap_factor * step]
    if fs is None:  # mean step outside gaps: unbiased under timestamp jitter
        fs = 1.0 / float(regular.mean())
        fs = float(round(fs)) if fs >= 5 else fs
    grid = np.arange(0.0, t[-1] + 0.5 / fs, 1.0 / fs)
    out = np.empty((x.shape[0], grid.size))
    valid = np.ones((x.shape[0], grid.size), dtype=bool)
    for c in range(x.shape[0]):
        good = np.isfinite(x[c])
        out[c] = np.interp(grid, t[good], x[c][good]) if good.sum() > 1 else np.nan
        k = np.clip(np.searchsorted(t, grid), 1, t.size - 1)
        # a grid point is missing when a neighbouring source sample is NaN
        valid[c] = good[k] & good[k - 1] if good.sum() > 1 else False
    gaps = np.flatnonzero(dt > gap_factor * step)
    for g in gaps:
        inside = (grid > t[g]) & (grid < t[g + 1])
        valid[:, inside] = False
    out[~valid] = np.nan
    return out, valid, fs, int(gaps.size)
