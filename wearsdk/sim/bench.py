"""Speed of the simulator: real-time factor for 12-lead ECG at 500 Hz + 4-ch PPG and accelerometer."""

from __future__ import annotations

import time

from wearsdk.errors import ConfigError
from wearsdk.sim.cohort import Cohort

__all__ = ["benchmark", "TARGET_REALTIME_FACTOR"]

#: DESIGN.md section 7: 12-lead ECG at 500 Hz + 4-channel PPG, one core.
TARGET_REALTIME_FACTOR = 500.0


def benchmark(duration_s: float = 60.0, *, participants: int = 4, repeats: int = 5, seed: int = 0,
              verbose: bool = False) -> dict[str, float | bool]:
    """Time :meth:`Participant.record` (default noise, resting) and report the real-time factor.

    Generates ``duration_s`` seconds of 12-lead ECG at 500 Hz, 4-channel PPG at 64 Hz and 3-axis
    accelerometer at 64 Hz for each of ``participants`` people, ``repeats`` times, and keeps the best
    repeat. Runs in the calling thread (one core; numpy's small matrix products do not use threads here).

    Returns:
        ``{"realtime_factor": simulated seconds / wall seconds, "seconds_simulated", "wall_s",
        "duration_s", "participants", "target": 500.0, "meets_target": bool}``.
    """
    if duration_s < 2 or participants < 1 or repeats < 1:
        raise ConfigError(
            f"benchmark needs duration_s >= 2, participants >= 1 and repeats >= 1; got "
            f"{duration_s}, {participants}, {repeats}."
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
    if verbose:
        print(f"realtime_factor {result['realtime_factor']:.0f}x (target >= {TARGET_REALTIME_FACTOR:.0f}x): "
              f"{result['seconds_simulated']:.0f} s of 12-lead ECG 500 Hz + 4-ch PPG 64 Hz + acc 64 Hz "
              f"in {best:.3f} s, 1 thread")
    return result
