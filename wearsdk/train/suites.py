"""Evaluation suites: named, model-agnostic benchmarks that ``wearsdk evaluate --model NAME --suite SUITE`` runs.

A suite is a function ``fn(request: SuiteRequest) -> dict`` returning a JSON-serialisable report (its
``"summary"`` entry, the headline figures, is what the CLI prints); it may write extra files (figures) at
``request.artifact(".png")``; the CLI writes the report at ``request.artifact(".json")``.
Suites register themselves by name with :func:`register_suite`, one line at the bottom of the module that defines them::

    register_suite("real", real_suite, "linear probes on real single-lead ECG (CinC 2017, PTB-XL lead I)")

The modules listed in :data:`SUITE_MODULES` are imported the first time the registry is read (:func:`suite_names`,
:func:`get_suite`): a new suite is a new module plus its line there (explicit, as ``wearsdk.models`` imports its
model files, and lazy, so ``wearsdk evaluate --help`` stays fast).
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wearsdk.errors import ConfigError, UnknownNameError

__all__ = ["SuiteRequest", "Suite", "register_suite", "get_suite", "suite_names", "run_suite", "default_data_root"]

#: The modules that define (and register) the suites.
SUITE_MODULES: tuple[str, ...] = ("wearsdk.train.real.probe_suite", "wearsdk.train.ptbxl_suite")

#: Environment variable naming the folder of the real datasets (``cinc2017/``, ``ptbxl/``, ...).
DATA_ENV = "WEARSDK_DATA_DIR"


@dataclass(frozen=True)
class SuiteRequest:
    """What a suite is asked to evaluate.

    Attributes:
        suite: the suite's registered name.
        model: registered model name (``wearsdk.models.list_models()``), e.g. ``"ecg_encoder_compact"``.
        checkpoint: a weights file to load instead of the bundled weights (``None``: ``pretrained=True``).
        data_root: folder holding the real datasets (``cinc2017/``, ``ptbxl/`` ...).
        out: folder for the report and figures (``None``: write no files).
        seed: seed of every split and random-init model.
        limit: at most this many records per dataset (``None``: all; for smoke tests).
        progress: show tqdm progress bars.
    """

    suite: str
    model: str
    data_root: Path
    checkpoint: Path | None = None
    out: Path | None = None
    seed: int = 0
    limit: int | None = None
    progress: bool = True

    def artifact(self, suffix: str) -> Path | None:
        """``OUT/<model>_<suite><suffix>`` (e.g. ``".png"``), or ``None`` when no ``out`` folder was given."""
        return None if self.out is None else self.out / f"{self.model}_{self.suite}{suffix}"


@dataclass(frozen=True)
class Suite:
    """A registered suite: its function and a one-line description (shown by ``wearsdk evaluate --help``)."""

    name: str
    fn: Callable[[SuiteRequest], dict[str, Any]]
    description: str


_SUITES: dict[str, Suite] = {}
_discovered = False


def register_suite(name: str, fn: Callable[[SuiteRequest], dict[str, Any]], description: str = "") -> None:
    """Register ``fn`` under ``name`` (re-registering the same function is a no-op; another one is an error)."""
    old = _SUITES.get(name)
    if old is not None and old.fn is not fn:
        raise ConfigError(f"suite {name!r} is already registered by {old.fn.__module__}.{old.fn.__qualname__}; "
                          "pick another name.")
    _SUITES[name] = Suite(name, fn, description or (fn.__doc__ or "").strip().split("\n")[0])


def _discover() -> None:
    """Import the :data:`SUITE_MODULES` once (each registers its suites)."""
    global _discovered
    if _discovered:
        return
    _discovered = True
    for module in SUITE_MODULES:
        importlib.import_module(module)


def suite_names() -> list[str]:
    """Names of the registered suites, sorted."""
    _discover()
    return sorted(_SUITES)


def get_suite(name: str) -> Suite:
    """The suite registered as ``name``; :class:`~wearsdk.errors.UnknownNameError` listing the known ones else."""
    _discover()
    if name not in _SUITES:
        raise UnknownNameError(f"no evaluation suite {name!r}; expected one of {sorted(_SUITES)}.")
    return _SUITES[name]


def default_data_root() -> Path:
    """``$WEARSDK_DATA_DIR``, the folder of the real datasets; :class:`~wearsdk.errors.ConfigError` when unset."""
    value = os.environ.get(DATA_ENV)
    if not value:
        raise ConfigError(f"no real-data folder: pass --data-root DIR (the folder holding cinc2017/, ptbxl/ ...) "
                          f"or set {DATA_ENV}.")
    return Path(value)


def run_suite(request: SuiteRequest) -> dict[str, Any]:
    """Run the suite ``request.suite`` and return its report, headed by ``suite``, ``model`` and ``checkpoint``."""
    suite = get_suite(request.suite)
    report = suite.fn(request)
    return {"suite": suite.name, "model": request.model,
            "checkpoint": None if request.checkpoint is None else str(request.checkpoint), **report}
