"""``wearsdk bundle``: publish trained weights as ``<model>.pt`` plus its pretrained record ``<model>.json``."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

__all__ = ["add_parser"]

DESCRIPTION = """\
Publish a trained model: write its weights file and its pretrained record into a weights folder, from
which create_model(NAME, pretrained=True) loads it (after checking the file's sha256 against the record).

Writes, in --weights-dir (default: the package's wearsdk/models/weights):
  <model>.pt     the fp32 state dict; for an encoder with linear heads {"model": state dict, "heads": ...}
  <model>.json   the pretrained record (wearsdk.models.PretrainedRecord): weights file and sha256, the
                 architecture config the weights fit, and what --about gives: version, recipe,
                 training_data, reproduce, limitations, metrics, notes (and, for weights trained on other
                 inputs than the variant's defaults, signal and preprocessing)

The checkpoint is a 'wearsdk train' / 'wearsdk distill' model.pt (its config names the model and its
overrides), a 'wearsdk quantize' <model>_qat.pt, or a bundled <model>.pt (its heads are kept). --about is a
JSON file with the record's text fields; an existing record (e.g. wearsdk/models/weights/<model>.json)
works: its name, weights file, sha256 and config are replaced by the new ones. --fit-heads fits the linear
heads (HR, AF, quality, traits) of an encoder on its fp32 embeddings of simulated windows (cohort seed 1,
AF prevalence 0.3, each participant at rest, walking, moving the arm and running) and adds their held-out
scores as sim_<score> metrics (examples/bundle_encoder.py also fits them on the int8 program's embeddings and
compares with the teacher). With --real-data DIR (a folder with cinc2017/ and ptbxl/, e.g. ../shared/data/real)
an ECG encoder's heads are fitted on the training records of CinC 2017 and PTB-XL lead I plus the simulated
windows instead, with rhythm heads (normal / other rhythm) added, and scored on those datasets' validation
records as real_<dataset>_<score> metrics (wearsdk.train.real.heads). A PPG encoder's heads are fitted on
PPG-BP's training subjects (pulse trains) plus the wide simulated population and scored on PPG-BP validation,
ppg_mw4 and the device recordings (wearsdk.train.real.ppg_heads). Real-data heads read the fp32 and the int8
program's embeddings (int8_real_head_score_abs_diff_max: the largest int8 - fp32 gap of those scores).
--metric NAME=VALUE adds any other measured figure. Metrics given in --about are kept as they are: re-measure
them for new weights.
"""

EPILOG = """\
examples:
  wearsdk bundle runs/ecg_student/model.pt --about about_ecg.json --fit-heads --weights-dir /tmp/w
      fit the heads of a distilled ECG student, write /tmp/w/ecg_encoder_compact.pt and .json;
      then create_model("ecg_encoder_compact", pretrained=True, weights_dir="/tmp/w")
  wearsdk bundle runs/ecg_real/model.pt --about about_ecg.json --fit-heads --real-data ../shared/data/real
      heads fitted on real CinC 2017 / PTB-XL training records + simulated windows, scored on their validation
  wearsdk bundle runs/ptbxl/model.pt --about wearsdk/models/weights/lead_vae_compact.json \\
      --metric ptbxl_fold9_mean_r_reconstructed=0.8606
      replace the package's lead VAE, keeping its record's text (re-measure every metric it lists)
"""


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("bundle", help="publish trained weights (<model>.pt + pretrained record <model>.json)",
                       description=DESCRIPTION, epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("checkpoint", type=Path, help="model.pt / checkpoint of wearsdk train or distill, a "
                   "<model>_qat.pt of wearsdk quantize, or a bundled <model>.pt")
    p.add_argument("--about", type=Path, required=True,
                   help="JSON with the record's text: version, recipe, training_data, reproduce, limitations "
                   "(optional: metrics, notes, signal, preprocessing)")
    p.add_argument("--model", default=None, help="registered model name (default: the one the checkpoint names)")
    p.add_argument("--fit-heads", action="store_true",
                   help="fit an encoder's linear heads on simulated windows and record their held-out scores")
    p.add_argument("--real-data", type=Path, default=None, metavar="DIR",
                   help="with --fit-heads: fit the heads on the real data under DIR (ECG: cinc2017/, ptbxl/; PPG: "
                   "ppg_bp/, scored on ppg_mw4/ and the device recordings too) plus simulated windows")
    p.add_argument("--head-participants", type=int, default=160,
                   help="simulated participants the heads are fitted on (x 4 activities; default 160)")
    p.add_argument("--test-participants", type=int, default=64,
                   help="further participants the heads are scored on (default 64)")
    p.add_argument("--metric", action="append", default=[], metavar="NAME=VALUE",
                   help="a measured figure for the record (repeatable)")
    p.add_argument("--weights-dir", type=Path, default=None,
                   help="weights folder to write into (default: the package's wearsdk/models/weights)")
    p.set_defaults(func=run)


def _metrics(pairs: list[str]) -> dict[str, float]:
    from wearsdk.errors import ConfigError

    out = {}
    for pair in pairs:
        key, _, value = pair.partition("=")
        try:
            if not key.strip():
                raise ValueError(pair)
            out[key.strip()] = float(value)
        except ValueError:
            raise ConfigError(f"--metric {pair!r}: expected NAME=NUMBER, e.g. --metric real_hr_bpm_mae=4.82.") from None
    return out


def run(args: argparse.Namespace) -> int:
    from wearsdk.errors import ConfigError
    from wearsdk.models import bundle, model_from_checkpoint, read_about
    from wearsdk.models._registry import read_checkpoint
    from wearsdk.models.heads import LinearHeads
    from wearsdk.models.pretrained import weights_folder

    model = model_from_checkpoint(args.checkpoint, args.model)
    card = model.card
    about = read_about(args.about, card.name)
    metrics = dict(about.pop("metrics", {}))
    heads = None
    if args.fit_heads:
        if card.task != "embedding":
            raise ConfigError(f"--fit-heads: {card.name!r} is a {card.task} model; linear heads read an encoder's "
                              "embeddings. Drop --fit-heads.")
        if args.real_data is not None:
            from wearsdk.bench.quant import calibration_windows, int8_model
            from wearsdk.train.real.heads import fit_real_heads
            from wearsdk.train.real.ppg_heads import fit_real_ppg_heads

            built: list[Any] = []

            def int8(x: Any) -> Any:  # built on first use: after the real data were found and read
                if not built:
                    built.append(int8_model(model, calibration_windows(card)))
                return built[0](x)

            if card.modality == "ppg":
                heads, scores = fit_real_ppg_heads(model.eval(), card, args.real_data, int8=int8,
                                                   sim_participants=args.head_participants,
                                                   test_participants=args.test_participants)
            else:
                heads, scores = fit_real_heads(model.eval(), card, args.real_data, int8=int8,
                                               sim_participants=args.head_participants)
            metrics.update(scores)
        else:
            from wearsdk.train.heads import fit_and_score, head_data

            heads, scores = fit_and_score(head_data(card, args.head_participants, args.test_participants), model)
            metrics.update({f"sim_{k}": round(v, 4) for k, v in scores.items()})
    elif args.real_data is not None:
        raise ConfigError("--real-data: it chooses the data --fit-heads fits the heads on; add --fit-heads.")
    else:
        blob = read_checkpoint(args.checkpoint)
        if isinstance(blob, dict) and "heads" in blob:  # a bundled file: its heads ride along
            heads = LinearHeads.from_payload(blob["heads"])
    metrics.update(_metrics(args.metric))
    record = bundle(model, heads=heads, metrics=metrics, weights_dir=args.weights_dir, **about)
    print(f"wrote {record.weights_file} (sha256 {record.weights_sha256}) and {record.name}.json in "
          f"{weights_folder(args.weights_dir)}; {len(record.metrics)} metrics"
          f"{', heads ' + ', '.join(heads.names) if heads is not None else ''}")
    for key, value in sorted(record.metrics.items()):
        print(f"  {key} = {value:g}")
    return 0
