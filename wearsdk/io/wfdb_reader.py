"""WFDB records (``.hea`` + ``.dat`` / ``.mat`` / ``.xyz``) through the ``wfdb`` package."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np

from wearsdk.errors import DataFormatError
from wearsdk.io.recording import Annotations, Recording
from wearsdk.io.units import channel_indices, normalise_channel, to_canonical_units

__all__ = ["read_wfdb", "read_annotations"]

_ANNOTATORS = ("atr", "qrs", "ann", "ecg")


def read_wfdb(base: Path, *, units: Mapping[str, str] | str | None = None, annotator: str | None = None,
              channels: tuple[str, ...] | None = None) -> Recording:
    """Read the WFDB record whose header is ``base + ".hea"``.

    Args:
        base: record path without extension.
        units: override the header's units, one string for all channels or ``{channel: unit}``.
        annotator: annotation file extension to read (default: the first of atr, qrs, ann, ecg present).
        channels: keep only these channel names (after normalisation).
    """
    import wfdb

    header = base.with_name(base.name + ".hea")
    if not header.is_file():
        raise DataFormatError(f"WFDB header {header} is missing; a WFDB record needs its .hea file.")
    try:
        head = wfdb.rdheader(str(base))
    except Exception as exc:  # wfdb raises bare ValueError/IndexError on bad headers
        raise DataFormatError(
            f"WFDB header {header} is corrupt ({type(exc).__name__}: {exc}); check its record line "
            "'<name> <n_signals> <fs> <n_samples>' and one signal line per channel."
        ) from None
    if not head.fs or head.fs <= 0:
        raise DataFormatError(f"WFDB header {header} gives no sampling rate; add it to the record line.")
    try:
        rec = wfdb.rdrecord(str(base))
    except FileNotFoundError as exc:
        raise DataFormatError(f"WFDB record {base}: data file missing ({exc.filename}).") from None
    except Exception as exc:
        raise DataFormatError(
            f"WFDB record {base}: the data file cannot be read ({type(exc).__name__}: {exc}); it may be "
            "truncated or in a different format than the header says."
        ) from None
    x = np.asarray(rec.p_signal, dtype=np.float64).T
    if head.sig_len and x.shape[1] != head.sig_len:
        raise DataFormatError(
            f"WFDB record {base}: header promises {head.sig_len} samples, data holds {x.shape[1]}; "
            "the data file is truncated. Re-download it."
        )
    # a signal line may end before its (optional) description: such a channel gets a positional name
    names = tuple(normalise_channel(n) if n else f"ch{i}" for i, n in enumerate(rec.sig_name))
    raw_units = list(rec.units or ["mV"] * len(names))
    if isinstance(units, str):
        raw_units = [units] * len(names)
    elif units:
        raw_units = [units.get(n, units.get(r, u)) for n, r, u in zip(names, rec.sig_name, raw_units,
                                                                      strict=True)]
    out_units = to_canonical_units(x, names, [unit or "mV" for unit in raw_units])  # WFDB default unit is mV
    ann = read_annotations(base, annotator)
    keep = channel_indices(names, channels, f"WFDB record {base}")
    x = x[keep]
    return Recording(
        signals=x, sampling_rate=float(rec.fs), channels=tuple(names[i] for i in keep),
        units=tuple(out_units[i] for i in keep), valid=np.isfinite(x), annotations=ann,
        metadata={"reader": "wfdb", "path": str(base), "comments": list(rec.comments or [])},
    )


def read_annotations(base: str | Path, annotator: str | None = None) -> Annotations | None:
    """The annotations of WFDB record ``base`` (path without extension) without reading its signals: from
    ``base.<annotator>``, or the first of the usual annotators (atr, ...) that exists; ``None`` when there is
    none and no ``annotator`` was named.

    Raises:
        DataFormatError: the named annotation file does not exist, or an annotation file is corrupt.
    """
    import wfdb

    base = Path(base)
    candidates = (annotator,) if annotator else _ANNOTATORS
    for ext in candidates:
        if base.with_name(f"{base.name}.{ext}").is_file():
            try:
                a = wfdb.rdann(str(base), ext)
            except Exception as exc:
                raise DataFormatError(
                    f"annotation file {base}.{ext} is corrupt ({type(exc).__name__}: {exc})."
                ) from None
            aux = tuple(s or "" for s in (a.aux_note or [""] * len(a.sample)))
            return Annotations(sample=np.asarray(a.sample, dtype=np.int64), symbol=tuple(a.symbol),
                               aux=aux, annotator=ext)
    if annotator:
        raise DataFormatError(f"annotation file {base}.{annotator} does not exist.")
    return None
