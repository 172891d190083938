"""The ``real`` suite for PPG encoders (issue 23): linear probes on real PPG people, HR and quality of the heads.

``wearsdk evaluate --model ppg_encoder_compact --suite real`` reads the real PPG sets of
:mod:`wearsdk.train.real.ppg` (one window path, windows cached) and reports:

* ``tasks`` / ``summary``: one linear probe per task and feature set (``embedding``: the frozen embedding, mean
  over a subject's windows; ``random_init``: the same architecture randomly initialised; ``handcrafted``:
  :func:`ppg_features`, pulse shape + rate), :func:`wearsdk.train.probes.fit_linear` with the L2 strength chosen
  by grouped CV inside the training part:

  - ``ppg_mw4`` sex (AUROC), systolic BP and BMI (Pearson r): **subject-level 5-fold cross-validation** over its
    78 subjects (never trained on by the encoder), scored on the pooled out-of-fold predictions;
  - PPG-BP age, systolic BP (Pearson r), sex, hypertension (AUROC): fitted on its ``"train"`` subjects, scored
    once on ``"val"`` (the encoder's own training never reads them).
* ``heads``: the model's linear heads (bundled, or those of ``--checkpoint``) on every real window
  (:func:`~wearsdk.train.real.ppg_heads.ppg_head_scores`: HR MAE per dataset and per device recording against
  its reference, quality on the windows :func:`wearsdk.ppg_quality` accepts, trait heads per subject);
* ``hr_baseline``: the hand-crafted baseline, :func:`wearsdk.ppg_peaks` on the same windows, against the same
  device references (MAE per recording).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from wearsdk.train.real.datasets import RealDataset
    from wearsdk.train.suites import SuiteRequest

__all__ = ["PPG_TASKS", "PPG_FEATURES", "ppg_features", "cv_probe", "ppg_real_suite"]

#: (dataset, label, metric, protocol) of every probe task; protocol ``"cv"`` or ``"split"``.
PPG_TASKS = (
    ("ppg_mw4", "sex_female", "auroc", "cv"),
    ("ppg_mw4", "sbp", "pearson_r", "cv"),
    ("ppg_mw4", "bmi", "pearson_r", "cv"),
    ("ppg_bp", "age", "pearson_r", "split"),
    ("ppg_bp", "sex_female", "auroc", "split"),
    ("ppg_bp", "sbp", "pearson_r", "split"),
    ("ppg_bp", "hypertension", "auroc", "split"),
)
#: Columns of :func:`ppg_features`.
PPG_FEATURES = ("rise", "width", "reflection", "notch", "skewness", "hr_bpm", "interval_cv")
_FOLDS = 5


def ppg_features(x: np.ndarray, sampling_rate: float) -> np.ndarray:
    """:data:`PPG_FEATURES` of one PPG channel ``x (samples,)`` (pulses up): the pulse shape of
    :func:`wearsdk.sim.pulse_features.pulse_features` and the rate and interval CV of :func:`wearsdk.ppg_peaks`
    (0 where no complete beat is found)."""
    from wearsdk.errors import ConfigError
    from wearsdk.peaks import ppg_peaks
    from wearsdk.sim.pulse_features import pulse_features

    x = np.asarray(x, np.float64)
    try:
        shape = list(pulse_features(x, sampling_rate=sampling_rate).as_dict().values())[:5]
    except ConfigError:
        shape = [0.0] * 5
    ibi = np.diff(ppg_peaks(x, sampling_rate=sampling_rate)) / sampling_rate
    ibi = ibi[(ibi > 0.3) & (ibi < 2.0)]
    rate = [60.0 / ibi.mean(), ibi.std() / ibi.mean()] if ibi.size >= 2 else [0.0, 0.0]
    return np.array(shape + rate)


def _subject_features(ds: RealDataset, progress: bool) -> np.ndarray:
    from tqdm import tqdm

    from wearsdk.train.real.datasets import cached_beside, record_mean

    def compute(d: Any) -> np.ndarray:
        return np.stack([ppg_features(d.x[i, 0], d.sampling_rate_hz)
                         for i in tqdm(range(len(d.x)), desc=f"{d.name}: features", disable=not progress)])

    rows = cached_beside(ds, "ppg_features", compute)
    return record_mean(np.nan_to_num(rows), np.asarray(ds.record_of_window), len(ds.records))


def cv_probe(features: np.ndarray, y: np.ndarray, groups: np.ndarray, kind: str, seed: int = 0,
             folds: int = _FOLDS) -> dict[str, float]:
    """Grouped ``folds``-fold cross-validated linear probe on ``features (R, D)``: every row predicted by a probe
    fitted without its group; ``kind`` ``"auroc"`` (0/1 target) or ``"pearson_r"`` (ridge) of the pooled
    out-of-fold predictions. Rows with NaN ``y`` are left out."""
    from wearsdk.train.probes import auroc, fit_linear

    ok = np.isfinite(y)
    x, y, g = features[ok], y[ok], np.asarray(groups)[ok]
    uniq = np.random.default_rng(seed).permutation(np.unique(g))
    fold_of = {u: k % folds for k, u in enumerate(uniq)}
    fold = np.array([fold_of[v] for v in g])
    pred = np.zeros(len(y))
    for k in range(folds):
        te = fold == k
        w, b = fit_linear(x[~te], y[~te], classify=kind == "auroc", groups=g[~te])
        pred[te] = x[te] @ w + b
    if kind == "auroc":
        return {"auroc": auroc(y, pred), "subjects": int(len(y)), "positives": int(y.sum())}
    return {"pearson_r": float(np.corrcoef(pred, y)[0, 1]), "mae": float(np.mean(np.abs(pred - y))),
            "subjects": int(len(y))}


def _hr_baseline(ds: RealDataset) -> dict[str, Any]:
    """MAE (bpm) of :func:`wearsdk.ppg_peaks` (60 / mean interval in the window) against each device window's
    reference, per recording and pooled."""
    from wearsdk.train.real.ppg import ppg_window_hr

    est = ppg_window_hr(ds.x, np.asarray(ds.valid_samples), ds.sampling_rate_hz)
    ref = ds.window_labels["reference_hr_bpm"]
    rec = np.asarray(ds.record_of_window)
    ok = np.isfinite(ref) & np.isfinite(est)
    out = {str(r): round(float(np.mean(np.abs(est - ref)[ok & (rec == i)])), 3)
           for i, r in enumerate(ds.records) if (ok & (rec == i)).any()}
    return {"per_record_mae_bpm": out, "mae_bpm": round(float(np.mean(np.abs(est - ref)[ok])), 3),
            "windows_without_hr": int((np.isfinite(ref) & ~np.isfinite(est)).sum())}


def ppg_real_suite(request: SuiteRequest) -> dict[str, Any]:
    """The PPG ``real`` suite (module docstring) for ``request.model``."""
    import torch

    from wearsdk.models import create_model
    from wearsdk.train.heads import embed
    from wearsdk.train.real.ppg import ppg_bp, ppg_devices, ppg_mw4
    from wearsdk.train.real.ppg_heads import ppg_head_scores
    from wearsdk.train.real.probe_suite import FEATURE_SETS, probe_figure, probe_task, record_embeddings, suite_heads

    t0 = time.time()
    encoder = (create_model(request.model, pretrained=True) if request.checkpoint is None
               else create_model(request.model, checkpoint_path=request.checkpoint))
    card = encoder.card
    torch.manual_seed(request.seed)
    random_init = create_model(card.name, **card.config)
    root, progress = request.data_root, request.progress
    datasets = {"ppg_bp": ppg_bp(root, card, seed=request.seed, progress=progress),
                "ppg_mw4": ppg_mw4(root, card, progress=progress),
                "ppg_devices": ppg_devices(root, card, progress=progress)}
    report: dict[str, Any] = {"data": {}, "tasks": {}, "summary": {}}
    for name, ds in datasets.items():
        report["data"][name] = {"subjects_or_recordings": len(ds.records), "windows": len(ds.x),
                                "per_split": {s: int(np.sum(ds.split == s)) for s in ("train", "val")}}
        tasks = [t for t in PPG_TASKS if t[0] == name]
        if not tasks:
            continue
        feats = {"embedding": record_embeddings(encoder, ds, progress=progress),
                 "handcrafted": _subject_features(ds, progress),
                 "random_init": record_embeddings(random_init, ds, progress=progress)}
        has = np.bincount(np.asarray(ds.record_of_window), minlength=len(ds.records)) > 0
        for _, label, metric, protocol in tasks:
            y = np.where(has, ds.labels[label], np.nan)
            scores = {fs: (cv_probe(f, y, ds.groups, metric, request.seed) if protocol == "cv" else
                           probe_task(f, y, ds.split, ds.groups, metric)) for fs, f in feats.items()}
            report["tasks"][f"{name}.{label}"] = {"protocol": protocol, **scores}
            report["summary"][f"{name}.{label}.{metric}"] = {fs: round(scores[fs][metric], 4) for fs in FEATURE_SETS}
    heads, source = suite_heads(request, card)
    if heads is not None:
        pred = {name: {h: v.astype(np.float64) for h, v in
                       heads.predict(embed(encoder, np.array(ds.x)).astype(np.float32)).items()}
                for name, ds in datasets.items()}
        report["heads"] = {"source": source, **ppg_head_scores(pred, datasets)}
    else:
        report["heads"] = {"source": source}
    report["hr_baseline"] = {"ppg_peaks": _hr_baseline(datasets["ppg_devices"])}
    report["seconds"] = round(time.time() - t0, 1)
    figure = request.artifact(".png")
    if figure is not None:
        probe_figure(report["summary"], figure, f"{request.model}: linear probes on real PPG (ppg_mw4: subject CV; "
                     "PPG-BP: validation subjects)")
        report["figure"] = figure.name
    return report
