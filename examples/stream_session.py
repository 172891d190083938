"""Simulator → StreamingSession → results: a watch's PPG packets (with lost packets and clock jitter)
through the SDK's streaming layer, with a per-window heart-rate "model" and every fault reported.

    .venv/bin/python examples/stream_session.py [--seconds 120] [--drop-rate 0.02]
"""

import argparse

import numpy as np

from wearsdk.peaks import heart_rate, ppg_peaks
from wearsdk.signal import PreprocessSpec
from wearsdk.sim import Cohort, Device
from wearsdk.stream import StreamingSession


def window_hr(x) -> float:
    """Heart rate (bpm) of a (1, channels, samples) window at 64 Hz, from the green channel."""
    peaks = ppg_peaks(x[0, 0].numpy(), sampling_rate=64.0)
    hr = heart_rate(peaks, sampling_rate=64.0)
    return float(np.median(hr)) if len(hr) else float("nan")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seconds", type=float, default=120.0)
    p.add_argument("--drop-rate", type=float, default=0.02)
    args = p.parse_args()

    person = Cohort(1, seed=7)[0]
    watch = Device("watch", person, drop_rate=args.drop_rate, jitter_ms=2.0, seed=1)
    spec = PreprocessSpec(sampling_rate=64.0, low=0.5, high=8.0)  # the PPG encoder's input band
    session = StreamingSession(window_hr, spec=spec, window=640, hop=128, channels=4, jitter_s=0.01)
    truth = watch.recording(args.seconds).truth.hr_per_s
    for packet in watch.packets(args.seconds):
        if packet.stream != "ppg":
            continue
        for r in session.push(packet.data, packet.timestamp):
            true = float(np.mean(truth[max(0, int(r.t_end) - 10) : int(r.t_end) + 1]))
            events = ", ".join(f"{e.kind} ({e.samples} samples)" for e in r.events) or "-"
            print(f"{r.t_start:7.1f}-{r.t_end:6.1f} s  HR {r.output:5.1f} bpm (truth {true:5.1f})  events: {events}")
    s = session.stats
    print(f"samples received {s.received} = processed {s.processed} + dropped {s.dropped}; "
          f"missing {s.missing}; windows {s.windows}; events {s.event_counts}")


if __name__ == "__main__":
    main()
