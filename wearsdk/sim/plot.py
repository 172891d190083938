"""Figures of a simulated recording (matplotlib is imported only when a figure is drawn)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from wearsdk.sim.record import SimRecording

__all__ = ["plot_ecg_12lead", "plot_wrist"]

def plot_ecg_12lead(rec: SimRecording, path: str | Path, *, title: str = "") -> Path:
    """Write the 12-lead ECG in the standard 3 x 4 layout + 10 s lead II rhythm strip as a PNG."""
    from wearsdk.plot import plot_12lead

    fs = rec.sampling_rates["ecg"]
    return plot_12lead(rec.ecg, path, sampling_rate=fs, title=title or f"simulated 12-lead ECG, {fs:g} Hz")


def plot_wrist(rec: SimRecording, path: str | Path, *, title: str = "") -> Path:
    """Write the 4 PPG channels (true systolic peaks marked) and the accelerometer as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fs_p, fs_a = rec.sampling_rates["ppg"], rec.sampling_rates["acc"]
    fig, axes = plt.subplots(len(rec.ppg_channels) + 1, 1, figsize=(14, 9), sharex=True)
    tp = np.arange(rec.ppg.shape[1]) / fs_p
    for c, name in enumerate(rec.ppg_channels):
        axes[c].plot(tp, rec.ppg[c], lw=0.8)
        pk = rec.truth.ppg_peaks(c)
        axes[c].plot(pk / fs_p, rec.ppg[c][pk], "v", ms=3, color="tab:red")
        axes[c].set_ylabel(f"{name}\n(a.u.)")
    ta = np.arange(rec.acc.shape[1]) / fs_a
    for c, name in enumerate(rec.acc_axes):
        axes[-1].plot(ta, rec.acc[c], lw=0.8, label=name)
    axes[-1].set_ylabel("acc (g)")
    axes[-1].legend(loc="upper right", ncol=3, fontsize=8)
    axes[-1].set_xlabel("time (s)")
    fig.suptitle(title or "simulated wrist PPG (true systolic peaks) and accelerometer")
    fig.tight_layout()
    out = Path(path)
    fig.savefig(out, dpi=100)
    plt.close(fig)
    return out
