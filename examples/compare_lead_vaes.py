"""The bundled compact 3 -> 12 lead VAE next to a trained full VAE, on the same evaluation sets.

Both are scored like ``examples/train_lead_vae_ptbxl.py`` scores one model (``wearsdk.train.evaluate.
lead_vae_report``, outputs z-scored per lead, mean per-lead Pearson r over the 9 leads that are not inputs):
PTB-XL fold 9 (held out from both), the mV records of ``cinc2021/`` and ``ptbdb/``, and held-out simulated
participants (``wearsdk.train.sim_data.SimLeads``, participants 600-699 of cohort seed 0, z-scored per lead:
neither model was trained on them). The compact model keeps ``r_compact / r_full`` of the full model's r.

    nice -n 10 .venv/bin/python examples/compare_lead_vaes.py --full runs/lead_vae_full_ptbxl/model.pt \\
        --report docs/reports/lead_vae_compact_vs_full.json
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch

from wearsdk.models import create_model
from wearsdk.signal import zscore
from wearsdk.train.data import PTBXLLeads, load_12lead_windows
from wearsdk.train.evaluate import lead_vae_report
from wearsdk.train.sim_data import SimLeads


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--full", required=True, help="the full VAE's model.pt (examples/train_lead_vae_ptbxl.py)")
    p.add_argument("--real", default="../shared/data/real", help="folder of the real records")
    p.add_argument("--sim-participants", type=int, default=100)
    p.add_argument("--report", default=None)
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    t0, real = time.time(), Path(args.real)
    models = {"compact": create_model("lead_vae_compact", pretrained=True),
              "full": create_model("lead_vae_full", checkpoint_path=args.full)}
    train = PTBXLLeads(real / "ptbxl", "train").data
    sim = SimLeads(range(600, 600 + args.sim_participants), 1, seed=0)
    sets = {
        "ptbxl_fold9": PTBXLLeads(real / "ptbxl", "val").data,
        "cinc2021": torch.from_numpy(np.concatenate(
            [load_12lead_windows(r.with_suffix("")) for r in sorted((real / "cinc2021").glob("*.hea"))])),
        "ptbdb": torch.from_numpy(load_12lead_windows(real / "ptbdb" / "s0010_re")),
        "sim_heldout": zscore(torch.stack([sim[i][1] for i in range(len(sim))])),  # per lead and record
    }
    reports = {name: lead_vae_report(m, train, sets, zscore_outputs=True) for name, m in models.items()}
    results = {}
    for s in sets:
        r = {name: reports[name][s]["vae"]["mean_r_reconstructed"] for name in models}
        results[s] = {"records": reports["compact"][s]["records"], "mean_r_compact": r["compact"],
                      "mean_r_full": r["full"], "mean_r_linear_map": reports["compact"][s]["linear_map"][
                          "mean_r_reconstructed"], "compact_keeps": r["compact"] / r["full"]}
        print(f"{s:12s} n={results[s]['records']:3d}  compact r={r['compact']:.4f}  full r={r['full']:.4f}  "
              f"keeps {results[s]['compact_keeps']:.3f}")
    params = {name: sum(q.numel() for q in m.parameters()) for name, m in models.items()}
    report = {"what": __doc__.split("\n\n")[0], "params": params, "param_ratio": params["compact"] / params["full"],
              "results": results, "full_reports": reports["full"], "seconds": round(time.time() - t0, 1)}
    if args.report:
        Path(args.report).write_text(json.dumps(report, indent=1, default=float) + "\n")
        print(f"wrote {args.report}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
