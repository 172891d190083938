"""The whole build path in one script, at toy size: train a teacher -> distil a compact student -> quantize
(static int8, PT2E) -> export an ExecuTorch .pte with its manifest -> load it and compare with eager fp32.

Tiny on purpose (a few steps on toy synthetic windows, about a minute on a laptop CPU): it shows the calls,
not a useful model. The real recipes are the same calls with ``preset="cpu"`` or ``"full"`` (see the README).

    python examples/train_distill_export.py --out /tmp/wearsdk_pipeline
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch

from wearsdk.export import export_model
from wearsdk.models import create_model
from wearsdk.runtime import load
from wearsdk.sim import model_windows
from wearsdk.train import get_config, train


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", default="/tmp/wearsdk_pipeline", help="folder for the runs and the artifact")
    p.add_argument("--teacher-steps", type=int, default=3)
    p.add_argument("--student-steps", type=int, default=8)
    p.add_argument("--calibration", type=int, default=16, help="simulated windows that calibrate the int8 export")
    args = p.parse_args(argv)
    out = Path(args.out)
    full_window = {"model_overrides.window_samples": 3840}  # the tiny presets shorten windows; keep the card's

    # 1. teacher: the self-supervised recipe on the full encoder (~3M parameters)
    teacher_cfg = get_config("ppg_ssl", "tiny", {"model": "ppg_encoder_full", "steps": args.teacher_steps,
                                                 **full_window})
    teacher = train(teacher_cfg, out / "teacher", progress=False)
    print(f"1. teacher ppg_encoder_full: {teacher.step} steps -> {teacher.model_path}")

    # 2. student: embedding distillation into the compact encoder (same trainer; wearsdk distill on the CLI)
    student_cfg = get_config("ppg_distill", "tiny", {"distill.teacher": str(teacher.model_path),
                                                     "steps": args.student_steps, **full_window})
    student = train(student_cfg, out / "student", progress=False)
    print(f"2. student ppg_encoder_compact: {student.step} steps, validation {json.dumps(student.eval)}")

    # 3 + 4. static int8 (calibrated on simulated windows) and the ExecuTorch export, with parity in the manifest
    manifest = export_model("ppg_encoder_compact", out / "artifact", precision="int8",
                            checkpoint=student.model_path, calibration=args.calibration)
    info = json.loads(manifest.read_text())
    pte = next(manifest.parent.glob("*.pte"))
    print(f"3-4. int8 {pte.name}: {pte.stat().st_size / 1000:.0f} KB, parity at export: {json.dumps(info['parity'])}")

    # 5. load (sha256-verified) and compare with the eager fp32 student on fresh windows
    program = load(manifest.parent)
    model = create_model("ppg_encoder_compact", checkpoint_path=student.model_path).eval()
    x = torch.from_numpy(model_windows(model.card, 4, seed=123))
    with torch.no_grad():
        cos = torch.nn.functional.cosine_similarity(program(x[:1])[0], model(x[:1]), dim=1).item()
    print(f"5. loaded artifact vs eager fp32 on a fresh window: embedding cosine {cos:.4f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
