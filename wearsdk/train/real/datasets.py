"""Real single-lead ECG datasets for probing encoders: CinC 2017 (AliveCor) and PTB-XL lead I.

Every record goes through the model card's one window path and is cached on disk:

* a record at least one window long (``card.window_seconds``, 30 s for the ECG encoders) is cut by
  :func:`wearsdk.stream.recording_windows` (the card's filter over the whole record, windows every
  ``card.hop_samples``, each normalised as the card says); a record gives one or more windows;
* a shorter record (CinC 2017: 9-30 s; PTB-XL: every record, 10 s) is filtered the same way
  (:meth:`Preprocessing.filter <wearsdk.models.Preprocessing.filter>`, resampled to the card's rate) and then
  **repeated** end to end until it fills the window (a 10 s record appears three times, a 17 s record 1.8
  times), then normalised (:meth:`Preprocessing.normalise`): the encoder sees real beats everywhere, never a
  flat stretch; the seams are the only artificial samples. ``valid_samples`` keeps how many samples of a window
  are the record itself (the hand-crafted features are computed on those only).

Records shorter than ``min_seconds`` are refused. Windows are cached as memory-mapped ``.npy`` under
``<cache root>/real_windows/<dataset>-<key>/`` (the cache root of :func:`wearsdk.runtime.default_cache_dir`:
``$WEARSDK_CACHE_DIR``, else ``~/.cache/wearsdk``), keyed by dataset, record list and the card's signal,
window and preprocessing, so a second run does not parse WFDB again. Labels are read from the label tables on
every call (they are small).
"""

from __future__ import annotations

import ast
import csv
import hashlib
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from wearsdk.errors import DataFormatError, ShapeError
from wearsdk.io import Recording
from wearsdk.models.card import ModelCard

__all__ = ["RealDataset", "cached_beside", "record_mean", "cinc2017", "cinc2017_labels", "ptbxl_lead1",
           "ptbxl_labels", "scp_classes", "record_windows",
           "cache_root", "cached_windows", "card_spec", "cut_windows", "single_lead_ecg", "CINC_CLASSES",
           "MIN_RECORD_S"]

#: CinC 2017 labels in REFERENCE.csv: normal sinus rhythm, AF, other rhythm, too noisy.
CINC_CLASSES = ("N", "A", "O", "~")
#: Shortest record accepted, s (the CinC 2017 minimum; PTB-XL records last 10 s).
MIN_RECORD_S = 9.0
_CACHE_VERSION = 1
_PTBXL_ABNORMAL = ("MI", "STTC", "CD", "HYP")


@dataclass(frozen=True)
class RealDataset:
    """Windows and labels of one real dataset.

    Attributes:
        name: ``"cinc2017"`` or ``"ptbxl_lead1"``.
        x: ``(windows, 1, card.window_samples)`` float32 model inputs (memory-mapped from the cache).
        record_of_window: ``(windows,)`` index into ``records`` of each window.
        valid_samples: ``(windows,)`` samples of each window that are the record itself (the rest repeats it).
        records: ``(R,)`` record names (CinC ``A00001``; PTB-XL ``ecg_id``).
        groups: ``(R,)`` patient of each record (CinC 2017 has no patient ids: the record).
        split: ``(R,)`` ``"train"`` or ``"val"``.
        labels: target name -> ``(R,)`` float64 (NaN where unknown); class targets hold class indices.
        classes: class target name -> class names (index order).
        sampling_rate_hz: rate of ``x``.
        window_labels: per-window values name -> ``(windows,)`` float64 (the long annotated records of
            :mod:`wearsdk.train.real.holter`: reference HR, AF, window start); empty for the other datasets.
    """

    name: str
    x: np.ndarray
    record_of_window: np.ndarray
    valid_samples: np.ndarray
    records: np.ndarray
    groups: np.ndarray
    split: np.ndarray
    labels: dict[str, np.ndarray]
    classes: dict[str, tuple[str, ...]]
    sampling_rate_hz: float
    window_labels: dict[str, np.ndarray] = field(default_factory=dict)


def cache_root() -> Path:
    """``<wearsdk cache root>/real_windows`` (the root of :func:`wearsdk.runtime.default_cache_dir`)."""
    from wearsdk.runtime.cache import default_cache_dir

    return default_cache_dir().parent / "real_windows"


def record_windows(rec: Recording, lead: str, card: ModelCard,
                   min_seconds: float = MIN_RECORD_S) -> tuple[np.ndarray, np.ndarray]:
    """Model windows ``(k, 1, W)`` of lead ``lead`` of ``rec`` and the number of record samples in each ``(k,)``
    (see the module docstring: long records cut by :func:`~wearsdk.stream.recording_windows`, short ones
    repeated).

    Raises:
        ShapeError: the record is shorter than ``min_seconds``, or has no lead ``lead``.
    """
    x, n, _ = cut_windows(rec, lead, card, min_seconds)
    return x, n


def cut_windows(rec: Recording, lead: str, card: ModelCard, min_seconds: float,
                invert: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`record_windows` and the start of each window in the record, s ``(k,)``; channel ``lead`` is fed to
    every input of the card (one lead for the ECG encoders, one PPG channel on all four PPG inputs), negated first
    when ``invert`` (raw light intensity, pulses down)."""
    from wearsdk.stream import recording_windows

    source = rec.metadata.get("path", "the recording")
    if rec.duration_s < min_seconds:
        raise ShapeError(f"{source} lasts {rec.duration_s:.1f} s; expected a record of at least {min_seconds:g} s "
                         "(drop it from the record list).")
    window, inputs = card.window_samples, len(card.input_channels)
    if rec.duration_s >= card.window_seconds:
        win = recording_windows(rec, card, channels=[lead] * inputs, invert=[lead] if invert else None)
        return win.x, np.full(len(win.x), window, np.int64), win.t_start_s
    names = [c.lower() for c in rec.channels]
    if lead.lower() not in names:
        raise ShapeError(f"{source} has no lead {lead!r} (it has {list(rec.channels)}); expected a record with "
                         f"lead {lead!r}.")
    signal = np.nan_to_num(rec.signals[names.index(lead.lower())]) * (-1.0 if invert else 1.0)
    y = card.preprocessing.filter((signal - signal[0])[None].astype(np.float32), sampling_rate=rec.sampling_rate,
                                  target_rate=card.sampling_rate_hz)
    n = y.shape[-1]
    tiled = np.tile(y, (inputs, math.ceil(window / n)))[:, :window]
    return (card.preprocessing.normalise(tiled[None]).astype(np.float32), np.array([min(n, window)], np.int64),
            np.zeros(1))


#: ``fn(recording, window starts in s (k,)) -> {name: (k,) float64}``: per-window labels cached with the windows.
WindowLabeller = Callable[[Recording, np.ndarray], dict[str, np.ndarray]]


#: ``fn(i) -> (windows (k, C, W), record samples per window (k,), per-window labels {name: (k,)})`` of record ``i``.
WindowMaker = Callable[[int], tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]]


def cached_windows(name: str, spec: dict[str, Any], n_records: int, make: WindowMaker, progress: bool,
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """``(x, record_of_window, valid_samples, per-window labels)`` of ``n_records`` records, memory-mapped from
    ``<cache_root()>/<name>-<hash of spec>/``, or made record by record with ``make`` and cached (``spec`` must
    name everything the windows depend on: records, card, labeller)."""
    key = json.dumps({"v": _CACHE_VERSION, "dataset": name, **spec}, sort_keys=True, default=str)
    folder = cache_root() / f"{name}-{hashlib.sha256(key.encode()).hexdigest()[:16]}"
    names = ("x", "record", "valid")
    if not (folder / "done.json").is_file():
        xs, rec_of, valid, labels = [], [], [], []
        for i in tqdm(range(n_records), desc=f"{name}: windows", disable=not progress):
            x, n, per_window = make(i)
            xs.append(x)
            valid.append(n)
            rec_of.append(np.full(len(x), i, np.int64))
            labels.append(per_window)
        folder.mkdir(parents=True, exist_ok=True)
        for k, v in zip(names, (xs, rec_of, valid), strict=True):
            np.save(folder / f"{k}.npy", np.concatenate(v))
        for k in labels[0] if labels else ():
            np.save(folder / f"window_{k}.npy", np.concatenate([np.asarray(d[k], np.float64) for d in labels]))
        (folder / "done.json").write_text(key)  # written last: a cache folder without it is rebuilt
    x, rec_of, valid = (np.load(folder / f"{k}.npy", mmap_mode="r") for k in names)
    per_window = {p.stem.removeprefix("window_"): np.load(p) for p in sorted(folder.glob("window_*.npy"))}
    return x, rec_of, valid, per_window


def card_spec(card: ModelCard) -> dict[str, Any]:
    """What a cached window depends on in ``card``: signal, window, hop and preprocessing."""
    return {"signal": repr(card.signal), "window": card.window_samples, "hop": card.hop_samples,
            "preprocessing": card.preprocessing.to_dict()}


def _cached_windows(name: str, records: Sequence[tuple[str, Path]], lead: str, card: ModelCard,
                    min_seconds: float, progress: bool, window_labels: WindowLabeller | None = None,
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """:func:`cached_windows` of WFDB ``records`` (name, path without extension) read with
    :func:`wearsdk.io.read`, cut with :func:`record_windows` on ``lead`` and labelled by ``window_labels`` (none
    without it; its qualified name is part of the cache key)."""
    from wearsdk.io import read

    spec = {"lead": lead, "records": [r for r, _ in records],
            "folder": str(Path(records[0][1]).parent.resolve()) if records else "", **card_spec(card),
            "min_s": min_seconds}
    if window_labels is not None:
        spec["window_labels"] = f"{window_labels.__module__}.{window_labels.__qualname__}"

    def make(i: int) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
        rec = read(records[i][1])
        x, n, start_s = cut_windows(rec, lead, card, min_seconds)
        return x, n, window_labels(rec, start_s) if window_labels is not None else {}

    return cached_windows(name, spec, len(records), make, progress)


def record_mean(values: np.ndarray, record_of_window: np.ndarray, n_records: int) -> np.ndarray:
    """Mean of per-window ``values`` ``(windows,)`` or ``(windows, D)`` over each record's windows: ``(n_records,)``
    or ``(n_records, D)`` (0 for a record without windows)."""
    values = np.asarray(values, np.float64)
    sums = np.zeros((n_records, *values.shape[1:]))
    np.add.at(sums, record_of_window, values)
    counts = np.maximum(np.bincount(record_of_window, minlength=n_records), 1)
    return sums / counts.reshape(-1, *([1] * (values.ndim - 1)))


def cached_beside(ds: RealDataset, name: str, compute: Callable[[RealDataset], np.ndarray]) -> np.ndarray:
    """``compute(ds)``, cached as ``<name>.npy`` beside the dataset's memory-mapped windows (computed once per
    window cache; always recomputed for windows that are not from the cache)."""
    x = ds.x
    path = Path(x.filename).parent / f"{name}.npy" if isinstance(x, np.memmap) and x.filename else None
    if path is not None and path.is_file():
        return np.load(path)
    values = compute(ds)
    if path is not None:
        np.save(path, values)
    return values


def _subset(n: int, limit: int | None, seed: int) -> np.ndarray:
    """Indices of ``limit`` of ``n`` items chosen with ``seed`` (sorted), or all of them."""
    if limit is None or limit >= n:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).permutation(n)[:limit])


def cinc2017_labels(root: str | Path, *, seed: int = 0, val_fraction: float = 0.2,
                    limit: int | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(records, rhythm class index (R,), split (R,))`` of CinC 2017's ``root/REFERENCE.csv``: the split is by
    record, stratified by label (``val_fraction`` of each class in ``"val"``, fixed ``seed``); ``limit`` keeps that
    many records (seeded).

    Raises:
        DataFormatError: no REFERENCE.csv, a line that is not ``record,label`` with a label in N/A/O/~, a record's
            .hea file missing.
    """
    root = Path(root)
    ref = root / "REFERENCE.csv"
    if not ref.is_file():
        raise DataFormatError(f"{root} has no REFERENCE.csv; expected the CinC 2017 training folder (REFERENCE.csv "
                              "with lines 'record,label' and the records' .hea/.mat files).")
    rows = []
    with ref.open() as f:
        for line_no, row in enumerate(csv.reader(f), 1):
            if not row or row[0] == "record":
                continue
            if len(row) != 2 or row[1] not in CINC_CLASSES:
                raise DataFormatError(f"{ref}, line {line_no}: {row!r}; expected 'record,label' with label one of "
                                      f"{list(CINC_CLASSES)}.")
            rows.append((row[0], row[1]))
    rows = [rows[i] for i in _subset(len(rows), limit, seed)]
    for record, _ in rows:
        if not (root / f"{record}.hea").is_file():
            raise DataFormatError(f"{root / record}.hea is missing; {ref} lists record {record!r}.")
    records = np.array([r for r, _ in rows])
    cls = np.array([CINC_CLASSES.index(lab) for _, lab in rows], np.float64)
    split = np.full(len(rows), "train", dtype=object)
    rng = np.random.default_rng(seed)
    for k in range(len(CINC_CLASSES)):
        idx = rng.permutation(np.flatnonzero(cls == k))
        split[idx[:round(val_fraction * len(idx))]] = "val"
    return records, cls, split.astype(str)


def cinc2017(root: str | Path, card: ModelCard, *, seed: int = 0, val_fraction: float = 0.2,
             limit: int | None = None, progress: bool = True, min_seconds: float = MIN_RECORD_S) -> RealDataset:
    """CinC 2017 (``root/REFERENCE.csv`` + ``<record>.hea/.mat``, 300 Hz AliveCor lead I) windows for ``card``:
    labels ``af`` (A vs rest, 0/1) and ``rhythm`` (class index into :data:`CINC_CLASSES`); split and ``limit`` as
    :func:`cinc2017_labels`; groups are the records (the challenge publishes no patient ids).

    Raises:
        DataFormatError: see :func:`cinc2017_labels`.
        ShapeError: a record shorter than ``min_seconds``.
    """
    root = Path(root)
    records, cls, split = cinc2017_labels(root, seed=seed, val_fraction=val_fraction, limit=limit)
    x, rec_of, valid, _ = _cached_windows("cinc2017", [(r, root / r) for r in records], "ECG", card, min_seconds,
                                          progress)
    return RealDataset("cinc2017", x, rec_of, valid, records, records.copy(), split,
                       {"af": (cls == 1).astype(np.float64), "rhythm": cls}, {"rhythm": CINC_CLASSES},
                       card.sampling_rate_hz)


def scp_classes(root: str | Path) -> dict[str, str]:
    """SCP code -> diagnostic class ('' for rhythm/form statements) from ``root/scp_statements.csv``."""
    path = Path(root) / "scp_statements.csv"
    if not path.is_file():
        raise DataFormatError(f"{root} has no scp_statements.csv; expected PTB-XL's statement table (code, ..., "
                              "diagnostic_class) beside labels.csv.")
    with path.open() as f:
        return {row[""]: row["diagnostic_class"] for row in csv.DictReader(f)}


def ptbxl_labels(root: str | Path, *, seed: int = 0, limit: int | None = None) -> dict[str, np.ndarray]:
    """PTB-XL's ``root/labels.csv`` as arrays ``(R,)``: ``records`` (ecg_id), ``groups`` (patient_id), ``split``
    (strat_fold 1-8 ``"train"``, 9 ``"val"``, 10 ``"test"``: PTB-XL's folds keep each patient in one), ``paths``
    (``records100/<folder>/<id>_lr``), ``abnormal`` (0 when the SCP codes hold NORM and no MI/STTC/CD/HYP
    statement of ``scp_statements.csv``, else 1), ``age`` (years, NaN where missing), ``sex_female`` (0/1);
    ``limit`` keeps that many records (seeded).

    Raises:
        DataFormatError: no labels.csv / scp_statements.csv, a row without the columns, an SCP code not in the
            statement table, a fold out of 1-10, a record's .hea file missing.
    """
    root = Path(root)
    path = root / "labels.csv"
    if not path.is_file():
        raise DataFormatError(f"{root} has no labels.csv; expected the PTB-XL label table (ecg_id, patient_id, age, "
                              "sex, scp_codes, strat_fold) beside records100/.")
    scp = scp_classes(root)
    with path.open() as f:
        rows = list(csv.DictReader(f))
    rows = [rows[i] for i in _subset(len(rows), limit, seed)]
    abnormal, age, sex, split, paths, groups = [], [], [], [], [], []
    for row in rows:
        try:
            codes = ast.literal_eval(row["scp_codes"])
            fold = int(row["strat_fold"])
            ecg_id = int(row["ecg_id"])
            sex.append(float(row["sex"]))
            age.append(float(row["age"]) if row["age"] not in ("", "nan") else math.nan)
            groups.append(row["patient_id"])
        except (KeyError, ValueError, SyntaxError) as exc:
            raise DataFormatError(f"{path}, ecg_id {row.get('ecg_id')}: {exc!r}; expected columns ecg_id, "
                                  "patient_id, age, sex, scp_codes ({code: likelihood}), strat_fold.") from exc
        unknown = sorted(set(codes) - set(scp))
        if unknown:
            raise DataFormatError(f"{path}, ecg_id {ecg_id}: SCP code(s) {unknown} are not in "
                                  f"{root / 'scp_statements.csv'}; expected PTB-XL statement codes.")
        if not 1 <= fold <= 10:
            raise DataFormatError(f"{path}, ecg_id {ecg_id}: strat_fold {fold}; expected 1-10.")
        abnormal.append(float("NORM" not in codes or any(scp[c] in _PTBXL_ABNORMAL for c in codes)))
        split.append("train" if fold <= 8 else "val" if fold == 9 else "test")
        p = root / "records100" / f"{ecg_id // 1000 * 1000:05d}" / f"{ecg_id:05d}_lr"
        if not p.with_suffix(".hea").is_file():
            raise DataFormatError(f"{p}.hea is missing; {path} lists ecg_id {ecg_id}.")
        paths.append(p)
    return {"records": np.array([r["ecg_id"] for r in rows]), "groups": np.array(groups),
            "split": np.array(split), "paths": np.array(paths, dtype=object), "abnormal": np.array(abnormal),
            "age": np.array(age), "sex_female": np.array(sex)}


def ptbxl_lead1(root: str | Path, card: ModelCard, *, seed: int = 0, limit: int | None = None,
                progress: bool = True, min_seconds: float = MIN_RECORD_S) -> RealDataset:
    """PTB-XL lead I windows for ``card`` (10 s at 100 Hz, repeated to fill the window: see the module
    docstring) with the labels ``abnormal``, ``age``, ``sex_female``, split and groups of :func:`ptbxl_labels`.

    Raises:
        DataFormatError: see :func:`ptbxl_labels`.
    """
    t = ptbxl_labels(root, seed=seed, limit=limit)
    x, rec_of, valid, _ = _cached_windows("ptbxl_lead1", list(zip(t["records"], t["paths"], strict=True)), "I", card,
                                          min_seconds, progress)
    return RealDataset("ptbxl_lead1", x, rec_of, valid, t["records"], t["groups"], t["split"],
                       {k: t[k] for k in ("abnormal", "age", "sex_female")}, {}, card.sampling_rate_hz)


def single_lead_ecg(root: str | Path, card: ModelCard, *, seed: int = 0, limit: int | None = None,
                    progress: bool = True) -> dict[str, RealDataset]:
    """The real single-lead ECG of issue 22 by name: ``"cinc2017"`` (:func:`cinc2017` of ``root/cinc2017``) and
    ``"ptbxl_lead1"`` (:func:`ptbxl_lead1` of ``root/ptbxl``), split with ``seed``, ``limit`` records of each."""
    root = Path(root)
    return {"cinc2017": cinc2017(root / "cinc2017", card, seed=seed, limit=limit, progress=progress),
            "ptbxl_lead1": ptbxl_lead1(root / "ptbxl", card, seed=seed, limit=limit, progress=progress)}
