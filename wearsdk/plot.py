"""The 12-lead ECG figure every part of wearsdk draws (simulator, reconstruction, demo).

matplotlib is imported only when a figure is drawn.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

__all__ = ["LEADS_12", "plot_12lead"]

LEADS_12 = ("I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6")
# Standard 3 x 4 print layout: columns of 2.5 s, then a 10 s lead II rhythm strip.
_LAYOUT = (("I", "aVR", "V1", "V4"), ("II", "aVL", "V2", "V5"), ("III", "aVF", "V3", "V6"))


def plot_12lead(ecg: np.ndarray, path: str | Path, *, sampling_rate: float, truth: np.ndarray | None = None,
                measured: Sequence[str] = (), title: str = "") -> Path:
    """Writes ``ecg`` ``(12, samples)`` in mV (leads I, II, III, aVR, aVL, aVF, V1-V6) at ``sampling_rate`` Hz
    as a PNG in the standard 3 x 4 layout + lead II rhythm strip, on ECG-paper grid (0.2 s, 0.5 mV).

    ``truth`` (same shape) is drawn underneath in grey; leads named in ``measured`` are drawn in black and
    the others in red (reconstructed), when ``truth`` or ``measured`` is given.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fs = float(sampling_rate)
    n = min(ecg.shape[1], int(10 * fs))
    col = n // 4
    t = np.arange(n) / fs
    lo = float(np.nanpercentile(ecg[:, :n], 0.5)) if n else -1.0
    hi = float(np.nanpercentile(ecg[:, :n], 99.5)) if n else 1.0
    ylim = (min(-1.0, lo - 0.2), max(1.0, hi + 0.2))
    fig, axes = plt.subplots(4, 1, figsize=(14, 9), sharex=True)
    colour = {lead: ("k" if (lead in measured or (truth is None and not measured)) else "tab:red") for lead in LEADS_12}
    for r, row in enumerate(_LAYOUT):
        for c, lead in enumerate(row):
            k = LEADS_12.index(lead)
            sl = slice(c * col, (c + 1) * col)
            if truth is not None:
                axes[r].plot(t[sl], truth[k, sl], lw=1.2, color="0.65")
            axes[r].plot(t[sl], ecg[k, sl], lw=0.8, color=colour[lead])
            axes[r].text(t[sl][0] + 0.05, ylim[1] * 0.8, lead + (" (in)" if lead in measured else ""), fontsize=9)
    k = LEADS_12.index("II")
    if truth is not None:
        axes[3].plot(t, truth[k, :n], lw=1.2, color="0.65", label="true")
    axes[3].plot(t, ecg[k, :n], lw=0.8, color=colour["II"], label="II")
    axes[3].text(0.05, ylim[1] * 0.8, "II", fontsize=9)
    for ax in axes:
        ax.set_ylim(*ylim)
        ax.set_xticks(np.arange(0, t[-1] + 0.2, 0.2) if n else [], minor=True)
        ax.set_yticks(np.arange(np.ceil(ylim[0] * 2) / 2, ylim[1], 0.5))
        ax.grid(True, which="both", color="tab:red", alpha=0.25, lw=0.5)
        ax.set_ylabel("mV")
    axes[3].set_xlabel("time (s)")
    if truth is not None:
        axes[0].plot([], [], color="0.65", lw=1.2, label="true")
        axes[0].plot([], [], color="tab:red", lw=0.8, label="reconstructed")
        axes[0].plot([], [], color="k", lw=0.8, label="measured")
        axes[0].legend(loc="upper right", fontsize=8)
    fig.suptitle(title or f"12-lead ECG, {fs:g} Hz")
    fig.tight_layout()
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=100)
    plt.close(fig)
    return out
