"""``wearsdk export``: a registered model to an ExecuTorch, CoreML or ONNX artifact with its manifest."""

from __future__ import annotations

import argparse
import json

from wearsdk.quant.config import CALIBRATION_WINDOWS


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "export",
        help="export a model to .pte / .mlpackage / .onnx",
        description="Exports a registered model (wearsdk.models.list_models()) to a folder holding the artifact "
        "and manifest.json (model card, inputs/outputs, quantization, sha256 of every file, tool versions and "
        "the parity measured against eager fp32). int8 calibration uses simulated windows preprocessed as the "
        "model card says. Load the result with wearsdk.runtime.load(DIR); read a CoreML package with "
        "wearsdk.runtime.inspect(DIR) and check its predictions on a Mac with examples/ios/verify_coreml.py DIR.",
        epilog="examples:\n"
        "  wearsdk export --model ppg_encoder_compact --pretrained --backend executorch --quant int8 --out out/ppg\n"
        "  wearsdk export --model ppg_encoder_compact --pretrained --streaming --input-rate 256 --out out/ppg_s\n"
        "  wearsdk export --model lead_vae_compact --checkpoint runs/vae/best.pt --backend coreml --out out/vae\n"
        "  wearsdk export --model ppg_encoder_compact --pretrained --backend coreml --quant int8 --streaming "
        "--with-preprocessing --out out/ppg_coreml_s",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--model", required=True, help="registered model name, e.g. ppg_encoder_compact")
    p.add_argument("--backend", default="executorch",
                   help="a registered backend (wearsdk.export.list_backends(): executorch, coreml, onnx; default "
                   "%(default)s); each says what it supports (precisions, --streaming, --with-preprocessing)")
    p.add_argument("--quant", choices=("fp32", "int8"), default="fp32",
                   help="int8: PT2E static int8 for ExecuTorch/XNNPACK, int8 weights for CoreML (default fp32)")
    p.add_argument("--streaming", action="store_true",
                   help="a program keeping its ring buffer (and filter state) inside, one hop per call: ExecuTorch "
                   "mutable buffers (raw samples in), or CoreML states (iOS 18; band-passed samples in, raw with "
                   "--with-preprocessing). Causal models only: the lead VAEs filter whole records (zero-phase)")
    p.add_argument("--with-preprocessing", action="store_true",
                   help="put the preprocessing in the graph so the program takes raw samples: the C++ op for "
                   "ExecuTorch, its FIR equivalent in MIL for CoreML (the FIR-vs-IIR difference is in the manifest)")
    p.add_argument("--input-rate", type=float, default=None,
                   help="raw input rate in Hz for --streaming / --with-preprocessing (default: the model's rate)")
    weights = p.add_mutually_exclusive_group()
    weights.add_argument("--pretrained", action="store_true", help="use the weights bundled with wearsdk")
    weights.add_argument("--checkpoint", default=None, help="weights written by wearsdk train / distill")
    weights.add_argument("--allow-untrained", action="store_true",
                         help="export random weights (to test a toolchain); the manifest says trained: false")
    p.add_argument("--hop", type=int, default=None, help="streaming hop in model-rate samples (default: the card's)")
    p.add_argument("--calibration", type=int, default=CALIBRATION_WINDOWS,
                   help="simulated calibration windows for int8 (encoders: across rest, walking, arm movement and "
                   "running; default %(default)s)")
    p.add_argument("--out", required=True, help="output folder")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from wearsdk.export.model import export_model

    manifest = export_model(
        args.model, args.out, backend=args.backend, precision=args.quant, streaming=args.streaming,
        with_preprocessing=args.with_preprocessing, input_rate=args.input_rate, checkpoint=args.checkpoint,
        pretrained=args.pretrained, allow_untrained=args.allow_untrained, hop=args.hop, calibration=args.calibration,
    )
    m = json.loads(manifest.read_text())
    files = ", ".join(f"{n} ({f['bytes'] / 1024:.0f} KiB)" for n, f in m["files"].items() if "/" not in n)
    print(f"wrote {manifest.parent}: {files or len(m['files'])} files")
    print(f"parity vs eager fp32: {json.dumps(m['parity'])}")
    if not m["trained"]:
        print("WARNING: exported an UNTRAINED model (--allow-untrained): its outputs mean nothing.")
    return 0
