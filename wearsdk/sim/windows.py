"""Simulated model windows: the one generator of simulated inputs for every model, driven by its card.

Training (:class:`wearsdk.train.SimWindows`), head fitting (:func:`wearsdk.train.heads.labelled_windows`),
int8 calibration and parity windows (:mod:`wearsdk.export`, :mod:`wearsdk.quant`), the benchmarks and the demo
all take their simulated windows from here, so they all see the same inputs: window ``i`` of
:func:`model_windows` is segment ``i % segments`` of participant ``i // segments`` recorded during
:data:`~wearsdk.sim.ACTIVITY_CYCLE`\\ ``[segment % 4]`` (encoders; the lead VAE's chest patch is at rest),
passed through the card's preprocessing (:meth:`~wearsdk.models.card.Preprocessing.filter` with a settled
filter, then :meth:`~wearsdk.models.card.Preprocessing.normalise`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from wearsdk.errors import ConfigError
from wearsdk.sim.cohort import Cohort, Participant
from wearsdk.sim.device import DEVICES
from wearsdk.sim.leads import LEADS
from wearsdk.sim.motion import ACTIVITY_CYCLE
from wearsdk.sim.ppg import PPG_CHANNELS
from wearsdk.sim.record import Truth

if TYPE_CHECKING:
    from wearsdk.models.card import ModelCard

__all__ = ["model_window", "model_windows", "window_activity", "window_hr_bpm", "device_rate", "raw_window"]

#: Seconds simulated before the window so the band-pass has settled (dropped).
PREROLL_S = 2.0
#: Seconds simulated after the window of a zero-phase model (its backward pass settles there).
POSTROLL_S = 1.0


def device_rate(card: ModelCard) -> float:
    """The raw rate the simulated device records ``card``'s inputs at, Hz: the chest patch's for the lead VAE
    (:data:`~wearsdk.sim.DEVICES`), the model's own rate for the encoders (what their heads were fitted on)."""
    if card.task == "lead_reconstruction":
        return next(s.sampling_rate for s in DEVICES["patch"] if s.name == "ecg")
    return float(card.sampling_rate_hz)


def _rows(rec: Any, card: ModelCard, channels: Sequence[str]) -> np.ndarray:
    if card.modality == "ecg":
        unknown = [c for c in channels if c not in LEADS]
        if unknown:
            raise ConfigError(f"{card.name}: no simulated ECG lead(s) {unknown}; the simulator has {list(LEADS)}.")
        return rec.ecg[[LEADS.index(c) for c in channels]]
    if len(channels) != len(PPG_CHANNELS):
        raise ConfigError(f"{card.name}: the simulator records {len(PPG_CHANNELS)} PPG channels {PPG_CHANNELS}; "
                          f"the card asks for {list(channels)}. Pass windows of your own.")
    return rec.ppg


def model_window(participant: Participant, card: ModelCard, *, segment: int = 0, activity: str = "rest",
                 channels: Sequence[str] | None = None, input_rate: float | None = None,
                 ) -> tuple[np.ndarray, Truth]:
    """One model input of a simulated participant, as the device would feed it.

    Args:
        participant: a :class:`~wearsdk.sim.Participant`.
        card: the model's card (modality, rate, window, channels, preprocessing).
        segment, activity: which stretch of the participant's life, and what they do then.
        channels: record these channels instead of the card's (e.g. another ECG lead, or all 12 leads).
        input_rate: raw rate in Hz (default: a PPG model's participant with a ``sensor`` records at the sensor's
            native rate, everything else at :func:`device_rate`).

    Returns:
        ``(x (channels, window_samples) float32, truth)``: the window after the card's band-pass (settled over
        :data:`PREROLL_S`), resampling and normalisation, and the recording's truth (times from its start).
    """
    native = participant.sensor.rate_hz if participant.sensor is not None and card.modality == "ppg" else None
    fs = float(input_rate or native or device_rate(card))
    rate, n = card.sampling_rate_hz, card.window_samples
    post = POSTROLL_S if card.preprocessing.phase == "zero_phase" else 0.0
    rec = participant.record(n / rate + PREROLL_S + post, sampling_rates={card.modality: fs}, segment=segment,
                             activity=activity, streams=(card.modality,))
    raw = np.ascontiguousarray(_rows(rec, card, tuple(channels or card.input_channels)), np.float32)
    y = card.preprocessing.filter(raw, sampling_rate=fs, target_rate=rate)
    start = y.shape[-1] - n - int(round(post * rate))
    x = np.ascontiguousarray(y[:, start : start + n])
    return np.ascontiguousarray(card.preprocessing.normalise(x), np.float32), rec.truth


def model_windows(card: ModelCard, n: int, *, seed: int = 0, segments: int = len(ACTIVITY_CYCLE),
                  prevalence: dict[str, float] | None = None, population: str = "default") -> np.ndarray:
    """``(n, channels, window_samples)`` float32 simulated inputs for ``card`` (window ``i``: participant
    ``i // segments`` of ``Cohort(..., seed, prevalence=..., population=...)``, segment ``i % segments``; see the
    module docstring; ``"wide"`` PPG comes through each participant's sensor at its native rate). The same windows,
    in the same order, as :func:`wearsdk.train.heads.labelled_windows` for ``participants=range(ceil(n /
    segments))`` with the same seed and segments."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ConfigError(f"model_windows: n={n!r} must be a positive number of windows.")
    if segments < 1:
        raise ConfigError(f"model_windows: segments={segments!r} must be >= 1.")
    cohort = Cohort(-(-int(n) // segments), seed=seed, prevalence=prevalence, population=population)
    return np.stack([model_window(cohort[i // segments], card, segment=i % segments,
                                  activity=window_activity(card, i % segments))[0] for i in range(int(n))])


def window_hr_bpm(truth: Truth, card: ModelCard) -> float:
    """True heart rate (bpm) of a :func:`model_window`: the mean of ``truth.hr_per_s`` over the whole seconds
    inside the window (its last ``card.window_seconds``)."""
    return float(np.mean(truth.hr_per_s[-int(round(card.window_seconds)):]))


def window_activity(card: ModelCard, segment: int) -> str:
    """What a simulated participant does during ``segment``: :data:`ACTIVITY_CYCLE` in turn for the encoders
    (int8 ranges calibrated at rest only clip motion windows), rest for the lead VAE's chest patch."""
    return ACTIVITY_CYCLE[segment % len(ACTIVITY_CYCLE)] if card.task == "embedding" else "rest"


def raw_window(card: ModelCard, seconds: float, *, index: int = 0, rate: float | None = None, seed: int = 0,
               segments: int = len(ACTIVITY_CYCLE)) -> np.ndarray:
    """``(channels, round(seconds * rate))`` float32 raw simulated samples of ``card``'s input channels at
    ``rate`` Hz (default :func:`device_rate`), before any preprocessing: the stream a device would hand to a
    streaming program or to in-graph preprocessing. Indexed like :func:`model_windows`: participant
    ``index // segments`` of ``Cohort(..., seed)``, segment ``index % segments``, :func:`window_activity`."""
    if isinstance(index, bool) or not isinstance(index, (int, np.integer)) or index < 0:
        raise ConfigError(f"raw_window: index={index!r} must be a window index >= 0.")
    if segments < 1:
        raise ConfigError(f"raw_window: segments={segments!r} must be >= 1.")
    pid, segment = divmod(int(index), segments)
    rec = Cohort(pid + 1, seed=seed)[pid].record(
        seconds, sampling_rates={card.modality: float(rate or device_rate(card))}, segment=segment,
        activity=window_activity(card, segment), streams=(card.modality,))
    return np.ascontiguousarray(_rows(rec, card, card.input_channels), np.float32)
