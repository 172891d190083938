"""The demo's streams through the SDK: the watch's packets through :class:`~wearsdk.stream.StreamingSession`\\ s
(beat-detector heart rate, wrist motion, the int8 encoder artifacts with their heads), the contrasting participant's
AF probabilities, and the chest patch's complete windows through :func:`wearsdk.reconstruct_12lead`."""

from __future__ import annotations

import dataclasses
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from wearsdk.demo.scenario import EMBED_HOP_S, ENCODERS, HOP_S, LEAD_VAE, WINDOW_S, DemoConfig, episode, window_truth
from wearsdk.errors import CheckpointError
from wearsdk.models import LinearHeads, ModelCard, get_model_card, load_heads
from wearsdk.peaks import WristMotion, ecg_peaks, follows_motion, heart_rate, ppg_peaks, wrist_motion
from wearsdk.runtime import Artifact, ArtifactCache
from wearsdk.signal import PATCH_LEADS, STANDARD_LEADS, PreprocessSpec
from wearsdk.sim import Device, Truth
from wearsdk.stream import StreamingSession

__all__ = ["EncoderArtifact", "encoder_artifact", "load_encoders", "WatchRun", "stream_watch", "contrast_af_probs",
           "twelve_lead_windows", "notice", "AF_THRESHOLD", "QUALITY_THRESHOLD"]

AF_THRESHOLD = 0.5  # af_prob above: the window is flagged AF
QUALITY_THRESHOLD = 0.5  # quality_prob below: the window is flagged low quality
JITTER_S = 0.02  # timestamp jitter every session tolerates
#: The reference beat detector of each modality and the window normalisation it reads (PPG in SD units, ECG in mV).
_DETECTORS: dict[str, tuple[Callable[..., np.ndarray], str]] = {"ppg": (ppg_peaks, "zscore"),
                                                                "ecg": (ecg_peaks, "none")}


def notice(message: str) -> None:
    """Notices that must be seen even with ``--quiet`` (exporting, encoders not run): stderr."""
    print(message, file=sys.stderr, flush=True)


@dataclass(frozen=True)
class EncoderArtifact:
    """A bundled compact encoder as the demo runs it: its verified int8 ExecuTorch artifact (window program,
    ``(1, channels, window_samples)`` float32 -> ``(1, 256)``) and the linear heads bundled with its weights."""

    name: str
    card: ModelCard
    artifact: Artifact
    heads: LinearHeads
    exported: bool  # exported by this run (else reused from the cache)

    @property
    def pte(self) -> Path:
        return self.artifact.folder / next(f for f in self.artifact.manifest["files"] if f.endswith(".pte"))

    def __call__(self, x: torch.Tensor) -> np.ndarray:
        """``(1, channels, window_samples)`` model input -> ``(256,)`` embedding."""
        return self.artifact(x)[0][0].numpy()

    def info(self) -> dict[str, Any]:
        """Which artifact ran: file, sha256 prefix, backend, precision, where it is cached, and its parity."""
        manifest = self.artifact.manifest
        meta = manifest["files"][self.pte.name]
        return {"model": self.name, "file": self.pte.name, "sha256": meta["sha256"][:12],
                "backend": manifest["backend"], "precision": manifest["precision"], "bytes": meta["bytes"],
                "weights_sha256": self.card.weights_sha256[:12], "cache": str(self.artifact.folder),
                "exported_this_run": self.exported,
                "parity_cosine_vs_fp32": manifest.get("parity", {}).get("cosine_mean")}


def _export(name: str, out: Path, **options: Any) -> Path:
    """The artifact cache's exporter (imported on a miss only: exporting pulls in the build-time toolchain)."""
    from wearsdk.export import export_model

    return export_model(name, out, **options)


def encoder_artifact(name: str, cache_dir: str | Path | None = None, *, calibration: int | None = None,
                     say: Callable[[str], None] = notice) -> EncoderArtifact:
    """The int8 ExecuTorch artifact of the bundled encoder ``name`` and its heads, from the artifact cache
    (:class:`wearsdk.runtime.ArtifactCache` in ``cache_dir``): exported from the bundled weights on first use
    (offline; ``calibration`` simulated windows, default the exporter's) and reused once verified.

    Raises :class:`~wearsdk.errors.CheckpointError` when ``name`` has no bundled weights (or they carry no heads),
    and :class:`~wearsdk.errors.ArtifactIntegrityError` when the bundled weights file was modified.
    """
    card = get_model_card(name)
    heads = load_heads(card)
    cache = ArtifactCache(cache_dir, exporter=_export, say=say)
    artifact = cache.get(name, backend="executorch", precision="int8", calibration=calibration)
    return EncoderArtifact(name, card, artifact, heads, exported=artifact.folder in cache.exported)


def load_encoders(cache_dir: Path | None, say: Callable[[str], None]) -> dict[str, EncoderArtifact | str]:
    """Stream -> its encoder artifact, or why it is not run (said loudly)."""
    out: dict[str, EncoderArtifact | str] = {}
    for stream, name in ENCODERS.items():
        try:
            out[stream] = encoder_artifact(name, cache_dir, say=say)
        except CheckpointError as exc:
            out[stream] = str(exc).split("; ")[0]  # what is missing, without the advice meant for training
            say(f"\n!! ENCODER NOT RUN: {out[stream]}\n!! No AF probability, quality probability or head HR for "
                f"the {stream.upper()} stream; its heart rate comes from the beat detector only.\n")
    return out


class _HeartRate:
    """The per-window "model" of the beat-detector sessions: heart rate (bpm) of the window's first channel."""

    def __init__(self, detect: Callable[..., np.ndarray], rate: float):
        self.detect, self.rate = detect, rate

    def __call__(self, x: torch.Tensor) -> float:
        peaks = self.detect(x[0, 0].numpy(), sampling_rate=self.rate)
        hr = heart_rate(peaks, sampling_rate=self.rate)
        return float(np.median(hr)) if len(hr) else float("nan")


class _Motion:
    """The per-window "model" of the accelerometer session: the wrist's motion over the whole window."""

    def __init__(self, rate: float):
        self.rate = rate

    def __call__(self, x: torch.Tensor) -> WristMotion:
        return wrist_motion(x[0].numpy(), sampling_rate=self.rate, window_s=x.shape[-1] / self.rate)


def beat_session(card: ModelCard, rate: float, channels: int) -> StreamingSession:
    """Beat-detector heart rate on ``WINDOW_S`` windows every ``HOP_S`` of a stream at ``rate`` Hz, band-passed
    and resampled as the stream's encoder card says (the detector of the card's modality, on its normalisation)."""
    detect, norm = _DETECTORS[card.modality]
    spec = dataclasses.replace(card.preprocess_spec(rate), norm=norm)
    out_rate = card.sampling_rate_hz
    return StreamingSession(_HeartRate(detect, out_rate), spec=spec, window=int(WINDOW_S * out_rate),
                            hop=int(HOP_S * out_rate), channels=channels, jitter_s=JITTER_S)


def embedding_session(encoder: EncoderArtifact, rate: float) -> StreamingSession:
    """The encoder's window (PPG 60 s, ECG 30 s) every ``EMBED_HOP_S``, preprocessed as its card says."""
    card = encoder.card
    return StreamingSession.from_card(encoder, card, input_rate=rate,
                                      hop=int(round(EMBED_HOP_S * card.sampling_rate_hz)), jitter_s=JITTER_S)


def motion_session(rate: float, channels: int) -> StreamingSession:
    """Raw g (no filter, no normalisation) in the beat sessions' windows: ``WINDOW_S`` every ``HOP_S``."""
    spec = PreprocessSpec(sampling_rate=rate, low=None, high=None, norm="none")
    return StreamingSession(_Motion(rate), spec=spec, window=int(round(WINDOW_S * rate)),
                            hop=int(round(HOP_S * rate)), channels=channels, jitter_s=JITTER_S)


class _MotionMatch:
    """Pairs each PPG beat window with the accelerometer window that ends at the same time (the two streams'
    packets interleave, so either may come first) and hands the completed row to ``ready``. A row whose
    accelerometer window will not come (lost packets, end of stream) gets NaN motion and no flag."""

    def __init__(self, ready: Callable[[dict[str, Any]], None]):
        self.ready = ready
        self.motions: list[tuple[float, WristMotion]] = []  # recent accelerometer windows: (t_end, motion)
        self.pending: list[dict[str, Any]] = []

    def motion(self, t_end: float, motion: WristMotion) -> None:
        self.motions = (self.motions + [(t_end, motion)])[-8:]
        self._match()

    def row(self, row: dict[str, Any]) -> None:
        self.pending.append(row)
        self._match()

    def flush(self) -> None:
        for row in self.pending:
            self._complete(row, None)
        self.pending = []

    def _match(self) -> None:
        newest = self.motions[-1][0] if self.motions else -np.inf
        for row in list(self.pending):
            hit = next((m for t, m in self.motions if abs(t - row["t_end_s"]) < HOP_S / 2), None)
            if hit is not None or newest > row["t_end_s"] + HOP_S:
                self.pending.remove(row)
                self._complete(row, hit)

    def _complete(self, row: dict[str, Any], m: WristMotion | None) -> None:
        if m is None:
            row.update(motion_g=float("nan"), motion_hz=float("nan"), motion_locked=False)
        else:
            row.update(motion_g=float(m.rms_g[0]), motion_hz=float(m.frequency_hz[0]),
                       motion_locked=bool(follows_motion(np.array([row["hr_bpm"]]), m)[0]))
        self.ready(row)


@dataclass
class WatchRun:
    """What streaming the watch produced: beat rows (one per heart-rate window), encoder rows (one per encoder
    window), the sessions (for their statistics) and the raw packets per stream (for the figure)."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    encoder_rows: list[dict[str, Any]] = field(default_factory=list)
    sessions: dict[str, StreamingSession] = field(default_factory=dict)
    embedders: dict[str, StreamingSession] = field(default_factory=dict)
    raw: dict[str, list[np.ndarray]] = field(default_factory=lambda: {s: [] for s in ENCODERS})
    rates: dict[str, float] = field(default_factory=dict)  # raw packet rate per stream, Hz


def stream_watch(cfg: DemoConfig, device: Device, truth: Truth, encoders: dict[str, EncoderArtifact | str], *,
                 progress: bool) -> WatchRun:
    """Streams ``cfg.duration_s`` of the watch's packets through the sessions (live view when ``progress``)."""
    from tqdm import tqdm

    run = WatchRun()
    latest_hr: dict[str, float] = {}
    motion: StreamingSession | None = None
    start = time.monotonic()
    bar = tqdm(device.packets(cfg.duration_s), desc="streaming", unit="pkt", disable=not progress, leave=False)

    def show(row: dict[str, Any]) -> None:
        if progress:
            flags = ",".join([k for k in ("saturated", "flatline", "motion_locked") if row.get(k)] + row["events"])
            bar.write(f"t={row['t_end_s']:6.1f}s {row['stream']:>3}  HR {row['hr_bpm']:5.1f} bpm (truth "
                      f"{row['true_hr_bpm']:5.1f})  rhythm {row['rhythm']}  latency {row['latency_ms']:6.1f} ms  "
                      f"{flags or 'ok'}")

    with_motion = _MotionMatch(show)
    for packet in bar:
        if cfg.realtime:
            time.sleep(max(0.0, packet.arrival - (time.monotonic() - start)))
        stream = packet.stream
        if stream == "acc":
            motion = motion or motion_session(packet.sampling_rate, packet.data.shape[0])
            for r in motion.push(packet.data, packet.timestamp):
                with_motion.motion(r.t_end, r.output)
            continue
        if stream not in run.raw:
            continue
        run.raw[stream].append(packet.data)
        run.rates[stream] = packet.sampling_rate
        if stream not in run.sessions:
            run.sessions[stream] = beat_session(get_model_card(ENCODERS[stream]), packet.sampling_rate,
                                                packet.data.shape[0])
            if isinstance(encoders[stream], EncoderArtifact):
                run.embedders[stream] = embedding_session(encoders[stream], packet.sampling_rate)
        for r in run.sessions[stream].push(packet.data, packet.timestamp):
            second = min(int(r.t_end), len(truth.hr_per_s) - 1)
            true_hr = float(np.nanmean(truth.hr_per_s[max(0, second - int(WINDOW_S)) : second + 1]))
            row = {"stream": stream, "t_end_s": round(r.t_end, 3), "hr_bpm": r.output, "true_hr_bpm": true_hr,
                   "saturated": r.saturated, "flatline": r.flatline, "latency_ms": 1e3 * r.latency_s,
                   "compute_ms": 1e3 * r.compute_s, "events": [e.kind for e in r.events],
                   "rhythm": str(truth.rhythm_per_s[second]), "activity": float(truth.activity_per_s[second]),
                   "activity_name": episode(truth, r.t_start, r.t_end)}
            run.rows.append(row)
            latest_hr[stream] = r.output
            if stream == "ppg":
                with_motion.row(row)  # shown once its accelerometer window is in
            else:
                show(row)
        if stream not in run.embedders:
            continue
        for r in run.embedders[stream].push(packet.data, packet.timestamp):
            enc = encoders[stream]
            heads = {k: float(v[0]) for k, v in enc.heads.predict(r.output).items()}
            row = {"stream": stream, "model": enc.name, "t_start_s": round(r.t_start, 3),
                   "t_end_s": round(r.t_end, 3), **{f"head_{k}": v for k, v in heads.items()},
                   "beats_hr_bpm": latest_hr.get(stream, float("nan")),
                   **window_truth(truth, r.t_start, enc.card.window_seconds),
                   "activity_name": episode(truth, r.t_start, r.t_end),
                   "af_flag": heads["af_prob"] > AF_THRESHOLD, "low_quality": heads["quality_prob"] < QUALITY_THRESHOLD,
                   "saturated": r.saturated, "flatline": r.flatline, "latency_ms": 1e3 * r.latency_s,
                   "compute_ms": 1e3 * r.compute_s, "events": [e.kind for e in r.events]}
            run.encoder_rows.append(row)
            if progress:
                flags = ",".join([k for k in ("af_flag", "low_quality", "saturated", "flatline") if row[k]]
                                 + row["events"])
                bar.write(f"t={r.t_end:6.1f}s {stream.upper():>3} int8 encoder  HR {row['head_hr_bpm']:5.1f} bpm "
                          f"(beats {row['beats_hr_bpm']:5.1f}, truth {row['true_hr_bpm']:5.1f})  "
                          f"AF {row['head_af_prob']:.2f} (truth {'AF' if row['true_af'] else 'no AF'})  "
                          f"quality {row['head_quality_prob']:.2f}  "
                          f"compute {row['compute_ms']:5.1f} ms  {flags or 'ok'}")
    with_motion.flush()
    bar.close()
    return run


def contrast_af_probs(device: Device, seconds: float,
                      encoders: dict[str, EncoderArtifact]) -> dict[str, list[tuple[float, bool]]]:
    """The heads' AF probability on each encoder window of ``seconds`` of another participant's watch, with the
    window's true AF label: stream -> ``[(af_prob, true_af), ...]``."""
    truth = device.recording(seconds).truth
    sessions: dict[str, StreamingSession] = {}
    probs: dict[str, list[tuple[float, bool]]] = {s: [] for s in encoders}
    for packet in device.packets(seconds):
        enc = encoders.get(packet.stream)
        if enc is None:
            continue
        if packet.stream not in sessions:
            sessions[packet.stream] = embedding_session(enc, packet.sampling_rate)
        for r in sessions[packet.stream].push(packet.data, packet.timestamp):
            af = float(enc.heads.predict(r.output)["af_prob"][0])
            probs[packet.stream].append((af, window_truth(truth, r.t_start, enc.card.window_seconds)["true_af"]))
    return probs


def twelve_lead_windows(patch: Device, duration_s: float, *, model: Any = None) -> dict[str, Any]:
    """Every complete window of a patch's II, V1, V5 packets -> 12 leads vs the simulator's 12 leads.

    Packets are placed by sequence number (timestamps may jitter); a window holding a sample of a lost packet is
    skipped and counted. The windows are ``[k * w, (k + 1) * w)`` s of the stream, ``w`` the bundled lead VAE's
    window (10 s), reconstructed one by one (one record each, as the VAE's mV validation used 10 s records) by
    :func:`wearsdk.reconstruct_12lead`, and compared with the recorded 12 leads
    (:func:`wearsdk.reconstruct.lead_correlations`).

    Args:
        patch: a ``wearsdk.sim.Device("patch", ...)``.
        duration_s: seconds of stream.
        model: passed to :func:`wearsdk.reconstruct_12lead` (default the bundled ``lead_vae_compact``).

    Returns:
        ``rate_hz`` (the patch's ECG rate), ``window_s``, ``starts_s`` (complete, loss-free windows' start times,
        s), ``skipped_lost_packets`` (windows skipped), ``pearson_r`` (one ``{lead: r}`` per window),
        ``mean_r_reconstructed`` (per window: mean r over the 9 leads not measured), ``reconstructed`` / ``true``
        (``(12, window)`` mV at ``rate_hz``, the last window; None when no window was complete).
    """
    from wearsdk.reconstruct import lead_correlations, reconstruct_12lead

    spec = next(s for s in patch.specs if s.name == "ecg")
    fs, window_s = spec.sampling_rate, get_model_card(LEAD_VAE).window_seconds
    w = int(round(window_s * fs))
    recorded = patch.recording(duration_s).ecg
    n = recorded.shape[1]
    received = np.full((len(PATCH_LEADS), n), np.nan, np.float32)
    for p in patch.packets(duration_s):
        if p.stream == spec.name:
            start = p.seq * spec.packet_samples
            received[:, start : start + p.data.shape[1]] = p.data
    starts = [k * w for k in range(n // w)]
    complete = [s for s in starts if np.isfinite(received[:, s : s + w]).all()]
    out: dict[str, Any] = {"rate_hz": fs, "window_s": window_s, "starts_s": [s / fs for s in complete],
                           "skipped_lost_packets": len(starts) - len(complete), "pearson_r": [],
                           "mean_r_reconstructed": [], "reconstructed": None, "true": None}
    if not complete:
        return out
    y = reconstruct_12lead(np.stack([received[:, s : s + w] for s in complete]), sampling_rate=fs, model=model)
    unmeasured = [k for k in STANDARD_LEADS if k not in PATCH_LEADS]
    for i, s in enumerate(complete):
        r = lead_correlations(y[i], recorded[:, s : s + w], sampling_rate=fs)
        out["pearson_r"].append(r)
        out["mean_r_reconstructed"].append(float(np.mean([r[k] for k in unmeasured])))
    out["reconstructed"], out["true"] = y[-1], recorded[:, complete[-1] : complete[-1] + w]
    return out
