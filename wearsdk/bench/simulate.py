"""``wearsdk bench simulate``: the simulator's real-time factor for 12-lead ECG at 500 Hz + 4-ch PPG and
accelerometer at 64 Hz, one thread."""

from __future__ import annotations

import math
import time

from wearsdk.errors import ConfigError
from wearsdk.sim.cohort import Cohort

__all__ = ["bench_simulate", "TARGET_REALTIME_FACTOR"]

#: DESIGN.md section 7: 12-lead ECG at 500 Hz + 4-channel PPG, one core.
TARGET_REALTIME_FACTOR = 500.0


def bench_simulate(duration_s: float = 60.0, *, participants: int = 4, repeats: int = 5,
                   seed: int = 0) -> dict[str, float | bool]:
    """Time :meth:`wearsdk.sim.Participant.record` (default noise, resting) and report the real-time factor.

    Generates ``duration_s`` seconds of 12-lead ECG at 500 Hz, 4-channel PPG at 64 Hz and 3-axis
    accelerometer at 64 Hz for each of ``participants`` people, ``repeats`` times, and keeps the best
    repeat. Runs in the calling thread (one core; numpy's small matrix products do not use threads here).

    Returns:
        ``{"realtime_factor": simulated seconds / wall seconds, "seconds_simulated", "wall_s",
        "duration_s", "participants", "target": 500.0, "meets_target": bool}``.
    """
    if not (math.isfinite(duration_s) and duration_s >= 2 and participants >= 1 and repeats >= 1):
        raise ConfigError(
            f"bench_simulate needs a finite duration_s >= 2 s, participants >= 1 and repeats >= 1; got duration_s="
            f"{duration_s}, participants={participants}, repeats={repeats}. Pass larger values."
        )
    cohort = Cohort(participants, seed=seed)
    rates = {"ecg": 500.0, "ppg": 64.0, "acc": 64.0}
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for p in cohort:
            p.record(duration_s, sampling_rates=rates)
        best = min(best, time.perf_counter() - start)
    result: dict[str, float | bool] = {
        "realtime_factor": participants * duration_s / best,
        "seconds_simulated": participants * duration_s,
        "wall_s": best,
        "duration_s": float(duration_s),
        "participants": float(participants),
        "target": TARGET_REALTIME_FACTOR,
    }
    result["meets_target"] = result["realtime_factor"] >= TARGET_REALTIME_FACTOR
    return result
