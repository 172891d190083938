"""Draw simulated vs real median beats side by side (12-lead ECG and PPG) into docs/sim_vs_real.png.

Usage: python examples/simulate_vs_real.py [--real ../shared/data/real] [--out docs/sim_vs_real.png]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from scipy.signal import butter, sosfiltfilt

from wearsdk.io import read
from wearsdk.peaks import ecg_peaks, ppg_peaks
from wearsdk.sim import LEADS, Cohort, Noise

REPO = Path(__file__).resolve().parents[1]


def median_ecg_beat(ecg: np.ndarray, fs: float) -> np.ndarray:
    """(12, 0.9 s) median beat around R peaks of lead II, baseline removed, after a 0.5-40 Hz band-pass."""
    x = sosfiltfilt(butter(2, [0.5, 40], "bandpass", fs=fs, output="sos"), ecg, axis=1)
    r = ecg_peaks(x[1], sampling_rate=fs)
    pre, post = int(0.3 * fs), int(0.6 * fs)
    r = r[(r > pre) & (r < x.shape[1] - post)]
    beat = np.median(np.stack([x[:, k - pre:k + post] for k in r]), axis=0)
    return beat - beat[:, : int(0.04 * fs)].mean(axis=1, keepdims=True)


def median_pulse(x: np.ndarray, fs: float) -> np.ndarray:
    """Median foot-to-foot pulse on 100 points, scaled to [0, 1]."""
    pk = ppg_peaks(x, sampling_rate=fs)
    rr = float(np.median(np.diff(pk)))
    feet = [max(int(p - 0.5 * rr), 0) + int(np.argmin(x[max(int(p - 0.5 * rr), 0):p + 1])) for p in pk]
    beats = [np.interp(np.linspace(a, b, 100), np.arange(x.size), x) for a, b in zip(feet[:-1], feet[1:], strict=True)
             if 0.7 * rr < b - a < 1.3 * rr]
    t = np.median(np.stack([(b - b.min()) / np.ptp(b) for b in beats]), axis=0)
    return t


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--real", type=Path, default=REPO.parent / "shared" / "data" / "real")
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "sim_vs_real.png")
    args = parser.parse_args()

    real = read(args.real / "cinc2021" / "E07500")
    real_beat = median_ecg_beat(real.signals, real.sampling_rate)
    # the closest of 40 simulated participants (mean per-lead correlation of the median beats)
    candidates = [median_ecg_beat(p.record(10.0).ecg.astype(np.float64), 500.0)
                  for p in Cohort(40, seed=2, prevalence={})]
    score = [np.mean([np.corrcoef(a, b)[0, 1] for a, b in zip(c, real_beat, strict=True)]) for c in candidates]
    sim_beat = candidates[int(np.argmax(score))]
    t = (np.arange(real_beat.shape[1]) - int(0.3 * 500)) / 500

    fig = plt.figure(figsize=(15, 9))
    grid = fig.add_gridspec(3, 5)
    for i, lead in enumerate(LEADS):
        ax = fig.add_subplot(grid[i % 3, i // 3])
        ax.plot(t, real_beat[i], color="k", lw=1.2, label="real (Georgia E07500)")
        ax.plot(t, sim_beat[i], color="tab:red", lw=1.2, label=f"simulated (closest of 40, r={max(score):.2f})")
        ax.set_title(lead, fontsize=10)
        ax.set_ylim(-1.6, 1.8)
        ax.grid(alpha=0.3)
        if i == 0:
            ax.legend(fontsize=7, loc="upper right")
        if i % 3 == 2:
            ax.set_xlabel("s from R")
        if i < 3:
            ax.set_ylabel("mV")
    ax = fig.add_subplot(grid[:, 4])
    finger = read(args.real / "bitalino" / "biosppy_ppg.txt")
    ax.plot(np.linspace(0, 1, 100), median_pulse(finger.signals[0], finger.sampling_rate), color="k",
            label="real PPG (BioSPPy finger)")
    hp = read(args.real / "wearable_ppg" / "heartpy_data2.csv")
    ax.plot(np.linspace(0, 1, 100), median_pulse(hp.signals[0], hp.sampling_rate), color="0.5",
            label="real PPG (HeartPy)")
    for p in list(Cohort(10, seed=3, prevalence={}))[:3]:
        rec = p.record(30.0, noise=Noise.clean())
        ax.plot(np.linspace(0, 1, 100), median_pulse(rec.ppg[0].astype(np.float64), 64.0), color="tab:red",
                alpha=0.8, label=f"simulated green, PWV {p.traits.pwv:.1f} m/s")
    ax.set_xlabel("fraction of the beat (foot to foot)")
    ax.set_title("PPG median pulse (scaled 0-1)", fontsize=10)
    ax.legend(fontsize=7)
    fig.suptitle("wearsdk.sim vs real recordings: median beats, same processing for both")
    fig.tight_layout()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(args.out, dpi=90)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
