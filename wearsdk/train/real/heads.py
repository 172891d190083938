"""Linear heads of an ECG encoder fitted on real single-lead ECG plus the simulator (issue 22).

Training windows: the ``"train"`` records of CinC 2017 and PTB-XL lead I (:mod:`wearsdk.train.real.datasets`)
and the heads' simulated cohort (:func:`wearsdk.train.heads.head_data`). Each head learns from the windows that
carry its label (NaN elsewhere; :func:`wearsdk.train.heads.fit_heads`), folds grouped by patient:

=====================  ==========================================================  ==========================
head                   real label                                                  simulated label
=====================  ==========================================================  ==========================
``hr_bpm``             60 / median RR of :func:`wearsdk.ecg_peaks` on the window   mean HR (truth)
``af_prob``            CinC 2017 A vs N / O / ~                                    AF > half the window
``quality_prob``       CinC 2017 not ~ (noisy)                                     activity <= 0.2
``normal_rhythm_prob`` CinC 2017 N vs A / O / ~                                    --
``other_rhythm_prob``  CinC 2017 O vs N / A / ~                                    --
``age_years``          PTB-XL age                                                  --
``sex_male_prob``      PTB-XL sex                                                  --
``bmi``                --                                                          participant BMI
=====================  ==========================================================  ==========================

Scores come from the ``"val"`` records (CinC 2017's stratified 20 %, PTB-XL fold 9), never used in fitting: per
record (the mean of its windows' outputs) AUROC / MAE / Pearson r, and the rhythm macro F1 of the argmax over
(normal, AF, other, 1 - quality).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from wearsdk.models import HEADS, LinearHeads, ModelCard
from wearsdk.train.probes import auroc, macro_f1
from wearsdk.train.real.datasets import CINC_CLASSES, RealDataset, record_mean, single_lead_ecg
from wearsdk.train.real.features import dataset_hr

__all__ = ["REAL_HEADS", "real_head_labels", "fit_real_heads", "real_head_scores", "fit_on_real_and_sim",
           "subset_heads"]

#: The heads whose label the simulated windows give as well.
_SIM_LABELLED = ("hr_bpm", "af_prob", "quality_prob", "bmi")
#: The heads fitted by :func:`fit_real_heads`, in output order.
REAL_HEADS = ("hr_bpm", "af_prob", "quality_prob", "normal_rhythm_prob", "other_rhythm_prob", "age_years",
              "sex_male_prob", "bmi")


def real_head_labels(ds: RealDataset) -> dict[str, np.ndarray]:
    """Head name -> ``(windows,)`` labels of a real dataset's windows (NaN where it has none)."""
    n = len(ds.x)
    rec = np.asarray(ds.record_of_window)
    out = {name: np.full(n, np.nan) for name in REAL_HEADS}
    out["hr_bpm"] = dataset_hr(ds)
    if "rhythm" in ds.labels:
        r = ds.labels["rhythm"][rec]
        out["af_prob"] = (r == CINC_CLASSES.index("A")).astype(float)
        out["quality_prob"] = (r != CINC_CLASSES.index("~")).astype(float)
        out["normal_rhythm_prob"] = (r == CINC_CLASSES.index("N")).astype(float)
        out["other_rhythm_prob"] = (r == CINC_CLASSES.index("O")).astype(float)
    if "age" in ds.labels:
        out["age_years"] = ds.labels["age"][rec]
        out["sex_male_prob"] = 1.0 - ds.labels["sex_female"][rec]
    return out


def real_head_scores(heads: LinearHeads, embeddings: dict[str, np.ndarray],
                     datasets: dict[str, RealDataset]) -> dict[str, float]:
    """Per-record scores of ``heads`` on the ``"val"`` records of each dataset (``embeddings[name]``: its windows'
    ``(windows, D)`` embeddings): ``real_<dataset>_<head>_auroc`` / ``_mae`` (``age_years`` also ``_r``), and
    ``real_cinc2017_rhythm_macro_f1``."""
    out: dict[str, float] = {}
    for name, ds in datasets.items():
        rec = np.asarray(ds.record_of_window)
        val = ds.split == "val"
        pred = heads.predict(embeddings[name].astype(np.float32))
        labels = real_head_labels(ds)
        per_record = {h: record_mean(pred[h].astype(np.float64), rec, len(ds.records))[val] for h in heads.names}
        for h in heads.names:
            y = record_mean(np.nan_to_num(labels[h]), rec, len(ds.records))[val]
            known = record_mean(np.isfinite(labels[h]).astype(float), rec, len(ds.records))[val] == 1.0
            if not known.any():
                continue
            y, p = y[known], per_record[h][known]
            if HEADS[h].is_probability:
                out[f"real_{name}_{h}_auroc"] = round(auroc(y, p), 4)
            else:
                out[f"real_{name}_{h}_mae"] = round(float(np.mean(np.abs(p - y))), 3)
                if h == "age_years":
                    out[f"real_{name}_{h}_r"] = round(float(np.corrcoef(p, y)[0, 1]), 4)
        if "rhythm" in ds.labels and {"normal_rhythm_prob", "af_prob", "other_rhythm_prob"} <= set(heads.names):
            scores = np.stack([per_record["normal_rhythm_prob"], per_record["af_prob"],
                               per_record["other_rhythm_prob"], 1.0 - per_record["quality_prob"]], axis=1)
            y, guess = ds.labels["rhythm"][val].astype(int), scores.argmax(1)
            out[f"real_{name}_rhythm_macro_f1"] = round(macro_f1(y, guess, len(CINC_CLASSES)), 4)
    return out


def fit_on_real_and_sim(readers: tuple[Any, ...], emb: list[dict[str, np.ndarray]],
                        datasets: dict[str, RealDataset], labeller: Callable[[RealDataset], dict[str, np.ndarray]],
                        sim: Any, names: tuple[str, ...], sim_labelled: tuple[str, ...]) -> LinearHeads:
    """Heads ``names`` fitted on the ``"train"`` windows of ``datasets`` (labels by ``labeller``) and the simulated
    training windows of ``sim`` (a :class:`~wearsdk.train.heads.HeadData`; labels of ``sim_labelled`` only), each
    as embedded by every reader (``emb[k][dataset]``: reader ``k``'s embeddings of the dataset's windows), folds
    grouped by participant."""
    from wearsdk.train.heads import embed, fit_heads

    rows: list[np.ndarray] = []
    labels: dict[str, list[np.ndarray]] = {h: [] for h in names}
    groups: list[Any] = []
    for k, reader in enumerate(readers):
        for name, ds in datasets.items():
            rec = np.asarray(ds.record_of_window)
            train = (ds.split == "train")[rec]
            rows.append(emb[k][name][train])
            for h, v in labeller(ds).items():
                labels[h].append(v[train])
            groups += [f"{name}:{g}" for g in ds.groups[rec][train]]
        rows.append(embed(reader, sim.x_train))
        for h in names:
            labels[h].append(sim.y_train[h] if h in sim_labelled else np.full(len(sim.x_train), np.nan))
        groups += list(sim.groups)
    return fit_heads(np.concatenate(rows), {h: np.concatenate(v) for h, v in labels.items()}, names, groups=groups)


def fit_real_heads(encoder: nn.Module, card: ModelCard, root: str | Path, *,
                   int8: Callable[[torch.Tensor], torch.Tensor] | None = None, sim_participants: int = 160,
                   limit: int | None = None, progress: bool = True) -> tuple[LinearHeads, dict[str, float]]:
    """:data:`REAL_HEADS` fitted on the embeddings by ``encoder`` of the real training windows under ``root``
    (``cinc2017/``, ``ptbxl/``; ``limit`` records of each, seeded, for tests) and of ``sim_participants``
    simulated participants; returns the heads and their scores on the real validation records
    (:func:`real_head_scores`) and held-out simulated ones (``sim_*``).

    ``int8``: the encoder's int8 program (e.g. :func:`wearsdk.bench.quant.int8_model`): the heads are then fitted
    on its embeddings of the same windows too (so they read both), and ``int8_real_head_score_abs_diff_max`` is
    the largest |int8 - fp32| of the real validation scores (AUROC, r, macro F1)."""
    from wearsdk.train.heads import embed, head_data, head_scores

    datasets = single_lead_ecg(root, card, limit=limit, progress=progress)
    sim = head_data(card, sim_participants, max(4, sim_participants // 4), progress=progress)
    readers = (encoder,) if int8 is None else (encoder, int8)
    emb = [{name: embed(r, np.array(ds.x)) for name, ds in datasets.items()} for r in readers]
    heads = fit_on_real_and_sim(readers, emb, datasets, real_head_labels, sim, REAL_HEADS, _SIM_LABELLED)
    sim_scores = head_scores(subset_heads(heads, _SIM_LABELLED), embed(encoder, sim.x_test),
                             {h: sim.y_test[h] for h in _SIM_LABELLED}, sim.rest)
    scores = {**real_head_scores(heads, emb[0], datasets), **{f"sim_{k}": round(v, 4) for k, v in sim_scores.items()}}
    if int8 is not None:
        s8 = real_head_scores(heads, emb[1], datasets)
        scores["int8_real_head_score_abs_diff_max"] = round(max(
            abs(s8[k] - scores[k]) for k in s8 if k.endswith(("_auroc", "_r", "_macro_f1"))), 4)
    return heads, scores


def subset_heads(heads: LinearHeads, names: tuple[str, ...]) -> LinearHeads:
    """The heads ``names`` of ``heads``, in that order."""
    idx = [heads.names.index(n) for n in names]
    return LinearHeads(names, heads.weight[idx], heads.bias[idx])
