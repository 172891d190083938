"""The training presets as data: recipe x preset -> dotted overrides of the :class:`~wearsdk.train.TrainConfig`
defaults (the keys :func:`wearsdk.train.config.apply_overrides` takes).

``tiny`` runs in about a minute on a laptop CPU on toy synthetic data (tests, smoke runs); ``cpu`` is a small
real run on the simulated cohort; ``real`` (``ecg_ssl``, ``ppg_ssl``, ``ecg_distill``) trains on real records plus
the simulator; ``full`` trains the full (teacher) models on GPUs. A distillation preset is the
base recipe's preset with the compact student, a shorter schedule and the student's data and loss terms below.
"""

from __future__ import annotations

from typing import Any

from wearsdk.signal import STANDARD_LEADS
from wearsdk.sim import ACTIVITY_CYCLE

__all__ = ["PRESET_TABLE"]

_SSL: dict[str, dict[str, Any]] = {
    "tiny": {"model_overrides": {"window_samples": 256}, "steps": 20, "global_batch": 8, "log_every": 5,
             "optim.lr": 1e-3, "optim.warmup_steps": 4,
             "data.num_participants": 24, "data.segments_per_participant": 3, "data.val_participants": 8},
    "cpu": {"steps": 2000, "global_batch": 64, "log_every": 20, "eval_every": 500, "ckpt_every": 500,
            "optim.lr": 1e-3, "optim.warmup_steps": 100,
            "data.source": "sim", "data.num_participants": 256, "data.segments_per_participant": 4,
            "data.val_participants": 128, "data.cache": True},
    "full": {"steps": 100_000, "global_batch": 256, "log_every": 50, "eval_every": 5000, "ckpt_every": 2000,
             "optim.lr": 1e-3, "optim.warmup_steps": 2000,
             "data.source": "sim", "data.num_participants": 20_000, "data.segments_per_participant": 16,
             "data.val_participants": 1000, "data.num_workers": 8},
}
# single-lead ECG has no channels to permute
_ECG = {"augment.p_channel_permutation": 0.0}

_VAE: dict[str, dict[str, Any]] = {
    "tiny": {"model": "lead_vae_compact", "model_overrides": {"window_samples": 256, "base_chs": 16, "latent_chs": 8},
             "steps": 20, "global_batch": 8, "log_every": 5, "optim.lr": 2e-3, "optim.warmup_steps": 4,
             "vae.kl_warmup_steps": 10,
             "data.num_participants": 24, "data.segments_per_participant": 2, "data.val_participants": 8},
    "cpu": {"model": "lead_vae_compact", "steps": 3000, "global_batch": 32, "log_every": 20, "eval_every": 500,
            "ckpt_every": 500, "optim.lr": 1e-3, "optim.warmup_steps": 100, "optim.weight_decay": 0.01,
            "vae.kl_warmup_steps": 1000,
            "data.source": "sim", "data.num_participants": 1000, "data.segments_per_participant": 2,
            "data.val_participants": 200},
    "full": {"model": "lead_vae_full", "steps": 50_000, "global_batch": 128, "log_every": 50, "eval_every": 2000,
             "ckpt_every": 2000, "optim.lr": 5e-4, "optim.warmup_steps": 1000, "optim.weight_decay": 0.01,
             "vae.kl_warmup_steps": 10_000,
             "data.source": "sim", "data.num_participants": 20_000, "data.segments_per_participant": 4,
             "data.val_participants": 1000, "data.num_workers": 8},
}

# Distillation schedules, over the base preset's.
_DISTILL: dict[str, dict[str, Any]] = {
    "tiny": {},
    "cpu": {"steps": 1000, "global_batch": 64, "eval_every": 250, "ckpt_every": 250,
            "optim.lr": 2e-3, "optim.warmup_steps": 50},
    "full": {"steps": 30_000},
}
# What the encoder students see on the simulator (cpu and full presets). The student learns every activity (the
# SSL teacher's positive pairs stay at rest: across rest and running they clustered by activity, participant
# retrieval 0). The ECG student also learns every lead, with every embedding dimension weighed alike: distilled
# on lead I by cosine + relational KL, its HR head was ~4x less accurate than its teacher's on MIT-BIH 100 (MLII);
# all 12 leads alone did not change that, the standardized term with them did (2026-11-29). The PPG student also
# sees device-like windows (one channel on all four inputs, a 16-32 Hz jittery clock) with its teacher's relative
# norms: on such simulated windows the teacher's norm falls ~20x, on a real 20 Hz smartwatch ~100x (its heads then
# return about their intercept), and a student matched by cosine alone read that watch 3x worse than it; with
# both, its real-record HR error came within 1.25x of the teacher's (2026-11-29).
_STUDENT_ON_SIM: dict[str, dict[str, Any]] = {
    "ppg": {"data.activities": ACTIVITY_CYCLE, "augment.p_channel_collapse": 0.25, "augment.p_low_rate": 0.25,
            "distill.lognorm_weight": 1.0},
    "ecg": {"data.activities": ACTIVITY_CYCLE, "data.ecg_leads": STANDARD_LEADS, "distill.standardized_weight": 1.0},
}

# Real single-lead ECG (issue 22): the training records of CinC 2017 and PTB-XL lead I with 1/4 simulated pairs
# (wearsdk.train.real.pretrain), the multi-task term on their labels and on three beat-interval features of
# ecg_peaks (ssl.beat_targets): ~1 h of one idle CPU core (compact encoder, ~1.1 s/step). One run each, settings
# fixed before training, never searched; real-suite probes (CinC 2017 AF, rhythm F1, PTB-XL abnormal, age r, sex):
#   800 steps (ecg_encoder_compact 0.2.0)        0.930 0.668 0.896 0.622 0.663
#   1,600 steps (0.3.0)                           0.951 0.700 0.891 0.660 0.707
#   3,200 steps (0.4.0)                           0.961 0.726 0.903 0.660 0.776
#   1,600 steps + beat targets (0.5.0)            0.976 0.739 0.890 0.657 0.737  (hand-crafted RR/HRV: AF 0.962)
#   3,200 steps + beat targets (0.6.0)            0.979 0.754 0.890 0.639 0.791
# (2026-12-03). The full teacher is this preset with --set model=ecg_encoder_full (2.58 M parameters): a step of 32
# pairs takes ~4.5 s forward + backward on both cores (plus the momentum encoder's forward), so 1,600 steps need
# ~2.5-3 h of an idle 2-core machine, more than a session; run it where it can finish (a GPU, or --stop-at-step
# slices resumed with --resume in the same run folder).
_REAL_ECG_WINDOWS: dict[str, Any] = {
    **_SSL["cpu"], **_ECG, "model": "ecg_encoder_compact", "log_every": 10, "eval_every": 200, "ckpt_every": 50,
    "data.source": "real_ecg", "data.root": "../shared/data/real", "data.real_fraction": 0.75,
}
_REAL_ECG: dict[str, Any] = {
    **_REAL_ECG_WINDOWS, "steps": 3200, "global_batch": 32, "optim.lr": 2e-3, "ssl.supervised_weight": 1.0,
    "ssl.beat_targets": True,
}

# Distilling the compact ECG student from the full teacher trained with the `real` preset above (issue 22): the
# same real windows and simulated quarter, the embedding terms of the simulator students (every dimension weighed
# alike), no label terms (the student learns them from the teacher's embedding). ~4.3 s/step at batch 64 on one
# core beside other jobs, so 1,000 steps take ~1 h (measured on 6 steps, 2026-12-03).
_REAL_ECG_DISTILL: dict[str, Any] = {
    **_REAL_ECG_WINDOWS, **_DISTILL["cpu"], "ckpt_every": 50, "distill.standardized_weight": 1.0,
}

# Real PPG (issue 23): PPG-BP's training subjects as pulse trains, 1/4 of the pairs, with the multi-task term on age,
# sex, BMI, systolic BP and HR; the rest from the wide simulated population (40-180 bpm, ages 18-90, finger and
# wrist, randomised devices) at rest, with one channel on all inputs and slow jittery clocks as real single-sensor
# devices give, in every activity; the simulated windows also teach their true HR (data.sim_targets). Positive pairs
# across activities (a participant at rest and running) did not train: InfoNCE stayed above chance (6.7-7.8 at step
# 700 of 800, chance ln 64 = 4.2) where rest-only pairs reached 0.7 by step 170, so pairs stay within one activity.
# Rest-only, without simulated HR targets, the linear HR head read the wide population 24 bpm off (46 bpm at
# 150-180 bpm) and real devices 15.6 bpm off (2026-12-02). ppg_mw4 and the device recordings stay out of training:
# they are what the suite reports.
_REAL_PPG: dict[str, Any] = {
    **_SSL["cpu"], "model": "ppg_encoder_compact", "steps": 800, "global_batch": 32, "optim.lr": 2e-3,
    "log_every": 10, "eval_every": 200, "ckpt_every": 50, "data.source": "real_ppg", "data.root": "../shared/data/real",
    "data.real_fraction": 0.25, "ssl.supervised_weight": 1.0, "data.population": "wide",
    "data.activities": ACTIVITY_CYCLE, "data.segments_per_participant": 8, "data.sim_targets": True,
    "augment.p_channel_collapse": 0.25, "augment.p_low_rate": 0.25,
}

#: recipe -> preset -> dotted overrides of the TrainConfig defaults (``"model"`` names the model trained).
PRESET_TABLE: dict[str, dict[str, dict[str, Any]]] = {
    "ppg_ssl": {**{p: {"model": f"ppg_encoder_{'full' if p == 'full' else 'compact'}", **o} for p, o in _SSL.items()},
                "real": _REAL_PPG},
    "ecg_ssl": {**{p: {"model": f"ecg_encoder_{'full' if p == 'full' else 'compact'}", **o, **_ECG}
                   for p, o in _SSL.items()}, "real": _REAL_ECG},
    "lead_vae": _VAE,
    "ppg_distill": {p: {**_SSL[p], **_DISTILL[p], "model": "ppg_encoder_compact",
                        **(_STUDENT_ON_SIM["ppg"] if p != "tiny" else {})} for p in _SSL},
    "ecg_distill": {**{p: {**_SSL[p], **_ECG, **_DISTILL[p], "model": "ecg_encoder_compact",
                           **(_STUDENT_ON_SIM["ecg"] if p != "tiny" else {})} for p in _SSL},
                    "real": _REAL_ECG_DISTILL},
    "lead_vae_distill": {p: {**_VAE[p], **_DISTILL[p], "model": "lead_vae_compact"} for p in _VAE},
}
