"""Models: the registry, model cards, and the full (teacher) and compact (student) architectures.

>>> from wearsdk.models import create_model, list_models
>>> list_models("*_full")
['ecg_encoder_full', 'lead_vae_full', 'ppg_encoder_full']
>>> model = create_model("ppg_encoder_full")          # (batch, 4, 3840) at 64 Hz -> (batch, 256)
>>> model.card.sampling_rate_hz, model.card.window_samples
(64.0, 3840)

The model files below are imported here so that their ``@register_model`` builders are registered as soon as
``wearsdk.models`` is imported. Published weights are data: ``weights/<name>.pt`` and its
:class:`PretrainedRecord` ``weights/<name>.json``, written together by :func:`bundle` (``wearsdk bundle``).
"""

from __future__ import annotations

from wearsdk.models import encoder, lead_vae  # noqa: F401  (explicit registration of the model files)
from wearsdk.models._registry import (
    create_model,
    get_model_card,
    is_model,
    list_models,
    load_weights,
    model_from_checkpoint,
    register_model,
)
from wearsdk.models.card import ModelCard, Preprocessing
from wearsdk.models.deploy import deploy_form
from wearsdk.models.encoder import EfficientNet1d, EfficientNet1dXnnpack, EncoderConfig, ProjectionHead, count_params
from wearsdk.models.heads import HEADS, LinearHeads, load_heads
from wearsdk.models.lead_vae import INPUT_LEADS, STANDARD_LEADS, LeadVAE, LeadVAEConfig
from wearsdk.models.pretrained import PretrainedRecord, bundle, read_about, read_record

__all__ = [
    "register_model",
    "create_model",
    "list_models",
    "is_model",
    "get_model_card",
    "load_weights",
    "model_from_checkpoint",
    "ModelCard",
    "Preprocessing",
    "EncoderConfig",
    "EfficientNet1d",
    "EfficientNet1dXnnpack",
    "deploy_form",
    "ProjectionHead",
    "LeadVAEConfig",
    "LeadVAE",
    "STANDARD_LEADS",
    "INPUT_LEADS",
    "count_params",
    "HEADS",
    "LinearHeads",
    "load_heads",
    "PretrainedRecord",
    "read_record",
    "read_about",
    "bundle",
]
