"""Clean 12-lead ECG from beats and a wave table (vectorised; any sampling rate)."""

from __future__ import annotations

import numpy as np

from wearsdk.sim._kernels import gaussian_train
from wearsdk.sim._smooth import band_noise
from wearsdk.sim.morphology import WaveTable
from wearsdk.sim.rhythm import Beats, Drives

__all__ = ["synthesize_ecg"]


def synthesize_ecg(t: np.ndarray, beats: Beats, table: WaveTable, drives: Drives,
                   rng: np.random.Generator) -> np.ndarray:
    """Noise-free 12-lead ECG ``(12, samples)`` float32 in mV at times ``t`` (s, uniformly spaced).

    Respiration rotates the dipole about the sagittal axis by up to +-4 degrees and scales it by +-5 %
    (changing heart position and thoracic impedance); each beat's waves vary in amplitude by ~3 %.
    """
    fs = 1.0 / (t[1] - t[0])
    scale = np.clip(beats.rr, 0.3, 2.0)
    n_w = len(table.names)
    amp_jitter = 1.0 + 0.03 * rng.standard_normal((beats.times.size, n_w))
    g = np.empty((n_w, t.size), dtype=np.float32)
    for w in range(n_w):
        s = scale ** table.rr_exp[w]
        amps = amp_jitter[:, w] * (beats.kind == table.kind[w])
        if table.atrial[w]:
            amps = amps * beats.sinus
        g[w] = gaussian_train(t.size, fs, beats.times + table.offset[w] * s - t[0], table.sigma[w] * s, amps)
    vcg = table.dipole.astype(np.float32) @ g
    resp = drives.at("resp", t).astype(np.float32)
    angle = np.float32(np.deg2rad(4.0)) * resp
    gain = 1.0 + np.float32(0.05) * resp
    c, s_ = np.cos(angle) * gain, np.sin(angle) * gain
    x, y = vcg[0].copy(), vcg[1]
    vcg[0] = c * x - s_ * y
    vcg[1] = s_ * x + c * y
    vcg[2] *= gain
    if np.any(table.fwave):
        freq = 6.0 + 0.8 * band_noise(rng, t.size, fs, 0.01, 0.5)
        envelope = 1.0 + 0.4 * band_noise(rng, t.size, fs, 0.05, 1.0)
        vcg += np.outer(table.fwave, envelope * np.sin(2 * np.pi * np.cumsum(freq) / fs))
    ecg = table.projection.astype(np.float32) @ vcg
    ecg[6:] += table.local.astype(np.float32) @ g
    return ecg
