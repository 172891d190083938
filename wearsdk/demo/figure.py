"""The demo's figures: ``demo.png`` (the watch's raw streams with their detected beats, heart rate and the heads'
probabilities against the truth) and ``demo_12lead.png`` (the patch's last complete window in 12 leads)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from wearsdk.demo.runners import WatchRun
from wearsdk.demo.scenario import DemoConfig
from wearsdk.peaks import ecg_peaks, ppg_peaks
from wearsdk.signal import PATCH_LEADS
from wearsdk.sim import Truth

__all__ = ["demo_figure", "twelve_lead_figure"]


def demo_figure(cfg: DemoConfig, truth: Truth, run: WatchRun, summary: dict[str, Any], path: Path) -> None:
    """Writes ``path`` (PNG): the first channel of each watch stream with its beats, heart rate per window (beat
    detector, encoder head, truth; ``motion_locked`` windows marked) and the heads' AF and quality probabilities."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(4, 1, figsize=(12, 10), constrained_layout=True, sharex=True,
                             gridspec_kw={"height_ratios": [3, 3, 3, 2]})
    panels = ((axes[0], "ppg", ppg_peaks, "PPG green (a.u.)"), (axes[1], "ecg", ecg_peaks, "ECG lead I (mV)"))
    for ax, stream, detect, label in panels:
        if not run.raw[stream]:
            continue
        rate = run.rates[stream]
        x = np.concatenate(run.raw[stream], axis=-1)[0]
        t = np.arange(x.size) / rate
        ax.plot(t, x, lw=0.6, color="k")
        peaks = detect(x, sampling_rate=rate)
        ax.plot(t[peaks], x[peaks], "o", ms=3, color="tab:red", label="detected beats")
        ax.set_ylabel(label)
        ax.legend(loc="upper right")
    colors = {"ppg": "tab:green", "ecg": "tab:blue"}
    for stream, color in colors.items():
        mine = [r for r in run.rows if r["stream"] == stream]
        axes[2].plot([r["t_end_s"] for r in mine], [r["hr_bpm"] for r in mine], "o-", ms=3, color=color,
                     label=f"{stream.upper()} HR (beats, 10 s)")
        locked = [r for r in mine if r.get("motion_locked")]
        if locked:
            axes[2].plot([r["t_end_s"] for r in locked], [r["hr_bpm"] for r in locked], "x", ms=9, mew=2,
                         color="tab:orange", label=f"{stream.upper()} rate follows the arm swing (motion_locked)")
        enc = [r for r in run.encoder_rows if r["stream"] == stream]
        if enc:
            axes[2].plot([r["t_end_s"] for r in enc], [r["head_hr_bpm"] for r in enc], "s--", ms=5, color=color,
                         mfc="none", label=f"{stream.upper()} HR (int8 encoder head)")
    axes[2].plot(np.arange(len(truth.hr_per_s)) + 0.5, truth.hr_per_s, color="k", lw=1, label="simulator truth")
    axes[2].set_ylabel("heart rate (bpm)")
    axes[2].legend(loc="upper left", fontsize=8)
    ax = axes[3]
    seconds = np.arange(len(truth.rhythm_per_s))
    ax.fill_between(seconds, 0, 1, where=truth.rhythm_per_s == "AF", step="post", color="tab:red", alpha=0.12,
                    lw=0, label="true AF")
    for stream, color in colors.items():
        enc = [r for r in run.encoder_rows if r["stream"] == stream]
        if enc:
            t = [r["t_end_s"] for r in enc]
            ax.plot(t, [r["head_af_prob"] for r in enc], "o-", ms=4, color=color, label=f"{stream.upper()} AF prob")
            ax.plot(t, [r["head_quality_prob"] for r in enc], "^:", ms=4, color=color,
                    label=f"{stream.upper()} quality prob")
    ax.axhline(0.5, color="grey", lw=0.5)
    ax.set_ylim(-0.05, 1.05)
    ax.set_ylabel("probability")
    ax.set_xlabel("device time (s)")
    not_run = [f"{s.upper()}: {e['reason']}" for s, e in summary["encoders"].items() if not e["ran"]]
    if not_run:
        ax.text(0.01, 0.5, "encoders NOT run\n" + "\n".join(not_run), transform=ax.transAxes, va="center",
                fontsize=8, color="tab:red", wrap=True)
    ax.legend(loc="upper right", fontsize=8, ncol=3)
    fig.suptitle(f"wearsdk demo: participant {cfg.participant}"
                 f"{' (' + cfg.condition + ')' if cfg.condition else ''}, motion {cfg.motion}")
    fig.savefig(path, dpi=110)
    plt.close(fig)


def twelve_lead_figure(res: dict[str, Any], path: Path) -> None:
    """Writes ``path`` (PNG): the last complete window of :func:`~wearsdk.demo.twelve_lead_windows` in the
    standard layout, reconstructed (red) over the simulator's true leads (grey)."""
    from wearsdk.plot import plot_12lead

    t0 = res["starts_s"][-1]
    plot_12lead(res["reconstructed"], path, sampling_rate=res["rate_hz"], truth=res["true"], measured=PATCH_LEADS,
                title=f"chest patch II, V1, V5 -> 12 leads (red) vs the simulator's true leads (grey), "
                      f"{t0:g}-{t0 + res['window_s']:g} s")
