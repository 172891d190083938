"""``wearsdk quantize``: a registered model to a static int8 program and a report (int8 vs fp32, sensitivity)."""

from __future__ import annotations

import argparse
import json
from typing import Any

__all__ = ["add_parser"]

DESCRIPTION = """\
Quantize a registered model to static int8 (PT2E, XNNPACK scheme) and measure what it costs.

Static int8: weights are stored as int8 (symmetric, one scale per output channel) and activations are
int8 too, each tensor with a fixed scale chosen ahead of time. Calibration chooses those scales: the
model runs in float on the calibration windows while observers record every activation's range. So
calibrate on windows like the ones the model will see (preprocessed as its card says); too few or
unrepresentative windows give ranges that clip real signals or waste resolution.

What is quantized is the model's deploy form (wearsdk.models.deploy_form), the layout ExecuTorch programs
are built from: for the encoders, 2-D convolutions over (batch, channels, samples, 1) and the 1x1
`conv_head` as a linear per time step with its BatchNorm folded in (same function in float). Layer names
(--keep-float, "config") are that form's: stem.0, blocks.3.expand.0, ..., conv_head, embed.

Each model brings its scheme (wearsdk.quant.int8_config_for): the encoders run `conv_head` and their
final `embed` at dynamic int8 (int8 weights; the input's scale is computed per time step / per window at
run time, the output is float), because their output channels span ~100x in range and one fixed output
scale rounds the small ones away (static int8 `conv_head`: the ECG encoder's AF head lost 0.008-0.018 of
AUROC). --keep-float adds layers in float. quant_report.json records the scheme under "config".

Calibration (--calibration):
  sim        --windows simulated windows (default 128, as wearsdk export uses; the encoders' across rest,
             walking, arm movement and running), preprocessed as the model card says
  FILE.npy   your own model inputs: one float32 array (N, channels, samples) matching the card's
             channels and window length, already preprocessed; --windows takes the first N

Outputs in --out:
  <model>_int8.pt2     the quantized program (torch.export.save; load it with
                       torch.export.load(PATH).module(); it takes batch-1 windows);
                       <model>_untrained_int8.pt2 for random weights
  quant_report.json    model, weights, config (Int8StaticConfig), calibration source and count,
                       int8_vs_fp32 and, with --sensitivity, the per-layer report
  <model>_qat.pt       with --qat-steps: the quantization-aware fine-tuned float weights (load them with
                       --checkpoint in wearsdk quantize / export, or create_model(..., checkpoint_path=))

Reading the report:
  int8_vs_fp32  measured on simulated windows from other participants than the calibration ones
                (seed + 1). cosine_mean / cosine_min: cosine between int8 and fp32 outputs per window
                (the release bar for the encoders is a mean >= 0.99); max_abs_diff: the largest output
                difference, to compare with fp32_abs_max.
  sensitivity   for each conv/linear layer, the cosine with that layer alone kept in float;
                cosine_gain is what keeping it in float buys. If the cosine falls short, rerun with
                --keep-float on the top one or two layers (each costs speed and size on device).
  qat           with --qat-steps: loss history (int8 = fake-quantized pass, float = float pass, both
                against the original outputs); cosine_mean_before / cosine_min_before, the int8-vs-fp32
                cosine of the weights before fine-tuning, to compare with int8_vs_fp32 after; and
                float_cosine_to_original_mean / _min: the tuned float model against the original one
                (below 0.99 the fine-tuning changed what the model does: do not ship it).

Quantization-aware fine-tuning (--qat-steps N): when post-training int8 misses, the weights are
fine-tuned for N steps with fake quantization in the graph (PT2E QAT, same scheme), so that both the
fake-quantized and the float model reproduce the ORIGINAL model's outputs on --qat-windows simulated
windows (seed + 2). The float model keeps what it did; its int8 version, calibrated afresh, loses less.
Compare cosine_mean_before with int8_vs_fp32 in the report, and refit any linear heads on the new
weights before shipping them. A few hundred steps take minutes on a CPU for the compact encoders.

The .pt2 is for evaluation and for deciding the recipe; the deployable ExecuTorch/XNNPACK program
comes from `wearsdk export --quant int8` (same scheme, with its manifest and parity check).
"""

EPILOG = """\
examples:
  wearsdk quantize --model ppg_encoder_compact --pretrained --out out/ppg_q
  wearsdk quantize --model lead_vae_compact --pretrained --sensitivity --out out/vae_q
  wearsdk quantize --model ecg_encoder_compact --checkpoint runs/ecg/model.pt \\
      --calibration my_windows.npy --keep-float stem.0 --out out/ecg_q
  wearsdk quantize --model ecg_encoder_compact --pretrained --qat-steps 300 --out out/ecg_qat
  wearsdk export --model ppg_encoder_compact --pretrained --quant int8 --out out/ppg   # the .pte
"""


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "quantize",
        help="static int8 (PT2E/XNNPACK) of a model, with an int8-vs-fp32 and sensitivity report",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--model", required=True, help="registered model name, e.g. ppg_encoder_compact")
    weights = p.add_mutually_exclusive_group()
    weights.add_argument("--pretrained", action="store_true", help="use the weights bundled with wearsdk")
    weights.add_argument("--checkpoint", default=None, metavar="MODEL_PT",
                         help="weights written by wearsdk train / distill")
    weights.add_argument("--allow-untrained", action="store_true",
                         help="quantize random weights (to test a toolchain); the report says trained: false")
    p.add_argument("--calibration", default="sim", metavar="sim|FILE.npy",
                   help="calibration windows: simulated (default) or a float32 (N, channels, samples) .npy")
    p.add_argument("--windows", type=int, default=None, metavar="N",
                   help="calibration windows: simulated count (default 128, as wearsdk export), or the first N of "
                   "the .npy (at least 8)")
    p.add_argument("--eval-windows", type=int, default=16, metavar="N",
                   help="held-out simulated windows for int8 vs fp32 (default 16)")
    p.add_argument("--keep-float", action="extend", nargs="+", default=[], metavar="MOD",
                   help="module names to leave in float (from a sensitivity report), e.g. stem.0 embed")
    p.add_argument("--sensitivity", nargs="*", default=None, metavar="LAYER",
                   help="add the per-layer sensitivity report: every conv/linear layer (one quantization each, "
                   "minutes for a deep model), or only the LAYERs named")
    p.add_argument("--seed", type=int, default=0, help="simulation seed of the calibration windows (default 0)")
    p.add_argument("--qat-steps", type=int, default=0, metavar="N",
                   help="quantization-aware fine-tuning steps before quantizing (default 0: none); writes "
                   "<model>_qat.pt")
    p.add_argument("--qat-windows", type=int, default=None, metavar="N",
                   help="simulated windows to fine-tune on (default 512, seed + 2)")
    p.add_argument("--qat-lr", type=float, default=5e-4, metavar="LR", help="fine-tuning learning rate (default 5e-4)")
    p.add_argument("--out", required=True, help="output folder")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from wearsdk.quant import quantize_model

    sensitivity = False if args.sensitivity is None else (args.sensitivity or True)
    path = quantize_model(
        args.model, args.out, checkpoint=args.checkpoint, pretrained=args.pretrained,
        allow_untrained=args.allow_untrained, calibration=args.calibration, windows=args.windows,
        eval_windows=args.eval_windows, keep_float=args.keep_float, sensitivity=sensitivity, seed=args.seed,
        qat_steps=args.qat_steps, qat_windows=args.qat_windows, qat_lr=args.qat_lr,
    )
    r = json.loads(path.read_text())
    a = r["int8_vs_fp32"]
    print(f"wrote {path.parent}: {r['program']['file']} ({r['program']['bytes'] / 1024:.0f} KiB), {path.name}")
    print(f"calibration: {r['calibration']['windows']} windows from {r['calibration']['source']}")
    print(f"int8 vs fp32 on {a['windows']} held-out windows: cosine mean {a['cosine_mean']:.4f} "
          f"(min {a['cosine_min']:.4f}), max abs diff {a['max_abs_diff']:.4g} (fp32 |max| {a['fp32_abs_max']:.4g})")
    if r["qat"]:
        q = r["qat"]
        print(f"quantization-aware fine-tuning: {q['steps']} steps on {q['windows']} windows -> {q['weights']}; "
              f"int8 vs fp32 cosine mean {q['cosine_mean_before']:.5f} before, {a['cosine_mean']:.5f} after; "
              f"tuned vs original float model cosine {q['float_cosine_to_original_mean']:.5f} "
              f"(min {q['float_cosine_to_original_min']:.5f})")
        if q["float_cosine_to_original_min"] < 0.99:
            print("WARNING: the fine-tuned float model no longer reproduces the original (cosine < 0.99 on held-out "
                  "windows): lower --qat-lr or use more --qat-windows; do not ship these weights.")
    if r["sensitivity"]:
        top = ", ".join(f"{x['name']} ({x['cosine_gain']:+.4f})" for x in r["sensitivity"]["layers"][:3])
        print(f"most sensitive layers (cosine gain if kept in float): {top or 'none'}")
    if not r["trained"]:
        print("WARNING: quantized an UNTRAINED model (--allow-untrained): its outputs mean nothing.")
    return 0
