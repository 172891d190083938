"""Architecture sweep of the compact encoders: latency vs accuracy vs int8 fidelity, measured side by side.

For every candidate (overrides of ``<modality>_encoder_compact``) it measures, on one CPU thread:
parameters (and the ratio to the teacher), the int8 ``.pte`` size, median latency of one window in eager fp32
and ExecuTorch int8 (XNNPACK), and one hop of the int8 streaming program (preprocessing in the graph). For the
candidates given a distillation run (``--run TAG=RUN_DIR``, runs of ``wearsdk distill`` stopped at the same
step of the same schedule), it adds the run's validation cosine to the teacher and participant retrieval at
``--step``, and the int8-vs-fp32 embedding cosine of that checkpoint on held-out simulated windows (rest,
walk, arm, run; calibration on 32 simulated windows across activities, a quarter of what ``wearsdk export``
uses, to keep the sweep short).

    python examples/encoder_arch_sweep.py --modality ppg --run base=runs/ppg_student \\
        --run relu_s2=runs/ppg_relu_s2 --step 200 --out docs/reports/ppg_encoder_arch_sweep.json
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import torch

# Candidates: overrides of the compact config (stages are (expand, kernel, stride, out_chs, repeats)).
CANDIDATES: dict[str, dict[str, Any]] = {
    "base": {"act": "silu", "se_ratio": 0.25},  # EfficientNet-style: SiLU, squeeze-excitation, stem stride 2
    "silu_s2": {"act": "silu", "se_ratio": 0.0},
    "relu_s2": {"act": "relu", "se_ratio": 0.0},  # the shipped compact encoders
    "hardswish_s2": {"act": "hardswish", "se_ratio": 0.0},
    "relu_s4": {"act": "relu", "se_ratio": 0.0, "stem_stride": 4},
    "relu_s4_k9": {"act": "relu", "se_ratio": 0.0, "stem_stride": 4, "stages": (
        (1, 5, 1, 16, 1), (3, 9, 2, 24, 1), (3, 9, 2, 32, 2), (3, 5, 2, 48, 2), (3, 5, 2, 64, 2))},
    "relu_s4_wide": {"act": "relu", "se_ratio": 0.0, "stem_stride": 4, "stem_chs": 24, "stages": (
        (1, 5, 1, 24, 1), (3, 7, 2, 32, 1), (3, 7, 2, 40, 2), (3, 5, 2, 56, 2), (3, 5, 2, 80, 2))},
    "relu_s4_deep": {"act": "relu", "se_ratio": 0.0, "stem_stride": 4, "stages": (
        (1, 5, 1, 16, 1), (3, 7, 2, 24, 2), (3, 7, 2, 32, 3), (3, 5, 2, 48, 3), (3, 5, 2, 64, 3))},
}


def _latency(name: str, overrides: dict[str, Any], windows: torch.Tensor, repeats: int) -> dict[str, Any]:
    from wearsdk.bench._timing import interleaved_medians_ms
    from wearsdk.export import export_executorch, export_executorch_streaming
    from wearsdk.models import count_params, create_model
    from wearsdk.runtime import load
    from wearsdk.sim.windows import raw_window

    model = create_model(name, **overrides).eval()
    card = model.card
    raw = torch.from_numpy(raw_window(card, 2 * card.window_seconds, rate=card.sampling_rate_hz))[None]
    with tempfile.TemporaryDirectory() as tmp:
        int8 = export_executorch(model, Path(tmp) / "int8", name=name, example_inputs=(windows[:1],),
                                 precision="int8", calibration=windows, parity_windows=windows[:2]).parent
        stream = export_executorch_streaming(
            model, Path(tmp) / "stream", name=name, spec=card.preprocess_spec(), window=card.window_samples,
            hop=card.hop_samples, channels=len(card.input_channels), parity_stream=raw,
            precision="int8", calibration=windows).parent
        program, streamer = load(int8), load(stream)
        chunk = raw[..., : card.hop_samples].contiguous()
        x = windows[:1]
        with torch.inference_mode():
            ms = interleaved_medians_ms(
                {"eager_fp32_ms": lambda: model(x), "executorch_int8_ms": lambda: program(x),
                 "stream_step_int8_ms": lambda: streamer.push(chunk)},
                repeats=dict.fromkeys(("eager_fp32_ms", "executorch_int8_ms", "stream_step_int8_ms"), repeats))
        size = sum(f.stat().st_size for f in int8.glob("*.pte"))
    return {"params": count_params(model), "pte_int8_bytes": size, **ms}


def _step_checkpoint(run: Path, step: int) -> Path:
    path = run / "checkpoints" / f"step_{step:08d}.pt"
    if not path.is_file():
        raise SystemExit(f"{run}: no checkpoint at step {step} ({path.name}); stop the run there (--stop-at-step).")
    return path


def _accuracy(name: str, run: Path, step: int, calibration: torch.Tensor, held_out: np.ndarray) -> dict[str, Any]:
    from wearsdk.bench.quant import int8_model
    from wearsdk.models import create_model, load_weights
    from wearsdk.train.heads import embed

    config = json.loads((run / "config.json").read_text())
    val = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    val = [r for r in val if r.get("split") == "val" and r["step"] == step]
    if not val:
        raise SystemExit(f"{run}: no validation row at step {step} in metrics.jsonl (use --set eval_every).")
    model = create_model(name, **config["model_overrides"]).eval()
    load_weights(model, _step_checkpoint(run, step))
    fp32 = embed(model, held_out)
    int8 = embed(int8_model(model, calibration), held_out)
    cos = np.sum(fp32 * int8, 1) / (np.linalg.norm(fp32, axis=1) * np.linalg.norm(int8, axis=1))
    return {"run_overrides": config["model_overrides"], "step": step,
            "cosine_to_teacher": val[0]["cosine_to_teacher"],
            "participant_retrieval_at_1": val[0]["participant_retrieval_at_1"],
            "teacher_participant_retrieval_at_1": val[0]["teacher_participant_retrieval_at_1"],
            "int8_embedding_cosine_mean": float(cos.mean()), "int8_embedding_cosine_min": float(cos.min())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--modality", choices=("ppg", "ecg"), required=True)
    parser.add_argument("--candidates", default=",".join(CANDIDATES), help="comma-separated candidate tags")
    parser.add_argument("--run", action="append", default=[], metavar="TAG=RUN_DIR[@STEP]",
                        help="a distillation run of candidate TAG (its checkpoint at STEP, default --step, is "
                        "evaluated)")
    parser.add_argument("--step", type=int, default=200, help="training step at which runs are compared")
    parser.add_argument("--repeats", type=int, default=40, help="timed calls per runtime")
    parser.add_argument("--participants", type=int, default=24, help="held-out participants for int8 fidelity")
    parser.add_argument("--calibration", type=int, default=32, help="simulated windows that calibrate int8")
    parser.add_argument("--out", type=Path, help="JSON report")
    parser.add_argument("--note", default="", help="free text stored in the report (e.g. figures of earlier runs)")
    args = parser.parse_args()

    from wearsdk.models import count_params, create_model
    from wearsdk.sim import ACTIVITY_CYCLE, model_windows
    from wearsdk.train.heads import labelled_windows

    torch.set_num_threads(1)
    name = f"{args.modality}_encoder_compact"
    card = create_model(name).card
    calibration = torch.from_numpy(model_windows(card, args.calibration, seed=11))
    runs = dict(item.split("=", 1) for item in args.run)
    held_out = None
    if runs:
        held_out, _, _ = labelled_windows(card, range(args.participants), len(ACTIVITY_CYCLE), 12,
                                          prevalence={"af": 0.3}, progress=False)
    teacher_params = count_params(create_model(f"{args.modality}_encoder_full"))
    rows: dict[str, Any] = {}
    for tag in args.candidates.split(","):
        row = _latency(name, CANDIDATES[tag], calibration, args.repeats)
        row["param_ratio_to_teacher"] = row["params"] / teacher_params
        if tag in runs:
            run, _, step = runs[tag].partition("@")
            row.update(_accuracy(name, Path(run), int(step or args.step), calibration, held_out))
        rows[tag] = row
        print(tag, json.dumps({k: round(v, 4) if isinstance(v, float) else v for k, v in row.items()
                               if k != "run_overrides"}), flush=True)
    report = {"what": f"{name} architecture sweep (one CPU thread; latency of one window / one streaming hop)",
              "candidates": {tag: CANDIDATES[tag] for tag in rows}, "results": rows,
              "calibration": f"{args.calibration} simulated windows across rest, walk, arm, run (seed 11)",
              "note": args.note,
              "held_out": f"{args.participants} simulated participants x {len(ACTIVITY_CYCLE)} activities (seed 12)"}
    if args.out:
        args.out.write_text(json.dumps(report, indent=1, default=str) + "\n")


if __name__ == "__main__":
    main()
