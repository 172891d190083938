"""``wearsdk bench quant``: int8 (PT2E, XNNPACK scheme) vs fp32 of the same bundled compact model, on held-out
simulated data, side by side.

* encoders: mean cosine between int8 and fp32 embeddings (target >= 0.99), and every shipped head's score
  (AUROC, R^2, MAE) from int8 vs fp32 embeddings (target: within 0.01 absolute for the AUROC / R^2 of the heads
  with skill on these windows, :data:`SKILL`; a head without skill, e.g. a real-data age head on simulated
  participants, is listed in ``heads_without_skill``: its score's int8 gap measures noise, not the program);
* ``lead_vae_compact``: mean per-lead Pearson r of the 9 reconstructed leads, int8 vs fp32 (target: within 0.01).

The int8 program is the one ``wearsdk export`` builds: calibrated on its windows (``CALIBRATION_WINDOWS`` from
cohort seed ``CALIBRATION_SEED``; the encoders' across rest, walking, arm movement and running). It is evaluated
on other simulated participants (cohort seed ``seed + 1`` for the encoders, participants from 32 on of cohort
``seed`` for the VAE).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from wearsdk.errors import ConfigError
from wearsdk.models.card import ModelCard
from wearsdk.signal import STANDARD_LEADS

__all__ = ["bench_quant", "encoder_int8_agreement", "int8_model", "calibration_windows", "TARGETS", "SKILL"]

TARGETS = {"embedding_cosine_min": 0.99, "head_score_abs_diff_max": 0.01, "vae_r_abs_diff_max": 0.01}
#: A head has skill on the benchmark windows when its fp32 score reaches this (AUROC / R^2).
SKILL = {"_auroc": 0.6, "_r2": 0.1}


def int8_model(model: torch.nn.Module, calibration: torch.Tensor) -> Callable[[torch.Tensor], torch.Tensor]:
    """The int8 model (PT2E, XNNPACK scheme, calibrated on ``calibration (n, channels, samples)``) as a callable
    on ``(b, channels, samples)`` (the quantized graph runs one window at a time)."""
    from wearsdk.quant import int8_config_for, quantize, run_batched

    q = quantize(model.eval(), int8_config_for(model), example_inputs=(calibration[:1],), calibration=calibration)
    return lambda x: run_batched(q, x)


def calibration_windows(card: ModelCard) -> torch.Tensor:
    """The calibration windows of the int8 program ``wearsdk export`` builds for ``card``."""
    from wearsdk.quant import CALIBRATION_SEED, CALIBRATION_WINDOWS
    from wearsdk.sim import model_windows

    return torch.from_numpy(model_windows(card, CALIBRATION_WINDOWS, seed=CALIBRATION_SEED))


def encoder_int8_agreement(encoder: torch.nn.Module, heads: Any, calibration: torch.Tensor, x: np.ndarray,
                           labels: dict[str, np.ndarray], rest: np.ndarray) -> dict[str, Any]:
    """int8 vs fp32 of one encoder: embedding cosine and the head scores from both (see module docstring)."""
    from wearsdk.train.heads import embed, head_scores

    fp32 = embed(encoder, x)
    int8 = embed(int8_model(encoder, calibration), x)
    cos = np.sum(fp32 * int8, 1) / (np.linalg.norm(fp32, axis=1) * np.linalg.norm(int8, axis=1))
    s32, s8 = head_scores(heads, fp32, labels, rest), head_scores(heads, int8, labels, rest)
    scored = [k for k in s32 if k.endswith(tuple(SKILL))]
    skilled = [k for k in scored if s32[k] >= next(v for end, v in SKILL.items() if k.endswith(end))]
    if not skilled:
        raise ConfigError(f"no head of {encoder.card.name!r} has skill on the benchmark windows (fp32 scores "
                          f"{ {k: round(s32[k], 3) for k in scored} }, skill: {SKILL}); the int8 head gap would "
                          "measure noise. Check the heads' training data against these windows.")
    diffs = {k: abs(s8[k] - s32[k]) for k in skilled}
    return {
        "embedding_cosine_mean": float(cos.mean()),
        "embedding_cosine_min": float(cos.min()),
        "heads_fp32": s32,
        "heads_int8": s8,
        "heads_without_skill": [k for k in scored if k not in skilled],
        "skill": SKILL,
        "head_score_abs_diff_max": max(diffs.values()),
        "meets_targets": bool(cos.mean() >= TARGETS["embedding_cosine_min"]
                              and max(diffs.values()) <= TARGETS["head_score_abs_diff_max"]),
    }


def _bench_encoder(name: str, participants: int, seed: int) -> dict[str, Any]:
    from wearsdk.models import create_model, load_heads
    from wearsdk.sim import ACTIVITY_CYCLE
    from wearsdk.train.heads import in_activity, labelled_windows

    encoder = create_model(name, pretrained=True).eval()
    heads = load_heads(encoder.card)
    # the program wearsdk export builds (its calibration windows), on windows of other simulated participants
    calibration = calibration_windows(encoder.card)
    x, labels, _ = labelled_windows(encoder.card, range(participants), len(ACTIVITY_CYCLE),
                                    seed + 1, prevalence={"af": 0.3}, progress=False)
    agreement = encoder_int8_agreement(encoder, heads, calibration, x, labels, in_activity(len(x), "rest"))
    return {"model": name, "windows": len(x), **agreement}


def _bench_vae(name: str, participants: int, seed: int) -> dict[str, Any]:
    from wearsdk.models import create_model
    from wearsdk.train.metrics import reconstruction_metrics
    from wearsdk.train.sim_data import SimLeads

    vae = create_model(name, pretrained=True).eval()

    def normalised(ds: Any) -> tuple[torch.Tensor, torch.Tensor]:
        """The 12 leads normalised as the card says, and its input leads among them."""
        x12 = vae.card.preprocessing.normalise(torch.stack([ds[i][1] for i in range(len(ds))]))
        return x12[:, [STANDARD_LEADS.index(c) for c in vae.card.input_channels]].contiguous(), x12

    cal_in = calibration_windows(vae.card)
    x_in, x_12 = normalised(SimLeads(range(32, 32 + participants), 2, seed))
    c = vae.config
    with torch.no_grad():
        r32 = reconstruction_metrics(vae(x_in), x_12, c.out_leads, c.in_leads)
        r8 = reconstruction_metrics(int8_model(vae, cal_in)(x_in), x_12, c.out_leads, c.in_leads)
    diff = max(abs(r8["pearson_r"][k] - r32["pearson_r"][k]) for k in r32["pearson_r"])
    return {"model": name, "records": len(x_in), "mean_r_reconstructed_fp32": r32["mean_r_reconstructed"],
            "mean_r_reconstructed_int8": r8["mean_r_reconstructed"], "per_lead_r_abs_diff_max": diff,
            "meets_targets": bool(diff <= TARGETS["vae_r_abs_diff_max"])}


def bench_quant(model_name: str = "ppg_encoder_compact", *, participants: int = 24, seed: int = 11) -> dict[str, Any]:
    """int8 vs fp32 figures of a bundled compact model on ``participants`` held-out simulated participants."""
    from wearsdk.models import get_model_card, is_model, list_models

    bundled = [name for name in list_models() if get_model_card(name).weights_file is not None]
    if not is_model(model_name) or model_name not in bundled:
        raise ConfigError(f"bench quant compares a model with bundled weights, got {model_name!r}; expected one "
                          f"of {bundled}.")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        if get_model_card(model_name).task == "lead_reconstruction":
            out = _bench_vae(model_name, participants, seed)
        else:
            out = _bench_encoder(model_name, participants, seed)
    finally:
        torch.set_num_threads(threads)
    return {**out, "targets": TARGETS}
