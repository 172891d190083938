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

from wearsdk.errors import ConfigError

__all__ = ["bench_stream"]

_LOOP_S = 60.0  # seconds of simulated signal played in a loop


def _rss_mb() -> float:
    with open(f"/proc/{os.getpid()}/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def bench_stream(model_name: str = "ppg_encoder_compact", *, hours: float = 24.0, hop: int | None = None,
                 packet_s: float = 0.5) -> dict[str, Any]:
    """Streams ``hours`` of packets of ``packet_s`` seconds (one simulated minute of the model's raw signal at its
    rate, :func:`wearsdk.sim.windows.raw_window`, played in a loop) through a StreamingSession running the int8
    artifact. Causal models only (:class:`ConfigError` for a zero-phase model, which has no streaming path)."""
    from wearsdk.export import export_executorch
    from wearsdk.models import create_model
    from wearsdk.runtime import load
    from wearsdk.sim import model_windows
    from wearsdk.sim.windows import raw_window
    from wearsdk.stream import StreamingSession

    if not packet_s > 0 or not hours * 3600 >= 2 * packet_s:
        raise ConfigError(f"bench_stream: expected packet_s > 0 and at least two packets in hours * 3600 s, got "
                          f"hours={hours!r}, packet_s={packet_s!r}.")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        model = create_model(model_name).eval()
        card = model.card
        if card.preprocessing.phase != "causal":
            raise ConfigError(f"bench stream runs causal models; {model_name}'s preprocessing is "
                              f"{card.preprocessing.phase} (offline, whole records), so it has no streaming path.")
        x = torch.from_numpy(model_windows(card, 16))
        with tempfile.TemporaryDirectory() as tmp:
            export_executorch(model, Path(tmp), name=model_name, example_inputs=(x[:1],), precision="int8",
                              calibration=x, parity_windows=x[:2], model_card=card)
            artifact = load(tmp)
            hop = hop or card.hop_samples
            fs = card.sampling_rate_hz
            session = StreamingSession.from_card(lambda w: artifact(w)[0], card, input_rate=fs, hop=hop)
            n = int(round(packet_s * fs))
            loop = raw_window(card, max(_LOOP_S, packet_s), rate=fs)
            packets = int(hours * 3600 / packet_s)
            per_loop = loop.shape[-1] // n
            chunks = [np.ascontiguousarray(loop[:, k * n : (k + 1) * n]) for k in range(per_loop)]
            warm = min(packets // 24 + 1, packets)  # the first hour (of 24) warms caches and allocators
            start = time.perf_counter()
            for i in range(packets):
                if i == warm:
                    rss0, t_warm = _rss_mb(), time.perf_counter()
                session.push(chunks[i % per_loop], i * packet_s)
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
