"""Linear heads on frozen embeddings at run time: heart rate, AF probability, signal quality and traits.

This module is what a head *is* and how it is read: the head names and their meaning (:data:`HEADS`), the
:class:`LinearHeads` read-out and :func:`load_heads`. How heads are *made* (simulated labelled windows, fitting,
held-out scores) lives in :mod:`wearsdk.train.heads`, which builds on this one; the split keeps numpy fitting and
the simulator out of the inference path (data flows down: train imports models, never the reverse).

The heads ship inside an encoder's published weights file (key ``"heads"``, covered by the same sha256) and
run on the host from the 256-d embedding that any runtime returns (eager, ExecuTorch, CoreML):

>>> encoder = create_model("ppg_encoder_compact", pretrained=True)     # doctest: +SKIP
>>> heads = load_heads(encoder.card)                                   # doctest: +SKIP
>>> heads.predict(encoder(x))          # {"hr_bpm": (b,), "af_prob": (b,), "quality_prob": (b,), ...}
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from wearsdk.errors import CheckpointError, ShapeError
from wearsdk.models._registry import read_checkpoint, verified_bundle
from wearsdk.models.card import ModelCard

__all__ = ["HEADS", "HeadSpec", "LinearHeads", "load_heads", "QUALITY_MAX_ACTIVITY"]

#: A window is usable (``quality_prob`` truth 1) when its mean activity intensity is at most this (0-1 scale).
QUALITY_MAX_ACTIVITY = 0.2


@dataclass(frozen=True)
class HeadSpec:
    """One head: ``kind`` is ``"regression"`` (value in ``unit``) or ``"probability"`` (sigmoid of a logit)."""

    kind: str
    unit: str
    meaning: str

    @property
    def is_probability(self) -> bool:
        """Whether the head outputs a probability (sigmoid of a logit; fitted as a classifier)."""
        return self.kind == "probability"


#: The heads an encoder may carry, with their meaning (ground truth: the simulator or real labels, per window; the
#: card's ``training_data`` says which).
HEADS: dict[str, HeadSpec] = {
    "hr_bpm": HeadSpec("regression", "bpm", "mean heart rate over the window"),
    "af_prob": HeadSpec("probability", "1", "probability that the window is in atrial fibrillation"),
    "normal_rhythm_prob": HeadSpec("probability", "1", "probability that the window is in normal sinus rhythm"),
    "other_rhythm_prob": HeadSpec("probability", "1",
                                  "probability that the window holds another rhythm (not sinus, not AF)"),
    "quality_prob": HeadSpec(
        "probability", "1",
        f"probability that the window is usable (little motion: activity intensity <= {QUALITY_MAX_ACTIVITY})"
    ),
    "age_years": HeadSpec("regression", "years", "participant age"),
    "bmi": HeadSpec("regression", "kg/m^2", "participant body-mass index"),
    "sex_male_prob": HeadSpec("probability", "1", "probability that the participant is male"),
}


class LinearHeads(nn.Module):
    """``(batch, embed_dim)`` embeddings -> ``(batch, len(names))``: one linear read-out per head, probabilities
    (sigmoid) for the ``"probability"`` heads. Standardisation of the embedding is folded into the weights."""

    def __init__(self, names: tuple[str, ...], weight: torch.Tensor, bias: torch.Tensor) -> None:
        super().__init__()
        unknown = [n for n in names if n not in HEADS]
        if unknown:
            raise CheckpointError(f"unknown head(s) {unknown}; expected names from {list(HEADS)}.")
        if weight.ndim != 2 or weight.shape[0] != len(names) or bias.shape != (len(names),):
            raise ShapeError(
                f"LinearHeads: weight {tuple(weight.shape)} and bias {tuple(bias.shape)} do not fit {len(names)} heads."
            )
        self.names = tuple(names)
        self.register_buffer("weight", weight.float())
        self.register_buffer("bias", bias.float())
        self.register_buffer("is_prob", torch.tensor([HEADS[n].is_probability for n in names]))

    @property
    def embed_dim(self) -> int:
        return int(self.weight.shape[1])

    def forward(self, embedding: torch.Tensor) -> torch.Tensor:
        if embedding.ndim != 2 or embedding.shape[1] != self.embed_dim or embedding.shape[0] == 0:
            raise ShapeError(
                f"LinearHeads: expected embeddings (batch, {self.embed_dim}) of at least one window, got "
                f"{tuple(embedding.shape)}."
            )
        out = embedding.float() @ self.weight.t() + self.bias
        return torch.where(self.is_prob, torch.sigmoid(out), out)

    @torch.no_grad()
    def predict(self, embedding: torch.Tensor | np.ndarray) -> dict[str, np.ndarray]:
        """Head name -> ``(batch,)`` values (units in :data:`HEADS`) for ``(batch, embed_dim)`` or ``(embed_dim,)``."""
        e = torch.as_tensor(np.asarray(embedding, np.float32))
        out = self(e.reshape(-1, e.shape[-1])).numpy()
        return {n: out[:, i] for i, n in enumerate(self.names)}

    def to_payload(self) -> dict[str, Any]:
        """What goes under ``"heads"`` in a weights file."""
        return {"names": list(self.names), "weight": self.weight.clone(), "bias": self.bias.clone()}

    @classmethod
    def from_payload(cls, payload: Any) -> LinearHeads:
        if not isinstance(payload, dict) or not {"names", "weight", "bias"} <= set(payload):
            raise CheckpointError("the weights file holds no usable 'heads' entry (names, weight, bias).")
        return cls(tuple(payload["names"]), payload["weight"], payload["bias"])


def load_heads(card: ModelCard, weights_dir: str | Path | None = None) -> LinearHeads:
    """The heads published with a model card's weights (sha256-verified like the weights themselves), from
    ``weights_dir`` (default: the package's ``wearsdk/models/weights``).

    Raises :class:`CheckpointError` for a model without published weights or whose weights carry no heads, and
    :class:`~wearsdk.ArtifactIntegrityError` for a modified file."""
    path = verified_bundle(card, weights_dir)
    blob = read_checkpoint(path)
    if not isinstance(blob, dict) or "heads" not in blob:
        raise CheckpointError(f"the published weights {str(path)!r} of {card.name!r} carry no linear heads; "
                              "expected an encoder bundled with heads ('wearsdk bundle --fit-heads').")
    return LinearHeads.from_payload(blob["heads"])
