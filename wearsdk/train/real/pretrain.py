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
class (N / AF / other / noisy, class-weighted cross-entropy), PTB-XL NORM vs abnormal and sex (logistic), age,
heart rate and, with ``ssl.beat_targets``, three beat-interval features (:data:`BEAT_TARGETS`: RR irregularity, RR
range ratio, pNN50; smooth L1 on standardised values). HR and beat labels come from ``wearsdk.ecg_peaks`` on the
record's own samples of the window (:func:`~wearsdk.train.real.features.dataset_hr`,
:func:`~wearsdk.train.real.features.dataset_features`): the RR features are what the hand-crafted AF baseline
reads, taught so that the embedding keeps them. Simulated windows carry no targets, unless ``data.sim_targets``:
then their true heart rate (:func:`sim_target_windows`). The layer is dropped after training: the product is the
encoder, judged by frozen-embedding probes and heads fitted afterwards.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
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
from wearsdk.train.real.features import ECG_FEATURES, dataset_features, dataset_hr
from wearsdk.train.ssl import SSLTask, ssl_terms

__all__ = ["Target", "BEAT_TARGETS", "ECG_TARGETS", "PPG_TARGETS", "TARGETS", "TargetWindows", "MixedWindows",
           "build_real_ecg", "build_real_ppg", "sim_target_windows", "rate_stretch", "mixed_plan", "MultiTaskModule",
           "multitask_loss", "RealSSLTask"]

@dataclass(frozen=True)
class Target:
    """One supervised target of the multi-task term: ``kind`` ``"class"`` (``classes`` logits, class-weighted
    cross-entropy), ``"binary"`` (one logit, BCE) or ``"regression"`` (one output, smooth L1 on
    ``(value - centre) / scale``)."""

    name: str
    kind: str
    classes: int = 1
    centre: float = 0.0
    scale: float = 1.0

    @property
    def width(self) -> int:
        return self.classes if self.kind == "class" else 1


#: ECG targets (CinC 2017 rhythm; PTB-XL abnormal, age, sex; HR from ``ecg_peaks``), in output order.
ECG_TARGETS = (Target("rhythm", "class", len(CINC_CLASSES)), Target("abnormal", "binary"),
               Target("age", "regression", centre=55.0, scale=17.0), Target("sex_female", "binary"),
               Target("hr_bpm", "regression", centre=75.0, scale=20.0))
#: Beat-interval features of ``ecg_peaks`` (names of :data:`~wearsdk.train.real.features.ECG_FEATURES`), what the
#: hand-crafted AF baseline reads: appended to :data:`ECG_TARGETS` with ``ssl.beat_targets``.
BEAT_TARGETS = (Target("rr_irregularity", "regression", centre=0.1, scale=0.1),
                Target("rr_range_ratio", "regression", centre=0.25, scale=0.25),
                Target("pnn50", "regression", centre=0.3, scale=0.3))
#: PPG targets (PPG-BP age, sex, BMI, systolic BP; HR of the pulse train), in output order.
PPG_TARGETS = (Target("age", "regression", centre=55.0, scale=17.0), Target("sex_female", "binary"),
               Target("bmi", "regression", centre=23.0, scale=4.0),
               Target("sbp", "regression", centre=125.0, scale=20.0),
               Target("hr_bpm", "regression", centre=75.0, scale=20.0))
_LOSS = {"class": "ce", "binary": "bce", "regression": "l1"}
#: Column names of the ECG per-window target table.
TARGETS = tuple(t.name for t in ECG_TARGETS)


class TargetWindows(Dataset):
    """Real windows held in memory: ``ds[i] -> (window (C, W) float32, participant_id)``, plus ``targets``
    ``(n, len(spec))`` float64 (NaN where unknown), one column per :class:`Target` of ``spec``."""

    def __init__(self, x: np.ndarray, ids: Sequence[str], targets: np.ndarray,
                 spec: tuple[Target, ...] = ECG_TARGETS) -> None:
        if not len(x) == len(ids) == len(targets) or np.shape(targets)[1:] != (len(spec),):
            raise ConfigError(f"TargetWindows: {len(x)} windows, {len(ids)} ids and target rows of shape "
                              f"{np.shape(targets)} for {len(spec)} targets.")
        self.x = torch.from_numpy(np.ascontiguousarray(x, np.float32))
        self.ids = list(ids)
        self.targets = np.asarray(targets, np.float64)
        self.spec = spec

    def __len__(self) -> int:
        return len(self.ids)

    def participant_ids(self) -> list[str]:
        return self.ids

    def __getitem__(self, index: int) -> tuple[torch.Tensor, str]:
        return self.x[index], self.ids[index]


def _targets(ds: RealDataset, spec: tuple[Target, ...]) -> np.ndarray:
    """Per-window target table ``(windows, len(spec))`` of one dataset: its record labels, or its per-window
    labels (``window_labels``) of the same name; NaN where it has neither."""
    rec = np.asarray(ds.record_of_window)
    t = np.full((len(rec), len(spec)), np.nan)
    for k, target in enumerate(spec):
        if target.name in ds.window_labels:
            t[:, k] = ds.window_labels[target.name]
        elif target.name in ds.labels:
            t[:, k] = ds.labels[target.name][rec]
    return t


def _split_windows(datasets: Sequence[RealDataset], spec: tuple[Target, ...], dev_fraction: float, seed: int,
                   columns: Callable[[RealDataset], dict[str, np.ndarray]] | None = None,
                   ) -> tuple[TargetWindows, TargetWindows]:
    """``(train, dev)`` windows of the ``"train"`` records of ``datasets``, ``dev_fraction`` of each dataset's
    groups held out as dev; ``columns(ds)`` (target name -> ``(windows,)``) fills those columns when given."""
    parts: dict[str, list[Any]] = {"train": [], "dev": []}
    for ds in datasets:
        rec = np.asarray(ds.record_of_window)
        x = np.asarray(ds.x)
        per_window = _targets(ds, spec)
        for name, values in (columns(ds) if columns is not None else {}).items():
            per_window[:, [t.name for t in spec].index(name)] = values
        ids = np.array([f"{ds.name}:{g}" for g in ds.groups])[rec]
        dev = _dev_groups(ds.groups, dev_fraction, seed)[rec]
        is_train = (ds.split == "train")[rec]
        for name, keep in (("train", is_train & ~dev), ("dev", is_train & dev)):
            parts[name].append((x[keep], ids[keep], per_window[keep]))
    return tuple(TargetWindows(np.concatenate([p[0] for p in v]), np.concatenate([p[1] for p in v]).tolist(),
                               np.concatenate([p[2] for p in v]), spec) for v in (parts["train"], parts["dev"]))


def _dev_groups(groups: np.ndarray, fraction: float, seed: int) -> np.ndarray:
    """Whether each record's group is held out as dev (``fraction`` of the groups, seeded)."""
    uniq = np.unique(groups)
    rng = np.random.default_rng(sample_seed(seed, 22))
    dev = set(rng.permutation(uniq)[:round(fraction * len(uniq))].tolist())
    return np.array([g in dev for g in groups])


def build_real_ecg(root: str, card: ModelCard, dev_fraction: float, seed: int, *, limit: int | None = None,
                   beat_targets: bool = False, progress: bool = True) -> tuple[TargetWindows, TargetWindows]:
    """``(train, dev)`` real windows for ``card`` from ``root/cinc2017`` and ``root/ptbxl``: every window of the
    ``"train"`` records, ``dev_fraction`` of the patients (CinC: records) held out as dev; ``limit`` keeps that
    many records of each dataset (seeded, for tests). Targets: :data:`ECG_TARGETS`, plus :data:`BEAT_TARGETS` with
    ``beat_targets``."""
    from wearsdk.train.real.datasets import single_lead_ecg

    datasets = tuple(single_lead_ecg(root, card, limit=limit, progress=progress).values())
    spec = ECG_TARGETS + BEAT_TARGETS if beat_targets else ECG_TARGETS
    return _split_windows(datasets, spec, dev_fraction, seed,
                          columns=lambda ds: _beat_columns(ds, beat_targets, progress))


def _beat_columns(ds: RealDataset, beat_targets: bool, progress: bool) -> dict[str, np.ndarray]:
    """``hr_bpm`` (:func:`~wearsdk.train.real.features.dataset_hr`) and, with ``beat_targets``, the
    :data:`BEAT_TARGETS` columns (:func:`~wearsdk.train.real.features.dataset_features`) of every window; NaN where
    ``ecg_peaks`` finds fewer than 3 beats."""
    hr = dataset_hr(ds, progress)
    out = {"hr_bpm": hr}
    if not beat_targets:
        return out
    features = dataset_features(ds, progress)
    for target in BEAT_TARGETS:
        out[target.name] = np.where(np.isfinite(hr), features[:, ECG_FEATURES.index(target.name)], np.nan)
    return out


def build_real_ppg(root: str, card: ModelCard, dev_fraction: float, seed: int, *,
                   progress: bool = True) -> tuple[TargetWindows, TargetWindows]:
    """``(train, dev)`` real windows for ``card`` from ``root/ppg_bp`` (:func:`wearsdk.train.real.ppg.ppg_bp`):
    the pulse-train windows of its ``"train"`` subjects, ``dev_fraction`` of them held out as dev. Targets:
    :data:`PPG_TARGETS`. ``ppg_mw4`` and the device recordings are never trained on (they are what the suite
    reports)."""
    from wearsdk.train.real.ppg import ppg_bp

    return _split_windows((ppg_bp(root, card, seed=seed, progress=progress),), PPG_TARGETS, dev_fraction, seed)


def sim_target_windows(sim: Any, spec: tuple[Target, ...], progress: bool = True,
                       hr_activities: Sequence[str] | None = None) -> TargetWindows:
    """The windows of a :class:`~wearsdk.train.sim_data.SimWindows` held in memory with their true heart rate in
    the ``hr_bpm`` column of ``spec`` (the other targets NaN; HR too for windows whose activity is not in
    ``hr_activities``, default: every activity). With several activities a window's id is
    ``"sim<pid>:<activity>"``: positive pairs then stay within one activity (across rest and running the pairs
    did not train)."""
    from tqdm import tqdm

    xs, targets, ids = [], np.full((len(sim), len(spec)), np.nan), []
    column = [t.name for t in spec].index("hr_bpm")
    several = len(set(sim.activities)) > 1
    for i, pid in enumerate(tqdm(sim.participant_ids(), desc="simulating windows with HR", disable=not progress)):
        x, hr = sim.window(i)
        targets[i, column] = hr if hr_activities is None or sim.activity(i) in hr_activities else np.nan
        xs.append(x)
        ids.append(f"{pid}:{sim.activity(i)}" if several else pid)
    return TargetWindows(np.stack(xs), ids, targets, spec)


class MixedWindows(Dataset):
    """Real windows followed by simulated ones: ``ds[i] -> (window, participant_id)``; ``targets`` covers both
    (the simulated windows' own targets when they carry some, as :func:`sim_target_windows` does, else NaN rows);
    ``num_real`` items are real."""

    def __init__(self, real: TargetWindows, sim: Any) -> None:
        self.real, self.sim = real, sim
        self.num_real = len(real)
        self.ids = real.participant_ids() + [f"sim:{p}" for p in sim.participant_ids()]
        self.spec = real.spec
        sim_targets = sim.targets if hasattr(sim, "targets") else np.full((len(sim), len(real.spec)), np.nan)
        self.targets = np.concatenate([real.targets, sim_targets])

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


def rate_stretch(x: torch.Tensor, rate: float) -> torch.Tensor:
    """Window ``x (channels, samples)`` played ``rate`` x as fast (heart rate x ``rate``): sample ``t`` of the
    output is ``x`` at ``t * rate`` (linear interpolation); beyond the window's end (``rate > 1``) it continues from
    the window's start, one seam."""
    samples = x.shape[-1]
    pos = torch.arange(samples, dtype=torch.float64) * rate % samples
    i0 = pos.floor().long()
    w = (pos - i0).to(x.dtype)
    return x[:, i0] * (1 - w) + x[:, (i0 + 1) % samples] * w


class _LabelledPairs(Dataset):
    """Key ``(item_a, item_b, view_seed)`` -> two augmented views and item_a's target row ``(targets,)``;
    simulated pairs first played at a common random rate when ``stretch`` > 0 (``data.sim_rate_stretch``)."""

    def __init__(self, windows: MixedWindows, augmenter: Augmenter, stretch: float = 0.0) -> None:
        self.windows, self.augmenter, self.stretch = windows, augmenter, stretch
        self.targets = torch.from_numpy(windows.targets.astype(np.float32))
        self.hr_column = [t.name for t in windows.spec].index("hr_bpm")

    def __getitem__(self, key: tuple[int, int, int]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        a, b, seed = key
        gen = torch.Generator().manual_seed(seed)
        xa, xb, t = self.windows[a][0], self.windows[b][0], self.targets[a]
        if self.stretch > 0 and a >= self.windows.num_real:
            rate = float(np.exp(np.log1p(self.stretch) * (2 * float(torch.rand((), generator=gen)) - 1)))
            xa, xb, t = rate_stretch(xa, rate), rate_stretch(xb, rate), t.clone()
            t[self.hr_column] *= rate
        return self.augmenter(xa, gen), self.augmenter(xb, gen), t


class MultiTaskModule(nn.Module):
    """Encoder + projection head + linear target layer: ``x -> (projections, target outputs (batch, outputs))``,
    one output per binary / regression target and ``classes`` per class target of ``spec``."""

    def __init__(self, encoder: nn.Module, projector: nn.Module, spec: tuple[Target, ...] = ECG_TARGETS) -> None:
        super().__init__()
        self.encoder, self.projector = encoder, projector
        self.targets = nn.Linear(encoder.num_features, sum(t.width for t in spec))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        z = self.encoder(x)
        return self.projector(z), self.targets(z)


def _columns(spec: tuple[Target, ...]) -> list[slice]:
    """Output columns of each target of ``spec``."""
    ends = np.cumsum([t.width for t in spec]).tolist()
    return [slice(e - t.width, e) for t, e in zip(spec, ends, strict=True)]


def multitask_loss(out: torch.Tensor, t: torch.Tensor, spec: tuple[Target, ...],
                   class_weight: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Per-target losses (``<name>_ce`` / ``_bce`` / ``_l1``) of target outputs ``out (b, outputs)`` against rows
    ``t (b, len(spec))`` (NaN: no label); a target absent from the batch contributes an exact zero (keeping the
    graph). ``class_weight``: class target name -> ``(classes,)`` cross-entropy weights."""
    zero = out.sum() * 0.0
    terms: dict[str, torch.Tensor] = {}
    for k, (target, cols) in enumerate(zip(spec, _columns(spec), strict=True)):
        y = t[:, k]
        m = ~torch.isnan(y)
        if not m.any():
            terms[f"{target.name}_{_LOSS[target.kind]}"] = zero
        elif target.kind == "class":
            terms[f"{target.name}_ce"] = F.cross_entropy(out[m, cols], y[m].long(),
                                                         weight=class_weight.get(target.name))
        elif target.kind == "binary":
            terms[f"{target.name}_bce"] = F.binary_cross_entropy_with_logits(out[m, cols.start], y[m])
        else:
            terms[f"{target.name}_l1"] = F.smooth_l1_loss(out[m, cols.start], (y[m] - target.centre) / target.scale)
    return terms


class RealSSLTask(SSLTask):
    """The self-supervised recipe on :class:`MixedWindows` (:func:`mixed_plan`), plus ``ssl.supervised_weight``
    x the sum of :func:`multitask_loss` on both views (targets: ``train.spec``); evaluates the target layer on
    the dev windows."""

    def __init__(self, config: Any, train: MixedWindows, val: TargetWindows | None) -> None:
        self.spec = train.spec
        super().__init__(config, train, val)
        self.class_weight: dict[str, torch.Tensor] = {}
        for k, target in enumerate(self.spec):
            if target.kind == "class":
                y = train.targets[:, k]
                counts = np.bincount(y[~np.isnan(y)].astype(int), minlength=target.classes).astype(np.float64)
                weight = 1.0 / np.sqrt(np.maximum(counts, 1.0))
                self.class_weight[target.name] = torch.tensor(weight / weight.mean(), dtype=torch.float32)

    def _networks(self, encoder: nn.Module, projector: nn.Module) -> nn.Module:
        return MultiTaskModule(encoder, projector, self.spec)

    def _pairs(self, train: MixedWindows) -> Any:
        return _LabelledPairs(train, Augmenter(self.config.augment), self.config.data.sim_rate_stretch)

    def _plan(self, train: MixedWindows) -> Any:
        return mixed_plan(train, self.config.global_batch, self.config.data.real_fraction, self.config.seed)

    def loss(self, model: nn.Module, batch: Any, step: int) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        view_a, view_b, t = batch
        q, out = model(torch.cat([view_a, view_b]))
        q, out = q.float(), out.float()
        with torch.no_grad():
            k = self.target(torch.cat([view_a, view_b]))[0].float()
        nce, reg = ssl_terms(q, k, self.config)
        weights = {name: w.to(out.device) for name, w in self.class_weight.items()}
        terms = multitask_loss(out, torch.cat([t, t]), self.spec, weights)
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
        """The target layer on the dev windows: per class target its macro F1 and one-vs-rest AUROC of each class
        (``dev_<name>_macro_f1``, ``dev_<name>_<class>_auroc``), per binary target AUROC, per regression target
        MAE and Pearson r (in the target's units); plus the embedding SD (collapse check)."""
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
        res: dict[str, float] = {"embedding_std": float(F.normalize(torch.cat(zs), dim=1).std(0).mean())}
        for k, (target, cols) in enumerate(zip(self.spec, _columns(self.spec), strict=True)):
            m = ~np.isnan(t[:, k])
            if m.sum() < 3:
                continue
            y, o = t[m, k], out[m, cols]
            if target.kind == "class":
                y = y.astype(int)
                res[f"dev_{target.name}_macro_f1"] = macro_f1(y, o.argmax(1), target.classes)
                for c in range(target.classes):
                    if 0 < (y == c).sum() < len(y):
                        rest = np.logaddexp.reduce(np.delete(o, c, axis=1), axis=1)
                        res[f"dev_{target.name}_{c}_auroc"] = auroc((y == c).astype(float), o[:, c] - rest)
            elif target.kind == "binary":
                if 0 < y.sum() < len(y):
                    res[f"dev_{target.name}_auroc"] = auroc(y, o[:, 0])
            else:
                pred = o[:, 0] * target.scale + target.centre
                res[f"dev_{target.name}_mae"] = float(np.abs(pred - y).mean())
                res[f"dev_{target.name}_r"] = float(np.corrcoef(pred, y)[0, 1])
        return res
