"""``wearsdk demo``: a simulated participant's watch and chest patch streamed through the SDK.

What runs, end to end, on the same code a device would run:

- the watch's 4-channel PPG (64 Hz) and on-demand lead-I ECG (512 Hz) arrive as timestamped packets
  (``wearsdk.sim.Device``, with optional drops and jitter) and go through :class:`wearsdk.stream.StreamingSession`
  (C++ causal preprocessing, ring-buffer windows, fault reports, latency);
- each stream feeds two sessions on the same packets:

  - heart rate from the reference beat detectors (:func:`wearsdk.ppg_peaks`, :func:`wearsdk.ecg_peaks`) on
    10 s windows every 2 s; the watch's accelerometer (64 Hz packets) goes through a third session, the wrist's
    motion over the same windows (:func:`wearsdk.peaks.wrist_motion`), and a PPG window whose beat rate follows
    the arm swing while the wrist moves is flagged ``motion_locked`` (:func:`wearsdk.peaks.follows_motion`);
  - the bundled compact encoder's **int8 ExecuTorch artifact** (``ppg_encoder_compact``: 60 s of 4-channel PPG
    at 64 Hz; ``ecg_encoder_compact``: 30 s of lead I at 128 Hz; one window every 10 s, preprocessed as the
    model card says), whose 256-d embedding goes through the linear heads bundled with the weights (on the host):
    head HR, AF probability and signal-quality probability;

  both are compared with the simulator's truth (HR, rhythm, activity) per window;
- the chest patch's leads II, V1, V5 (500 Hz packets) are turned into 12 leads by
  :func:`wearsdk.reconstruct_12lead` (the bundled compact VAE), every complete 10 s window of the stream (windows
  with lost packets are skipped and counted), and compared with the simulator's 12 leads (per-lead Pearson r, mean
  over the windows, and a figure of the last window in the standard layout);
- the run ends with its comparisons against the targets, printed and stored (``summary["comparisons"]``):
  heart-rate MAE vs truth at rest (target <= 3 bpm) and with motion, per activity; the heads' AF probability on
  this participant vs a contrasting one (an AF participant for a sinus run, a sinus one for an AF run: same index,
  same motion and duration, at most 120 s); the 12-lead mean r vs the VAE's validated figure, with a tolerance of
  ``TOLERANCE_SDS`` participant-to-participant SDs measured on simulated participants (:data:`SIM_COHORT_12LEAD`).

The package: :mod:`~wearsdk.demo.scenario` (what is simulated: options, participant, devices, truth per window),
:mod:`~wearsdk.demo.runners` (the streams through sessions and artifacts), :mod:`~wearsdk.demo.report` (summary,
verdicts), :mod:`~wearsdk.demo.figure` (the figures); :func:`run_demo` here ties them together.

The int8 artifacts are exported from the bundled weights on first use (no network) into the artifact cache
(:class:`wearsdk.runtime.ArtifactCache`, default :func:`wearsdk.runtime.cache.default_cache_dir`) and reused on
later runs after :func:`wearsdk.runtime.load` has verified every file against its manifest. An encoder without
bundled weights is not run, and the demo says so on screen and in the summary; everything else still runs.
"""

from __future__ import annotations

import json
import time
from typing import Any

import numpy as np

from wearsdk.demo.figure import demo_figure, twelve_lead_figure
from wearsdk.demo.report import (
    HR_REST_TARGET_BPM,
    SIM_COHORT_12LEAD,
    TOLERANCE_SDS,
    af_vs_sinus,
    comparison_lines,
    summarise_encoders,
    summarise_streams,
    twelve_lead_summary,
)
from wearsdk.demo.runners import (
    EncoderArtifact,
    contrast_af_probs,
    encoder_artifact,
    load_encoders,
    notice,
    stream_watch,
    twelve_lead_windows,
)
from wearsdk.demo.scenario import CONTRAST_MAX_S, ENCODERS, DemoConfig, contrast_participant, participant, patch, watch
from wearsdk.sim import Truth

__all__ = ["DemoConfig", "run_demo", "EncoderArtifact", "encoder_artifact", "ENCODERS", "twelve_lead_windows",
           "comparison_lines", "SIM_COHORT_12LEAD", "TOLERANCE_SDS", "HR_REST_TARGET_BPM"]


def run_demo(cfg: DemoConfig, *, progress: bool = True) -> dict[str, Any]:
    """Runs the demo; returns the JSON summary (also written to ``cfg.out/summary.json`` with the figures).

    Notices (exporting on first run, an encoder that is not run) go to stderr even without ``progress``."""
    began = time.monotonic()
    encoders = load_encoders(cfg.cache_dir, notice)
    person = participant(cfg)
    device = watch(person, cfg, seed=cfg.seed)
    truth = device.recording(cfg.duration_s).truth
    run = stream_watch(cfg, device, truth, encoders, progress=progress)
    summary = summarise_streams(cfg, run, person)
    summary["encoders"] = summarise_encoders(cfg, encoders, run)
    summary["af_vs_sinus"] = _af_vs_sinus(cfg, encoders, run.encoder_rows, truth)
    twelve = twelve_lead_windows(patch(person, cfg, seed=cfg.seed + 1), cfg.duration_s)
    summary["twelve_lead"] = twelve_lead_summary(twelve)
    summary["comparisons"] = comparison_lines(summary)
    if progress:
        print("\n".join(["comparisons with the simulator's truth and the validated figures:", *(
            f"  {line}" for line in summary["comparisons"])]), flush=True)
    summary["wall_s"] = round(time.monotonic() - began, 2)  # exporting on a first run included
    if cfg.out is not None:
        cfg.out.mkdir(parents=True, exist_ok=True)
        (cfg.out / "summary.json").write_text(json.dumps(
            {"summary": summary, "windows": run.rows, "encoder_windows": run.encoder_rows}, indent=2,
            default=float) + "\n")
        demo_figure(cfg, truth, run, summary, cfg.out / "demo.png")
        if twelve["reconstructed"] is not None:
            twelve_lead_figure(twelve, cfg.out / "demo_12lead.png")
    return summary


def _af_vs_sinus(cfg: DemoConfig, encoders: dict[str, EncoderArtifact | str], encoder_rows: list[dict[str, Any]],
                 truth: Truth) -> dict[str, Any]:
    """The heads' AF probability on this participant's windows next to a contrasting participant's (same index,
    the other rhythm, same motion and transport, ``min(duration, CONTRAST_MAX_S)`` s), windows labelled by truth."""
    this_af = bool(np.mean(truth.rhythm_per_s == "AF") > 0.5)
    seconds = min(cfg.duration_s, CONTRAST_MAX_S)
    header = {"this_participant": "AF" if this_af else "sinus",
              "contrast": {"participant": cfg.participant, "condition": "none" if this_af else "af",
                           "duration_s": seconds, "motion": cfg.motion}}
    runnable = {s: e for s, e in encoders.items() if isinstance(e, EncoderArtifact)}
    if not runnable:
        return af_vs_sinus(header, runnable, encoder_rows, {})
    other = watch(contrast_participant(cfg, this_af), cfg, seed=cfg.seed + 2)
    return af_vs_sinus(header, runnable, encoder_rows, contrast_af_probs(other, seconds, runnable))
