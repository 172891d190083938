"""Training configs: every hyper-parameter of every recipe, validated before training starts.

A :class:`TrainConfig` is built from a recipe (``ppg_ssl``, ``ecg_ssl``, ``lead_vae`` and their ``*_distill``
students) and a preset (``tiny`` for tests and smoke runs, ``cpu`` for a small real run on a laptop, ``full`` for
GPUs; the table :data:`wearsdk.train.presets.PRESET_TABLE`) by :func:`get_config`, then adjusted with dotted
overrides (``{"optim.lr": 1e-3, "ssl.temperature": 0.1}``). Unknown keys and impossible values raise
:class:`~wearsdk.ConfigError` naming the key: values when the config is built, the model (its card's modality
and task must be the recipe's) and the files it names in :meth:`TrainConfig.resolve`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wearsdk.errors import ConfigError
from wearsdk.models._config import from_dict_checked, replace_checked
from wearsdk.train.sections import (
    REAL_SOURCE_RECIPES,
    REAL_SOURCES,
    AugmentConfig,
    DataConfig,
    DistillConfig,
    OptimConfig,
    SSLConfig,
    VAEConfig,
)

if TYPE_CHECKING:
    from wearsdk.models import ModelCard

__all__ = [
    "TrainConfig",
    "RECIPES",
    "RECIPE_FAMILIES",
    "PRESETS",
    "distill_recipe",
    "get_config",
    "config_from_dict",
    "apply_overrides",
]

#: recipe -> the (modality, task) of the models it trains, read from their cards.
RECIPE_FAMILIES: dict[str, tuple[str, str]] = {
    "ppg_ssl": ("ppg", "embedding"), "ecg_ssl": ("ecg", "embedding"), "lead_vae": ("ecg", "lead_reconstruction"),
    "ppg_distill": ("ppg", "embedding"), "ecg_distill": ("ecg", "embedding"),
    "lead_vae_distill": ("ecg", "lead_reconstruction"),
}
RECIPES = tuple(RECIPE_FAMILIES)
PRESETS = ("tiny", "cpu", "real", "full")


def distill_recipe(card: ModelCard) -> str:
    """The distillation recipe of a student model, from its card's modality and task."""
    family = (card.modality, card.task)
    for recipe, fam in RECIPE_FAMILIES.items():
        if recipe.endswith("_distill") and fam == family:
            return recipe
    raise ConfigError(
        f"{card.name!r} is a {card.modality} model with task {card.task!r}; the distillation recipes take "
        f"{sorted({f for r, f in RECIPE_FAMILIES.items() if r.endswith('_distill')})} (modality, task)."
    )


@dataclass(frozen=True)
class TrainConfig:
    """One training run.

    Attributes:
        recipe: ``"ppg_ssl"``, ``"ecg_ssl"``, ``"lead_vae"`` (training from scratch) or ``"ppg_distill"``,
            ``"ecg_distill"``, ``"lead_vae_distill"`` (a compact student distilled from ``distill.teacher``).
        preset: the preset it was built from (``"tiny"``, ``"cpu"``, ``"full"``), for the record.
        model: registry name of the model trained (see ``wearsdk.models.list_models()``).
        model_overrides: config overrides of that model (e.g. ``{"window_samples": 512}``).
        steps: optimizer steps.
        global_batch: samples (SSL: positive pairs) per optimizer step over all processes and micro-batches;
            must be divisible by ``world_size * optim.grad_accum``.
        seed: seeds the model init, the data plan and every augmentation.
        device: ``"auto"`` (CUDA when present, else CPU), ``"cpu"`` or ``"cuda"``.
        amp: ``"auto"`` (bf16 autocast on CUDA, off on CPU), ``"bf16"`` (CUDA only: the CPU path always runs
            fp32) or ``"off"``.
        compile: wrap the model in ``torch.compile``.
        init_from: weights to start from instead of a random init: the ``model.pt`` (or a checkpoint) of another
            run of the same model, e.g. a VAE pre-trained on simulated mV data, fine-tuned here on real
            records with ``vae.recon = "zscore_mse"``; keys and shapes are verified. ``--resume`` ignores it.
        log_every: steps between metric lines in ``metrics.jsonl``.
        eval_every: steps between validation passes (0 = only at the end).
        ckpt_every: steps between checkpoints (0 = only at the end).
        optim, ssl, vae, distill, augment, data: the sub-configs above.
    """

    recipe: str
    preset: str
    model: str
    model_overrides: dict[str, Any] = field(default_factory=dict)
    steps: int = 1000
    global_batch: int = 64
    seed: int = 0
    device: str = "auto"
    amp: str = "auto"
    compile: bool = False
    init_from: str | None = None
    log_every: int = 10
    eval_every: int = 0
    ckpt_every: int = 0
    optim: OptimConfig = field(default_factory=OptimConfig)
    ssl: SSLConfig = field(default_factory=SSLConfig)
    vae: VAEConfig = field(default_factory=VAEConfig)
    distill: DistillConfig = field(default_factory=DistillConfig)
    augment: AugmentConfig = field(default_factory=AugmentConfig)
    data: DataConfig = field(default_factory=DataConfig)

    def __post_init__(self) -> None:
        """Checks the values only; what needs the model registry or the file system is :meth:`resolve`."""
        if self.recipe not in RECIPES:
            raise ConfigError(f"TrainConfig.recipe: expected one of {list(RECIPES)}, got {self.recipe!r}.")
        if self.preset not in PRESETS + ("custom",):
            raise ConfigError(f"TrainConfig.preset: expected one of {list(PRESETS)}, got {self.preset!r}.")
        if not isinstance(self.model, str) or not self.model:
            raise ConfigError(f"TrainConfig.model: expected a registered model name, got {self.model!r}.")
        for key in ("steps", "global_batch"):
            if not isinstance(getattr(self, key), int) or getattr(self, key) < 1:
                raise ConfigError(f"TrainConfig.{key}: expected a positive integer, got {getattr(self, key)!r}.")
        if not self.is_lead_vae and self.global_batch < 2:
            raise ConfigError(
                "TrainConfig.global_batch: InfoNCE and the relational distillation term need >= 2 windows per batch."
            )
        for key in ("log_every", "eval_every", "ckpt_every"):
            if not isinstance(getattr(self, key), int) or getattr(self, key) < 0:
                raise ConfigError(f"TrainConfig.{key}: expected an integer >= 0, got {getattr(self, key)!r}.")
        if self.log_every == 0:
            raise ConfigError("TrainConfig.log_every: expected >= 1.")
        if self.device not in ("auto", "cpu", "cuda"):
            raise ConfigError(f"TrainConfig.device: expected 'auto', 'cpu' or 'cuda', got {self.device!r}.")
        if self.amp not in ("auto", "bf16", "off"):
            raise ConfigError(f"TrainConfig.amp: expected 'auto', 'bf16' or 'off', got {self.amp!r}.")
        if not self.is_lead_vae and self.data.source == "ptbxl":
            raise ConfigError("TrainConfig.data.source: 'ptbxl' holds 12-lead 10 s records for the lead_vae recipe.")
        recipes = REAL_SOURCE_RECIPES.get(self.data.source, (self.recipe,))
        if self.recipe not in recipes:
            raise ConfigError(
                f"TrainConfig.data.source: {self.data.source!r} holds real windows for the {' and '.join(recipes)} "
                f"recipes, not {self.recipe!r}."
            )
        if self.ssl.supervised_weight > 0 and self.data.source not in REAL_SOURCES:
            raise ConfigError("TrainConfig.ssl.supervised_weight: the multi-task term needs real labels; set "
                              "data.source=real_ecg / real_ppg or leave it at 0.")
        if self.ssl.beat_targets and (self.data.source != "real_ecg" or self.ssl.supervised_weight == 0):
            raise ConfigError("TrainConfig.ssl.beat_targets: the beat-interval targets are part of the multi-task term "
                              "on real ECG; set data.source=real_ecg and ssl.supervised_weight > 0, or leave it off.")

    def resolve(self) -> ModelCard:
        """The card of the model trained (built from the registry with :attr:`model_overrides`), once checked
        against everything outside the config: the model exists and its card's modality and task are the
        recipe's (:data:`RECIPE_FAMILIES`), its overrides build, and ``init_from`` / ``distill.teacher`` are
        files. :func:`get_config`, :func:`~wearsdk.train.train` and the data builders call it."""
        from wearsdk.models import get_model_card, is_model, list_models

        if not is_model(self.model):
            raise ConfigError(f"TrainConfig.model: unknown model {self.model!r}; expected one of {list_models()}.")
        card = get_model_card(self.model, **self.model_overrides)
        modality, task = RECIPE_FAMILIES[self.recipe]
        if (card.modality, card.task) != (modality, task):
            raise ConfigError(
                f"TrainConfig.model: recipe {self.recipe!r} trains {modality} models with task {task!r}; "
                f"{self.model!r} is a {card.modality} model with task {card.task!r}; pick a {modality} model of "
                f"that task or another recipe."
            )
        if self.init_from is not None and not Path(self.init_from).is_file():
            raise ConfigError(
                f"TrainConfig.init_from: {self.init_from!r} is not a file; expected the model.pt of a finished run."
            )
        if self.is_distill and (not self.distill.teacher or not Path(self.distill.teacher).is_file()):
            raise ConfigError(
                f"TrainConfig.distill.teacher: recipe {self.recipe!r} needs the teacher's weights, got "
                f"{self.distill.teacher!r}; set distill.teacher=PATH (--teacher PATH): the model.pt of a "
                "finished 'wearsdk train' run."
            )
        return card

    @property
    def is_lead_vae(self) -> bool:
        """Whether this run trains a lead VAE (``lead_vae`` or ``lead_vae_distill``)."""
        return self.recipe.startswith("lead_vae")

    @property
    def is_distill(self) -> bool:
        """Whether this run distils a student from ``distill.teacher``."""
        return self.recipe.endswith("_distill")

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable dict (written into checkpoints and the run folder)."""
        return dataclasses.asdict(self)


_SUB = {
    "optim": OptimConfig,
    "ssl": SSLConfig,
    "vae": VAEConfig,
    "distill": DistillConfig,
    "augment": AugmentConfig,
    "data": DataConfig,
}


def config_from_dict(data: dict[str, Any]) -> TrainConfig:
    """Rebuild a :class:`TrainConfig` from :meth:`TrainConfig.to_dict` output (e.g. a JSON file)."""
    data = dict(data)
    for key, cls in _SUB.items():
        if key in data:
            if not isinstance(data[key], dict):
                raise ConfigError(f"TrainConfig.{key}: expected a mapping, got {data[key]!r}.")
            data[key] = from_dict_checked(cls, data[key])
    return from_dict_checked(TrainConfig, data)


def apply_overrides(config: TrainConfig, overrides: dict[str, Any]) -> TrainConfig:
    """Apply dotted overrides, e.g. ``{"steps": 50, "optim.lr": 3e-4, "model_overrides.base_chs": 16}``."""
    top: dict[str, Any] = {}
    nested: dict[str, dict[str, Any]] = {}
    for key, value in overrides.items():
        head, _, rest = key.partition(".")
        if rest:
            nested.setdefault(head, {})[rest] = value
        else:
            top[key] = value
    for head, sub in nested.items():
        if head == "model_overrides":
            top["model_overrides"] = {**config.model_overrides, **top.get("model_overrides", {}), **sub}
        elif head in _SUB:
            top[head] = replace_checked(getattr(config, head), sub)
        else:
            raise ConfigError(
                f"unknown config section {head!r} in override {head}.{next(iter(sub))}; expected one of "
                f"{['model_overrides', *_SUB]}."
            )
    return replace_checked(config, top)


def get_config(recipe: str, preset: str = "tiny", overrides: dict[str, Any] | None = None) -> TrainConfig:
    """The config of ``recipe`` (one of :data:`RECIPES`) at ``preset`` (``tiny``, ``cpu``, ``real``, ``full``; the table
    :data:`~wearsdk.train.presets.PRESET_TABLE`), with dotted ``overrides`` applied (see :func:`apply_overrides`),
    checked against the model's card and the files it names (:meth:`TrainConfig.resolve`). Distillation recipes
    need ``{"distill.teacher": PATH}`` among the overrides."""
    from wearsdk.train.presets import PRESET_TABLE

    if recipe not in RECIPES:
        raise ConfigError(f"recipe: expected one of {list(RECIPES)}, got {recipe!r}.")
    if preset not in PRESETS:
        raise ConfigError(f"preset: expected one of {list(PRESETS)}, got {preset!r}.")
    if preset not in PRESET_TABLE[recipe]:
        raise ConfigError(f"preset: recipe {recipe!r} has the presets {list(PRESET_TABLE[recipe])}, not {preset!r}.")
    table = dict(PRESET_TABLE[recipe][preset])
    config = apply_overrides(TrainConfig(recipe=recipe, preset=preset, model=table.pop("model")), table)
    config = apply_overrides(config, dict(overrides or {}))
    config.resolve()
    return config
