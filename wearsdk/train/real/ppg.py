"""Real PPG datasets for training and probing the PPG encoders (issue 23), through the card's one window path.

Every source gives windows of the PPG card (60 s at 64 Hz, one real channel fed to all four inputs, as a
single-sensor device does), cached on disk as memory-mapped ``.npy`` (:func:`~wearsdk.train.real.datasets.
cached_windows`):

* :func:`ppg_bp`: PPG-BP (Liang et al., Sci Data 5:180020, 2018), 219 adults aged 21-86 with age, sex, BMI and
  cuff BP. Its segments last 2.1 s, far less than a window, so each segment becomes a **pulse train**: its
  complete beats (:func:`wearsdk.sim.pulse_features.pulse_beats`: cut foot to foot at 100 Hz after a 0.3-10 Hz
  zero-phase band-pass, the line between the feet removed) are laid end to end and repeated to fill the window.
  The pulse shape is the person's own, the rate is that of the segment's beats, but beat-to-beat variability and
  breathing are absent; ``valid_samples`` holds the beats' own length at the model rate. A subject gives one
  window per segment whose beats are complete, point up (:func:`wearsdk.ppg_polarity`) and beat within 15 % of
  the HR in the subject's table (a dicrotic wave taken for a pulse doubles the rate): 293 windows of 170 subjects
  (up to three per subject: a participant's positive pairs); 49 subjects have no such segment.
* :func:`ppg_mw4`: four-wavelength finger PPG (78 adults aged 21-27, 60 s at 200 Hz, with sex, height, weight and
  cuff BP): one window per wavelength (660, 730, 850 nm), the record's own 60 s.
* :func:`ppg_devices`: the five recordings of other devices with a heart-rate reference, cut every hop: the ICU
  monitor of Challenge 2015 ``v102s`` (PLETH; reference: :func:`wearsdk.ecg_peaks` on lead II), a 20 Hz
  smartwatch (``e2epyppg``, raw intensity negated; reference: the watch's own HR), HeartPy's two examples and
  BITalino's finger clip (reference: :func:`wearsdk.ppg_peaks` on the record at its own rate, 60 / median
  interval). Records shorter
  than a window (HeartPy ``data.csv`` 24.8 s, BITalino 20 s) are repeated to fill it, as short ECG records are.

Per-window labels cached with the windows: ``reference_hr_bpm`` (NaN where the window has no reference),
``quality_min`` (not for PPG-BP: the lowest :func:`wearsdk.ppg_quality` of the window's 10 s blocks on its own
samples; the window is clean when it is >= :data:`wearsdk.peaks.quality.GOOD_QUALITY`) and, for ``ppg_mw4``,
``wavelength_nm``.

Splits: PPG-BP by subject (``val_fraction`` of each sex, seeded); ``ppg_mw4`` and the device recordings are all
``"val"``: they are never trained on, so that every PPG claim is measured on devices and people the encoder did
not see (``ppg_mw4``'s probes use subject-level cross-validation).
"""

from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import Any

import numpy as np

from wearsdk.errors import DataFormatError
from wearsdk.io import Recording
from wearsdk.models.card import ModelCard
from wearsdk.train.real.datasets import RealDataset, cached_windows, card_spec, cut_windows

__all__ = ["ppg_bp", "ppg_mw4", "ppg_devices", "pulse_train", "window_quality", "ppg_window_hr", "median_hr_bpm",
           "device_pulse_features", "DEVICE_RECORDS", "MW4_NM"]

#: Wavelengths of ``ppg_mw4``'s three channels, nm (its README: channel 1-3).
MW4_NM = (660, 730, 850)
#: name -> (path under the data root, reader options, PPG channel, inverted?, reference) of the device recordings.
DEVICE_RECORDS: dict[str, tuple[str, dict[str, Any], str, bool, str]] = {
    "challenge2015/v102s": ("challenge2015/v102s", {}, "PLETH", False, "ecg:II"),
    "wearable_ppg/e2epyppg": ("wearable_ppg/e2epyppg_201902020222_Data.csv", {}, "ppg", True, "device:hrm"),
    "wearable_ppg/heartpy_data": ("wearable_ppg/heartpy_data.csv", {"sampling_rate": 100.0}, "ch0", False, "ppg"),
    "wearable_ppg/heartpy_data2": ("wearable_ppg/heartpy_data2.csv", {}, "hr", False, "ppg"),
    "bitalino/biosppy_ppg": ("bitalino/biosppy_ppg.txt", {}, "PPG", False, "ppg"),
}
_QUALITY_BLOCK_S = 10.0
_MIN_DEVICE_S = 15.0
#: A PPG-BP pulse train is kept when its rate is within this fraction of the table's HR (measured at the visit).
_HR_AGREEMENT = 0.15


def _split_by(groups: np.ndarray, strata: np.ndarray, val_fraction: float, seed: int) -> np.ndarray:
    """``"train"`` / ``"val"`` per item: ``val_fraction`` of the groups of each stratum in ``"val"`` (seeded)."""
    rng = np.random.default_rng(seed)
    val: set[Any] = set()
    for s in np.unique(strata):
        g = np.unique(groups[strata == s])
        val |= set(rng.permutation(g)[:round(val_fraction * len(g))].tolist())
    return np.array(["val" if g in val else "train" for g in groups])


def window_quality(x: np.ndarray, valid_samples: np.ndarray, sampling_rate: float) -> np.ndarray:
    """Lowest :func:`wearsdk.ppg_quality` of the 10 s blocks of each window's own samples (channel 0) ``(n,)``
    (0 when no beat is found)."""
    from wearsdk.peaks import ppg_peaks, ppg_quality

    out = np.zeros(len(x))
    for i in range(len(x)):
        y = np.asarray(x[i, 0, :valid_samples[i]], np.float64)
        peaks = ppg_peaks(y, sampling_rate=sampling_rate)
        if peaks.size >= 3:
            q = ppg_quality(y, peaks, sampling_rate=sampling_rate, window_s=_QUALITY_BLOCK_S)
            out[i] = float(np.nanmin(q)) if np.isfinite(q).any() else 0.0
    return out


def median_hr_bpm(beat_times_s: np.ndarray) -> float:
    """60 / median interval (bpm) of increasing beat times ``(beats,)`` in s; NaN with fewer than 3 beats. A PPG
    detector's odd extra or missed beat (a dicrotic wave, a weak pulse) moves the mean interval, not the median."""
    t = np.asarray(beat_times_s, np.float64)
    return 60.0 / float(np.median(np.diff(t))) if t.size >= 3 else float("nan")


def ppg_window_hr(x: np.ndarray, valid_samples: np.ndarray, sampling_rate: float) -> np.ndarray:
    """:func:`median_hr_bpm` of the :func:`wearsdk.ppg_peaks` peaks in each window's own samples (channel 0)
    ``(n,)``."""
    from wearsdk.peaks import ppg_peaks

    return np.array([median_hr_bpm(ppg_peaks(np.asarray(x[i, 0, :valid_samples[i]], np.float64),
                                             sampling_rate=sampling_rate) / sampling_rate) for i in range(len(x))])


def pulse_train(segment: np.ndarray, sampling_rate: float, seconds: float) -> tuple[np.ndarray, float, float]:
    """``(signal at 100 Hz (samples,), heart rate bpm, seconds of real beats)``: the complete beats of one short
    PPG segment (pulses up) laid end to end and repeated to last ``seconds`` (see the module docstring).

    Raises:
        DataFormatError: the segment has no complete beat.
    """
    from wearsdk.sim.pulse_features import ANALYSIS_RATE, pulse_beats

    beats = [b - np.linspace(b[0], b[-1], b.size) for b in pulse_beats(segment, sampling_rate=sampling_rate)]
    if not beats:
        raise DataFormatError("the PPG segment has no complete beat (foot, one systolic peak, foot).")
    one = np.concatenate([b[:-1] for b in beats])  # each beat's last sample is the next one's foot
    n = int(math.ceil(seconds * ANALYSIS_RATE))
    rate = 60.0 * ANALYSIS_RATE * len(beats) / one.size
    return np.tile(one, math.ceil(n / one.size))[:n], rate, one.size / ANALYSIS_RATE


def _recording(signal: np.ndarray, fs: float, name: str, source: str) -> Recording:
    x = np.asarray(signal, np.float64)[None]
    return Recording(x, fs, (name,), ("au",), np.isfinite(x), metadata={"path": source})


def _table(path: Path, columns: tuple[str, ...]) -> list[dict[str, str]]:
    if not path.is_file():
        raise DataFormatError(f"{path} is missing; expected the label table with columns {list(columns)}.")
    with path.open() as f:
        rows = list(csv.DictReader(f))
    missing = [c for c in columns if rows and c not in rows[0]]
    if not rows or missing:
        raise DataFormatError(f"{path}: no rows or missing column(s) {missing}; expected columns {list(columns)}.")
    return rows


def _number(v: str) -> float:
    try:
        return float(v)
    except ValueError:
        return math.nan


def ppg_bp(root: str | Path, card: ModelCard, *, seed: int = 0, val_fraction: float = 0.2, progress: bool = True,
           ) -> RealDataset:
    """PPG-BP (``root/ppg_bp``: ``segments/<subject>_<1..3>.txt``, ``labels.csv``) as pulse-train windows for
    ``card`` (module docstring). Labels per subject: ``age``, ``sex_female``, ``bmi``, ``sbp``, ``dbp``,
    ``hypertension`` (stage 1 or 2), ``diabetes``; per window ``hr_bpm`` (the segment's beats; a pulse train has
    no ``quality_min``: it repeats beats that were chosen clean).

    Raises:
        DataFormatError: no segments or label table, a subject without labels.
    """
    from wearsdk.peaks import ppg_polarity
    from wearsdk.sim.coverage import PPG_BP_RATE, ppg_bp_recordings

    folder = Path(root) / "ppg_bp"
    cols = ("subject_ID", "Sex(M/F)", "Age(year)", "Heart Rate(b/m)", "Systolic Blood Pressure(mmHg)",
            "Diastolic Blood Pressure(mmHg)", "BMI(kg/m^2)", "Hypertension", "Diabetes")
    table = {r["subject_ID"]: r for r in _table(folder / "labels.csv", cols)}
    subjects = [s for s, _ in ppg_bp_recordings(root)]
    missing = sorted(set(subjects) - set(table), key=int)
    if missing:
        raise DataFormatError(f"{folder / 'labels.csv'} has no row for subject(s) {missing[:5]}; expected one row per "
                              "segment file's subject.")
    seconds = card.window_seconds + 2.0
    table_hr = np.array([_number(table[s]["Heart Rate(b/m)"]) for s in subjects])
    segments: dict[str, list[np.ndarray]] = {}  # read on the first cache miss

    def make(i: int) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
        segments.update(segments or dict(ppg_bp_recordings(root)))
        segs = segments[subjects[i]]
        xs, valid, hr = [], [], []
        for k, seg in enumerate(segs):
            try:
                train, rate, real_s = pulse_train(seg, PPG_BP_RATE, seconds)
            except DataFormatError:
                continue
            if abs(rate - table_hr[i]) > _HR_AGREEMENT * table_hr[i] or ppg_polarity(train, sampling_rate=100.0) != 1:
                continue  # a mis-cut beat (a dicrotic wave taken for a pulse) or an undecidable shape
            source = f"{folder}/segments/{subjects[i]}_{k + 1}.txt"
            x, _, _ = cut_windows(_recording(train, 100.0, "PPG", source), "PPG", card, 0.0)
            xs.append(x[:1])
            valid.append(min(card.window_samples, int(real_s * card.sampling_rate_hz)))
            hr.append(rate)
        x = np.concatenate(xs) if xs else np.zeros((0, len(card.input_channels), card.window_samples), np.float32)
        v = np.array(valid, np.int64)
        return x, v, {"hr_bpm": np.array(hr)}

    spec = {"subjects": subjects, "folder": str(folder.resolve()), **card_spec(card), "v_ppg": 2}
    x, rec_of, valid, per_window = cached_windows("ppg_bp", spec, len(subjects), make, progress)
    rows = [table[s] for s in subjects]
    sex = np.array([{"Female": 1.0, "Male": 0.0}.get(r["Sex(M/F)"], math.nan) for r in rows])
    labels = {"age": np.array([_number(r["Age(year)"]) for r in rows]), "sex_female": sex,
              "bmi": np.array([_number(r["BMI(kg/m^2)"]) for r in rows]),
              "sbp": np.array([_number(r["Systolic Blood Pressure(mmHg)"]) for r in rows]),
              "dbp": np.array([_number(r["Diastolic Blood Pressure(mmHg)"]) for r in rows]),
              "hypertension": np.array([float("stage" in r["Hypertension"].lower()) for r in rows]),
              "diabetes": np.array([float(bool(r["Diabetes"].strip())) for r in rows])}
    groups = np.array(subjects)
    return RealDataset("ppg_bp", x, rec_of, valid, groups, groups.copy(),
                       _split_by(groups, np.nan_to_num(sex, nan=2.0), val_fraction, seed), labels, {},
                       card.sampling_rate_hz, per_window)


def ppg_mw4(root: str | Path, card: ModelCard, *, progress: bool = True) -> RealDataset:
    """``root/ppg_mw4`` (``bp_dataset_<id>.csv``, ``labels.csv``) windows for ``card``: one per wavelength of each
    subject (module docstring), all ``"val"``. Labels per subject: ``sex_female``, ``bmi``, ``sbp``, ``dbp``,
    ``age``; per window ``hr_bpm`` (:func:`wearsdk.ppg_peaks`), ``quality_min``, ``wavelength_nm``.

    Raises:
        DataFormatError: no recordings or label table, a subject without labels.
    """
    from wearsdk.sim.coverage import MW4_RATE, mw4_recordings

    folder = Path(root) / "ppg_mw4"
    cols = ("ID", "SBP(mmHg)", "DBP(mmHg)", "Age", "Height(cm)", "Weight(kg)", "Gender")
    table = {r["ID"]: r for r in _table(folder / "labels.csv", cols)}
    channels: dict[str, list[np.ndarray]] = {}
    for name, x in mw4_recordings(root):
        channels.setdefault(name.split("/")[0], []).append(x)
    subjects = list(channels)
    missing = [s for s in subjects if s not in table]
    if missing:
        raise DataFormatError(f"{folder / 'labels.csv'} has no row for ID(s) {missing[:5]}; expected one row per "
                              "bp_dataset_<id>.csv.")

    def make(i: int) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
        s = subjects[i]
        xs = [cut_windows(_recording(c, MW4_RATE, "PPG", f"{folder}/bp_dataset_{s}.csv"), "PPG", card, 0.0)[0][:1]
              for c in channels[s]]
        x = np.concatenate(xs)
        v = np.full(len(x), card.window_samples, np.int64)
        return x, v, {"hr_bpm": ppg_window_hr(x, v, card.sampling_rate_hz),
                      "quality_min": window_quality(x, v, card.sampling_rate_hz),
                      "wavelength_nm": np.array(MW4_NM[:len(x)], np.float64)}

    spec = {"subjects": subjects, "folder": str(folder.resolve()), **card_spec(card), "v_ppg": 2}
    x, rec_of, valid, per_window = cached_windows("ppg_mw4", spec, len(subjects), make, progress)
    rows = [table[s] for s in subjects]
    height = np.array([_number(r["Height(cm)"]) for r in rows]) / 100.0
    labels = {"sex_female": np.array([{"female": 1.0, "male": 0.0}.get(r["Gender"].strip().lower(), math.nan)
                                      for r in rows]),
              "bmi": np.array([_number(r["Weight(kg)"]) for r in rows]) / height**2,
              "sbp": np.array([_number(r["SBP(mmHg)"]) for r in rows]),
              "dbp": np.array([_number(r["DBP(mmHg)"]) for r in rows]),
              "age": np.array([_number(r["Age"]) for r in rows])}
    groups = np.array(subjects)
    return RealDataset("ppg_mw4", x, rec_of, valid, groups, groups.copy(), np.full(len(groups), "val"), labels, {},
                       card.sampling_rate_hz, per_window)


def _reference(rec: Recording, how: str, starts_s: np.ndarray, seconds: float, channel: str) -> np.ndarray:
    """Reference HR (bpm) of each window ``[start, start + seconds)`` of ``rec`` (DEVICE_RECORDS' ``how``)."""
    from wearsdk import ecg_peaks, ppg_peaks
    from wearsdk.train.real.features import mean_hr_bpm

    fs = rec.sampling_rate
    kind, _, name = how.partition(":")
    if kind == "device":
        t = np.arange(rec.signals.shape[-1]) / fs
        hr = rec.channel(name)
        out = []
        for s in starts_s:
            v = hr[(t >= s) & (t < s + seconds)]
            v = v[np.isfinite(v) & (v > 0)]
            out.append(float(v.mean()) if v.size else math.nan)
        return np.array(out)
    x = np.nan_to_num(rec.channel(name if kind == "ecg" else channel))
    peaks = (ecg_peaks(x, sampling_rate=fs) if kind == "ecg" else ppg_peaks(x, sampling_rate=fs)) / fs
    span = min(seconds, rec.duration_s)
    rate = mean_hr_bpm if kind == "ecg" else median_hr_bpm  # annotated-quality ECG beats: the mean interval
    return np.array([rate(peaks[(peaks >= s) & (peaks < s + span)]) for s in starts_s])


def _present(root: Path, path: str) -> bool:
    """Whether a :data:`DEVICE_RECORDS` path is under ``root`` (a file, or a WFDB record's ``.hea``)."""
    return (root / path).exists() or (root / f"{path}.hea").exists()


def device_pulse_features(root: str | Path) -> dict[str, dict[str, float] | None]:
    """Pulse features (:func:`wearsdk.sim.pulse_features`, as a dict) of each :data:`DEVICE_RECORDS` recording
    present under ``root``, over the whole recording at its own rate, pulses up as :func:`ppg_devices` feeds them;
    ``None`` for a recording without a complete beat. Absent recordings are left out."""
    from wearsdk.errors import ConfigError
    from wearsdk.io import read
    from wearsdk.sim.pulse_features import pulse_features

    out: dict[str, dict[str, float] | None] = {}
    for name, (path, options, channel, invert, _) in DEVICE_RECORDS.items():
        if not _present(Path(root), path):
            continue
        rec = read(Path(root) / path, **options)
        x = np.nan_to_num(rec.channel(channel).astype(np.float64))
        try:
            out[name] = pulse_features(-x if invert else x, sampling_rate=rec.sampling_rate).as_dict()
        except ConfigError:
            out[name] = None
    return out


def ppg_devices(root: str | Path, card: ModelCard, *, progress: bool = True) -> RealDataset:
    """The device recordings of :data:`DEVICE_RECORDS` under ``root`` as windows for ``card`` every hop (module
    docstring), all ``"val"``; per-window ``reference_hr_bpm``, ``quality_min`` and ``start_s``.

    Raises:
        DataFormatError / ShapeError: a recording is missing, unreadable or points down where it should not.
    """
    from wearsdk.io import read

    names = list(DEVICE_RECORDS)
    root = Path(root)
    for name in names:
        if not _present(root, DEVICE_RECORDS[name][0]):
            raise DataFormatError(f"{root / DEVICE_RECORDS[name][0]} is missing; expected the shared real data "
                                  "(README sections (b)).")

    def make(i: int) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
        path, options, channel, invert, how = DEVICE_RECORDS[names[i]]
        rec = read(root / path, **options)
        x, valid, starts = cut_windows(rec, channel, card, _MIN_DEVICE_S, invert=invert)
        ref = _reference(rec, how, starts, card.window_seconds, channel)
        return x, valid, {"reference_hr_bpm": ref, "quality_min": window_quality(x, valid, card.sampling_rate_hz),
                          "start_s": np.asarray(starts, np.float64)}

    spec = {"records": [DEVICE_RECORDS[n] for n in names], "root": str(root.resolve()), **card_spec(card),
            "v_ppg": 2}
    x, rec_of, valid, per_window = cached_windows("ppg_devices", spec, len(names), make, progress)
    groups = np.array(names)
    return RealDataset("ppg_devices", x, rec_of, valid, groups, groups.copy(), np.full(len(groups), "val"), {}, {},
                       card.sampling_rate_hz, per_window)
