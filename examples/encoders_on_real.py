"""Student vs teacher on real recordings: the heart-rate head of each encoder on real ECG and PPG windows.

The encoders and their heads were trained on simulated signals only. This script reads the real records of
``../shared/data/real`` (never copied into the project), cuts them into the encoders' non-overlapping windows
(``wearsdk.stream.recording_windows``: the card's preprocessing, dropouts <= 50 ms bridged, windows over longer gaps
skipped) and compares the HR head of the bundled compact student with the same head fitted on its teacher's embeddings
(exactly as ``examples/bundle_encoder.py`` fits it: simulated cohort seed 1, participants 0-159 x rest/walk/arm/run).

* ECG (30 s at 128 Hz): MIT-BIH 100 (MLII) and CPSC 2021 data_35_4, data_21_7 (lead I); reference HR:
  ``wearsdk.heart_rate`` of the annotated beats per window (60 / median RR).
* PPG (60 s at 64 Hz, 4 channels): Challenge 2015 v102s PLETH (reference: beats of the simultaneous lead II by
  ``wearsdk.ecg_peaks``) and the E2E-PPG smartwatch CSV (reference: the device's own HR, ``hrm``). These are
  single-channel recordings: the one channel is given to all four inputs, which the encoders never saw. The
  smartwatch stores raw photodiode counts, whose pulses point down: it is negated (``invert``).

Scores: HR MAE (bpm) and ``1 - MAE / mean HR`` per model; the student keeps ``score_student / score_teacher``.
Next to them, ``constant``: the head cohort's mean HR given for every window (what a head that reads nothing
scores), and per record the SD of each model's predictions and of the reference: a model whose predictions do
not vary where the reference does not either can score like the constant without reading the signal.
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

from wearsdk import ecg_peaks, heart_rate
from wearsdk.io import Recording, read
from wearsdk.models import ModelCard, create_model, load_heads
from wearsdk.sim import ACTIVITY_CYCLE
from wearsdk.stream import bridge_short_gaps, recording_windows
from wearsdk.train.distill import load_teacher
from wearsdk.train.heads import HEAD_COHORT_SEED, HEAD_PREVALENCE, embed, fit_heads, labelled_windows

ECG_RECORDS = (("mitdb/100", "MLII"), ("cpsc2021/data_35_4", "I"), ("cpsc2021/data_21_7", "I"))


def window_rates(beats: np.ndarray, fs: float, card: ModelCard, duration_s: float) -> np.ndarray:
    """Reference HR (bpm) per encoder window from beat sample indices at ``fs`` Hz (``wearsdk.heart_rate``)."""
    return heart_rate(np.asarray(beats, np.int64), sampling_rate=fs, window_s=card.window_seconds,
                      duration_s=duration_s)


def windows_of(rec: Recording, card: ModelCard, channels: list[str],
               invert: list[str] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Non-overlapping model windows of ``rec`` (``wearsdk.stream.recording_windows``) and their indices ``k``
    (window ``k`` spans ``[k, k + 1)`` window lengths from the start)."""
    win = recording_windows(rec, card, channels=channels, invert=invert, hop=card.window_samples)
    return win.x, np.round(win.t_start_s / card.window_seconds).astype(int)


def ecg_windows(real: Path, card: ModelCard) -> tuple[np.ndarray, np.ndarray, list[str]]:
    xs, hr, source = [], [], []
    for name, lead in ECG_RECORDS:
        rec = read(real / name)
        w, index = windows_of(rec, card, [lead])
        rates = window_rates(rec.annotations.beats, rec.sampling_rate, card, rec.duration_s)
        xs.append(w)
        hr += [rates[k] for k in index]
        source += [name] * len(index)
    return np.concatenate(xs), np.asarray(hr), source


def ppg_windows(real: Path, card: ModelCard) -> tuple[np.ndarray, np.ndarray, list[str]]:
    xs, hr, source = [], [], []
    rec = read(real / "challenge2015/v102s")
    fs, ii = rec.sampling_rate, rec.channels.index("II")
    w, index = windows_of(rec, card, ["PLETH"] * 4)
    x_ecg, ok_ecg = bridge_short_gaps(rec.signals[ii], rec.valid[ii], fs)
    rates = window_rates(ecg_peaks(np.nan_to_num(x_ecg), sampling_rate=fs), fs, card, rec.duration_s)
    span = int(card.window_seconds * fs)
    for k, win in zip(index, w, strict=True):
        if ok_ecg[k * span:(k + 1) * span].all():  # the reference lead has no gap there either
            xs.append(win)
            hr.append(rates[k])
            source.append("challenge2015/v102s")
    rec = read(real / "wearable_ppg/e2epyppg_201902020222_Data.csv")
    dev = rec.channels.index("hrm")
    # raw photodiode counts fall when blood volume rises: negated so that pulses point up, as the encoders expect
    w, index = windows_of(rec, card, ["ppg"] * 4, invert=["ppg"])
    t = np.arange(rec.signals.shape[-1]) / rec.sampling_rate
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
        x_tr, y_tr, ids = labelled_windows(student.card, range(args.head_participants), len(ACTIVITY_CYCLE),
                                           HEAD_COHORT_SEED, HEAD_PREVALENCE, progress=False)
        teacher_heads = fit_heads(embed(teacher, x_tr), y_tr, groups=ids)
        preds = {"student": load_heads(student.card).predict(embed(student, x).astype(np.float32))["hr_bpm"],
                 "teacher": teacher_heads.predict(embed(teacher, x).astype(np.float32))["hr_bpm"],
                 # what a head that reads nothing scores: the head cohort's mean HR for every window
                 "constant": np.full(len(x), float(y_tr["hr_bpm"].mean()))}
        entry = {"windows": int(len(x)), "reference_hr_bpm_mean": float(ref.mean()),
                 "windows_per_record": {s: source.count(s) for s in dict.fromkeys(source)}}
        for who, pred in preds.items():
            entry[who] = hr_scores(np.asarray(pred, np.float64), ref)
            src = np.asarray(source)
            entry[who]["per_record_mae"] = {s: float(np.mean(np.abs(pred[src == s] - ref[src == s])))
                                            for s in entry["windows_per_record"]}
            entry[who]["per_record_prediction_sd_bpm"] = {s: float(np.std(pred[src == s]))
                                                          for s in entry["windows_per_record"]}
        entry["per_record_reference_sd_bpm"] = {s: float(np.std(ref[np.asarray(source) == s]))
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
