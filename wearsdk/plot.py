"""The figures wearsdk draws: the 12-lead ECG (simulator, reconstruction, demo) and a simulated wrist recording.

matplotlib is imported only when a figure is drawn.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from wearsdk._paths import output_file
from wearsdk.errors import ShapeError
from wearsdk.signal.spec import STANDARD_LEADS

if TYPE_CHECKING:
    from wearsdk.sim.record import SimRecording

__all__ = ["plot_12lead", "plot_wrist"]

# Standard 3 x 4 print layout: columns of 2.5 s, then a 10 s lead II rhythm strip.
_LAYOUT = (("I", "aVR", "V1", "V4"), ("II", "aVL", "V2", "V5"), ("III", "aVF", "V3", "V6"))


def _subplots(rows: int) -> tuple[Any, Any]:
    """A (14 x 9 inch) figure of ``rows`` axes sharing the time axis, drawn off-screen (Agg)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt.subplots(rows, 1, figsize=(14, 9), sharex=True)


def _save(fig: Any, out: Path, title: str) -> Path:
    """Title, tight layout, a 100 dpi PNG at ``out``; closes the figure."""
    import matplotlib.pyplot as plt

    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(out, dpi=100)
    plt.close(fig)
    return out


def plot_12lead(ecg: np.ndarray, path: str | Path, *, sampling_rate: float, truth: np.ndarray | None = None,
                measured: Sequence[str] = (), title: str = "", spread: np.ndarray | None = None) -> Path:
    """Writes ``ecg`` ``(12, samples)`` in mV (leads in :data:`wearsdk.signal.STANDARD_LEADS` order) at
    ``sampling_rate`` Hz as a PNG in the standard 3 x 4 layout + lead II rhythm strip, on ECG-paper grid
    (0.2 s, 0.5 mV).

    ``truth`` (same shape) is drawn underneath in grey; leads named in ``measured`` are drawn in black and
    the others in red (reconstructed), when ``truth`` or ``measured`` is given. ``spread`` (same shape, mV: the
    posterior SD of ``wearsdk.reconstruct_12lead(..., samples=K)``) is shaded as a band of +-2 spread.
    """
    if np.ndim(ecg) != 2 or ecg.shape[0] != len(STANDARD_LEADS) or ecg.shape[1] < 4:
        raise ShapeError(f"plot_12lead expects ecg shaped (12, samples) with samples >= 4, got {np.shape(ecg)}; "
                         "pass all 12 leads in wearsdk.signal.STANDARD_LEADS order (wearsdk.reconstruct fills "
                         "them in from II, V1, V5).")
    for name, other in (("truth", truth), ("spread", spread)):
        if other is not None and np.shape(other) != ecg.shape:
            raise ShapeError(f"plot_12lead expects {name} shaped like ecg {ecg.shape}, got {np.shape(other)}.")
    out = output_file(path, what="PNG path")
    fs = float(sampling_rate)
    n = min(ecg.shape[1], int(10 * fs))
    col = n // 4
    t = np.arange(n) / fs
    lo = float(np.nanpercentile(ecg[:, :n], 0.5))
    hi = float(np.nanpercentile(ecg[:, :n], 99.5))
    ylim = (min(-1.0, lo - 0.2), max(1.0, hi + 0.2))
    fig, axes = _subplots(4)
    colour = {lead: ("k" if (lead in measured or (truth is None and not measured)) else "tab:red")
              for lead in STANDARD_LEADS}
    for r, row in enumerate(_LAYOUT):
        for c, lead in enumerate(row):
            k = STANDARD_LEADS.index(lead)
            sl = slice(c * col, (c + 1) * col)
            if truth is not None:
                axes[r].plot(t[sl], truth[k, sl], lw=1.2, color="0.65")
            if spread is not None:
                axes[r].fill_between(t[sl], ecg[k, sl] - 2 * spread[k, sl], ecg[k, sl] + 2 * spread[k, sl],
                                     color=colour[lead], alpha=0.25, lw=0)
            axes[r].plot(t[sl], ecg[k, sl], lw=0.8, color=colour[lead])
            axes[r].text(t[sl][0] + 0.05, ylim[1] * 0.8, lead + (" (in)" if lead in measured else ""), fontsize=9)
    k = STANDARD_LEADS.index("II")
    if truth is not None:
        axes[3].plot(t, truth[k, :n], lw=1.2, color="0.65", label="true")
    axes[3].plot(t, ecg[k, :n], lw=0.8, color=colour["II"], label="II")
    axes[3].text(0.05, ylim[1] * 0.8, "II", fontsize=9)
    for ax in axes:
        ax.set_ylim(*ylim)
        ax.set_xticks(np.arange(0, t[-1] + 0.2, 0.2), minor=True)
        ax.set_yticks(np.arange(np.ceil(ylim[0] * 2) / 2, ylim[1], 0.5))
        ax.grid(True, which="both", color="tab:red", alpha=0.25, lw=0.5)
        ax.set_ylabel("mV")
    axes[3].set_xlabel("time (s)")
    if truth is not None:
        axes[0].plot([], [], color="0.65", lw=1.2, label="true")
        axes[0].plot([], [], color="tab:red", lw=0.8, label="reconstructed")
        axes[0].plot([], [], color="k", lw=0.8, label="measured")
        axes[0].legend(loc="upper right", fontsize=8)
    return _save(fig, out, title or f"12-lead ECG, {fs:g} Hz")


def plot_wrist(rec: SimRecording, path: str | Path, *, title: str = "") -> Path:
    """Writes a simulated recording's PPG channels (a.u., true systolic peaks marked) and accelerometer (g)
    against time as a PNG."""
    if rec.ppg.shape[1] == 0 or rec.acc.shape[1] == 0:
        raise ShapeError(f"plot_wrist needs PPG and accelerometer samples, got ppg {rec.ppg.shape} and acc "
                         f"{rec.acc.shape}; record them (Participant.record(..., streams=('ppg', 'acc'))).")
    out = output_file(path, what="PNG path")
    fs_p, fs_a = rec.sampling_rates["ppg"], rec.sampling_rates["acc"]
    fig, axes = _subplots(len(rec.ppg_channels) + 1)
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
    return _save(fig, out, title or "simulated wrist PPG (true systolic peaks) and accelerometer")
