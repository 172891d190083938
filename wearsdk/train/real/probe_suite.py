"""The ``real`` evaluation suite: linear probes of an ECG encoder on real single-lead ECG (issue 22); a PPG
encoder goes to :mod:`wearsdk.train.real.ppg_suite` (issue 23).

``wearsdk evaluate --model ecg_encoder_compact --suite real`` embeds every record of CinC 2017 and PTB-XL lead I
(:mod:`wearsdk.train.real.datasets`: one window path, windows cached) with three feature sets:

* ``embedding``: the model's frozen embedding (bundled weights, or ``--checkpoint``), mean over a record's
  windows;
* ``random_init``: the same architecture randomly initialised (``torch.manual_seed(seed)``);
* ``handcrafted``: :func:`wearsdk.train.real.features.ecg_features` (HR, HRV, QRS amplitude, beat morphology,
  spectral entropy from ``wearsdk.ecg_peaks``), mean over a record's windows.

Each task gets one linear probe per feature set (:func:`wearsdk.train.probes.fit_linear`: class-balanced L2
logistic regression or ridge, L2 strength by 5-fold CV on the training records grouped by patient), fitted on
the ``"train"`` split and scored once on ``"val"`` (nothing is tuned on it): CinC 2017 AF vs rest (AUROC) and
N/AF/other/noisy (macro F1 of one-vs-rest logits), PTB-XL lead I NORM vs abnormal (AUROC), age (Pearson r, MAE)
and sex (AUROC).

The ``hr`` section (:func:`hr_section`) scores heart rate on the long records with annotated beats (CPSC 2021 lead I,
MIT-BIH lead MLII under the data root; :mod:`wearsdk.train.real.holter`), per card window against the window's
annotated-beat HR: the model's ``hr_bpm`` head (bundled heads, or those in the ``--checkpoint`` file) and the
hand-crafted baseline, :func:`wearsdk.ecg_peaks` on the same window, both as MAE per record and over all windows.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from wearsdk.train.suites import SuiteRequest, register_suite

if TYPE_CHECKING:
    from wearsdk.models import LinearHeads, ModelCard
    from wearsdk.train.real.datasets import RealDataset

__all__ = ["real_suite", "probe_task", "probe_figure", "record_embeddings", "record_handcrafted", "hr_section",
           "TASKS", "FEATURE_SETS", "HR_DATASETS"]

#: (dataset, label, headline metric) of every probe task.
TASKS = (
    ("cinc2017", "af", "auroc"),
    ("cinc2017", "rhythm", "macro_f1"),
    ("ptbxl_lead1", "abnormal", "auroc"),
    ("ptbxl_lead1", "age", "pearson_r"),
    ("ptbxl_lead1", "sex_female", "auroc"),
)
FEATURE_SETS = ("embedding", "handcrafted", "random_init")
#: Folders under the data root whose annotated records the ``hr`` section scores.
HR_DATASETS = ("cpsc2021", "mitdb")


def record_embeddings(encoder: Any, ds: Any, batch: int = 64, progress: bool = False) -> np.ndarray:
    """Mean embedding per record ``(R, D)`` of a :class:`~wearsdk.train.real.datasets.RealDataset`."""
    import torch
    from tqdm import tqdm

    from wearsdk.train.real.datasets import record_mean

    encoder.eval()
    out = []
    with torch.no_grad():
        for i in tqdm(range(0, len(ds.x), batch), desc=f"{ds.name}: embed", disable=not progress):
            out.append(encoder(torch.from_numpy(np.array(ds.x[i:i + batch]))).float().numpy())
    return record_mean(np.concatenate(out).astype(np.float64), np.asarray(ds.record_of_window), len(ds.records))


def record_handcrafted(ds: Any, progress: bool = False) -> np.ndarray:
    """Mean :func:`~wearsdk.train.real.features.ecg_features` per record ``(R, F)``, each window's on its
    ``valid_samples`` only (:func:`~wearsdk.train.real.features.dataset_features`)."""
    from wearsdk.train.real.datasets import record_mean
    from wearsdk.train.real.features import dataset_features

    rows = dataset_features(ds, progress)
    return record_mean(np.nan_to_num(rows), np.asarray(ds.record_of_window), len(ds.records))


def _hr_scores(head: np.ndarray | None, peaks: np.ndarray, ref: np.ndarray) -> dict[str, Any]:
    """MAE (bpm) of the head and of ecg_peaks against ``ref`` on windows with a reference, head bias, counts."""
    ok = np.isfinite(ref)
    found = ok & np.isfinite(peaks)

    def mean(v: np.ndarray) -> float | None:  # None (JSON null) where no window has a reference
        return round(float(np.mean(v)), 3) if v.size else None

    return {
        "windows": int(ok.sum()), "reference_hr_bpm": mean(ref[ok]),
        "head_mae_bpm": None if head is None else mean(np.abs(head[ok] - ref[ok])),
        "head_bias_bpm": None if head is None else mean(head[ok] - ref[ok]),
        "ecg_peaks_mae_bpm": mean(np.abs(peaks[found] - ref[found])),
        "ecg_peaks_windows_without_hr": int((ok & ~found).sum()),
    }


def hr_section(encoder: Any, heads: LinearHeads | None, datasets: Sequence[RealDataset]) -> dict[str, Any]:
    """Heart rate on annotated records: ``per_record`` (``"<dataset>/<record>"``) and overall (all windows pooled)
    ``head_mae_bpm`` (``heads``' ``hr_bpm`` on ``encoder``'s embedding of each window; ``None`` when ``heads`` is
    ``None``), ``ecg_peaks_mae_bpm`` (:func:`~wearsdk.train.real.features.dataset_hr`), ``head_bias_bpm`` (mean
    head - reference),
    ``windows`` (those with a reference HR) and the mean reference; overall also the least-squares line
    ``head = slope * reference + intercept`` over the windows (``head_fit``: a scale or a bias shows there).

    ``datasets``: :class:`~wearsdk.train.real.datasets.RealDataset` s of :mod:`wearsdk.train.real.holter` (their
    ``window_labels["hr_bpm"]`` is the reference, bpm).
    """
    from wearsdk.train.heads import embed
    from wearsdk.train.real.features import dataset_hr

    heads_hr, peaks_hr, ref_hr = [], [], []
    per_record: dict[str, Any] = {}
    for ds in datasets:
        ref = ds.window_labels["hr_bpm"]
        head = None if heads is None else heads.predict(embed(encoder, np.array(ds.x)))["hr_bpm"].astype(float)
        peaks = dataset_hr(ds)
        rec_of = np.asarray(ds.record_of_window)
        for i, name in enumerate(ds.records):
            m = rec_of == i
            per_record[f"{ds.name}/{name}"] = _hr_scores(None if head is None else head[m], peaks[m], ref[m])
        heads_hr.append(head)
        peaks_hr.append(peaks)
        ref_hr.append(ref)
    ref = np.concatenate(ref_hr)
    head = None if heads is None else np.concatenate(heads_hr)
    out = {"per_record": per_record, **_hr_scores(head, np.concatenate(peaks_hr), ref),
           "reference": "60 / mean RR of the annotated beats inside each window (bpm)"}
    ok = np.isfinite(ref)
    if head is not None and ok.sum() >= 2:
        slope, intercept = np.polyfit(ref[ok], head[ok], 1)
        out["head_fit"] = {"slope": round(float(slope), 4), "intercept_bpm": round(float(intercept), 3)}
    return out


def probe_task(features: np.ndarray, y: np.ndarray, split: np.ndarray, groups: np.ndarray, kind: str,
               n_classes: int = 2) -> dict[str, float]:
    """Fit a linear probe on the ``"train"`` rows of ``features (R, D)`` and score it on the ``"val"`` rows.

    ``kind``: ``"auroc"`` (0/1 target), ``"macro_f1"`` (class indices ``0..n_classes-1``: one-vs-rest
    logistic probes, argmax) or ``"pearson_r"`` (ridge). Rows whose ``y`` is NaN are left out. The fits run on
    one torch thread (these small L-BFGS problems run about 10x faster so on a busy 2-core machine).
    """
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return _probe_task(features, y, split, groups, kind, n_classes)
    finally:
        torch.set_num_threads(threads)


def _probe_task(features: np.ndarray, y: np.ndarray, split: np.ndarray, groups: np.ndarray, kind: str,
                n_classes: int) -> dict[str, float]:
    from wearsdk.train.probes import auroc, fit_linear, macro_f1

    ok = np.isfinite(y)
    tr, va = ok & (split == "train"), ok & (split == "val")
    x_tr, x_va, y_tr, y_va = features[tr], features[va], y[tr], y[va]
    out: dict[str, float] = {"train_records": int(tr.sum()), "val_records": int(va.sum())}
    if kind == "auroc":
        w, b = fit_linear(x_tr, y_tr, classify=True, groups=groups[tr])
        out.update(auroc=auroc(y_va, x_va @ w + b), val_positives=int(y_va.sum()))
    elif kind == "macro_f1":
        logits = np.stack([x_va @ w + b for w, b in
                           (fit_linear(x_tr, (y_tr == k).astype(float), classify=True, groups=groups[tr])
                            for k in range(n_classes))], axis=1)
        pred = logits.argmax(1)
        out.update(macro_f1=macro_f1(y_va, pred, n_classes), accuracy=float(np.mean(pred == y_va)))
    else:
        w, b = fit_linear(x_tr, y_tr, classify=False, groups=groups[tr])
        pred = x_va @ w + b
        out.update(pearson_r=float(np.corrcoef(pred, y_va)[0, 1]), mae=float(np.mean(np.abs(pred - y_va))),
                   r2=float(1 - np.sum((y_va - pred) ** 2) / np.sum((y_va - y_va.mean()) ** 2)))
    return out


def probe_figure(summary: dict[str, dict[str, float]], path: Any, title: str) -> None:
    """Grouped bars of ``summary`` (task -> feature set -> score), one group per task, saved as ``path``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(summary)
    fig, ax = plt.subplots(figsize=(1.9 * len(names) + 2, 4))
    width = 0.26
    for j, fs in enumerate(FEATURE_SETS):
        vals = [summary[n][fs] for n in names]
        bars = ax.bar(np.arange(len(names)) + (j - 1) * width, vals, width, label=fs)
        ax.bar_label(bars, fmt="%.2f", fontsize=7)
    ax.set_xticks(np.arange(len(names)), [n.replace(".", "\n") for n in names], fontsize=8)
    ax.set_ylim(min(0.0, *(v for row in summary.values() for v in row.values())) - 0.02, 1.05)
    ax.set_ylabel("validation score (AUROC, macro F1, Pearson r)")
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def suite_heads(request: SuiteRequest, card: ModelCard) -> tuple[LinearHeads | None, str]:
    """The linear heads the suite scores and where they come from: the bundled ones, those stored in the
    ``--checkpoint`` file, or ``None`` when that file carries none or they have no ``hr_bpm`` head."""
    from wearsdk.models import LinearHeads, load_heads
    from wearsdk.models._registry import read_checkpoint

    if request.checkpoint is None:
        heads, source = load_heads(card), "bundled"
    else:
        blob = read_checkpoint(request.checkpoint)
        if not (isinstance(blob, dict) and "heads" in blob):
            return None, "none: the checkpoint carries no linear heads"
        heads, source = LinearHeads.from_payload(blob["heads"]), "checkpoint"
    return (heads, source) if "hr_bpm" in heads.names else (None, f"none: the {source} heads have no hr_bpm")


def _suite_hr(request: SuiteRequest, encoder: Any) -> dict[str, Any]:
    """The report's ``hr`` section: :func:`hr_section` on the :data:`HR_DATASETS` folders present under the
    data root (those absent are listed under ``missing_datasets``)."""
    from wearsdk.train.real.holter import cpsc2021, mitdb

    readers = {"cpsc2021": cpsc2021, "mitdb": mitdb}
    root = request.data_root
    present = [d for d in HR_DATASETS if (root / d).is_dir()]
    heads, source = suite_heads(request, encoder.card)
    datasets = [readers[d](root / d, encoder.card, limit=request.limit, seed=request.seed, progress=request.progress)
                for d in present]
    out = (hr_section(encoder, heads, datasets) if datasets else
           {"per_record": {}, "head_mae_bpm": None, "ecg_peaks_mae_bpm": None})
    out["heads"] = source
    if len(present) < len(HR_DATASETS):
        out["missing_datasets"] = [d for d in HR_DATASETS if d not in present]
    return out


def real_suite(request: SuiteRequest) -> dict[str, Any]:
    """Linear probes on real single-lead ECG (CinC 2017, PTB-XL lead I): embedding vs hand-crafted vs
    random-init; and the ``hr`` section (HR head and ``ecg_peaks`` vs annotated beats, :func:`hr_section`)."""
    import torch

    from wearsdk.errors import ConfigError
    from wearsdk.models import create_model
    from wearsdk.train.real.datasets import single_lead_ecg

    t0 = time.time()
    encoder = (create_model(request.model, pretrained=True) if request.checkpoint is None
               else create_model(request.model, checkpoint_path=request.checkpoint))
    card = encoder.card
    if card.task == "embedding" and card.modality == "ppg":
        from wearsdk.train.real.ppg_suite import ppg_real_suite

        return ppg_real_suite(request)
    if card.modality != "ecg" or card.task != "embedding" or len(card.input_channels) != 1:
        raise ConfigError(f"suite 'real' probes single-lead ECG and PPG encoders; {request.model} is a "
                          f"{card.modality} {card.task} model with inputs {list(card.input_channels)}. Pick e.g. "
                          "ecg_encoder_compact or ppg_encoder_compact.")
    torch.manual_seed(request.seed)
    random_init = create_model(card.name, **card.config)
    datasets = single_lead_ecg(request.data_root, card, seed=request.seed, limit=request.limit,
                               progress=request.progress).values()
    report: dict[str, Any] = {"data": {}, "tasks": {}, "summary": {}}
    for ds in datasets:
        feats = {"embedding": record_embeddings(encoder, ds, progress=request.progress),
                 "handcrafted": record_handcrafted(ds, progress=request.progress),
                 "random_init": record_embeddings(random_init, ds, progress=request.progress)}
        report["data"][ds.name] = {
            "records": len(ds.records), "windows": len(ds.x), "patients": len(set(ds.groups)),
            "records_per_split": {s: int(np.sum(ds.split == s)) for s in ("train", "val", "test")},
            "records_shorter_than_window_repeated": int(np.sum(np.asarray(ds.valid_samples) < card.window_samples)),
        }
        for name, label, metric in TASKS:
            if name != ds.name:
                continue
            n_classes = len(ds.classes.get(label, (0, 1)))
            scores = {fs: probe_task(f, ds.labels[label], ds.split, ds.groups, metric, n_classes)
                      for fs, f in feats.items()}
            report["tasks"][f"{name}.{label}"] = scores
            report["summary"][f"{name}.{label}.{metric}"] = {fs: round(scores[fs][metric], 4) for fs in FEATURE_SETS}
    report["hr"] = _suite_hr(request, encoder)
    report["seconds"] = round(time.time() - t0, 1)
    figure = request.artifact(".png")
    if figure is not None:
        probe_figure(report["summary"], figure, f"{request.model}: linear probes on real single-lead ECG (validation)")
        report["figure"] = figure.name
    return report


register_suite("real", real_suite, "ECG encoder: linear probes on CinC 2017 and PTB-XL lead I (embedding, "
               "hand-crafted, random init); HR head vs annotated beats (CPSC 2021, MIT-BIH). PPG encoder: probes "
               "on ppg_mw4 (subject CV) and PPG-BP; HR and quality heads on PPG-BP, ppg_mw4 and five devices")
