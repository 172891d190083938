"""What the demo simulates: its options, the participant and their devices, and the simulator's truth per window."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from wearsdk._paths import output_folder
from wearsdk.errors import ConfigError
from wearsdk.sim import Cohort, Device, Participant, Truth

__all__ = ["DemoConfig", "ENCODERS", "LEAD_VAE", "MOTION", "WINDOW_S", "HOP_S", "EMBED_HOP_S", "CONTRAST_MAX_S",
           "participant", "contrast_participant", "watch", "patch", "window_truth", "episode"]

WINDOW_S, HOP_S = 10.0, 2.0  # beat-detector heart rate: 10 s windows every 2 s
EMBED_HOP_S = 10.0  # encoder windows (the card's window: PPG 60 s, ECG 30 s) every 10 s
#: ``--motion`` -> the simulator's activity.
MOTION = {"none": "rest", "low": "arm", "high": "run", "mixed": "mixed"}
#: The compact encoder run on each watch stream (stream name = the card's modality).
ENCODERS = {"ppg": "ppg_encoder_compact", "ecg": "ecg_encoder_compact"}
#: The bundled lead VAE that turns the chest patch's leads into 12.
LEAD_VAE = "lead_vae_compact"
CONTRAST_MAX_S = 120.0  # the AF-vs-sinus contrast participant is streamed for min(duration, this)


@dataclass(frozen=True)
class DemoConfig:
    """Options of the demo (``wearsdk demo --help``).

    Attributes:
        duration_s: seconds of stream, in [20, 3600].
        participant, condition, motion, seed: who is simulated (``condition`` forced, e.g. ``"af"``) and what they
            do (a key of :data:`MOTION`).
        drop_rate, jitter_ms: transport faults: fraction of packets lost, timestamp jitter SD (ms).
        realtime: pace the packets in real time.
        out: folder for ``summary.json`` and the figures (None: nothing written).
        cache_dir: folder of the exported int8 artifacts (default :func:`wearsdk.runtime.cache.default_cache_dir`).
    """

    duration_s: float = 120.0
    participant: int = 0
    condition: str | None = None
    motion: str = "none"
    drop_rate: float = 0.0
    jitter_ms: float = 0.0
    realtime: bool = False
    seed: int = 0
    out: Path | None = None
    cache_dir: Path | None = None

    def __post_init__(self) -> None:
        if not 2 * WINDOW_S <= self.duration_s <= 3600:
            raise ConfigError(f"duration_s must be in [{2 * WINDOW_S:g}, 3600] s, got {self.duration_s}: expected "
                              f"at least two {WINDOW_S:g} s heart-rate windows of stream (--duration).")
        if self.motion not in MOTION:
            raise ConfigError(f"motion must be one of {sorted(MOTION)}, got {self.motion!r}.")
        if self.participant < 0:
            raise ConfigError(f"participant must be >= 0, got {self.participant}.")
        for name, path, use in (("out", self.out, "summary and figures"), ("cache_dir", self.cache_dir,
                                                                           "exported artifacts")):
            if path is not None:
                output_folder(path, what=name, use=f"a folder (created when missing) for the {use}", create=False)


def participant(cfg: DemoConfig) -> Participant:
    """The simulated participant: index ``cfg.participant`` of the seed's cohort (with ``cfg.condition`` forced)."""
    if cfg.condition is None:
        return Cohort(cfg.participant + 1, seed=cfg.seed)[cfg.participant]
    return Cohort(cfg.participant + 64, seed=cfg.seed, prevalence={cfg.condition: 1.0})[cfg.participant]


def contrast_participant(cfg: DemoConfig, this_af: bool) -> Participant:
    """The same participant index with the other rhythm: without any condition for an AF run, with AF for a
    sinus one."""
    if this_af:
        return Cohort(cfg.participant + 1, seed=cfg.seed, prevalence={})[cfg.participant]
    return participant(DemoConfig(participant=cfg.participant, condition="af", seed=cfg.seed))


def watch(person: Participant, cfg: DemoConfig, *, seed: int) -> Device:
    """The participant's watch (PPG, accelerometer, lead-I ECG) with the run's transport faults and activity."""
    return Device("watch", person, ecg=True, drop_rate=cfg.drop_rate, jitter_ms=cfg.jitter_ms, seed=seed,
                  activity=MOTION[cfg.motion])


def patch(person: Participant, cfg: DemoConfig, *, seed: int) -> Device:
    """The participant's chest patch (leads II, V1, V5) with the run's transport faults and activity."""
    return Device("patch", person, drop_rate=cfg.drop_rate, jitter_ms=cfg.jitter_ms, seed=seed,
                  activity=MOTION[cfg.motion])


def window_truth(truth: Truth, t_start: float, seconds: float) -> dict[str, Any]:
    """The simulator's truth over a window's whole seconds, labelled as the heads
    were trained: mean HR (bpm), AF when most seconds are AF, good quality when the activity stays low."""
    s0 = max(0, int(round(t_start)))
    sl = slice(s0, min(s0 + int(round(seconds)), len(truth.hr_per_s)))
    rhythm = truth.rhythm_per_s[sl]
    return {"true_hr_bpm": float(np.nanmean(truth.hr_per_s[sl])), "true_af": bool(np.mean(rhythm == "AF") > 0.5),
            "true_quality": bool(np.mean(truth.activity_per_s[sl]) <= 0.2),
            "rhythm": ",".join(sorted({str(r) for r in rhythm}))}


def episode(truth: Truth, t_start: float, t_end: float) -> str:
    """The activity episode (``truth.activity_plan`` name) covering most of ``[t_start, t_end]`` s."""
    overlap: dict[str, float] = {}
    for a, b, name in truth.activity_plan:
        overlap[name] = overlap.get(name, 0.0) + max(0.0, min(b, t_end) - max(a, t_start))
    return max(overlap, key=overlap.get) if overlap else "rest"
