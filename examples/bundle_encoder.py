"""Fit the linear heads of a distilled compact encoder, compare it with its teacher and its int8 self, and
publish it (``wearsdk.models.bundle``: ``<name>.pt`` with the heads + its pretrained record ``<name>.json``) with a
report.

The student is a distillation run's ``model.pt``, or the quantization-aware fine-tuned weights of ``wearsdk
quantize --qat-steps N --out DIR`` (``DIR/<name>_qat.pt``, with ``--run`` naming the distillation run; the
report then carries the fine-tuning's ``qat`` section from ``DIR/quant_report.json``).

On held-out simulated participants (a cohort unseen by the SSL and distillation runs, AF prevalence 0.3; each
participant at rest, walking, moving the arm and running), heads are fitted on frozen embeddings of the
training participants (wearsdk.train.heads; L2 strength by participant-grouped CV) for the teacher and for the
student, then scored on the test participants: the student keeps ``score_student / score_teacher`` of each task
(AUROC; R^2; 1 - MAE / mean for heart rate). The student's heads are fitted on its fp32 *and* int8 embeddings of
the training windows (int8: PT2E, XNNPACK scheme, calibrated on 128 simulated windows across activities as
``wearsdk export`` does), so that the shipped heads read both. int8 vs fp32 of the student on the test
participants: wearsdk.bench.quant.encoder_int8_agreement.

The record's text (version, recipe, training data, reproduce command, limitations, notes) comes from ``--about``
(default: the published record of ``--name``); the figures measured here replace those of the same name, and the
others it lists (e.g. ``real_hr_bpm_mae`` of examples/encoders_on_real.py) are carried over and named on stdout:
re-measure them on the new weights.

    nice -n 10 python examples/bundle_encoder.py --name ppg_encoder_compact \\
        --student runs/ppg_student/model.pt --teacher runs/ppg_teacher/model.pt \\
        --report docs/reports/ppg_encoder_compact_bundled.json
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch

from wearsdk.bench.quant import encoder_int8_agreement, int8_model
from wearsdk.models import bundle, create_model, read_about, read_record
from wearsdk.quant import CALIBRATION_SEED, CALIBRATION_WINDOWS
from wearsdk.sim import ACTIVITY_CYCLE, model_windows
from wearsdk.train.distill import load_teacher
from wearsdk.train.heads import HEAD_COHORT_SEED, HEAD_PREVALENCE, fit_and_score, head_data

#: The retention figures the record carries (the heads' tasks; trait heads are at chance level).
KEEPS = ("af_prob_auroc", "hr_bpm_1_minus_rel_mae", "quality_prob_auroc")


def retention(student: dict[str, float], teacher: dict[str, float], mean_hr: float) -> dict[str, float]:
    """Fraction of the teacher's score the student keeps, per task (AUROC, R^2, 1 - relative MAE for HR)."""
    out = {k: student[k] / teacher[k] for k in teacher if k.endswith(("_auroc", "_r2"))}
    out["hr_bpm_1_minus_rel_mae"] = (1 - student["hr_bpm_mae"] / mean_hr) / (1 - teacher["hr_bpm_mae"] / mean_hr)
    return out


def run_dir(weights: str) -> Path:
    """The run folder of a ``model.pt`` or of a checkpoint under ``checkpoints/``."""
    parent = Path(weights).resolve().parent
    return parent.parent if parent.name == "checkpoints" else parent


def record_metrics(report: dict) -> dict[str, float]:
    """The figures of a bundling report under the record's metric names (4 decimals): ``sim_<score>`` (student)
    and ``sim_<score>_teacher``, ``student_keeps_<task>``, ``int8_*`` (this run's held-out windows),
    ``param_ratio_vs_teacher`` and the distillation run's last validation (``distill_val_*``)."""
    val = report["student_run"]["last_validation"]
    out = {f"sim_{k}": v for k, v in report["scores_student"].items()}
    out |= {f"sim_{k}_teacher": v for k, v in report["scores_teacher"].items()}
    out |= {f"student_keeps_{k}": report["student_keeps"][k] for k in KEEPS}
    out |= {"int8_embedding_cosine_mean": report["int8_vs_fp32"]["embedding_cosine_mean"],
            "int8_head_score_abs_diff_max": report["int8_vs_fp32"]["head_score_abs_diff_max"],
            "param_ratio_vs_teacher": val["param_ratio"],
            "distill_val_cosine_to_teacher": val["cosine_to_teacher"],
            "distill_val_participant_retrieval_at_1": val["participant_retrieval_at_1"],
            "teacher_val_participant_retrieval_at_1": val["teacher_participant_retrieval_at_1"]}
    return {k: round(float(v), 4) for k, v in out.items()}


def run_record(run: Path) -> dict:
    """A run's config, its last validation row and its summary (absent when the run was stopped early)."""
    rows = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines() if line.strip()]
    summary = run / "summary.json"
    config = json.loads((run / "config.json").read_text())
    teacher = config.get("distill", {}).get("teacher")
    if teacher:  # no path of the machine that trained it: runs/<run>/<file>
        config["distill"]["teacher"] = f"runs/{Path(teacher).parent.name}/{Path(teacher).name}"
    return {"config": config,
            "last_validation": [r for r in rows if r["split"] == "val"][-1],
            "last_step": rows[-1]["step"],
            "summary": json.loads(summary.read_text()) if summary.is_file() else None}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--name", required=True, choices=["ppg_encoder_compact", "ecg_encoder_compact"])
    p.add_argument("--student", required=True, help="the student's model.pt or checkpoint (wearsdk distill), or "
                   "the <model>_qat.pt of 'wearsdk quantize --qat-steps' (give --run then)")
    p.add_argument("--run", help="the student's distillation run folder (default: the folder of --student)")
    p.add_argument("--teacher", required=True, help="the teacher's model.pt (wearsdk train)")
    p.add_argument("--weights-dir", default=None,
                   help="weights folder for <name>.pt + <name>.json (default: the package's wearsdk/models/weights)")
    p.add_argument("--about", default=None, help="JSON with the record's text (default: the published record)")
    p.add_argument("--report", required=True)
    p.add_argument("--train-participants", type=int, default=160)
    p.add_argument("--test-participants", type=int, default=64)
    p.add_argument("--cohort-seed", type=int, default=HEAD_COHORT_SEED,
                   help="simulated cohort of the heads (not the SSL one: 0)")
    p.add_argument("--calibration", type=int, default=CALIBRATION_WINDOWS,
                   help="simulated windows that calibrate the int8 student (default: as wearsdk export; fewer for a "
                   "quick run)")
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    t0 = time.time()
    published = read_record(args.name)
    if args.about is None and published is None:
        p.error(f"{args.name} has no published record to take the text from; pass --about FILE")

    student = create_model(args.name, checkpoint_path=args.student).eval()
    teacher = load_teacher(args.teacher)
    card = student.card
    about = read_about(args.about or published, args.name)  # the record's text, checked before any work
    data = head_data(card, args.train_participants, args.test_participants, seed=args.cohort_seed)
    calibration = torch.from_numpy(model_windows(card, args.calibration, seed=CALIBRATION_SEED))  # as export does
    student_int8 = int8_model(student, calibration)
    scores, heads = {}, {}
    for who, readers in (("teacher", (teacher,)), ("student", (student, student_int8))):
        heads[who], scores[who] = fit_and_score(data, *readers)
        print(who, json.dumps({k: round(v, 3) for k, v in scores[who].items()}))
    kept = retention(scores["student"], scores["teacher"], float(data.y_test["hr_bpm"].mean()))
    quant = encoder_int8_agreement(student, heads["student"], calibration, data.x_test, data.y_test, data.rest)
    print("student keeps", json.dumps({k: round(v, 3) for k, v in kept.items()}))
    print("int8 vs fp32", json.dumps({k: v for k, v in quant.items() if not k.startswith("heads")}))

    student_run, teacher_run = Path(args.run) if args.run else run_dir(args.student), run_dir(args.teacher)
    quant_report = Path(args.student).parent / "quant_report.json"  # beside <model>_qat.pt (wearsdk quantize)
    qat = json.loads(quant_report.read_text()).get("qat") if quant_report.is_file() else None
    report = {
        "what": f"{args.name}: distilled student vs teacher (linear heads on frozen embeddings) and int8 vs fp32",
        "student_params": card.num_params,
        "teacher_params": sum(q.numel() for q in teacher.parameters()),
        "teacher_model": teacher.card.name,
        "data": {"cohort_seed": args.cohort_seed, "prevalence": HEAD_PREVALENCE, "activities": list(ACTIVITY_CYCLE),
                 "train_participants": args.train_participants, "test_participants": args.test_participants,
                 "test_windows": len(data.x_test), "int8_calibration_windows": args.calibration},
        "scores_teacher": scores["teacher"],
        "scores_student": scores["student"],
        "student_keeps": kept,
        "int8_vs_fp32": quant,
        "teacher_run": run_record(teacher_run),
        "student_run": {**run_record(student_run), "weights_from": Path(args.student).name},
        **({"qat": qat} if qat else {}),
    }
    measured = record_metrics(report)
    carried = sorted(set(about.get("metrics", {})) - set(measured))
    about["metrics"] = {**about.get("metrics", {}), **measured}
    record = bundle(student, heads=heads["student"], weights_dir=args.weights_dir, **about)
    report = {"weights_file": record.weights_file, "weights_sha256": record.weights_sha256, **report,
              "seconds": round(time.time() - t0, 1)}
    Path(args.report).write_text(json.dumps(report, indent=1, default=float) + "\n")
    print(f"wrote {record.weights_file} (sha256 {record.weights_sha256}), {record.name}.json and {args.report}")
    if carried:
        print(f"carried over from the record, not measured here (re-measure them): {', '.join(carried)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
