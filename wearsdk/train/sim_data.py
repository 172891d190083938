"""Training data from the ``wearsdk.sim`` cohort simulator (seeded, generated on the fly in workers), cut by the
one simulated-window generator :func:`wearsdk.sim.model_window` from the model's card.

* :class:`SimWindows` (a :class:`~wearsdk.train.data.WindowDataset`): item ``p * segments + s`` is segment
  ``s`` of participant ``p``, recorded during ``activities[s % len(activities)]``: the encoder's input
  (4-channel PPG at 64 Hz, or one ECG lead at 128 Hz: lead ``leads[(p + s) % len(leads)]``, by default the
  watch's lead I) after the card's causal band-pass (settled) and per-channel z-score, as on the device.
* :class:`SimLeads` (a :class:`~wearsdk.train.data.LeadDataset`): 10 s of 12-lead ECG recorded by the chest
  patch at 500 Hz, through the lead VAE card's zero-phase band-pass (0.5-40 Hz, as the PTB-XL records were) and
  resampling to 100 Hz, in mV (the simulator's units, whatever the card's window normalisation).

Participants ``0 .. num_participants-1`` train; the next ``val_participants`` are held out (participant-level
split).
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import numpy as np
import torch
from torch.utils.data import Dataset

from wearsdk.models import ModelCard
from wearsdk.signal import STANDARD_LEADS
from wearsdk.sim import Cohort, model_window, window_hr_bpm

if TYPE_CHECKING:
    from wearsdk.train.config import TrainConfig

__all__ = ["SimWindows", "SimLeads", "build"]


class SimWindows(Dataset):
    """Simulated encoder windows ``(channels, window_samples)`` float32 of ``card`` with participant ids
    ``"sim<pid>"``; ECG windows are lead ``leads[(pid + segment) % len(leads)]``."""

    def __init__(self, participants: range, segments: int, card: ModelCard, seed: int,
                 activities: tuple[str, ...] = ("rest",), leads: tuple[str, ...] = ("I",),
                 population: str = "default") -> None:
        self.participants, self.segments, self.card = participants, segments, card
        self.activities, self.leads = tuple(activities), tuple(leads)
        self.cohort = Cohort(participants.stop, seed=seed, population=population)

    def __len__(self) -> int:
        return len(self.participants) * self.segments

    def participant_ids(self) -> list[str]:
        return [f"sim{self.participants[i // self.segments]}" for i in range(len(self))]

    def activity(self, index: int) -> str:
        """What the participant does during window ``index``."""
        return self.activities[(int(index) % self.segments) % len(self.activities)]

    def window(self, index: int) -> tuple[np.ndarray, float]:
        """Window ``index`` ``(channels, window_samples)`` and its true heart rate, bpm."""
        p, s = divmod(int(index), self.segments)
        pid = self.participants[p]
        lead = self.leads[(pid + s) % len(self.leads)]
        x, truth = model_window(self.cohort[pid], self.card, segment=s, activity=self.activity(index),
                                channels=(lead,) if self.card.modality == "ecg" else None)
        return x, window_hr_bpm(truth, self.card)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, str]:
        return torch.from_numpy(self.window(index)[0]), f"sim{self.participants[int(index) // self.segments]}"


class SimLeads(Dataset):
    """Simulated ``(input leads (3, window), 12 leads (12, window), "sim<pid>")`` float32 in mV for a lead VAE
    ``card`` (default: ``lead_vae_compact``'s: II, V1, V5 -> 12 leads, 10 s at 100 Hz); item
    ``p * segments + s`` is segment ``s`` of participant ``participants[p]`` at rest."""

    def __init__(self, participants: range, segments: int, seed: int, card: ModelCard | None = None) -> None:
        from wearsdk.models import get_model_card

        card = card if card is not None else get_model_card("lead_vae_compact")
        self.participants, self.segments = participants, segments
        # the 12 leads in the simulator's units: the card's band-pass and rate, no window normalisation
        self.card = dataclasses.replace(
            card, preprocessing=dataclasses.replace(card.preprocessing, normalisation="none"))
        self.rows = [STANDARD_LEADS.index(c) for c in card.input_channels]
        self.cohort = Cohort(participants.stop, seed=seed)

    def __len__(self) -> int:
        return len(self.participants) * self.segments

    def subject_ids(self) -> list[str]:
        return [f"sim{self.participants[i // self.segments]}" for i in range(len(self))]

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor, str]:
        p, s = divmod(int(index), self.segments)
        pid = self.participants[p]
        x12, _ = model_window(self.cohort[pid], self.card, segment=s, channels=STANDARD_LEADS)
        x12 = torch.from_numpy(np.ascontiguousarray(x12))
        return x12[self.rows].clone(), x12, f"sim{pid}"


def build(config: TrainConfig, card: ModelCard) -> tuple[Dataset, Dataset]:
    """``(train, val)`` simulated datasets of a config for the model of ``card``."""
    d = config.data
    train_p = range(0, d.num_participants)
    val_p = range(d.num_participants, d.num_participants + d.val_participants)
    if card.task == "lead_reconstruction":
        return (SimLeads(train_p, d.segments_per_participant, config.seed, card),
                SimLeads(val_p, d.segments_per_participant, config.seed, card))
    return (SimWindows(train_p, d.segments_per_participant, card, config.seed, d.activities, d.ecg_leads, d.population),
            SimWindows(val_p, d.segments_per_participant, card, config.seed, d.activities, d.ecg_leads, d.population))
