"""How well can *any* model reconstruct the 9 missing leads of the simulated cohort from II, V1, V5?

In ``wearsdk.sim`` every participant has their own dipole-to-lead projection (Dower's rows, each of the 8
independent rows with its own gain and direction error, ``wearsdk.sim.leads.individual_projection``), plus
non-dipolar local components in V1-V6. The rows of the 9 unmeasured leads are independent of everything the 3
measured leads show, so the best possible prediction is linear in the dipole and the measured leads (lead III
is II - I, so II helps beyond the dipole): even an oracle that is *given* each window's true cardiac dipole
cannot know the person's own rows. This script measures that oracle (the least-squares map from the true dipole
plus II, V1, V5 to the 12 leads, fitted on training participants; the dipole is
recovered from the clean 12 leads with the person's true projection, which lets a little of the unmeasured
leads' local components in, so the figure is, if anything, optimistic) next to the least-squares linear map from
II, V1, V5 that the trained VAEs are compared with. Data as the VAE trainer makes them
(``wearsdk.train.sim_data.SimLeads``: 10 s, band-pass 0.5-40 Hz, 100 Hz, mV).

    nice -n 10 .venv/bin/python examples/lead_vae_sim_ceiling.py --report docs/reports/lead_vae_sim_ceiling.json
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from wearsdk.sim import Cohort, Noise
from wearsdk.train.data import prepare_12lead

LEADS = ("I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6")
MEASURED = (1, 6, 10)  # II, V1, V5
RECONSTRUCTED = [i for i in range(12) if i not in MEASURED]


def windows(cohort: Cohort, participants: range, segments: int, clean: bool) -> tuple[np.ndarray, np.ndarray]:
    """``(12-lead windows (n, 12, 1000) mV, true dipoles (n, 3, 1000))`` of ``participants`` at 100 Hz."""
    leads, dipoles = [], []
    for pid in participants:
        person = cohort[pid]
        for s in range(segments):
            rec = person.record(11.0, sampling_rates={"ecg": 500.0}, segment=s, streams=("ecg",),
                                noise=Noise.clean() if clean else None)
            x = prepare_12lead(rec.ecg, 500.0, 100.0, zscore=False)[:, 50:1050]
            leads.append(x)
            if clean:
                dipoles.append(np.linalg.lstsq(person.waves.projection, x, rcond=None)[0])
    return np.stack(leads), (np.stack(dipoles) if dipoles else np.empty(0))


def pearson_rows(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pearson r along the last axis."""
    a = a - a.mean(-1, keepdims=True)
    b = b - b.mean(-1, keepdims=True)
    return (a * b).sum(-1) / np.sqrt((a * a).sum(-1) * (b * b).sum(-1) + 1e-12)


def global_map(inputs: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Least-squares ``(k, 12)`` map from ``inputs (n, k, t)`` to ``targets (n, 12, t)`` over all samples."""
    k = inputs.shape[1]
    w, *_ = np.linalg.lstsq(inputs.transpose(0, 2, 1).reshape(-1, k), targets.transpose(0, 2, 1).reshape(-1, 12),
                            rcond=None)
    return w


def scores(pred: np.ndarray, truth: np.ndarray) -> dict:
    r = pearson_rows(pred, truth)
    return {"mean_r_reconstructed": float(r[:, RECONSTRUCTED].mean()),
            "pearson_r": {LEADS[i]: round(float(r[:, i].mean()), 4) for i in RECONSTRUCTED}}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--train-participants", type=int, default=300)
    p.add_argument("--test-participants", type=int, default=100)
    p.add_argument("--segments", type=int, default=2)
    p.add_argument("--seed", type=int, default=0, help="cohort seed (the lead_vae cpu preset trains on seed 0)")
    p.add_argument("--report", default=None, help="write the figures as JSON here")
    args = p.parse_args(argv)
    t0 = time.time()
    n_tr, n_te = args.train_participants, args.test_participants
    cohort = Cohort(n_tr + n_te, seed=args.seed)
    train_p, test_p = range(n_tr), range(n_tr, n_tr + n_te)
    results = {}
    for clean in (True, False):
        x_tr, d_tr = windows(cohort, train_p, args.segments, clean)
        x_te, d_te = windows(cohort, test_p, args.segments, clean)
        w_lin = global_map(x_tr[:, list(MEASURED)], x_tr)
        entry = {"linear_map_II_V1_V5": scores(np.einsum("nct,cl->nlt", x_te[:, list(MEASURED)], w_lin), x_te)}
        if clean:
            o_tr = np.concatenate([d_tr, x_tr[:, list(MEASURED)]], axis=1)
            o_te = np.concatenate([d_te, x_te[:, list(MEASURED)]], axis=1)
            entry["true_dipole_oracle"] = scores(np.einsum("nct,cl->nlt", o_te, global_map(o_tr, x_tr)), x_te)
        results["clean" if clean else "default_noise"] = entry
        for method, s in entry.items():
            print(f"{'clean' if clean else 'noisy'} {method}: mean r {s['mean_r_reconstructed']:.4f} {s['pearson_r']}")
    report = {
        "what": "upper bound on 3 -> 12 lead reconstruction in the simulated cohort (see the script's docstring)",
        "how": f"cohort seed {args.seed}: participants 0-{n_tr - 1} fit the maps, {n_tr}-{n_tr + n_te - 1} are "
               f"scored ({args.segments} windows of 10 s each); mean over windows of per-lead Pearson r, averaged "
               "over the 9 leads that are not inputs",
        "results": results,
        "seconds": round(time.time() - t0, 1),
    }
    if args.report:
        Path(args.report).write_text(json.dumps(report, indent=1) + "\n")
        print(f"wrote {args.report}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
