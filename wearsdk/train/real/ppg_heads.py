"""Linear heads of a PPG encoder fitted on real PPG plus the wide simulated population (issue 23).

Training windows: the ``"train"`` subjects of PPG-BP as pulse trains (:func:`wearsdk.train.real.ppg.ppg_bp`) and
the heads' simulated cohort from the ``"wide"`` population (:func:`wearsdk.train.heads.head_data`: heart rates
40-180 bpm, ages 18-90, finger and wrist, randomised devices; each participant at rest, walking, moving the arm,
running). Each head learns from the windows that carry its label, folds grouped by participant:

=================  =================================================  ===========================================
head               real label (PPG-BP train subjects)                 simulated label
=================  =================================================  ===========================================
``hr_bpm``         rate of the pulse train's beats                    mean HR (truth) of the windows at rest;
                                                                      valid 40-180 bpm
``quality_prob``   1 (PPG-BP segments were chosen clean)              activity <= 0.2 (motion and contact faults)
``af_prob``        --                                                 AF > half the window (simulator only)
``age_years``      age                                                --
``sex_male_prob``  sex                                                --
``bmi``            BMI                                                --
=================  =================================================  ===========================================

HR is taught on the simulated windows at rest only. The arm-movement windows count as usable for ``quality_prob``
(activity intensity 0.15 <= 0.2), but their pulse is not readable: ``ppg_peaks`` reads them 28.5 bpm off the truth,
as badly as walking (29.5), against 7.1 at rest (60 wide-population participants, 2026-12-03); fitted on them too,
the HR head of the same encoder read held-out participants at rest 6.3 bpm off and at 150-180 bpm 62 bpm off.

The simulator's traits are left out of the trait heads: they reach the pulse only through the simulator's own
assumptions, and heads fitted on them did not even read held-out simulated participants (``ppg_encoder_compact``
0.1.0: age R^2 -0.20, BMI R^2 0.00, sex AUROC 0.55).

Scores (:func:`ppg_head_scores`) come from recordings never used in fitting: PPG-BP's validation subjects,
``ppg_mw4`` (78 other adults, another device), the device recordings (ICU monitor, smartwatch, HeartPy, BITalino;
HR against their references) and held-out simulated participants (HR overall, at 150-180 bpm over every activity
and at rest, AF, quality), plus the dicrotic-pulse check (:func:`dicrotic_windows`): the HR of simulated young
fingers at 95-130 bpm, fully vasodilated (the deep notch of ICU monitors) and the same people undilated.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from torch import nn

from wearsdk.models import HEADS, LinearHeads, ModelCard
from wearsdk.peaks.quality import GOOD_QUALITY
from wearsdk.train.probes import auroc
from wearsdk.train.real.datasets import RealDataset, record_mean

__all__ = ["PPG_REAL_HEADS", "ppg_head_labels", "ppg_head_scores", "fit_real_ppg_heads", "dicrotic_windows",
           "CLEAN_QUALITY_BAR"]

#: The heads fitted by :func:`fit_real_ppg_heads`, in output order (the simulator-trained encoders' set).
PPG_REAL_HEADS = ("hr_bpm", "af_prob", "quality_prob", "age_years", "bmi", "sex_male_prob")
#: The heads whose label the simulated windows give.
_SIM_LABELLED = ("hr_bpm", "af_prob", "quality_prob")
#: quality_prob a clean real window should reach (issue 23).
CLEAN_QUALITY_BAR = 0.8
#: bpm: the simulated tachycardia band scored on its own.
_FAST = (150.0, 180.0)
#: Seed of the dicrotic-pulse check's people (none of them is in the heads' cohort).
_DICROTIC_SEED = 23


def ppg_head_labels(ds: RealDataset) -> dict[str, np.ndarray]:
    """Head name -> ``(windows,)`` labels of a real PPG dataset's windows (NaN where it has none): HR from the
    window's reference (``reference_hr_bpm``) or its own beats (``hr_bpm``), quality 1 / 0 from ``quality_min``
    (PPG-BP's pulse trains: 1), traits from the subject."""
    n = len(ds.x)
    rec = np.asarray(ds.record_of_window)
    out = {name: np.full(n, np.nan) for name in PPG_REAL_HEADS}
    w = ds.window_labels
    out["hr_bpm"] = np.asarray(w.get("reference_hr_bpm", w.get("hr_bpm", out["hr_bpm"])), np.float64)
    out["quality_prob"] = ((w["quality_min"] >= GOOD_QUALITY).astype(float) if "quality_min" in w
                           else np.ones(n))
    for head, label in (("age_years", "age"), ("bmi", "bmi")):
        if label in ds.labels:
            out[head] = ds.labels[label][rec]
    if "sex_female" in ds.labels:
        out["sex_male_prob"] = 1.0 - ds.labels["sex_female"][rec]
    return out


def _slug(name: str) -> str:
    return name.replace("/", "_").replace("-", "_")


def ppg_head_scores(pred: dict[str, dict[str, np.ndarray]], datasets: dict[str, RealDataset]) -> dict[str, float]:
    """Scores of head outputs ``pred[dataset][head] (windows,)`` on the ``"val"`` records of each dataset:

    * ``real_<dataset>_hr_bpm_mae`` over its windows with an HR label, and per device recording
      ``real_hr_bpm_mae_<recording>``;
    * ``real_<dataset>_quality_prob_clean_min`` / ``_clean_mean`` over its clean windows (``quality_min`` >=
      :data:`~wearsdk.peaks.quality.GOOD_QUALITY`) and ``_clean_pass`` (fraction >= :data:`CLEAN_QUALITY_BAR`);
    * per subject (mean of its windows) ``real_<dataset>_sex_male_prob_auroc``, ``_age_years_r`` / ``_mae``,
      ``_bmi_r`` / ``_mae``, where the dataset has the label.
    """
    out: dict[str, float] = {}
    for name, ds in datasets.items():
        rec = np.asarray(ds.record_of_window)
        val_w = (ds.split == "val")[rec]
        labels = ppg_head_labels(ds)
        p = pred[name]
        hr, ok = labels["hr_bpm"], val_w & np.isfinite(labels["hr_bpm"])
        if ok.any():
            out[f"real_{name}_hr_bpm_mae"] = round(float(np.mean(np.abs(p["hr_bpm"][ok] - hr[ok]))), 3)
        if name == "ppg_devices":
            for i, r in enumerate(ds.records):
                m = ok & (rec == i)
                if m.any():
                    out[f"real_hr_bpm_mae_{_slug(r)}"] = round(float(np.mean(np.abs(p["hr_bpm"][m] - hr[m]))), 3)
        if "quality_min" in ds.window_labels:
            clean = val_w & (ds.window_labels["quality_min"] >= GOOD_QUALITY)
            if clean.any():
                q = p["quality_prob"][clean]
                out[f"real_{name}_quality_prob_clean_min"] = round(float(q.min()), 4)
                out[f"real_{name}_quality_prob_clean_mean"] = round(float(q.mean()), 4)
                out[f"real_{name}_quality_prob_clean_pass"] = round(float(np.mean(q >= CLEAN_QUALITY_BAR)), 4)
        val = ds.split == "val"
        for head in ("sex_male_prob", "age_years", "bmi"):
            known = record_mean(np.isfinite(labels[head]).astype(float), rec, len(ds.records)) == 1.0
            keep = val & known & (np.bincount(rec, minlength=len(ds.records)) > 0)
            if keep.sum() < 3:
                continue
            y = record_mean(np.nan_to_num(labels[head]), rec, len(ds.records))[keep]
            s = record_mean(p[head].astype(np.float64), rec, len(ds.records))[keep]
            if HEADS[head].is_probability:
                out[f"real_{name}_{head}_auroc"] = round(auroc(y, s), 4)
            else:
                out[f"real_{name}_{head}_r"] = round(float(np.corrcoef(s, y)[0, 1]), 4)
                out[f"real_{name}_{head}_mae"] = round(float(np.mean(np.abs(s - y))), 3)
    return out


def _sim_scores(heads: LinearHeads, emb: np.ndarray, y: dict[str, np.ndarray], rest: np.ndarray,
                ) -> dict[str, float]:
    """Held-out simulated scores: :func:`~wearsdk.train.heads.head_scores` of the simulator-labelled heads, plus
    the HR MAE at 150-180 bpm (``sim_hr_bpm_mae_150_180`` over every activity, running included, where the pulse is
    mostly motion; ``_rest`` at rest: tachycardia as in fever or the ICU) and the mean quality of the running
    windows (strong motion)."""
    from wearsdk.train.heads import head_scores, in_activity
    from wearsdk.train.real.heads import subset_heads

    out = {f"sim_{k}": v for k, v in head_scores(subset_heads(heads, _SIM_LABELLED), emb,
                                                 {h: y[h] for h in _SIM_LABELLED}, rest).items()}
    pred = heads.predict(emb.astype(np.float32))
    fast = (y["hr_bpm"] >= _FAST[0]) & (y["hr_bpm"] <= _FAST[1])
    out["sim_quality_prob_run_mean"] = float(pred["quality_prob"][in_activity(len(emb), "run")].mean())
    for suffix, m in (("", fast), ("_rest", fast & rest)):
        if m.any():
            out[f"sim_hr_bpm_mae_150_180{suffix}"] = float(np.mean(np.abs(pred["hr_bpm"] - y["hr_bpm"])[m]))
            out[f"sim_windows_150_180{suffix}"] = float(m.sum())
    return {k: round(v, 4) for k, v in out.items()}


def dicrotic_windows(card: ModelCard, n: int = 24, *, seed: int = _DICROTIC_SEED,
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The dicrotic-pulse check's windows for ``card``: ``n`` wide-population participants made young (20-40 y)
    finger wearers with supple arteries (PWV 5-8 m/s) and a strong dicrotic wave, at rest at 95-130 bpm, recorded
    through their own random front ends, once fully vasodilated (:attr:`wearsdk.sim.Traits.vasodilation` = 1:
    a notch ~0.5 deep before a diastolic peak near the systolic one, as on the ICU monitor ``v102s``) and once
    undilated. Returns ``(dilated (n, C, W), undilated (n, C, W), true HR (n,) bpm)``; the two windows of a
    participant share their beats."""
    from wearsdk.sim import Cohort, Participant, model_window, window_hr_bpm

    rng = np.random.default_rng(seed)
    out: tuple[list[np.ndarray], list[np.ndarray]] = ([], [])
    hr = []
    for p in Cohort(n, seed=seed, population="wide"):
        rate = float(rng.uniform(95.0, 130.0))
        traits = p.traits.replace(age=float(rng.uniform(20.0, 40.0)), site="finger", pwv=float(rng.uniform(5.0, 8.0)),
                                  dicrotic=float(rng.uniform(1.0, 1.8)), resting_hr=rate, vasoconstriction=0.0,
                                  conditions=frozenset({"tachy"}) if rate > 100.0 else frozenset())
        for windows, dilation in zip(out, (1.0, 0.0), strict=True):
            person = Participant(traits.replace(vasodilation=dilation), seed=p.seed, pid=p.pid, sensor=p.sensor)
            x, truth = model_window(person, card)
            windows.append(x)
        hr.append(window_hr_bpm(truth, card))
    return np.stack(out[0]), np.stack(out[1]), np.asarray(hr)


def fit_real_ppg_heads(encoder: nn.Module, card: ModelCard, root: str | Path, *,
                       int8: Callable[[torch.Tensor], torch.Tensor] | None = None, sim_participants: int = 160,
                       test_participants: int = 64, progress: bool = True) -> tuple[LinearHeads, dict[str, float]]:
    """:data:`PPG_REAL_HEADS` fitted on the embeddings by ``encoder`` of PPG-BP's training subjects under ``root``
    and of ``sim_participants`` wide simulated participants; returns the heads and their scores
    (:func:`ppg_head_scores` on PPG-BP validation, ``ppg_mw4`` and the device recordings; ``sim_*`` on
    ``test_participants`` held-out simulated ones; ``sim_hr_bpm_mae_dicrotic`` / ``_undilated`` on
    :func:`dicrotic_windows`).

    ``int8``: the encoder's int8 program: the heads are fitted on its embeddings of the same windows too, and
    ``int8_real_head_score_abs_diff_max`` is the largest |int8 - fp32| of the real AUROC / r scores."""
    from wearsdk.train.heads import embed, head_data, in_activity
    from wearsdk.train.real.heads import fit_on_real_and_sim
    from wearsdk.train.real.ppg import ppg_bp, ppg_devices, ppg_mw4

    datasets = {"ppg_bp": ppg_bp(root, card, progress=progress), "ppg_mw4": ppg_mw4(root, card, progress=progress),
                "ppg_devices": ppg_devices(root, card, progress=progress)}
    sim = head_data(card, sim_participants, test_participants, progress=progress, population="wide")
    at_rest = in_activity(len(sim.x_train), "rest")  # where the pulse is readable
    sim.y_train["hr_bpm"] = np.where(at_rest, sim.y_train["hr_bpm"], np.nan)
    readers = (encoder,) if int8 is None else (encoder, int8)
    emb = [{name: embed(r, np.array(ds.x)) for name, ds in datasets.items()} for r in readers]
    training = {"ppg_bp": datasets["ppg_bp"]}  # ppg_mw4 and the devices are all "val": never fitted on
    heads = fit_on_real_and_sim(readers, [{k: e[k] for k in training} for e in emb], training, ppg_head_labels, sim,
                                PPG_REAL_HEADS, _SIM_LABELLED)

    def predict(e: dict[str, np.ndarray]) -> dict[str, dict[str, np.ndarray]]:
        return {name: {h: v.astype(np.float64) for h, v in heads.predict(x.astype(np.float32)).items()}
                for name, x in e.items()}

    scores = {**ppg_head_scores(predict(emb[0]), datasets),
              **_sim_scores(heads, embed(encoder, sim.x_test), sim.y_test, sim.rest)}
    dilated, undilated, hr = dicrotic_windows(card)
    for key, x in (("sim_hr_bpm_mae_dicrotic", dilated), ("sim_hr_bpm_mae_dicrotic_undilated", undilated)):
        pred = heads.predict(embed(encoder, x).astype(np.float32))["hr_bpm"]
        scores[key] = round(float(np.mean(np.abs(pred - hr))), 4)
    if int8 is not None:
        s8 = ppg_head_scores(predict(emb[1]), datasets)
        scores["int8_real_head_score_abs_diff_max"] = round(max(
            abs(s8[k] - scores[k]) for k in s8 if k.endswith(("_auroc", "_r"))), 4)
    return heads, scores
