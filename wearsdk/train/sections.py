"""The sections of a :class:`~wearsdk.train.TrainConfig`: optimizer, self-supervised loss, lead VAE loss,
distillation, augmentations and data, each a frozen dataclass that checks its values when built and names the
bad key in a :class:`~wearsdk.ConfigError`."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from wearsdk.errors import ConfigError
from wearsdk.signal import STANDARD_LEADS
from wearsdk.sim import ACTIVITY_CYCLE
from wearsdk.sim.traits import POPULATIONS

__all__ = ["AugmentConfig", "OptimConfig", "SSLConfig", "VAEConfig", "DistillConfig", "DataConfig", "REAL_SOURCES",
           "REAL_SOURCE_RECIPES"]

#: Data sources that mix real labelled records with the simulator (:mod:`wearsdk.train.real.pretrain`).
REAL_SOURCES = ("real_ecg", "real_ppg")
#: The recipes each real source feeds.
REAL_SOURCE_RECIPES = {"real_ecg": ("ecg_ssl", "ecg_distill"), "real_ppg": ("ppg_ssl", "ppg_distill")}


def _prob(owner: str, key: str, value: float) -> None:
    if not 0.0 <= value <= 1.0:
        raise ConfigError(f"{owner}.{key}: expected a probability in [0, 1], got {value!r}.")


def _pos(owner: str, key: str, value: float, allow_zero: bool = False) -> None:
    if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0 or (value == 0 and not allow_zero):
        raise ConfigError(
            f"{owner}.{key}: expected a {'non-negative' if allow_zero else 'positive'} number, got {value!r}."
        )


def _int(owner: str, key: str, value: int, minimum: int = 1) -> None:
    if not isinstance(value, int) or value < minimum:
        want = "a positive integer" if minimum == 1 else f"an integer >= {minimum}"
        raise ConfigError(f"{owner}.{key}: expected {want}, got {value!r}.")


@dataclass(frozen=True)
class AugmentConfig:
    """Stochastic augmentations of the self-supervised recipe (Abbaspourazad et al., ICLR 2024).

    Each augmentation is applied to a view independently with its probability ``p_*``.

    Attributes:
        p_cutout: probability of zeroing one contiguous segment (all channels).
        cutout_max_fraction: longest cut-out as a fraction of the window.
        p_magnitude_warp: probability of multiplying by a smooth random gain curve.
        magnitude_warp_sigma: SD of the gain-curve knots around 1.
        magnitude_warp_knots: number of knots of the gain curve.
        p_time_warp: probability of a smooth monotone time warp (local speed changes).
        time_warp_sigma: SD of the local speed factors around 1.
        time_warp_knots: number of knots of the speed curve.
        p_noise: probability of adding Gaussian noise.
        noise_sigma: noise SD relative to each channel's SD.
        p_channel_permutation: probability of permuting the channels (PPG only; 0 for single-lead ECG).
        p_channel_collapse: probability of copying one random channel onto every channel, as a single-sensor
            device does when it feeds its one PPG channel to all four inputs (0.25 in the PPG distillation
            presets, with ``p_low_rate`` and the log-norm term; alone it did not bring the student closer to
            its teacher on real single-channel records). Its coin is drawn only when this is > 0, so runs
            configured without it keep their random stream.
        p_low_rate: probability of reading the window as a slower device with a jittery clock does and
            interpolating it back to the model rate (:func:`wearsdk.train.augment.low_rate`; smartwatches log PPG
            at 20-25 Hz). Its coins are drawn only when this is > 0.
        low_rate_min_fraction, low_rate_max_fraction: the device's rate as a fraction of the model's, drawn
            uniformly in this range (0.25-0.5: 16-32 Hz for a 64 Hz model).
    """

    p_cutout: float = 0.4
    cutout_max_fraction: float = 0.25
    p_magnitude_warp: float = 0.4
    magnitude_warp_sigma: float = 0.2
    magnitude_warp_knots: int = 4
    p_time_warp: float = 0.4
    time_warp_sigma: float = 0.2
    time_warp_knots: int = 4
    p_noise: float = 0.4
    noise_sigma: float = 0.1
    p_channel_permutation: float = 0.25
    p_channel_collapse: float = 0.0
    p_low_rate: float = 0.0
    low_rate_min_fraction: float = 0.25
    low_rate_max_fraction: float = 0.5

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.name.startswith("p_"):
                _prob("AugmentConfig", f.name, value)
            elif f.name.endswith("_knots"):
                _int("AugmentConfig", f.name, value, minimum=2)
            else:
                _pos("AugmentConfig", f.name, value, allow_zero=True)
        if self.cutout_max_fraction >= 1:
            raise ConfigError(
                f"AugmentConfig.cutout_max_fraction: expected < 1 (a fraction of the window), "
                f"got {self.cutout_max_fraction!r}."
            )
        if self.time_warp_sigma >= 1:
            raise ConfigError(f"AugmentConfig.time_warp_sigma: expected < 1, got {self.time_warp_sigma!r}.")
        if not 0 < self.low_rate_min_fraction <= self.low_rate_max_fraction <= 1:
            raise ConfigError(
                "AugmentConfig.low_rate_min_fraction / low_rate_max_fraction: expected 0 < min <= max <= 1 (the "
                f"device's rate as a fraction of the model's), got {self.low_rate_min_fraction!r} / "
                f"{self.low_rate_max_fraction!r}."
            )


@dataclass(frozen=True)
class OptimConfig:
    """AdamW with linear warm-up then cosine decay, gradient clipping and accumulation.

    Attributes:
        lr: peak learning rate.
        weight_decay: AdamW weight decay (not applied to norms and biases).
        betas: AdamW betas.
        warmup_steps: linear warm-up from 0 to ``lr``.
        min_lr_ratio: the cosine decays to ``lr * min_lr_ratio`` at the last step.
        grad_clip: max global gradient norm (0 disables clipping).
        grad_accum: micro-batches accumulated per optimizer step (per process).
    """

    lr: float = 1e-3
    weight_decay: float = 0.05
    betas: tuple[float, float] = (0.9, 0.999)
    warmup_steps: int = 100
    min_lr_ratio: float = 0.01
    grad_clip: float = 1.0
    grad_accum: int = 1

    def __post_init__(self) -> None:
        _pos("OptimConfig", "lr", self.lr)
        _pos("OptimConfig", "weight_decay", self.weight_decay, allow_zero=True)
        _pos("OptimConfig", "grad_clip", self.grad_clip, allow_zero=True)
        if len(self.betas) != 2 or not all(0 <= b < 1 for b in self.betas):
            raise ConfigError(f"OptimConfig.betas: expected two values in [0, 1), got {self.betas!r}.")
        _int("OptimConfig", "warmup_steps", self.warmup_steps, minimum=0)
        if not 0 <= self.min_lr_ratio <= 1:
            raise ConfigError(f"OptimConfig.min_lr_ratio: expected a value in [0, 1], got {self.min_lr_ratio!r}.")
        _int("OptimConfig", "grad_accum", self.grad_accum)


@dataclass(frozen=True)
class SSLConfig:
    """Loss and target network of the self-supervised recipe (Abbaspourazad et al., ICLR 2024).

    Attributes:
        temperature: InfoNCE temperature on L2-normalised projections (paper: 0.04).
        koleo_weight: weight of the KoLeo regulariser on the online projections (paper: 0.1).
        ema_momentum: momentum of the target (EMA) encoder and projector (paper: 0.99).
        proj_dim: projection size (paper: 128).
        proj_hidden_dim: hidden width of the projection MLP.
        supervised_weight: weight of the multi-task term on real labels (rhythm class, NORM vs abnormal, age,
            sex, heart rate) added with ``data.source = "real_ecg"`` (:mod:`wearsdk.train.real.pretrain`);
            0 = purely self-supervised.
        beat_targets: with ``data.source = "real_ecg"`` and the multi-task term, also teach three beat-interval
            features of ``ecg_peaks`` (RR irregularity, RR range ratio, pNN50: what the hand-crafted AF baseline
            reads; :data:`wearsdk.train.real.pretrain.BEAT_TARGETS`).
    """

    temperature: float = 0.04
    koleo_weight: float = 0.1
    ema_momentum: float = 0.99
    proj_dim: int = 128
    proj_hidden_dim: int = 512
    supervised_weight: float = 0.0
    beat_targets: bool = False

    def __post_init__(self) -> None:
        _pos("SSLConfig", "temperature", self.temperature)
        _pos("SSLConfig", "supervised_weight", self.supervised_weight, allow_zero=True)
        _pos("SSLConfig", "koleo_weight", self.koleo_weight, allow_zero=True)
        if not 0 <= self.ema_momentum < 1:
            raise ConfigError(f"SSLConfig.ema_momentum: expected a value in [0, 1), got {self.ema_momentum!r}.")
        for key in ("proj_dim", "proj_hidden_dim"):
            _int("SSLConfig", key, getattr(self, key))


@dataclass(frozen=True)
class VAEConfig:
    """Loss of the lead VAE (WearECG recipe).

    Attributes:
        kl_weight: final weight of the KL term (per latent element, relative to the per-sample reconstruction
            error); recipe: ~1e-4.
        kl_warmup_steps: the KL weight ramps linearly from 0 to ``kl_weight`` over these steps.
        recon: ``"mse"`` (same units as the data, e.g. mV) or ``"zscore_mse"`` (each predicted lead is
            z-scored over time before the MSE against the z-scored target: a per-lead scale-invariant loss,
            ``2 (1 - r)``, for records whose amplitudes were z-scored by the source, e.g. PTB-XL here).
        input_leads_weight: weight of the error on the measured (input) leads relative to the others.
    """

    kl_weight: float = 1e-4
    kl_warmup_steps: int = 1000
    recon: str = "mse"
    input_leads_weight: float = 1.0

    def __post_init__(self) -> None:
        _pos("VAEConfig", "kl_weight", self.kl_weight, allow_zero=True)
        _int("VAEConfig", "kl_warmup_steps", self.kl_warmup_steps, minimum=0)
        if self.recon not in ("mse", "zscore_mse"):
            raise ConfigError(f"VAEConfig.recon: expected 'mse' or 'zscore_mse', got {self.recon!r}.")
        _pos("VAEConfig", "input_leads_weight", self.input_leads_weight, allow_zero=True)


@dataclass(frozen=True)
class DistillConfig:
    """Distillation of a compact student from a trained teacher (recipes ``*_distill``).

    Encoders: the student sees the same augmented window as the frozen teacher and matches its 256-d
    embedding (``e_s``, ``e_t``, ``(batch, 256)``)::

        L = w_cos * mean(1 - cos(e_s, e_t)) + w_mse * mean(|e_s - e_t|^2) / mean(|e_t|^2)
            + w_rel * KL(softmax(S_t / tau) || softmax(S_s / tau))
            + w_std * mean_d(((u_s - u_t)_d / sd_d(u_t))^2)
            + w_lognorm * var_batch(log|e_s| - log|e_t|)

    where ``S`` are the in-batch cosine similarities (diagonal excluded): the relational term keeps the
    teacher's neighbourhood structure; ``u = e / |e|`` and ``sd_d`` is the teacher's SD of dim ``d`` over the
    batch: the standardized term weighs every embedding dimension alike. The lead VAE student matches the
    teacher's reconstruction and the ground truth:
    ``L = w_teacher * recon(y_s, y_t) + w_truth * recon(y_s, y) + beta * KL`` (``vae.*`` settings).

    Attributes:
        teacher: the teacher's weights: the ``model.pt`` (or a checkpoint) of a finished ``wearsdk train`` run;
            its stored config names the teacher model. Its input spec must equal the student's.
        cosine_weight: weight of the cosine term (encoders).
        mse_weight: weight of the embedding MSE relative to the teacher's mean squared norm (encoders). Off by
            default: a teacher trained at rest embeds motion windows with norms 60-300x larger, and matching those
            norms made the student's activations grow alike, beyond any static int8 range that also fits rest
            windows; the cosine and relational terms are scale-free.
        relational_weight: weight of the relational KL term (encoders).
        relational_temperature: softmax temperature of the relational term.
        standardized_weight: weight of the per-dimension standardized error of the unit-normalised embeddings
            (encoders). The cosine is dominated by the few high-variance dimensions; the ones a linear head reads
            for heart rate vary little, and a student matched by cosine alone kept its teacher's heart-rate
            readout on simulated windows but not on real ones. Scale-free like the cosine.
        lognorm_weight: weight of the batch variance of ``log|e_s| - log|e_t|`` (encoders): the student's norms
            follow the teacher's up to one common factor (still scale-free). A teacher's norm is its confidence:
            on windows unlike its training data (a one-channel 20 Hz smartwatch) its norm falls 100x and a linear
            head returns about its intercept; cosine and relational terms leave the student's norm free.
        teacher_weight: weight of the error to the teacher's reconstruction (VAE).
        truth_weight: weight of the error to the true 12 leads (VAE).
    """

    teacher: str | None = None
    cosine_weight: float = 1.0
    mse_weight: float = 0.0
    relational_weight: float = 1.0
    relational_temperature: float = 0.1
    standardized_weight: float = 0.0
    lognorm_weight: float = 0.0
    teacher_weight: float = 1.0
    truth_weight: float = 1.0

    def __post_init__(self) -> None:
        for key in ("cosine_weight", "mse_weight", "relational_weight", "standardized_weight", "lognorm_weight",
                    "teacher_weight", "truth_weight"):
            _pos("DistillConfig", key, getattr(self, key), allow_zero=True)
        _pos("DistillConfig", "relational_temperature", self.relational_temperature)


@dataclass(frozen=True)
class DataConfig:
    """Where the training windows come from.

    Attributes:
        source: ``"synthetic"`` (a tiny seeded toy source for tests and smoke runs, not physiological),
            ``"sim"`` (the ``wearsdk.sim`` cohort, infinite and seeded), ``"ptbxl"`` (the PTB-XL folder
            layout: ``records_index.csv`` + ``records100/``), ``"wfdb"`` (any folder of WFDB records plus a
            CSV naming each record's subject), ``"real_ecg"`` (``ecg_ssl`` only: the training records of
            ``root/cinc2017`` and ``root/ptbxl`` lead I mixed with the ``sim`` cohort) or ``"real_ppg"``
            (``ppg_ssl`` only: PPG-BP's training subjects as pulse trains mixed with the ``sim`` cohort;
            :mod:`wearsdk.train.real.pretrain`).
        root: folder of ``ptbxl`` / ``wfdb`` data, or the real-data root of ``real_ecg`` / ``real_ppg`` (required
            for those).
        real_fraction: ``real_*``: fraction of each batch's positive pairs drawn from real records.
        dev_fraction: ``real_*``: fraction of the training patients held out to watch the run (the datasets'
            validation split is never read in training).
        sim_targets: ``real_*``: the simulated windows carry their true heart rate as a target of the multi-task
            term (held in memory), and with several ``activities`` positive pairs stay within one activity.
        sim_hr_activities: ``real_*`` with ``sim_targets``: the activities whose simulated windows carry the HR
            target (the others: NaN). Under walking or running the simulated pulse is mostly motion; taught there
            with ``sim_rate_stretch``, the HR term stayed at ~15-20 bpm (2026-12-03).
        sim_rate_stretch: ``real_*`` with ``sim_targets``: each simulated pair is played at a rate drawn
            log-uniformly in ``[1 / (1 + s), 1 + s]`` x its own (both views alike, its HR target scaled with it;
            :func:`wearsdk.train.real.pretrain.rate_stretch`), so that a participant's identity no longer tells
            its heart rate and the embedding has to read the pulse. 0 (the default) leaves the windows as simulated.
            Used at 0.3 in runs E-I (``docs/reports/ppg_real_runs_not_bundled.json``): with HR targets at rest the
            embedding's linear HR read-out of held-out simulated participants went from 22.4 bpm (0.1.0) to 7.1,
            and most devices were read better, but the ICU monitor worse; not in a preset.
        population: ``sim``: the simulated trait distribution (:data:`wearsdk.sim.traits.POPULATIONS`;
            ``"wide"``: heart rates 40-180 bpm, ages 18-90, finger and wrist sites, randomised devices).
        subjects_csv: for ``wfdb``: CSV with columns ``record`` and ``subject_id``.
        num_participants: participants of the synthetic / simulated cohort used for training.
        segments_per_participant: windows per participant (positive pairs are drawn among them).
        val_participants: held-out participants (synthetic / sim) for validation.
        num_workers: DataLoader worker processes (0 = load in the training process).
        cache: generate/read every window once and keep them in memory (small cohorts on a CPU; the
            augmentations still differ at every step).
        activities: ``sim`` encoder windows only: segment ``s`` of a participant is recorded during
            ``activities[s % len(activities)]`` (:data:`wearsdk.sim.ACTIVITY_CYCLE`). Training at rest only leaves
            motion windows out of distribution: their activations grow far beyond the calibrated int8 ranges.
        ecg_leads: ``sim`` ECG encoder windows only: segment ``s`` of participant ``p`` is lead
            ``ecg_leads[(p + s) % len(ecg_leads)]`` (names of :data:`wearsdk.signal.STANDARD_LEADS`). The watch
            records lead I; distilling on other leads too keeps the student close to its teacher on chest patches
            and Holters (e.g. MIT-BIH's MLII), which a lead-I-only student follows poorly.
    """

    source: str = "synthetic"
    root: str | None = None
    subjects_csv: str | None = None
    num_participants: int = 64
    segments_per_participant: int = 4
    val_participants: int = 16
    num_workers: int = 0
    cache: bool = False
    activities: tuple[str, ...] = ("rest",)
    ecg_leads: tuple[str, ...] = ("I",)
    real_fraction: float = 0.75
    dev_fraction: float = 0.1
    population: str = "default"
    sim_targets: bool = False
    sim_hr_activities: tuple[str, ...] = ACTIVITY_CYCLE
    sim_rate_stretch: float = 0.0

    def __post_init__(self) -> None:
        if self.source not in REAL_SOURCES + ("synthetic", "sim", "ptbxl", "wfdb"):
            raise ConfigError(
                "DataConfig.source: expected 'synthetic', 'sim', 'ptbxl', 'wfdb', 'real_ecg' or 'real_ppg', got "
                f"{self.source!r}."
            )
        if self.population not in POPULATIONS:
            raise ConfigError(f"DataConfig.population: expected one of {sorted(POPULATIONS)}, got "
                              f"{self.population!r}.")
        _prob("DataConfig", "real_fraction", self.real_fraction)
        if not 0.0 <= self.sim_rate_stretch <= 1.0:
            raise ConfigError(f"DataConfig.sim_rate_stretch: expected a value in [0, 1] (0.3: rates 0.77-1.3x), got "
                              f"{self.sim_rate_stretch!r}.")
        if isinstance(self.sim_hr_activities, str) or not set(self.sim_hr_activities) <= set(ACTIVITY_CYCLE):
            raise ConfigError(f"DataConfig.sim_hr_activities: expected a list of {list(ACTIVITY_CYCLE)}, got "
                              f"{self.sim_hr_activities!r}.")
        if self.sim_rate_stretch and not self.sim_targets:
            raise ConfigError("DataConfig.sim_rate_stretch scales the simulated windows' HR targets; set "
                              "data.sim_targets=true with it.")
        if not 0.0 <= self.dev_fraction < 1.0:
            raise ConfigError(f"DataConfig.dev_fraction: expected a value in [0, 1), got {self.dev_fraction!r}.")
        if self.source in ("ptbxl", "wfdb") + REAL_SOURCES and not self.root:
            raise ConfigError(f"DataConfig.root: source {self.source!r} needs a data folder; set data.root=PATH.")
        if self.source == "wfdb" and not self.subjects_csv:
            raise ConfigError("DataConfig.subjects_csv: source 'wfdb' needs a CSV with columns record,subject_id.")
        for key in ("num_participants", "segments_per_participant", "val_participants"):
            _int("DataConfig", key, getattr(self, key))
        if self.segments_per_participant < 2 and self.source in ("synthetic", "sim") + REAL_SOURCES:
            raise ConfigError(
                "DataConfig.segments_per_participant: positive pairs need >= 2 segments per participant, got "
                f"{self.segments_per_participant}."
            )
        _int("DataConfig", "num_workers", self.num_workers, minimum=0)
        if isinstance(self.activities, str) or not self.activities or not set(self.activities) <= set(ACTIVITY_CYCLE):
            raise ConfigError(
                f"DataConfig.activities: expected a non-empty list of {list(ACTIVITY_CYCLE)}, got {self.activities!r}."
            )
        if isinstance(self.ecg_leads, str) or not self.ecg_leads or not set(self.ecg_leads) <= set(STANDARD_LEADS):
            raise ConfigError(
                f"DataConfig.ecg_leads: expected a non-empty list of lead names from {list(STANDARD_LEADS)}, got "
                f"{self.ecg_leads!r}."
            )
