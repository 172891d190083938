"""Real single-lead ECG in the self-supervised encoder recipe (issue 22): windows with targets, the mixed
real/simulated pair plan and the multi-task term on the real labels.

``data.source = "real_ecg"`` (recipe ``ecg_ssl``) trains on the ``"train"`` records of CinC 2017 and PTB-XL lead I
(:mod:`wearsdk.train.real.datasets`: the card's one window path, memory-mapped cache) mixed with the simulated
cohort (``data.real_fraction`` of each batch's pairs are real). The validation split of those datasets (what
``wearsdk evaluate --suite real`` reports) is never read here; ``data.dev_fraction`` of the training patients is
held out instead to watch the run.

Positive pairs (Abbaspourazad et al., ICLR 2024: two windows of one participant) come from one record's windows
when it has several; a record with a single window is paired with itself (two independent augmentations,
SimCLR-style), since CinC 2017 publishes no patient ids.

With ``ssl.supervised_weight > 0`` a linear layer on the embedding also learns, on the real windows, the rhythm
class (N / AF / other / noisy, class-weighted cross-entropy), PTB-XL NORM vs abnormal and sex (logistic), age and
heart rate (smooth L1 on standardised values; HR labels: :func:`~wearsdk.train.real.features.dataset_hr`,
``wearsdk.ecg_peaks`` on the record's own samples of the window). Simulated windows carry no targets. The layer
is dropped after training: the product is the encoder, judged by frozen-embedding probes and heads fitted
afterwards.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import Dataset

from wearsdk.errors import ConfigError
from wearsdk.models.card import ModelCard
from wearsdk.train.augment import Augmenter
from wearsdk.train.data import participant_groups, sample_seed
from wearsdk.train.real.datasets import CINC_CLASSES, RealDataset
from wearsdk.train.real.features import dataset_hr
from wearsdk.train.ssl import SSLTask, ssl_terms

__all__ = ["TARGETS", "TargetWindows", "MixedWindows", "build_real_ecg", "mixed_plan", "MultiTaskModule",
           "RealSSLTask"]

#: Columns of the per-window target table (NaN where a window has no such label).
TARGETS = ("rhythm", "abnormal", "age", "sex_female", "hr_bpm")
#: (centre, scale) of the standardised regression targets.
_SCALE = {"age": (55.0, 17.0), "hr_bpm": (75.0, 20.0)}
_N_OUT = len(CINC_CLASSES) + 4  # rhythm logits, abnormal logit, age, sex logit, hr


class TargetWindows(Dataset):
    """Real windows held in memory: ``ds[i] -> (window (1, W) float32, participant_id)``, plus ``targets``
    ``(n, len(TARGETS))`` float64 (NaN where unknown)."""

    def __init__(self, x: np.ndarray, ids: Sequence[str], targets: np.ndarray) -> None:
        if not len(x) == len(ids) == len(targets):
            raise ConfigError(f"TargetWindows: {len(x)} windows, {len(ids)} ids and {len(targets)} target rows.")
        self.x = torch.from_numpy(np.ascontiguousarray(x, np.float32))
        self.ids = list(ids)
        self.targets = np.asarray(targets, np.float64)

    def __len__(self) -> int:
        return len(self.ids)

    def participant_ids(self) -> list[str]:
        return self.ids

    def __getitem__(self, index: int) -> tuple[torch.Tensor, str]:
        return self.x[index], self.ids[index]


def _targets(ds: RealDataset) -> np.ndarray:
    """Per-record target table ``(R, len(TARGETS))`` of one dataset (NaN where it has no such label)."""
    t = np.full((len(ds.records), len(TARGETS)), np.nan)
    for k, name in enumerate(TARGETS):
        if name in ds.labels:
            t[:, k] = ds.labels[name]
    return t


def _dev_groups(groups: np.ndarray, fraction: float, seed: int) -> np.ndarray:
    """Whether each record's group is held out as dev (``fraction`` of the groups, seeded)."""
    uniq = np.unique(groups)
    rng = np.random.default_rng(sample_seed(seed, 22))
    dev = set(rng.permutation(uniq)[:round(fraction * len(uniq))].tolist())
    return np.array([g in dev for g in groups])


def build_real_ecg(root: str, card: ModelCard, dev_fraction: float, seed: int, *, limit: int | None = None,
                   progress: bool = True) -> tuple[TargetWindows, TargetWindows]:
    """``(train, dev)`` real windows for ``card`` from ``root/cinc2017`` and ``root/ptbxl``: every window of the
    ``"train"`` records, ``dev_fraction`` of the patients (CinC: records) held out as dev; ``limit`` keeps that
    many records of each dataset (seeded, for tests)."""
    from wearsdk.train.real.datasets import cinc2017, ptbxl_lead1

    parts: dict[str, list[Any]] = {"train": [], "dev": []}
    for ds in (cinc2017(Path(root) / "cinc2017", card, limit=limit, progress=progress),
               ptbxl_lead1(Path(root) / "ptbxl", card, limit=limit, progress=progress)):
        rec = np.asarray(ds.record_of_window)
        x = np.asarray(ds.x)
        per_window = _targets(ds)[rec]
        per_window[:, TARGETS.index("hr_bpm")] = dataset_hr(ds, progress)
        ids = np.array([f"{ds.name}:{g}" for g in ds.groups])[rec]
        dev = _dev_groups(ds.groups, dev_fraction, seed)[rec]
        is_train = (ds.split == "train")[rec]
        for name, keep in (("train", is_train & ~dev), ("dev", is_train & dev)):
            parts[name].append((x[keep], ids[keep], per_window[keep]))
    return tuple(TargetWindows(np.concatenate([p[0] for p in v]), np.concatenate([p[1] for p in v]).tolist(),
                               np.concatenate([p[2] for p in v])) for v in (parts["train"], parts["dev"]))


class MixedWindows(Dataset):
    """Real windows followed by simulated ones: ``ds[i] -> (window, participant_id)``; ``targets`` covers both
    (NaN rows for the simulated windows); ``num_real`` items are real."""

    def __init__(self, real: TargetWindows, sim: Any) -> None:
        self.real, self.sim = real, sim
        self.num_real = len(real)
        self.ids = real.participant_ids() + [f"sim:{p}" for p in sim.participant_ids()]
        self.targets = np.concatenate([real.targets, np.full((len(sim), len(TARGETS)), np.nan)])

    def __len__(self) -> int:
        return len(self.ids)

    def participant_ids(self) -> list[str]:
        return self.ids

    def __getitem__(self, index: int) -> tuple[torch.Tensor, str]:
        if index < self.num_real:
            return self.real[index]
        return self.sim[index - self.num_real][0], self.ids[index]


def mixed_plan(windows: MixedWindows, global_batch: int, real_fraction: float,
               seed: int) -> Callable[[int], list[tuple[int, int, int]]]:
    """Step -> ``global_batch`` pair keys ``(item_a, item_b, view_seed)``: ``round(real_fraction * global_batch)``
    real participants (two different windows when it has several, else its one window twice) and simulated
    participants for the rest (two different windows), every participant at most once per batch."""
    groups: dict[str, list[int]] = {}
    for i, pid in enumerate(windows.ids):
        groups.setdefault(pid, []).append(i)
    real = [g for pid, g in sorted(groups.items()) if g[0] < windows.num_real]
    sim = participant_groups(windows.ids[windows.num_real:])
    sim = [[i + windows.num_real for i in g] for g in sim]
    n_real = round(real_fraction * global_batch)
    if n_real > len(real) or global_batch - n_real > len(sim):
        raise ConfigError(
            f"global_batch: {n_real} real and {global_batch - n_real} simulated pairs per batch need as many "
            f"participants; the data have {len(real)} real and {len(sim)} simulated (with >= 2 windows). Lower "
            "global_batch, change data.real_fraction or raise data.num_participants."
        )

    def plan(step: int) -> list[tuple[int, int, int]]:
        rng = np.random.default_rng(sample_seed(seed, step, 5))
        chosen = [real[g] for g in rng.choice(len(real), n_real, replace=False)]
        chosen += [sim[g] for g in rng.choice(len(sim), global_batch - n_real, replace=False)]
        keys = []
        for k, g in enumerate(chosen):
            a, b = rng.choice(len(g), size=2, replace=False) if len(g) > 1 else (0, 0)
            keys.append((g[a], g[b], sample_seed(seed, step, k, 6)))
        return keys

    return plan


class _LabelledPairs(Dataset):
    """Key ``(item_a, item_b, view_seed)`` -> two augmented views and item_a's target row ``(len(TARGETS),)``."""

    def __init__(self, windows: MixedWindows, augmenter: Augmenter) -> None:
        self.windows, self.augmenter = windows, augmenter
        self.targets = torch.from_numpy(windows.targets.astype(np.float32))

    def __getitem__(self, key: tuple[int, int, int]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        a, b, seed = key
        gen = torch.Generator().manual_seed(seed)
        return (self.augmenter(self.windows[a][0], gen), self.augmenter(self.windows[b][0], gen),
                self.targets[a])


class MultiTaskModule(nn.Module):
    """Encoder + projection head + linear target layer: ``x -> (projections, target outputs (batch, 8))``."""

    def __init__(self, encoder: nn.Module, projector: nn.Module) -> None:
        super().__init__()
        self.encoder, self.projector = encoder, projector
        self.targets = nn.Linear(encoder.num_features, _N_OUT)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        z = self.encoder(x)
        return self.projector(z), self.targets(z)


def multitask_loss(out: torch.Tensor, t: torch.Tensor, class_weight: torch.Tensor) -> dict[str, torch.Tensor]:
    """Per-target losses of target outputs ``out (b, 8)`` against rows ``t (b, len(TARGETS))`` (NaN: no label);
    a target absent from the batch contributes an exact zero (keeping the graph)."""
    zero = out.sum() * 0.0
    n_cls = len(CINC_CLASSES)
    col = {name: t[:, k] for k, name in enumerate(TARGETS)}
    terms: dict[str, torch.Tensor] = {}
    m = ~torch.isnan(col["rhythm"])
    terms["rhythm_ce"] = (F.cross_entropy(out[m, :n_cls], col["rhythm"][m].long(), weight=class_weight)
                          if m.any() else zero)
    for name, j in (("abnormal", n_cls), ("sex_female", n_cls + 2)):
        m = ~torch.isnan(col[name])
        terms[f"{name}_bce"] = F.binary_cross_entropy_with_logits(out[m, j], col[name][m]) if m.any() else zero
    for name, j in (("age", n_cls + 1), ("hr_bpm", n_cls + 3)):
        m = ~torch.isnan(col[name])
        centre, scale = _SCALE[name]
        terms[f"{name}_l1"] = F.smooth_l1_loss(out[m, j], (col[name][m] - centre) / scale) if m.any() else zero
    return terms


class RealSSLTask(SSLTask):
    """The self-supervised recipe on :class:`MixedWindows` (:func:`mixed_plan`), plus ``ssl.supervised_weight``
    x the mean of :func:`multitask_loss` on both views; evaluates the target layer on the dev windows."""

    def __init__(self, config: Any, train: MixedWindows, val: TargetWindows | None) -> None:
        super().__init__(config, train, val)
        counts = np.bincount(train.targets[~np.isnan(train.targets[:, 0]), 0].astype(int),
                             minlength=len(CINC_CLASSES)).astype(np.float64)
        weight = 1.0 / np.sqrt(np.maximum(counts, 1.0))
        self.class_weight = torch.tensor(weight / weight.mean(), dtype=torch.float32)

    def _networks(self, encoder: nn.Module, projector: nn.Module) -> nn.Module:
        return MultiTaskModule(encoder, projector)

    def _pairs(self, train: MixedWindows) -> Any:
        return _LabelledPairs(train, Augmenter(self.config.augment))

    def _plan(self, train: MixedWindows) -> Any:
        return mixed_plan(train, self.config.global_batch, self.config.data.real_fraction, self.config.seed)

    def loss(self, model: nn.Module, batch: Any, step: int) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        view_a, view_b, t = batch
        q, out = model(torch.cat([view_a, view_b]))
        q, out = q.float(), out.float()
        with torch.no_grad():
            k = self.target(torch.cat([view_a, view_b]))[0].float()
        nce, reg = ssl_terms(q, k, self.config)
        terms = multitask_loss(out, torch.cat([t, t]), self.class_weight.to(out.device))
        supervised = torch.stack(list(terms.values())).sum()
        loss = nce + self.config.ssl.koleo_weight * reg + self.config.ssl.supervised_weight * supervised
        return loss, {"info_nce": nce.detach(), "koleo": reg.detach(),
                      **{k: v.detach() for k, v in terms.items()}}

    def extra_state(self, module: nn.Module) -> dict[str, Any]:
        return {**super().extra_state(module), "targets": module.targets.state_dict()}

    def load_state(self, module: nn.Module, model: dict[str, Any], extra: dict[str, Any]) -> None:
        super().load_state(module, model, extra)
        module.targets.load_state_dict(extra["targets"])

    @torch.no_grad()
    def evaluate(self, module: nn.Module, device: torch.device) -> dict[str, float]:
        """The target layer on the dev windows: AF-vs-rest AUROC, rhythm macro F1, abnormal and sex AUROC, age
        Pearson r, HR MAE (bpm); plus the embedding SD (collapse check)."""
        from wearsdk.train.probes import auroc, macro_f1

        if self.val is None or len(self.val) == 0:
            return {}
        was = module.training
        module.eval()
        zs, outs = [], []
        for i in range(0, len(self.val), 64):
            z = module.encoder(self.val.x[i:i + 64].to(device)).float()
            zs.append(z.cpu())
            outs.append(module.targets(z).cpu())
        module.train(was)
        out, t = torch.cat(outs).numpy(), self.val.targets
        n_cls = len(CINC_CLASSES)
        res: dict[str, float] = {"embedding_std": float(F.normalize(torch.cat(zs), dim=1).std(0).mean())}
        m = ~np.isnan(t[:, 0])
        if m.any():
            y, logits = t[m, 0].astype(int), out[m, :n_cls]
            res["dev_af_auroc"] = auroc((y == 1).astype(float), logits[:, 1] - np.logaddexp.reduce(
                np.delete(logits, 1, axis=1), axis=1))
            res["dev_rhythm_macro_f1"] = macro_f1(y, logits.argmax(1), n_cls)
        for name, j in (("abnormal", n_cls), ("sex_female", n_cls + 2)):
            m = ~np.isnan(t[:, TARGETS.index(name)])
            if m.any():
                res[f"dev_{name}_auroc"] = auroc(t[m, TARGETS.index(name)], out[m, j])
        for name, j in (("age", n_cls + 1), ("hr_bpm", n_cls + 3)):
            m = ~np.isnan(t[:, TARGETS.index(name)])
            if m.sum() > 2:
                centre, scale = _SCALE[name]
                pred, true = out[m, j] * scale + centre, t[m, TARGETS.index(name)]
                key = "dev_age_r" if name == "age" else "dev_hr_mae_bpm"
                res[key] = float(np.corrcoef(pred, true)[0, 1]) if name == "age" else float(np.abs(pred - true).mean())
        return res
