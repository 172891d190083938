"""NumPy (``.npy`` / ``.npz``) and MATLAB (``.mat`` without a WFDB header) arrays."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np

from wearsdk.errors import DataFormatError
from wearsdk.io.recording import Recording
from wearsdk.io.units import normalise_channel, to_canonical_units

__all__ = ["read_array"]

_SIGNAL_KEYS = ("signals", "signal", "ecg", "ppg", "x", "data", "val")


def read_array(path: Path, *, sampling_rate: float | None = None, channels: tuple[str, ...] | None = None,
               units: Mapping[str, str] | str | None = None, key: str | None = None,
               channels_last: bool = False) -> Recording:
    """Read an array file; 2-D arrays are ``(channels, samples)`` unless ``channels_last``.

    ``.npz`` files written by wearsdk (keys ``signals``, ``sampling_rate``, ``channels``, ``units``) need no
    options; for bare arrays pass ``sampling_rate`` (Hz) and optionally ``channels`` and ``units``.
    ``key`` picks the array inside an ``.npz`` / ``.mat`` (default: the first of signals, signal, ecg, ppg,
    x, data, val, or the only array).
    """
    suffix = path.suffix.lower()
    store: dict[str, np.ndarray] = {}
    try:
        if suffix == ".npy":
            store = {"signals": np.load(path, allow_pickle=False)}
        elif suffix == ".npz":
            with np.load(path, allow_pickle=False) as z:
                store = {k: z[k] for k in z.files}
        else:
            from scipy.io import loadmat

            store = {k: v for k, v in loadmat(str(path)).items() if not k.startswith("__")}
    except Exception as exc:
        raise DataFormatError(f"{path} cannot be read as {suffix} ({type(exc).__name__}: {exc}).") from None
    names = [k for k in store if isinstance(store[k], np.ndarray) and store[k].dtype.kind in "fiu"]
    pick = key or next((k for k in _SIGNAL_KEYS if k in store), names[0] if len(names) == 1 else None)
    if pick is None or pick not in store:
        raise DataFormatError(f"{path}: cannot tell which array is the signal among {sorted(store)}; pass key=.")
    kind = np.asarray(store[pick]).dtype
    if kind.kind not in "fiub":
        raise DataFormatError(f"{path}: array {pick!r} holds {kind} values, not real numbers; a signal must be "
                              "float or integer (take the real part or magnitude yourself if that is what you mean).")
    x = np.asarray(store[pick], dtype=np.float64)
    if x.ndim == 1:
        x = x[None, :]
    elif x.ndim == 2 and (channels_last or (suffix == ".mat" and x.shape[1] == 1)):
        x = x.T
    if x.ndim != 2:
        raise DataFormatError(f"{path}: array {pick!r} has shape {x.shape}; expected (channels, samples).")
    if sampling_rate is None:
        for k in ("sampling_rate", "fs"):
            if k in store:
                sampling_rate = float(np.asarray(store[k]).ravel()[0])
    if sampling_rate is None:
        raise DataFormatError(f"{path} does not say its sampling rate; pass sampling_rate=<Hz> to read().")
    if channels is None:
        channels = tuple(str(c) for c in store["channels"]) if "channels" in store else tuple(
            f"ch{i}" for i in range(x.shape[0]))
    if len(channels) != x.shape[0]:
        raise DataFormatError(f"{path}: {len(channels)} channel names for {x.shape[0]} channels.")
    names = [normalise_channel(c) for c in channels]
    if units is None and "units" in store:
        units = dict(zip(names, (str(u) for u in store["units"]), strict=True))
    unit_list = [units] * len(names) if isinstance(units, str) else [(units or {}).get(n, "") for n in names]
    out_units = to_canonical_units(x, names, unit_list)
    return Recording(signals=x, sampling_rate=float(sampling_rate), channels=tuple(names),
                     units=tuple(out_units), valid=np.isfinite(x),
                     metadata={"reader": suffix.lstrip("."), "path": str(path), "key": pick})
