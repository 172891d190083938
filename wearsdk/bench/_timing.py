"""Wall-time medians of several pipelines measured side by side."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

from wearsdk.errors import ConfigError


def interleaved_medians_ms(fns: dict[str, Callable[[], object]], *, repeats: dict[str, int],
                           warmup: int = 2) -> dict[str, float]:
    """Median milliseconds per call of each function. The calls are interleaved round by round (A, B, C,
    A, B, C, ...) so that load from other processes hits every pipeline alike and the ratios stay fair;
    ``repeats[name]`` rounds include that function (slow references may take part in fewer)."""
    if set(repeats) != set(fns) or min(repeats.values(), default=0) < 1:
        raise ConfigError(f"interleaved_medians_ms needs repeats >= 1 for each of {sorted(fns)}; got {repeats}. "
                          "Pass repeats >= 1.")
    for fn in fns.values():
        for _ in range(warmup):
            fn()
    times: dict[str, list[float]] = {name: [] for name in fns}
    for round_index in range(max(repeats.values())):
        for name, fn in fns.items():
            if round_index < repeats[name]:
                t0 = time.perf_counter()
                fn()
                times[name].append((time.perf_counter() - t0) * 1e3)
    return {name: statistics.median(t) for name, t in times.items()}
