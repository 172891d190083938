"""Fit the linear heads of a distilled compact encoder, compare it with its teacher and its int8 self, and
write the bundled weights file (encoder + heads) and its report.

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

    nice -n 10 python examples/bundle_encoder.py --name ppg_encoder_compact \\
        --student runs/ppg_student/model.pt --teacher runs/ppg_teacher/model.pt \\
        --weights wearsdk/models/weights/ppg_encoder_compact.pt --report docs/reports/ppg_encoder_compact_bundled.json
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch

from wearsdk._integrity import sha256_file
from wearsdk.bench.quant import encoder_int8_agreement, int8_model
from wearsdk.export import simulated_windows
from wearsdk.models import create_model
from wearsdk.quant import CALIBRATION_SEED, CALIBRATION_WINDOWS
from wearsdk.sim import ACTIVITY_CYCLE
from wearsdk.train.distill import load_teacher
from wearsdk.train.heads import embed, fit_heads, head_scores, labelled_windows


def retention(student: dict[str, float], teacher: dict[str, float], mean_hr: float) -> dict[str, float]:
    """Fraction of the teacher's score the student keeps, per task (AUROC, R^2, 1 - relative MAE for HR)."""
    out = {k: student[k] / teacher[k] for k in teacher if k.endswith(("_auroc", "_r2"))}
    out["hr_bpm_1_minus_rel_mae"] = (1 - student["hr_bpm_mae"] / mean_hr) / (1 - teacher["hr_bpm_mae"] / mean_hr)
    return out


def run_dir(weights: str) -> Path:
    """The run folder of a ``model.pt`` or of a checkpoint under ``checkpoints/``."""
    parent = Path(weights).resolve().parent
    return parent.parent if parent.name == "checkpoints" else parent


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
    p.add_argument("--weights", required=True, help="where to write the bundled weights (+ heads)")
    p.add_argument("--report", required=True)
    p.add_argument("--train-participants", type=int, default=160)
    p.add_argument("--test-participants", type=int, default=64)
    p.add_argument("--cohort-seed", type=int, default=1, help="simulated cohort of the heads (not the SSL one: 0)")
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    t0 = time.time()

    student = create_model(args.name, checkpoint_path=args.student).eval()
    teacher = load_teacher(args.teacher)
    card, modality = student.card, args.name.split("_")[0]
    n_tr, n_te = args.train_participants, args.test_participants
    x_tr, y_tr, ids = labelled_windows(card, range(n_tr), len(ACTIVITY_CYCLE), args.cohort_seed,
                                       {"af": 0.3})
    x_te, y_te, _ = labelled_windows(card, range(n_tr, n_tr + n_te), len(ACTIVITY_CYCLE), args.cohort_seed,
                                     {"af": 0.3})
    rest = np.arange(len(x_te)) % len(ACTIVITY_CYCLE) == 0
    calibration = simulated_windows(card, CALIBRATION_WINDOWS, seed=CALIBRATION_SEED)  # as wearsdk export does
    student_int8 = int8_model(student, calibration)
    train_embeddings = {
        "teacher": (embed(teacher, x_tr), y_tr, ids),
        "student": (np.concatenate([embed(student, x_tr), embed(student_int8, x_tr)]),
                    {k: np.concatenate([v, v]) for k, v in y_tr.items()}, ids + ids),
    }
    scores, heads = {}, {}
    for who, model in (("teacher", teacher), ("student", student)):
        e_tr, labels_tr, groups = train_embeddings[who]
        heads[who] = fit_heads(e_tr, labels_tr, groups=groups)
        scores[who] = head_scores(heads[who], embed(model, x_te), y_te, rest)
        print(who, json.dumps({k: round(v, 3) for k, v in scores[who].items()}))
    kept = retention(scores["student"], scores["teacher"], float(y_te["hr_bpm"].mean()))
    quant = encoder_int8_agreement(student, heads["student"], calibration, x_te, y_te, rest)
    print("student keeps", json.dumps({k: round(v, 3) for k, v in kept.items()}))
    print("int8 vs fp32", json.dumps({k: v for k, v in quant.items() if not k.startswith("heads")}))

    weights = Path(args.weights)
    weights.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"model": student.state_dict(), "heads": heads["student"].to_payload()}, weights)
    student_run, teacher_run = Path(args.run) if args.run else run_dir(args.student), run_dir(args.teacher)
    quant_report = Path(args.student).parent / "quant_report.json"  # beside <model>_qat.pt (wearsdk quantize)
    qat = json.loads(quant_report.read_text()).get("qat") if quant_report.is_file() else None
    report = {
        "what": f"{args.name}: distilled student vs teacher (linear heads on frozen embeddings) and int8 vs fp32",
        "weights_file": weights.name,
        "weights_sha256": sha256_file(weights),
        "student_params": card.num_params,
        "teacher_params": sum(q.numel() for q in teacher.parameters()),
        "teacher_model": teacher.card.name,
        "data": {"cohort_seed": args.cohort_seed, "prevalence": {"af": 0.3}, "activities": list(ACTIVITY_CYCLE),
                 "train_participants": n_tr, "test_participants": n_te, "test_windows": len(x_te)},
        "scores_teacher": scores["teacher"],
        "scores_student": scores["student"],
        "student_keeps": kept,
        "int8_vs_fp32": quant,
        "teacher_run": run_record(teacher_run),
        "student_run": {**run_record(student_run), "weights_from": Path(args.student).name},
        **({"qat": qat} if qat else {}),
        "seconds": round(time.time() - t0, 1),
    }
    Path(args.report).write_text(json.dumps(report, indent=1, default=float) + "\n")
    print(f"wrote {weights} (sha256 {report['weights_sha256']}) and {args.report}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
