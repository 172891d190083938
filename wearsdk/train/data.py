"""Training data: the dataset protocols, sources, participant-aware batch plans and the step sampler.

Two small protocols are all a source has to satisfy (so users can plug in their own data):

* :class:`WindowDataset` (self-supervised encoders): ``ds[i] -> (window, participant_id)`` with ``window`` a
  float32 tensor ``(channels, samples)``, plus ``participant_ids()`` (one id per item, cheap);
* :class:`LeadDataset` (lead VAE): ``ds[i] -> (leads_in, leads_12, subject_id)`` with tensors
  ``(3, samples)`` and ``(12, samples)``, plus ``subject_ids()``.

The trainer never iterates a dataset in order. A *plan* maps each optimizer step to the global batch of keys
(participant-level positive pairs for SSL; an epoch permutation for the VAE) as a pure function of
``(seed, step)``; :class:`StepBatchSampler` hands each process its slice of each step's keys. So a 2-process
DDP run sees exactly the samples of the 1-process run with the same global batch, and ``--resume`` continues
the same sequence.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np
import torch
from torch.utils.data import Dataset, Sampler

import wearsdk.signal as ws
from wearsdk.errors import ConfigError, DataFormatError
from wearsdk.models.card import Preprocessing
from wearsdk.signal import PATCH_LEADS, STANDARD_LEADS
from wearsdk.train.augment import Augmenter

__all__ = [
    "WindowDataset",
    "LeadDataset",
    "SyntheticWindows",
    "SyntheticLeads",
    "PTBXLLeads",
    "WFDBLeads",
    "SSLPairs",
    "VAEItems",
    "ssl_plan",
    "epoch_plan",
    "AugmentedWindows",
    "StepBatchSampler",
    "sample_seed",
    "ptbxl_root",
    "participant_groups",
    "prepare_12lead",
    "load_12lead_windows",
    "InMemory",
]


@runtime_checkable
class WindowDataset(Protocol):
    """Windows with participant ids: ``ds[i] -> (window (channels, samples) float32, participant_id)``."""

    def __len__(self) -> int: ...

    def __getitem__(self, index: int) -> tuple[torch.Tensor, str]: ...

    def participant_ids(self) -> Sequence[str]: ...


@runtime_checkable
class LeadDataset(Protocol):
    """Reduced/full lead pairs: ``ds[i] -> (leads_in (3, samples), leads_12 (12, samples), subject_id)``."""

    def __len__(self) -> int: ...

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor, str]: ...

    def subject_ids(self) -> Sequence[str]: ...


def sample_seed(*parts: int) -> int:
    """A 63-bit seed from integers (stable across processes and Python versions)."""
    digest = hashlib.blake2b(np.asarray(parts, dtype=np.int64).tobytes(), digest_size=8).digest()
    return int.from_bytes(digest, "little") & ((1 << 63) - 1)


# --------------------------------------------------------------------------------------------- sources

#: Rows of the lead VAE's input leads (II, V1, V5) among the 12 standard leads.
_INPUT_ROWS = tuple(STANDARD_LEADS.index(lead) for lead in PATCH_LEADS)
#: The 12 standard leads as WFDB headers spell them, upper case (names are matched case-insensitively).
_WFDB_LEADS = tuple(lead.upper() for lead in STANDARD_LEADS)


class SyntheticWindows(Dataset):
    """A tiny seeded toy source of multi-channel quasi-periodic windows, for tests and smoke runs only.

    Not physiological (that is ``wearsdk.sim``): participant ``p`` has its own fundamental period, harmonic
    amplitudes and channel gains; its segments differ by phase, period jitter and noise, so participant-level
    pairs are learnable. Items are ``(window (channels, samples) float32, "p<index>")``, z-scored per channel.
    """

    def __init__(
        self,
        num_participants: int,
        segments_per_participant: int,
        channels: int,
        samples: int,
        seed: int = 0,
        first_participant: int = 0,
    ) -> None:
        self.n, self.s, self.c, self.t = num_participants, segments_per_participant, channels, samples
        self.seed, self.first = seed, first_participant

    def __len__(self) -> int:
        return self.n * self.s

    def participant_ids(self) -> list[str]:
        return [f"p{self.first + i // self.s}" for i in range(len(self))]

    def __getitem__(self, index: int) -> tuple[torch.Tensor, str]:
        p, s = divmod(int(index), self.s)
        pid = self.first + p
        rng = np.random.default_rng(sample_seed(self.seed, pid))
        period = rng.uniform(20, 60)
        harmonics = rng.uniform(0.1, 1.0, size=3)
        gains = rng.uniform(0.5, 1.5, size=(self.c, 1))
        seg = np.random.default_rng(sample_seed(self.seed, pid, s + 1))
        t = np.arange(self.t) * (1 + seg.normal(0, 0.03)) + seg.uniform(0, period)
        wave = sum(a * np.sin(2 * np.pi * (k + 1) * t / period) for k, a in enumerate(harmonics))
        x = gains * wave + 0.1 * seg.standard_normal((self.c, self.t))
        return torch.from_numpy(ws.zscore(x.astype(np.float32))), f"p{pid}"


class SyntheticLeads(Dataset):
    """A tiny seeded toy source of 12-lead windows built from a 3-D dipole, for tests and smoke runs only.

    Each subject has a random 12 x 3 lead projection; each window is that projection of periodic Gaussian
    bumps in 3 dipole coordinates plus a little noise. Items are ``(leads II,V1,V5 (3, samples),
    12 leads (12, samples), "s<index>")`` in arbitrary units (~mV).
    """

    def __init__(
        self, num_subjects: int, windows_per_subject: int, samples: int, seed: int = 0, first_subject: int = 0
    ) -> None:
        self.n, self.w, self.t, self.seed, self.first = num_subjects, windows_per_subject, samples, seed, first_subject

    def __len__(self) -> int:
        return self.n * self.w

    def subject_ids(self) -> list[str]:
        return [f"s{self.first + i // self.w}" for i in range(len(self))]

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor, str]:
        sub, win = divmod(int(index), self.w)
        sid = self.first + sub
        rng = np.random.default_rng(sample_seed(self.seed, sid))
        proj = rng.normal(0, 1, size=(12, 3))
        proj[list(_INPUT_ROWS)] += np.eye(3) * 2.0  # the measured leads see the dipole well
        period = rng.uniform(60, 110)
        widths = rng.uniform(2, 8, size=3)
        seg = np.random.default_rng(sample_seed(self.seed, sid, win + 1))
        t = np.arange(self.t) + seg.uniform(0, period)
        phase = (t % period) - period / 2
        dip = np.stack([np.exp(-0.5 * ((phase - 8 * k) / widths[k]) ** 2) for k in range(3)])
        x12 = proj @ dip + 0.01 * seg.standard_normal((12, self.t))
        x12 = x12.astype(np.float32)
        return torch.from_numpy(x12[list(_INPUT_ROWS)].copy()), torch.from_numpy(x12), f"s{sid}"


def _check_folder(root: Path, what: str) -> None:
    if not root.is_dir():
        kind = "a file" if root.exists() else "nothing"
        raise DataFormatError(f"{what} {str(root)!r} is {kind}; expected a folder of records (data.root=DIR).")


def ptbxl_root() -> Path:
    """The shared PTB-XL subset, relative to this repository (``<repo>/../shared/data/real/ptbxl``)."""
    return Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "real" / "ptbxl"


class _StackedLeads(Dataset):
    """A :class:`LeadDataset` over ``self.data`` ``(records, 12, samples)`` with one id per record in
    ``self.ids``: items are ``(leads II/V1/V5, all 12 leads, subject id)``."""

    data: torch.Tensor
    ids: list[str]

    def __len__(self) -> int:
        return len(self.ids)

    def subject_ids(self) -> list[str]:
        return list(self.ids)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor, str]:
        x12 = self.data[int(index)]
        return x12[list(_INPUT_ROWS)].clone(), x12.clone(), self.ids[int(index)]


class PTBXLLeads(_StackedLeads):
    """PTB-XL records in the layout of the shared subset: ``records_index.csv`` + ``records100/``.

    Args:
        root: the folder holding ``records_index.csv``.
        split: ``"train"`` (strat_fold 1-8) or ``"val"`` (strat_fold 9), as written in the index.
        max_records: read only the first N records of the split (tests).

    Items: ``(II,V1,V5 (3, 1000), 12 leads (12, 1000), "ptbxl<ecg_id>")`` at 100 Hz. Values are whatever
    the records hold (here: band-passed 0.5-40 Hz and z-scored per lead by the source, i.e. SD units).
    Each record is its own subject id (the subset has no patient ids; PTB-XL folds are patient-disjoint).
    """

    sampling_rate_hz = 100.0
    samples = 1000

    def __init__(self, root: str | Path, split: str = "train", max_records: int | None = None) -> None:
        import wfdb

        root = Path(root)
        _check_folder(root, "PTB-XL folder")
        index = root / "records_index.csv"
        if not index.is_file():
            raise DataFormatError(
                f"PTB-XL folder {str(root)!r} has no records_index.csv; expected the layout of "
                "shared/data/real/ptbxl (records_index.csv with ecg_id, split, strat_fold, filename_lr)."
            )
        if split not in ("train", "val"):
            raise ConfigError(f"PTBXLLeads.split: expected 'train' or 'val', got {split!r}.")
        with index.open() as fh:
            rows = [r for r in csv.DictReader(fh) if r.get("split") == split]
        if max_records is not None:
            rows = rows[:max_records]
        if not rows:
            raise DataFormatError(f"PTB-XL folder {str(root)!r}: no usable records for split {split!r}.")
        data = np.empty((len(rows), 12, self.samples), np.float32)
        self.ids: list[str] = []
        for i, row in enumerate(rows):
            rec = wfdb.rdrecord(str(root / row["filename_lr"]))
            if rec.fs != self.sampling_rate_hz or rec.sig_len != self.samples:
                raise DataFormatError(
                    f"{row['filename_lr']}: expected {self.samples} samples at {self.sampling_rate_hz:g} Hz, "
                    f"got {rec.sig_len} at {rec.fs} Hz; use the records100 (100 Hz) files."
                )
            names = tuple(n.upper() for n in rec.sig_name)
            if names != _WFDB_LEADS:
                raise DataFormatError(f"{row['filename_lr']}: expected leads {_WFDB_LEADS}, got {names}.")
            data[i] = rec.p_signal.T
            self.ids.append(f"ptbxl{int(row['ecg_id'])}")
        self.data = torch.from_numpy(data)



def prepare_12lead(
    signal: np.ndarray,
    fs: float,
    target_fs: float = 100.0,
    band_hz: tuple[float, float] = (0.5, 40.0),
    zscore: bool = True,
) -> np.ndarray:
    """A 12-lead record ``(12, samples)`` at ``fs`` Hz through the lead VAE card's preprocessing
    (:class:`~wearsdk.models.card.Preprocessing`, zero phase: resampled to ``target_fs`` Hz, then a 4th-order
    Butterworth band-pass forward and backward on the C++ core, as the PTB-XL source filtered its records) and,
    when ``zscore``, each lead z-scored over the record. Returns float32 ``(12, ceil(samples * target_fs / fs))``."""
    if fs <= 2 * band_hz[1]:
        raise DataFormatError(
            f"record at {fs:g} Hz cannot hold the {band_hz[1]:g} Hz band edge; expected fs > {2 * band_hz[1]:g} Hz."
        )
    pre = Preprocessing(band_hz=band_hz, filter_order=4, phase="zero_phase",
                        normalisation="zscore_per_channel" if zscore else "none")
    x = pre.filter(np.asarray(signal, np.float32), sampling_rate=fs, target_rate=target_fs)
    return np.asarray(pre.normalise(x), np.float32)


def load_12lead_windows(
    record: str | Path, window_samples: int = 1000, sampling_rate_hz: float = 100.0, zscore: bool = True
) -> np.ndarray:
    """Read one 12-lead WFDB record (any lead order, names matched case-insensitively; NaN samples set to 0),
    band-pass 0.5-40 Hz, resample to ``sampling_rate_hz`` and cut non-overlapping windows.

    Returns ``(windows, 12, window_samples)`` float32 in the order I, II, III, aVR, aVL, aVF, V1-V6; each lead of
    each window z-scored when ``zscore`` (else in the record's units, e.g. mV)."""
    import wfdb

    try:
        rec = wfdb.rdrecord(str(record))
    except Exception as exc:  # wfdb raises many types
        raise DataFormatError(f"{record}: unreadable WFDB record ({type(exc).__name__}: {exc})") from exc
    names = [n.upper() for n in rec.sig_name]
    if not set(_WFDB_LEADS) <= set(names):
        raise DataFormatError(f"{record}: leads {rec.sig_name} lack some of the 12 standard leads {_WFDB_LEADS}.")
    if rec.fs is None or rec.fs <= 80:
        raise DataFormatError(f"{record}: sampling rate {rec.fs} Hz is too low; expected > 80 Hz (0.5-40 Hz band).")
    sig = rec.p_signal.T[[names.index(n) for n in _WFDB_LEADS]]
    x = prepare_12lead(np.nan_to_num(sig), rec.fs, sampling_rate_hz, zscore=False)
    n = x.shape[-1] // window_samples
    if n == 0:
        raise DataFormatError(
            f"{record}: {x.shape[-1]} samples at {sampling_rate_hz:g} Hz, shorter than one "
            f"{window_samples}-sample window."
        )
    w = np.ascontiguousarray(x[:, : n * window_samples].reshape(12, n, window_samples).transpose(1, 0, 2))
    return np.ascontiguousarray(ws.zscore(w, eps=1e-6) if zscore else w, dtype=np.float32)


class WFDBLeads(_StackedLeads):
    """Any folder of 12-lead WFDB records plus a CSV ``record,subject_id`` (one row per record).

    Records are band-passed 0.5-40 Hz, resampled to 100 Hz and cut into non-overlapping 10 s windows
    (``window_samples``); with ``zscore=True`` each lead of each window is z-scored (to match z-scored training
    data such as the PTB-XL subset). Leads are matched by name (case-insensitive), so any order works.
    """

    def __init__(
        self,
        root: str | Path,
        subjects_csv: str | Path,
        window_samples: int = 1000,
        sampling_rate_hz: float = 100.0,
        zscore: bool = True,
    ) -> None:
        root, subjects_csv = Path(root), Path(subjects_csv)
        _check_folder(root, "WFDB folder")
        if not subjects_csv.is_file():
            raise DataFormatError(f"subjects CSV {str(subjects_csv)!r} is not a file; expected a CSV file with columns "
                                  "record,subject_id (data.subjects_csv=FILE).")
        with subjects_csv.open() as fh:
            rows = list(csv.DictReader(fh))
        if not rows or not {"record", "subject_id"} <= set(rows[0]):
            raise DataFormatError(f"{str(subjects_csv)!r}: expected columns record,subject_id and one row per record, "
                                  f"got {list(rows[0]) if rows else 'no rows'}.")
        windows: list[np.ndarray] = []
        self.ids: list[str] = []
        problems: list[str] = []
        for row in rows:
            if not row["subject_id"]:
                problems.append(f"{row['record']}: missing subject_id")
                continue
            try:
                recs = load_12lead_windows(root / row["record"], window_samples, sampling_rate_hz, zscore)
            except DataFormatError as exc:
                problems.append(str(exc))
                continue
            windows.extend(recs)
            self.ids.extend([str(row["subject_id"])] * len(recs))
        if not windows:
            raise DataFormatError(f"WFDB folder {str(root)!r}: no usable records; " + "; ".join(problems[:10]))
        self.problems = problems
        self.data = torch.from_numpy(np.stack(windows).astype(np.float32))



class InMemory(Dataset):
    """A :class:`WindowDataset` or :class:`LeadDataset` materialised in memory once (tqdm progress)."""

    def __init__(self, source: Any, desc: str = "caching data", progress: bool = True) -> None:
        from tqdm.auto import tqdm

        self.items = [source[i] for i in tqdm(range(len(source)), desc=desc, disable=not progress, leave=False)]
        ids = source.participant_ids() if hasattr(source, "participant_ids") else source.subject_ids()
        self._ids = list(ids)
        self.source = source

    def participant_ids(self) -> list[str]:
        return list(self._ids)

    def subject_ids(self) -> list[str]:
        return list(self._ids)

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index: int) -> Any:
        return self.items[int(index)]


# --------------------------------------------------------------------------------------------- plans


def participant_groups(ids: Sequence[str]) -> list[list[int]]:
    """Item indices grouped by participant (participants with >= 2 items only), sorted by id."""
    groups: dict[str, list[int]] = {}
    for i, pid in enumerate(ids):
        groups.setdefault(pid, []).append(i)
    return [g for _, g in sorted(groups.items()) if len(g) >= 2]


def ssl_plan(groups: list[list[int]], global_batch: int, seed: int) -> Callable[[int], list[tuple[int, int, int]]]:
    """Participant-level positive pairs: step -> ``global_batch`` keys ``(item_a, item_b, view_seed)`` with
    ``item_a != item_b`` two windows of the same participant and every participant at most once per batch (so
    the other rows are true negatives)."""
    if len(groups) < global_batch:
        raise ConfigError(
            f"global_batch: {global_batch} pairs need as many participants with >= 2 windows, the dataset has "
            f"{len(groups)}; lower global_batch or add participants."
        )

    def plan(step: int) -> list[tuple[int, int, int]]:
        rng = np.random.default_rng(sample_seed(seed, step, 1))
        chosen = rng.choice(len(groups), size=global_batch, replace=False)
        keys = []
        for k, g in enumerate(chosen):
            a, b = rng.choice(len(groups[g]), size=2, replace=False)
            keys.append((groups[g][a], groups[g][b], sample_seed(seed, step, k, 2)))
        return keys

    return plan


def epoch_plan(num_items: int, global_batch: int, seed: int) -> Callable[[int], list[tuple[int, int]]]:
    """Epoch permutations: step -> ``global_batch`` keys ``(item, noise_seed)``; every item once per epoch."""
    if num_items < 1:
        raise ConfigError("the training dataset is empty.")

    def plan(step: int) -> list[tuple[int, int]]:
        start = step * global_batch
        keys = []
        for k in range(global_batch):
            epoch, pos = divmod(start + k, num_items)
            perm = np.random.default_rng(sample_seed(seed, epoch, 3)).permutation(num_items)
            keys.append((int(perm[pos]), sample_seed(seed, step, k, 4)))
        return keys

    return plan


class StepBatchSampler(Sampler):
    """Yields, for each step from ``start_step`` to ``steps - 1`` and each of ``accum`` micro-batches, this
    process's slice of the step's global keys: the global batch is cut into ``world`` contiguous rank blocks,
    each cut into ``accum`` micro-batches."""

    def __init__(
        self,
        plan: Callable[[int], list[Any]],
        start_step: int,
        steps: int,
        global_batch: int,
        rank: int = 0,
        world: int = 1,
        accum: int = 1,
    ) -> None:
        if global_batch % (world * accum):
            raise ConfigError(
                f"global_batch: {global_batch} is not divisible by world_size x grad_accum = {world} x {accum}; "
                "pick a multiple."
            )
        self.plan, self.start, self.steps = plan, start_step, steps
        self.rank, self.world, self.accum = rank, world, accum
        self.per_rank = global_batch // world
        self.micro = self.per_rank // accum

    def __len__(self) -> int:
        return max(0, self.steps - self.start) * self.accum

    def __iter__(self) -> Iterator[list[Any]]:
        for step in range(self.start, self.steps):
            keys = self.plan(step)[self.rank * self.per_rank : (self.rank + 1) * self.per_rank]
            for m in range(self.accum):
                yield keys[m * self.micro : (m + 1) * self.micro]


# --------------------------------------------------------------------------------------------- key datasets


class SSLPairs(Dataset):
    """Key ``(item_a, item_b, view_seed)`` -> two augmented views ``(channels, samples)`` each."""

    def __init__(self, windows: WindowDataset, augmenter: Augmenter) -> None:
        self.windows, self.augmenter = windows, augmenter

    def __getitem__(self, key: tuple[int, int, int]) -> tuple[torch.Tensor, torch.Tensor]:
        a, b, seed = key
        gen = torch.Generator().manual_seed(seed)
        return self.augmenter(self.windows[a][0], gen), self.augmenter(self.windows[b][0], gen)


class AugmentedWindows(Dataset):
    """Key ``(item, view_seed)`` -> ``(view,)``: one augmented view ``(channels, samples)`` of a window (the
    input that student and teacher share in encoder distillation)."""

    def __init__(self, windows: WindowDataset, augmenter: Augmenter) -> None:
        self.windows, self.augmenter = windows, augmenter

    def __getitem__(self, key: tuple[int, int]) -> tuple[torch.Tensor]:
        item, seed = key
        return (self.augmenter(self.windows[item][0], torch.Generator().manual_seed(seed)),)


class VAEItems(Dataset):
    """Key ``(item, noise_seed)`` -> ``(leads_in, leads_12, eps)`` with ``eps ~ N(0, 1)`` of ``latent_shape``
    (the reparameterisation noise, drawn here so it is identical under DDP and after resume)."""

    def __init__(self, leads: LeadDataset, latent_shape: tuple[int, int]) -> None:
        self.leads, self.latent_shape = leads, latent_shape

    def __getitem__(self, key: tuple[int, int]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        item, seed = key
        x3, x12, _ = self.leads[item]
        eps = torch.randn(self.latent_shape, generator=torch.Generator().manual_seed(seed))
        return x3, x12, eps
