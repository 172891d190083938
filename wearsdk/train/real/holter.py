"""Long ECG records with annotated beats (CPSC 2021, MIT-BIH) in the model card's windows, each with its reference
heart rate and AF flag.

Each record goes through the card's one window path (:func:`~wearsdk.train.real.datasets.record_windows`, i.e.
:func:`wearsdk.stream.recording_windows`: the card's filter over the whole record, windows of
``card.window_seconds`` every ``card.hop_samples``, normalised as the card says); the windows and their start
times are cached with the other real datasets, the labels are read from each record's ``.atr`` on every call. A
record shorter than one window is refused (never repeated: its reference comes from its own beats). Per window
(``RealDataset.window_labels``, ``(windows,)`` float64 each):

* ``hr_bpm``: the reference HR, :func:`~wearsdk.train.real.features.mean_hr_bpm` of the annotated beats that lie
  in the window
  ``[start_s, start_s + card.window_seconds)``: 60 / mean RR of the intervals between consecutive beats both
  inside it, i.e. ``60 * (beats - 1) / (last - first)`` in bpm (beat symbols only,
  :data:`wearsdk.io.BEAT_SYMBOLS`; rhythm ``+`` and other non-beat annotations are not beats); NaN with fewer than
  3 beats. The mean, not the median: reference beats miss none, and with alternating RR (CPSC 2021 data_35_4
  alternates 0.96 and 1.53 s) a median jumps between the two modes while the mean counts the beats;
* ``af_fraction``: the fraction of the window inside an ``(AFIB`` rhythm episode (from a ``+`` annotation whose
  aux note reads ``(AFIB`` to the next rhythm annotation, or the record's end); ``af``: 1 when that fraction
  exceeds 0.5 (as the heads' simulated truth), else 0;
* ``start_s``: the window's start in the record, s.

The records are evaluation records (split ``"test"``: nothing is fitted on them).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from wearsdk.errors import DataFormatError
from wearsdk.io import Annotations, Recording
from wearsdk.models.card import ModelCard
from wearsdk.train.real.datasets import RealDataset, _cached_windows, _subset
from wearsdk.train.real.features import mean_hr_bpm

__all__ = ["HOLTER_LEADS", "cpsc2021", "mitdb", "holter_records", "window_references"]

#: Dataset -> the lead read by default: CPSC 2021 has I and II (200 Hz); MIT-BIH has MLII and V5 (360 Hz).
HOLTER_LEADS = {"cpsc2021": "I", "mitdb": "MLII"}
#: A window is AF when more than this fraction of it lies in an ``(AFIB`` episode.
AF_MIN_FRACTION = 0.5


def _af_episodes(ann: Annotations, sampling_rate: float, duration_s: float) -> list[tuple[float, float]]:
    """``(start_s, end_s)`` of each ``(AFIB`` rhythm episode in ``ann`` (samples at ``sampling_rate`` Hz)."""
    rhythm = [(s / sampling_rate, aux.strip("\x00 ")) for s, sym, aux in zip(ann.sample, ann.symbol, ann.aux,
                                                                               strict=True) if sym == "+"]
    if not rhythm:
        return []
    ends = [t for t, _ in rhythm[1:]] + [duration_s]
    return [(t, end) for (t, note), end in zip(rhythm, ends, strict=True) if note.startswith("(AFIB")]


def window_references(ann: Annotations, sampling_rate: float, duration_s: float, start_s: np.ndarray,
                      window_s: float) -> dict[str, np.ndarray]:
    """Reference ``hr_bpm``, ``af_fraction``, ``af`` and ``start_s`` (each ``(k,)``) of the windows starting at
    ``start_s (k,)`` s and lasting ``window_s`` s of a record of ``duration_s`` s whose annotations ``ann`` index
    samples at ``sampling_rate`` Hz (module docstring)."""
    beats = ann.beats / sampling_rate
    episodes = _af_episodes(ann, sampling_rate, duration_s)
    start_s = np.asarray(start_s, np.float64)
    hr, af = np.empty(len(start_s)), np.empty(len(start_s))
    for i, a in enumerate(start_s):
        b = a + window_s
        hr[i] = mean_hr_bpm(beats[(beats >= a) & (beats < b)])
        af[i] = sum(max(0.0, min(b, e1) - max(a, e0)) for e0, e1 in episodes) / window_s
    return {"hr_bpm": hr, "af_fraction": af, "af": (af > AF_MIN_FRACTION).astype(np.float64), "start_s": start_s}


def holter_records(root: str | Path, lead: str, records: list[str] | None = None) -> dict[str, tuple[float, float]]:
    """The WFDB records in ``root`` (every ``<name>.hea``, sorted, or ``records``) as name -> (sampling rate in Hz,
    duration in s), each checked to have an ``.atr`` file and the lead ``lead``.

    Raises:
        DataFormatError: no records in ``root``, a listed record without its ``.hea`` or ``.atr``, a header that
            cannot be read or has no lead ``lead``.
    """
    import wfdb

    from wearsdk.io.units import normalise_channel

    root = Path(root)
    names = sorted(p.stem for p in root.glob("*.hea")) if records is None else list(records)
    if not names:
        raise DataFormatError(f"{root} holds no WFDB records (<name>.hea); expected the CPSC 2021 or MIT-BIH folder "
                              "with each record's .hea, .dat and .atr files.")
    out = {}
    for name in names:
        base = root / name
        for ext, what in (("hea", "header"), ("atr", "reference beat annotations")):
            if not base.with_name(f"{name}.{ext}").is_file():
                raise DataFormatError(f"{base}.{ext} is missing; expected the record's {what} ({name}.hea, .dat "
                                      "and .atr side by side).")
        try:
            head = wfdb.rdheader(str(base))
        except Exception as exc:  # wfdb raises bare ValueError/IndexError on bad headers
            raise DataFormatError(f"{base}.hea cannot be read ({type(exc).__name__}: {exc}); expected a WFDB "
                                  "header.") from None
        leads = [normalise_channel(c) for c in head.sig_name or ()]
        if lead.lower() not in (c.lower() for c in leads):
            raise DataFormatError(f"{base}.hea has no lead {lead!r} (it has {leads}); pass lead= one of those.")
        out[name] = (float(head.fs), (head.sig_len or 0) / float(head.fs))
    return out


def _window_starts(rec: Recording, start_s: np.ndarray) -> dict[str, np.ndarray]:
    """What the window cache keeps per window beside the windows: their starts in the record, s."""
    return {"start_s": start_s}


def _holter(dataset: str, root: str | Path, card: ModelCard, lead: str | None, records: list[str] | None,
            limit: int | None, seed: int, progress: bool) -> RealDataset:
    from wearsdk.io import read_annotations

    root = Path(root)
    lead = lead or HOLTER_LEADS[dataset]
    info = holter_records(root, lead, records)
    names = [list(info)[i] for i in _subset(len(info), limit, seed)]
    x, rec_of, valid, per_window = _cached_windows(dataset, [(n, root / n) for n in names], lead, card,
                                                   card.window_seconds, progress, _window_starts)
    labels = [window_references(read_annotations(root / n, "atr"), *info[n], per_window["start_s"][rec_of == i],
                                card.window_seconds) for i, n in enumerate(names)]
    groups = np.array([m.group(1) if (m := re.fullmatch(r"data_(\d+)_\d+", n)) else n for n in names])
    return RealDataset(dataset, x, rec_of, valid, np.array(names), groups, np.full(len(names), "test"), {}, {},
                       card.sampling_rate_hz, {k: np.concatenate([d[k] for d in labels]) for k in labels[0]})


def cpsc2021(root: str | Path, card: ModelCard, *, lead: str | None = None, records: list[str] | None = None,
             limit: int | None = None, seed: int = 0, progress: bool = True) -> RealDataset:
    """CPSC 2021 records (``root/data_<patient>_<record>.hea/.dat/.atr``, leads I and II at 200 Hz) in ``card``'s
    windows with per-window reference HR and AF (module docstring); lead ``lead`` (default I), every record in
    ``root`` or ``records``; ``limit`` keeps that many (seeded); groups are the patients.

    Raises:
        DataFormatError: see :func:`holter_records`.
        ShapeError: a record shorter than one window (``card.window_seconds``).
    """
    return _holter("cpsc2021", root, card, lead, records, limit, seed, progress)


def mitdb(root: str | Path, card: ModelCard, *, lead: str | None = None, records: list[str] | None = None,
          limit: int | None = None, seed: int = 0, progress: bool = True) -> RealDataset:
    """MIT-BIH Arrhythmia records (``root/<record>.hea/.dat/.atr``, MLII and V5 at 360 Hz) in ``card``'s windows
    with per-window reference HR and AF (module docstring); lead ``lead`` (default MLII); groups are the records.

    Raises:
        DataFormatError: see :func:`holter_records`.
        ShapeError: a record shorter than one window (``card.window_seconds``).
    """
    return _holter("mitdb", root, card, lead, records, limit, seed, progress)
