"""Write simulated recordings to disk (NPZ or WFDB) with their ground truth, readable by ``wearsdk.io``."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from wearsdk._paths import output_folder
from wearsdk.errors import UnknownNameError
from wearsdk.sim.record import SimRecording

__all__ = ["FORMATS", "write_recording"]

#: Output formats of :func:`write_recording`.
FORMATS = ("npz", "wfdb")
_UNITS = {"ecg": "mV", "ppg": "a.u.", "acc": "g"}


def _streams(rec: SimRecording) -> dict[str, tuple[np.ndarray, tuple[str, ...]]]:
    all_ = {"ecg": (rec.ecg, rec.leads), "ppg": (rec.ppg, rec.ppg_channels), "acc": (rec.acc, rec.acc_axes)}
    return {k: v for k, v in all_.items() if v[0].shape[1] > 0}


def _truth_json(rec: SimRecording) -> dict[str, object]:
    t = rec.truth
    return {
        "traits": t.traits.as_dict(), "duration_s": t.duration_s, "sampling_rates": t.sampling_rates,
        "beat_times_s": t.beat_times.tolist(), "beat_symbols": t.beat_symbols.tolist(),
        "r_peaks": t.r_peaks.tolist(), "ppg_peak_times_s": t.ppg_peak_times.tolist(),
        "hr_per_s_bpm": t.hr_per_s.tolist(), "rhythm_per_s": t.rhythm_per_s.tolist(),
        "activity_per_s": t.activity_per_s.tolist(), "activity_plan": t.activity_plan,
    }


def write_recording(rec: SimRecording, out_dir: str | Path, name: str, fmt: str = "npz") -> list[Path]:
    """Write ``rec`` as ``<name>_<stream>`` files plus ``<name>_truth.json`` into the folder ``out_dir``
    (created if missing; a ConfigError if it is a file); returns the paths written.

    ``npz``: one ``.npz`` per stream with ``signals (channels, samples)``, ``sampling_rate``, ``channels``,
    ``units`` (what :func:`wearsdk.io.read` expects). ``wfdb``: one record per stream (format 16; ECG at
    1000 adu/mV) and the R peaks as an ``.atr`` annotation of the ECG record (symbols N / V).
    NaN dropouts are kept in NPZ and written as WFDB's missing-sample value.
    """
    if fmt not in FORMATS:
        raise UnknownNameError(f"unknown output format {fmt!r}; expected one of {FORMATS}.")
    out = output_folder(out_dir, what="write_recording out_dir")
    written: list[Path] = []
    for stream, (x, channels) in _streams(rec).items():
        fs = rec.sampling_rates[stream]
        stem = f"{name}_{stream}"
        if fmt == "npz":
            path = out / f"{stem}.npz"
            np.savez_compressed(path, signals=x, sampling_rate=np.float64(fs), channels=np.array(channels),
                                units=np.array([_UNITS[stream]] * len(channels)))
            written.append(path)
            continue
        import wfdb

        gain = {"ecg": 1000.0, "ppg": 1000.0, "acc": 1000.0}[stream]
        wfdb.wrsamp(stem, fs=fs, units=[_UNITS[stream].replace("a.u.", "NU")] * len(channels),
                    sig_name=list(channels), p_signal=x.T.astype(np.float64), fmt=["16"] * len(channels),
                    adc_gain=[gain] * len(channels), baseline=[0] * len(channels), write_dir=str(out))
        written += [out / f"{stem}.hea", out / f"{stem}.dat"]
        if stream == "ecg" and rec.truth.r_peaks.size:
            peaks = rec.truth.r_peaks
            keep = peaks < x.shape[1]
            wfdb.wrann(stem, "atr", peaks[keep], symbol=list(rec.truth.beat_symbols[keep]), write_dir=str(out))
            written.append(out / f"{stem}.atr")
    path = out / f"{name}_truth.json"
    path.write_text(json.dumps(_truth_json(rec)))
    written.append(path)
    return written
