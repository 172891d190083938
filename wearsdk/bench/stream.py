"""``wearsdk bench stream``: the full streaming session (C++ preprocessing + ring-buffer windows + an
int8 ExecuTorch artifact) on one core, at full speed over many simulated hours: real-time factor and
memory growth. The artifact is the registered model exported with its initial weights (speed and
memory do not depend on the weights) into a temporary folder."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

__all__ = ["bench_stream"]


def _rss_mb() -> float:
    with open(f"/proc/{os.getpid()}/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def bench_stream(model_name: str = "ppg_encoder_compact", *, hours: float = 24.0, hop: int | None = None,
                 packet_s: float = 0.5) -> dict[str, Any]:
    """Streams ``hours`` of simulated-rate packets through a StreamingSession running the int8 artifact."""
    from wearsdk.export import export_executorch, simulated_windows
    from wearsdk.models import create_model
    from wearsdk.runtime import load
    from wearsdk.stream import StreamingSession

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        model = create_model(model_name).eval()
        card = model.card
        x = simulated_windows(card, 16)
        with tempfile.TemporaryDirectory() as tmp:
            export_executorch(model, Path(tmp), name=model_name, example_inputs=(x[:1],), precision="int8",
                              calibration=x, parity_windows=x[:2])
            artifact = load(tmp)
            spec = card.preprocess_spec()
            hop = hop or card.hop_samples
            channels = len(card.input_channels)
            session = StreamingSession(lambda w: artifact(w)[0], spec=spec, window=card.window_samples, hop=hop,
                                       channels=channels)
            fs = card.sampling_rate_hz
            n = int(round(packet_s * fs))
            t = np.arange(n) / fs
            packet = np.stack([np.sin(2 * np.pi * 1.2 * t + c) for c in range(channels)]).astype(np.float32)
            packets = int(hours * 3600 / packet_s)
            warm = min(packets // 24 + 1, packets)  # the first hour (of 24) warms caches and allocators
            start = time.perf_counter()
            for i in range(packets):
                if i == warm:
                    rss0, t_warm = _rss_mb(), time.perf_counter()
                session.push(packet, i * packet_s)
            wall = time.perf_counter() - start
            rss1 = _rss_mb()
            steady = time.perf_counter() - t_warm
    finally:
        torch.set_num_threads(threads)
    return {
        "model": model_name,
        "hours_simulated": hours,
        "window": card.window_samples,
        "hop": hop,
        "windows": session.stats.windows,
        "wall_s": wall,
        "realtime_factor": hours * 3600 / wall,
        "realtime_factor_steady": (packets - warm) * packet_s / steady,
        "rss_growth_mb": rss1 - rss0,
        "targets": {"realtime_factor": 1000.0, "rss_growth_mb": 5.0},
    }
