"""Student vs teacher on real recordings: the heart-rate head of each encoder on real ECG and PPG windows.

The encoders and their heads were trained on simulated signals only. This script reads the real records of
``../shared/data/real`` (never copied into the project), cuts them into the encoders' windows and compares the
HR head of the bundled compact student with the same head fitted on its teacher's embeddings (exactly as
``examples/bundle_encoder.py`` fits it: simulated cohort seed 1, participants 0-159 x rest/walk/arm/run).

* ECG (30 s at 128 Hz): MIT-BIH 100 (MLII) and CPSC 2021 data_35_4, data_21_7 (lead I); reference HR:
  ``wearsdk.heart_rate`` of the annotated beats per window (60 / median RR).
* PPG (60 s at 64 Hz, 4 channels): Challenge 2015 v102s PLETH (reference: beats of the simultaneous lead II by
  ``wearsdk.ecg_peaks``) and the E2E-PPG smartwatch CSV (reference: the device's own HR, ``hrm``). These are
  single-channel recordings: the one channel is given to all four inputs, which the encoders never saw.

Scores: HR MAE (bpm) and ``1 - MAE / mean HR`` per model; the student keeps ``score_student / score_teacher``.
AF and quality are not scored (no labelled real windows here).

    nice -n 10 .venv/bin/python examples/encoders_on_real.py --real ../shared/data/real \\
        --ppg-teacher runs/ppg_teacher/model.pt --ecg-teacher runs/ecg_teacher/model.pt \\
        --report docs/reports/encoders_real_records.json
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch

import wearsdk.signal as ws
from wearsdk import ecg_peaks, heart_rate
from wearsdk.io import read
from wearsdk.models import create_model, load_heads
from wearsdk.sim import ACTIVITY_CYCLE
from wearsdk.train.distill import load_teacher
from wearsdk.train.heads import embed, fit_heads, labelled_windows

ECG_RECORDS = (("mitdb/100", "MLII"), ("cpsc2021/data_35_4", "I"), ("cpsc2021/data_21_7", "I"))


def encoder_input(x: np.ndarray, fs: float, card) -> np.ndarray:
    """``(channels, samples)`` at ``fs`` Hz through the card's preprocessing (as on the device), at its rate."""
    return np.asarray(ws.preprocess(np.ascontiguousarray(x, np.float32), card.preprocess_spec(fs)))


def cut(y: np.ndarray, missing_s: np.ndarray, card, channels: int) -> tuple[np.ndarray, list[int]]:
    """Non-overlapping windows of ``y (1, samples)`` (at the card's rate) with no missing sample (``missing_s``:
    times in s), z-scored per window, the channel repeated ``channels`` times; with each window's index ``k``
    (it spans ``[k, k + 1)`` window lengths from the start)."""
    n, fs = card.window_samples, card.sampling_rate_hz
    windows, index = [], []
    for k in range(1, y.shape[-1] // n):  # the first window holds the filter's start-up: skipped
        if np.any((missing_s >= k * n / fs) & (missing_s < (k + 1) * n / fs)):
            continue
        w = np.ascontiguousarray(y[:, k * n:(k + 1) * n])
        windows.append(np.repeat(np.asarray(ws.zscore(w)), channels, axis=0))
        index.append(k)
    return np.asarray(windows, np.float32), index


def missing_times(valid: np.ndarray, fs: float) -> np.ndarray:
    """Times (s) of the samples a reader marked missing."""
    return np.flatnonzero(~valid) / fs


def bridge_short_gaps(x: np.ndarray, valid: np.ndarray, fs: float,
                      max_gap_s: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """``(x, valid)`` of one channel with gaps of at most ``max_gap_s`` linearly interpolated and marked valid
    (v102s PLETH drops single samples every ~20 s); longer gaps stay missing (their windows are skipped)."""
    x, valid = x.copy(), valid.copy()
    bad = np.flatnonzero(~valid)
    if bad.size == 0:
        return x, valid
    runs = np.split(bad, np.flatnonzero(np.diff(bad) > 1) + 1)
    good = np.flatnonzero(valid)
    for run in runs:
        if run.size <= max_gap_s * fs and run[0] > 0 and run[-1] < x.size - 1:
            x[run] = np.interp(run, good, x[good])
            valid[run] = True
    return x, valid


def window_rates(beats: np.ndarray, fs: float, card, duration_s: float) -> np.ndarray:
    """Reference HR (bpm) per encoder window from beat sample indices at ``fs`` Hz (``wearsdk.heart_rate``)."""
    return heart_rate(np.asarray(beats, np.int64), sampling_rate=fs, window_s=card.window_seconds,
                      duration_s=duration_s)


def ecg_windows(real: Path, card) -> tuple[np.ndarray, np.ndarray, list[str]]:
    xs, hr, source = [], [], []
    for name, lead in ECG_RECORDS:
        rec = read(real / name)
        ch = rec.channels.index(lead)
        x, ok = bridge_short_gaps(rec.signals[ch], rec.valid[ch], rec.sampling_rate)
        y = encoder_input(np.nan_to_num(x)[None], rec.sampling_rate, card)
        w, index = cut(y, missing_times(ok, rec.sampling_rate), card, 1)
        rates = window_rates(rec.annotations.beats, rec.sampling_rate, card, x.size / rec.sampling_rate)
        xs.append(w)
        hr += [rates[k] for k in index]
        source += [name] * len(index)
    return np.concatenate(xs), np.asarray(hr), source


def ppg_windows(real: Path, card) -> tuple[np.ndarray, np.ndarray, list[str]]:
    xs, hr, source = [], [], []
    rec = read(real / "challenge2015/v102s")
    fs, pleth, ii = rec.sampling_rate, rec.channels.index("PLETH"), rec.channels.index("II")
    x_ppg, ok_ppg = bridge_short_gaps(rec.signals[pleth], rec.valid[pleth], fs)
    x_ecg, ok_ecg = bridge_short_gaps(rec.signals[ii], rec.valid[ii], fs)
    y = encoder_input(np.nan_to_num(x_ppg)[None], fs, card)
    w, index = cut(y, missing_times(ok_ppg & ok_ecg, fs), card, 4)
    rates = window_rates(ecg_peaks(np.nan_to_num(x_ecg), sampling_rate=fs), fs, card, x_ecg.size / fs)
    xs += list(w)
    hr += [rates[k] for k in index]
    source += ["challenge2015/v102s"] * len(index)
    rec = read(real / "wearable_ppg/e2epyppg_201902020222_Data.csv")
    fs, ppg, dev = rec.sampling_rate, rec.channels.index("ppg"), rec.channels.index("hrm")
    # raw photodiode counts fall when blood volume rises: negate them so pulses point up, as the encoders expect
    x, ok = bridge_short_gaps(np.nanmean(rec.signals[ppg]) - rec.signals[ppg], rec.valid[ppg], fs)
    y = encoder_input(np.nan_to_num(x)[None], fs, card)
    w, index = cut(y, missing_times(ok, fs), card, 4)
    t = np.arange(rec.signals.shape[-1]) / fs
    for k, win in zip(index, w, strict=True):
        device = rec.signals[dev][(t >= k * card.window_seconds) & (t < (k + 1) * card.window_seconds)]
        device = device[device > 0]
        if device.size:
            xs.append(win)
            hr.append(float(device.mean()))
            source.append("wearable_ppg/e2epyppg")
    return np.stack(xs), np.asarray(hr), source


def hr_scores(pred: np.ndarray, ref: np.ndarray) -> dict[str, float]:
    mae = float(np.mean(np.abs(pred - ref)))
    return {"hr_bpm_mae": mae, "hr_bpm_1_minus_rel_mae": 1.0 - mae / float(ref.mean())}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--real", default="../shared/data/real", help="folder of the real records")
    p.add_argument("--ppg-teacher", required=True, help="the PPG teacher's model.pt (wearsdk train)")
    p.add_argument("--ecg-teacher", required=True, help="the ECG teacher's model.pt (wearsdk train)")
    p.add_argument("--modality", choices=["ecg", "ppg", "both"], default="both")
    p.add_argument("--head-participants", type=int, default=160)
    p.add_argument("--report", default=None)
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    t0, real, results = time.time(), Path(args.real), {}
    for modality, teacher_path, windows in (("ecg", args.ecg_teacher, ecg_windows),
                                            ("ppg", args.ppg_teacher, ppg_windows)):
        if args.modality not in (modality, "both"):
            continue
        student = create_model(f"{modality}_encoder_compact", pretrained=True).eval()
        teacher = load_teacher(teacher_path)
        x, ref, source = windows(real, student.card)
        keep = np.isfinite(ref)
        x, ref, source = x[keep], ref[keep], [s for s, k in zip(source, keep, strict=True) if k]
        x_tr, y_tr, ids = labelled_windows(modality, student.card, range(args.head_participants),
                                           len(ACTIVITY_CYCLE), 1, {"af": 0.3}, progress=False)
        teacher_heads = fit_heads(embed(teacher, x_tr), y_tr, groups=ids)
        preds = {"student": load_heads(student.card).predict(embed(student, x).astype(np.float32))["hr_bpm"],
                 "teacher": teacher_heads.predict(embed(teacher, x).astype(np.float32))["hr_bpm"]}
        entry = {"windows": int(len(x)), "reference_hr_bpm_mean": float(ref.mean()),
                 "windows_per_record": {s: source.count(s) for s in dict.fromkeys(source)}}
        for who, pred in preds.items():
            entry[who] = hr_scores(np.asarray(pred, np.float64), ref)
            src = np.asarray(source)
            entry[who]["per_record_mae"] = {s: float(np.mean(np.abs(pred[src == s] - ref[src == s])))
                                            for s in entry["windows_per_record"]}
        entry["student_keeps_hr_bpm_1_minus_rel_mae"] = (entry["student"]["hr_bpm_1_minus_rel_mae"]
                                                         / entry["teacher"]["hr_bpm_1_minus_rel_mae"])
        results[modality] = entry
        print(modality, json.dumps({k: v for k, v in entry.items() if k != "windows_per_record"}, default=float))
    report = {"what": __doc__.split("\n\n")[0], "results": results, "seconds": round(time.time() - t0, 1)}
    if args.report:
        Path(args.report).write_text(json.dumps(report, indent=1) + "\n")
        print(f"wrote {args.report}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
