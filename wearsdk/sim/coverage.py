"""Does the simulated population cover real PPG? Pulse features (:mod:`wearsdk.sim.pulse_features`) of
simulated participants next to those of two real finger-PPG sets, read from a data root the caller names.

* PPG-BP (Liang et al., Sci Data 5:180020, 2018): ``<root>/ppg_bp/segments/<subject>_<1..3>.txt``, 2.1 s at
  1 kHz each, 12-bit, hardware band-passed 0.5-12 Hz; a subject's three segments pool their beats.
* ``ppg_mw4``: ``<root>/ppg_mw4/bp_dataset_<id>.csv``, 60 s at 200 Hz, raw counts at 660 / 730 / 850 nm, pulses
  up as stored; each wavelength is one recording.

Coverage criterion (:func:`coverage_table`): the real 5th-95th percentile range of a feature must lie inside the
simulated 1st-99th. The real tails are left out (a mis-cut beat, a moving finger); the simulated 1st-99th rather
than its extremes, so that a single odd participant cannot make the test pass.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from wearsdk.errors import ConfigError, DataFormatError
from wearsdk.sim.cohort import Cohort
from wearsdk.sim.pulse_features import FEATURES, pulse_features

__all__ = ["PPG_BP_RATE", "MW4_RATE", "CoverageRow", "ppg_bp_recordings", "mw4_recordings", "feature_table",
           "real_features", "simulated_features", "coverage_table", "outside_simulated"]

#: Hz of PPG-BP's segments and of ``ppg_mw4``'s recordings.
PPG_BP_RATE, MW4_RATE = 1000.0, 200.0
_REAL_PERCENTILES, _SIM_PERCENTILES = (5.0, 95.0), (1.0, 99.0)


def _folder(root: Path | str, name: str) -> Path:
    folder = Path(root) / name
    if not folder.is_dir():
        raise ConfigError(f"no folder {name!r} under the data root {str(root)!r}; pass the folder that holds "
                          f"{name}/ (the shared real data, e.g. ../shared/data/real).")
    return folder


def ppg_bp_recordings(root: Path | str) -> Iterator[tuple[str, list[np.ndarray]]]:
    """``(subject, [three (2100,) segments])`` of PPG-BP under ``root`` (ADC counts at :data:`PPG_BP_RATE` Hz),
    subjects in numeric order."""
    folder = _folder(root, "ppg_bp") / "segments"
    subjects = sorted({p.name.split("_")[0] for p in folder.glob("*_1.txt")}, key=int)
    if not subjects:
        raise DataFormatError(f"no PPG-BP segments <subject>_1.txt in {folder}; is this the PPG-BP folder?")
    for s in subjects:
        yield s, [np.array((folder / f"{s}_{k}.txt").read_text().split(), float) for k in (1, 2, 3)]


def mw4_recordings(root: Path | str, seconds: float = 60.0) -> Iterator[tuple[str, np.ndarray]]:
    """``(name, (samples,) counts)`` of ``ppg_mw4`` under ``root`` at :data:`MW4_RATE` Hz, one per subject and
    wavelength (``"<id>/660nm"``), the first ``seconds`` of each."""
    folder = _folder(root, "ppg_mw4")
    files = sorted(folder.glob("bp_dataset_*.csv"), key=lambda p: int(p.stem.rsplit("_", 1)[1]))
    if not files:
        raise DataFormatError(f"no bp_dataset_<id>.csv in {folder}; is this the ppg_mw4 folder?")
    n = int(seconds * MW4_RATE)
    for path in files:
        header, *lines = path.read_text().split("\n", n + 1)[: n + 1]
        if header.strip() != "green_channel,red_channel,ir_channel":
            raise DataFormatError(f"{path.name}: header {header!r}; expected green_channel,red_channel,ir_channel.")
        x = np.array(" ".join(lines).replace(",", " ").split(), float).reshape(-1, 3)
        for c, nm in enumerate(("660nm", "730nm", "850nm")):
            yield f"{path.stem.rsplit('_', 1)[1]}/{nm}", x[:, c]


def feature_table(rows: list[dict[str, float]]) -> dict[str, np.ndarray]:
    """Columns ``{feature: (recordings,)}`` of per-recording feature dicts."""
    return {k: np.array([r[k] for r in rows]) for k in FEATURES}


def _features_or_none(x, fs: float) -> dict[str, float] | None:
    try:
        return pulse_features(x, sampling_rate=fs).as_dict()
    except ConfigError:  # no complete beat: counted by the caller, never filled in
        return None


def real_features(root: Path | str, mw4_seconds: float = 60.0) -> dict[str, tuple[dict[str, np.ndarray], int]]:
    """``{"ppg_bp": (table, skipped), "ppg_mw4": (table, skipped)}``: feature tables of the real recordings and
    how many had no complete beat."""
    out = {}
    for name, recs, fs in (("ppg_bp", ppg_bp_recordings(root), PPG_BP_RATE),
                           ("ppg_mw4", mw4_recordings(root, mw4_seconds), MW4_RATE)):
        rows = [_features_or_none(x, fs) for _, x in recs]
        out[name] = (feature_table([r for r in rows if r is not None]), sum(r is None for r in rows))
    return out


def simulated_features(n: int, *, seed: int = 0, seconds: float = 20.0, population: str = "wide",
                       ) -> tuple[dict[str, np.ndarray], int]:
    """Feature table of ``n`` simulated participants of ``population`` at rest, one PPG channel each
    (participant ``i``'s channel ``i % 4``) at their sensor's native rate, and how many had no complete beat."""
    rows = []
    for p in Cohort(n, seed=seed, population=population):
        rec = p.record(seconds, streams=("ppg",))
        rows.append(_features_or_none(rec.ppg[p.pid % 4].astype(np.float64), rec.sampling_rates["ppg"]))
    return feature_table([r for r in rows if r is not None]), sum(r is None for r in rows)


@dataclass(frozen=True)
class CoverageRow:
    """One feature of one real set: the real 5th-95th and simulated 1st-99th percentiles, whether the first lies
    inside the second, and how many real recordings lie outside the simulated 1st-99th."""

    feature: str
    real: tuple[float, float]
    simulated: tuple[float, float]
    covered: bool
    outside: int
    total: int


def _simulated_range(values: np.ndarray) -> tuple[float, float]:
    """The simulated 1st-99th percentile range of one feature's values."""
    lo, hi = np.percentile(values, _SIM_PERCENTILES)
    return float(lo), float(hi)


def coverage_table(sim: dict[str, np.ndarray], real: dict[str, np.ndarray]) -> list[CoverageRow]:
    """One :class:`CoverageRow` per feature (see the module docstring for the criterion)."""
    rows = []
    for k in FEATURES:
        r_lo, r_hi = (float(v) for v in np.percentile(real[k], _REAL_PERCENTILES))
        s_lo, s_hi = _simulated_range(sim[k])
        outside = int(np.count_nonzero((real[k] < s_lo) | (real[k] > s_hi)))
        rows.append(CoverageRow(k, (r_lo, r_hi), (s_lo, s_hi), s_lo <= r_lo and r_hi <= s_hi, outside,
                                int(real[k].size)))
    return rows


def outside_simulated(sim: dict[str, np.ndarray], features: dict[str, float]) -> list[str]:
    """The features of one recording (``{feature: value}``) outside the simulated 1st-99th percentile range."""
    ranges = {k: _simulated_range(sim[k]) for k in FEATURES}
    return [k for k in FEATURES if not ranges[k][0] <= features[k] <= ranges[k][1]]


def plot_coverage(simulated: dict[str, dict[str, np.ndarray]], real: dict[str, dict[str, np.ndarray]],
                  path: Path | str, marks: dict[str, dict[str, float]] | None = None) -> Path:
    """Histograms per feature (one panel each) of simulated populations ``{label: table}`` (the first filled, its
    1st-99th percentile range shaded; the others dashed) and real sets ``{label: table}`` (coloured outlines);
    ``marks`` ``{label: {feature: value}}``: single recordings drawn as labelled vertical lines; writes
    ``path``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from wearsdk._paths import output_file

    out = output_file(path, what="coverage figure")
    fig, axes = plt.subplots(1, len(FEATURES), figsize=(3.2 * len(FEATURES), 3.0))
    first = next(iter(simulated.values()))
    for ax, k in zip(axes, FEATURES, strict=True):
        values = [t[k] for t in (*simulated.values(), *real.values())] + [[f[k]] for f in (marks or {}).values()]
        bins = np.linspace(min(float(np.min(v)) for v in values), max(float(np.max(v)) for v in values), 31)
        ax.axvspan(*_simulated_range(first[k]), color="0.9", zorder=0)
        for i, (label, t) in enumerate(simulated.items()):
            style = ({"histtype": "stepfilled", "color": "0.55", "alpha": 0.7} if i == 0 else
                     {"histtype": "step", "color": "0.2", "ls": "--", "lw": 1.0})
            ax.hist(t[k], bins=bins, density=True, label=f"{label} (n={t[k].size})", **style)
        for (label, t), color in zip(real.items(), ("tab:blue", "tab:orange", "tab:green"), strict=False):
            ax.hist(t[k], bins=bins, density=True, histtype="step", lw=1.6, color=color,
                    label=f"{label} (n={t[k].size})")
        for i, (label, f) in enumerate((marks or {}).items()):
            ax.axvline(f[k], color=plt.cm.tab10(4 + i % 6), lw=1.2, ls=":", label=label)
        ax.set_title(k)
        ax.set_yticks([])
    axes[0].legend(fontsize=7, loc="upper right")
    fig.suptitle("PPG pulse features: simulated populations vs real finger PPG (shaded: first simulated 1-99 %)",
                 fontsize=10)
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out
