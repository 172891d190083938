"""Streaming device simulator: a watch or a chest patch emitting timestamped packets.

Packets carry ``(channels, samples)`` float32 blocks of the size real BLE wearables send (~0.5 s), a
sequence number per stream, the device-clock timestamp of their first sample (with optional clock jitter
and drift) and the host arrival time (with transmission latency). Dropped packets leave a gap in ``seq``
and in time; out-of-order delivery swaps arrival order. Consumers (``wearsdk.stream``) must detect, not
smooth over, both.

>>> from wearsdk.sim import Cohort, Device
>>> dev = Device("watch", Cohort(1, seed=0)[0], drop_rate=0.01)
>>> for packet in dev.stream(10.0):  # doctest: +SKIP
...     print(packet.stream, packet.seq, packet.timestamp, packet.data.shape)
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from wearsdk.errors import ConfigError, UnknownNameError
from wearsdk.signal.spec import PATCH_LEADS
from wearsdk.sim.cohort import Participant
from wearsdk.sim.leads import LEADS
from wearsdk.sim.motion import Plan
from wearsdk.sim.noise import Noise
from wearsdk.sim.ppg import PPG_CHANNELS
from wearsdk.sim.record import ACC_AXES, SimRecording

__all__ = ["DEVICES", "StreamSpec", "Packet", "Device"]


@dataclass(frozen=True)
class StreamSpec:
    """One stream of a device: name, sampling rate (Hz), channel names and samples per packet."""

    name: str
    sampling_rate: float
    channels: tuple[str, ...]
    packet_samples: int


#: Devices and their streams. The watch's ECG (lead I, thumb on the crown) is only on when asked for.
DEVICES: dict[str, tuple[StreamSpec, ...]] = {
    "watch": (
        StreamSpec("ppg", 64.0, PPG_CHANNELS, 32),
        StreamSpec("acc", 64.0, ACC_AXES, 32),
        StreamSpec("ecg", 512.0, ("I",), 256),
    ),
    "patch": (StreamSpec("ecg", 500.0, PATCH_LEADS, 250),),
}


@dataclass(frozen=True)
class Packet:
    """One packet as the host receives it.

    Attributes:
        stream: ``"ppg"``, ``"acc"`` or ``"ecg"``.
        seq: per-stream sequence number (0, 1, 2 ...; a gap means a dropped packet).
        timestamp: device-clock time of the first sample, s since the stream started.
        sampling_rate: nominal Hz of the stream.
        channels: channel names.
        data: (channels, samples) float32 in the stream's units (ECG mV, PPG a.u., acc g).
        arrival: host time the packet arrived, s since the stream started.
    """

    stream: str
    seq: int
    timestamp: float
    sampling_rate: float
    channels: tuple[str, ...]
    data: np.ndarray
    arrival: float


class Device:
    """A simulated wearable worn by ``participant``.

    Args:
        kind: ``"watch"`` (4-ch PPG 64 Hz, accelerometer 64 Hz, lead-I ECG 512 Hz when ``ecg=True``) or
            ``"patch"`` (leads II, V1, V5 at 500 Hz).
        participant: who wears it.
        ecg: watch only: also stream the lead-I ECG (the on-demand ECG app).
        jitter_ms: SD of the timestamp jitter, ms.
        drift_ppm: device-clock drift, parts per million (timestamps run fast by this much).
        drop_rate: probability that a packet is lost.
        reorder_rate: probability that a packet arrives after the next one.
        latency_ms: mean transmission latency, ms (exponentially distributed extra delay on top of 10 ms).
        seed: seed of the transport randomness (drops, jitter, latency); signals follow ``segment``.
        segment, activity, noise: passed to :meth:`Participant.record`.
    """

    def __init__(self, kind: str, participant: Participant, *, ecg: bool = False, jitter_ms: float = 0.0,
                 drift_ppm: float = 0.0, drop_rate: float = 0.0, reorder_rate: float = 0.0,
                 latency_ms: float = 30.0, seed: int = 0, segment: int = 0, activity: str | Plan = "rest",
                 noise: Noise | None = None) -> None:
        if kind not in DEVICES:
            raise UnknownNameError(f"unknown device {kind!r}; expected one of {sorted(DEVICES)}.")
        for name, value, hi in (("jitter_ms", jitter_ms, 1e3), ("drift_ppm", abs(drift_ppm), 1e4),
                                ("drop_rate", drop_rate, 1.0), ("reorder_rate", reorder_rate, 1.0),
                                ("latency_ms", latency_ms, 1e4)):
            if not np.isfinite(value) or not 0 <= value <= hi:
                raise ConfigError(f"Device {name}={value!r} must be in [0, {hi}].")
        if ecg and kind != "watch":
            raise ConfigError("ecg=True is the watch's on-demand ECG; the patch always streams ECG.")
        self.kind = kind
        self.participant = participant
        self.specs = tuple(s for s in DEVICES[kind] if kind == "patch" or s.name != "ecg" or ecg)
        self.jitter_ms, self.drift_ppm = jitter_ms, drift_ppm
        self.drop_rate, self.reorder_rate, self.latency_ms = drop_rate, reorder_rate, latency_ms
        self.seed, self.segment, self.activity, self.noise = seed, segment, activity, noise

    def recording(self, duration_s: float) -> SimRecording:
        """The underlying full-rate recording the packets are cut from (the ground truth)."""
        rates = {s.name: s.sampling_rate for s in self.specs}
        return self.participant.record(duration_s, sampling_rates=rates, segment=self.segment,
                                       activity=self.activity, noise=self.noise, streams=tuple(rates))

    def packets(self, duration_s: float) -> list[Packet]:
        """All packets of ``duration_s`` seconds, in arrival order."""
        rec = self.recording(duration_s)
        rng = np.random.default_rng([self.seed, self.participant.pid, self.segment, 17])
        out: list[Packet] = []
        for spec in self.specs:
            data = {"ppg": rec.ppg, "acc": rec.acc}.get(spec.name)
            if spec.name == "ecg":
                data = rec.ecg[[LEADS.index(c) for c in spec.channels]]
            n = data.shape[1] // spec.packet_samples
            blocks = data[:, : n * spec.packet_samples].reshape(data.shape[0], n, spec.packet_samples)
            t0 = np.arange(n) * spec.packet_samples / spec.sampling_rate
            stamp = t0 * (1 + self.drift_ppm * 1e-6) + rng.normal(0.0, self.jitter_ms * 1e-3, n)
            t_end = t0 + spec.packet_samples / spec.sampling_rate
            arrival = t_end + 0.010 + rng.exponential(max(self.latency_ms - 10.0, 0.0) * 1e-3 + 1e-9, n)
            late = rng.random(n) < self.reorder_rate
            arrival[late] += 1.5 * spec.packet_samples / spec.sampling_rate
            kept = rng.random(n) >= self.drop_rate
            for k in np.flatnonzero(kept):
                out.append(Packet(spec.name, int(k), float(stamp[k]), spec.sampling_rate, spec.channels,
                                  np.ascontiguousarray(blocks[:, k]), float(arrival[k])))
        out.sort(key=lambda p: p.arrival)
        return out

    def stream(self, duration_s: float, *, realtime: bool = False) -> Iterator[Packet]:
        """Yield packets in arrival order; with ``realtime`` each is held until its arrival time."""
        start = time.monotonic()
        for packet in self.packets(duration_s):
            if realtime:
                wait = packet.arrival - (time.monotonic() - start)
                if wait > 0:
                    time.sleep(wait)
            yield packet
