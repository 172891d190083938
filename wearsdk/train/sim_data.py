"""Training data from the ``wearsdk.sim`` cohort simulator (seeded, generated on the fly in workers).

* :class:`SimWindows` (a :class:`~wearsdk.train.data.WindowDataset`): item ``p * segments + s`` is segment
  ``s`` of participant ``p``, recorded during ``activities[s % len(activities)]``: 4-channel PPG at 64 Hz or
  one ECG lead at 128 Hz (lead ``leads[(p + s) % len(leads)]``, by default the watch's lead I), for the
  encoder's window, after the model card's *causal* band-pass (:func:`wearsdk.signal.bandpass`, with a 2 s
  pre-roll dropped so the filter has settled) and a per-channel z-score, as on the device.
* :class:`SimLeads` (a :class:`~wearsdk.train.data.LeadDataset`): 10 s of 12-lead ECG simulated at 500 Hz,
  band-passed 0.5-40 Hz (zero phase, as the PTB-XL records were), resampled to 100 Hz, in mV.

Participants ``0 .. num_participants-1`` train; the next ``val_participants`` are held out (participant-level
split).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch.utils.data import Dataset

from wearsdk.errors import ConfigError
from wearsdk.models import ModelCard
from wearsdk.sim import model_window
from wearsdk.train.data import prepare_12lead

__all__ = ["SimWindows", "SimLeads", "build"]

_PREROLL_S = 2.0


class SimWindows(Dataset):
    """Simulated encoder windows ``(channels, samples)`` float32 with participant ids ``"sim<pid>"``."""

    def __init__(
        self,
        modality: str,
        participants: range,
        segments: int,
        card: ModelCard,
        seed: int,
        activities: tuple[str, ...] = ("rest",),
        leads: tuple[str, ...] = ("I",),
    ) -> None:
        from wearsdk.sim import Cohort

        if modality not in ("ppg", "ecg"):
            raise ConfigError(f"SimWindows.modality: expected 'ppg' or 'ecg', got {modality!r}.")
        self.modality, self.participants, self.segments, self.card = modality, participants, segments, card
        self.activities, self.leads = tuple(activities), tuple(leads)
        self.cohort = Cohort(participants.stop, seed=seed)

    def __len__(self) -> int:
        return len(self.participants) * self.segments

    def participant_ids(self) -> list[str]:
        return [f"sim{self.participants[i // self.segments]}" for i in range(len(self))]

    def __getitem__(self, index: int) -> tuple[torch.Tensor, str]:
        p, s = divmod(int(index), self.segments)
        pid = self.participants[p]
        activity = self.activities[s % len(self.activities)]
        lead = self.leads[(pid + s) % len(self.leads)]
        x, _ = model_window(self.cohort[pid], self.card, segment=s, activity=activity,
                            channels=(lead,) if self.modality == "ecg" else None)
        return torch.from_numpy(x), f"sim{pid}"


class SimLeads(Dataset):
    """Simulated ``(II,V1,V5 (3, 1000), 12 leads (12, 1000), "sim<pid>")`` at 100 Hz in mV."""

    def __init__(self, participants: range, segments: int, seed: int, samples: int = 1000) -> None:
        from wearsdk.sim import Cohort

        self.participants, self.segments, self.samples = participants, segments, samples
        self.cohort = Cohort(participants.stop, seed=seed)

    def __len__(self) -> int:
        return len(self.participants) * self.segments

    def subject_ids(self) -> list[str]:
        return [f"sim{self.participants[i // self.segments]}" for i in range(len(self))]

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor, str]:
        p, s = divmod(int(index), self.segments)
        pid = self.participants[p]
        seconds = self.samples / 100.0
        rec = self.cohort[pid].record(seconds + 1.0, sampling_rates={"ecg": 500.0}, segment=s, streams=("ecg",))
        x12 = prepare_12lead(rec.ecg, 500.0, 100.0, zscore=False)[:, 50 : 50 + self.samples]
        x12 = torch.from_numpy(np.ascontiguousarray(x12))
        return x12[[1, 6, 10]].clone(), x12, f"sim{pid}"


def build(config: Any, card: ModelCard) -> tuple[Dataset, Dataset]:
    """``(train, val)`` simulated datasets for a :class:`~wearsdk.train.config.TrainConfig`."""
    d = config.data
    train_p = range(0, d.num_participants)
    val_p = range(d.num_participants, d.num_participants + d.val_participants)
    if config.is_lead_vae:
        if card.sampling_rate_hz != 100.0:
            raise ConfigError(f"simulated lead data are at 100 Hz; the model expects {card.sampling_rate_hz:g} Hz.")
        return (
            SimLeads(train_p, d.segments_per_participant, config.seed, card.window_samples),
            SimLeads(val_p, d.segments_per_participant, config.seed, card.window_samples),
        )
    modality = config.recipe.split("_")[0]
    return (
        SimWindows(modality, train_p, d.segments_per_participant, card, config.seed, d.activities, d.ecg_leads),
        SimWindows(modality, val_p, d.segments_per_participant, card, config.seed, d.activities, d.ecg_leads),
    )
