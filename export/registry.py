"""Export backends, by name: each backend module registers itself with one :func:`register_backend` line.

A :class:`Backend` states what it can build (precisions; streaming programs; window programs with the
preprocessing in the graph) and holds the function that builds it from an :class:`ExportJob`, the request
:func:`~wearsdk.export.export_model` resolved (model, card, calibration windows, simulated raw streams).
A new backend is one new module in ``export/`` ending in ``register_backend("name", Backend(...))`` plus its
import in ``export/__init__.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch

from wearsdk.errors import ConfigError, UnknownNameError
from wearsdk.models.card import ModelCard
from wearsdk.signal import PreprocessSpec

__all__ = ["Backend", "ExportJob", "register_backend", "list_backends", "get_backend", "PRECISIONS"]

#: The precisions ``wearsdk export --quant`` asks for (a backend maps them to its own, e.g. CoreML fp16 compute).
PRECISIONS: tuple[str, ...] = ("fp32", "int8")
#: Parity windows measured at export (window programs).
PARITY_WINDOWS = 8
#: Raw simulated windows run through a program with in-graph preprocessing for its parity.
RAW_PARITY_WINDOWS = 4
#: Windows of raw simulated stream streamed through a streaming program for its parity.
STREAM_PARITY_WINDOWS = 3


@dataclass(frozen=True)
class ExportJob:
    """One export request, resolved by :func:`~wearsdk.export.export_model` for a backend.

    Attributes:
        model: the model in eval mode, fp32.
        card: its :class:`ModelCard`.
        out: output folder.
        name: file stem: the model name, ``<name>_untrained`` for random weights.
        precision: one of :data:`PRECISIONS`.
        streaming, with_preprocessing: what was asked for (checked against the backend's :class:`Backend`).
        input_rate: raw input rate in Hz of streaming / in-graph preprocessing programs (``None``: the model's).
        hop: streaming hop in model-rate samples.
        calibration: ``(n, channels, window_samples)`` float32 simulated model inputs
            (:func:`wearsdk.sim.model_windows` of ``seed``): the int8 calibration set.
        seed: the simulated cohort seed of the calibration windows and raw parity streams.
        trained: ``False`` for random weights (the manifest says so).
    """

    model: torch.nn.Module
    card: ModelCard
    out: Path
    name: str
    precision: str
    streaming: bool
    with_preprocessing: bool
    input_rate: float | None
    hop: int
    calibration: torch.Tensor
    seed: int
    trained: bool

    @property
    def spec(self) -> PreprocessSpec:
        """The card's fused causal preprocessing from raw input at :attr:`input_rate`."""
        return self.card.preprocess_spec(self.input_rate)

    def module(self) -> torch.nn.Module:
        """What a window program runs: the model, behind the in-graph preprocessing op if asked for."""
        from wearsdk.export.preprocessing import WithPreprocessing

        return WithPreprocessing(self.model, self.spec).eval() if self.with_preprocessing else self.model

    def parity_windows(self) -> torch.Tensor:
        """What a window program is checked on against eager fp32: ``calibration[:PARITY_WINDOWS]``, or with
        in-graph preprocessing ``(RAW_PARITY_WINDOWS, channels, samples)`` raw simulated windows at the input
        rate (:func:`wearsdk.sim.windows.raw_window`, the calibration windows' participants)."""
        if not self.with_preprocessing:
            return self.calibration[:PARITY_WINDOWS]
        from wearsdk.sim.windows import raw_window

        rate = self.spec.sampling_rate
        n = int(round(self.card.window_samples * rate / self.card.sampling_rate_hz))
        return torch.stack([torch.from_numpy(raw_window(self.card, n / rate, index=i, rate=rate, seed=self.seed)[:, :n])
                            for i in range(RAW_PARITY_WINDOWS)])

    def raw_stream(self) -> torch.Tensor:
        """``(1, channels, samples)`` float32: :data:`STREAM_PARITY_WINDOWS` windows of raw simulated stream at
        the input rate, from cohort seed ``seed + 1`` (participants the calibration did not see)."""
        from wearsdk.sim.windows import raw_window

        rate = self.spec.sampling_rate
        seconds = STREAM_PARITY_WINDOWS * self.card.window_seconds
        return torch.from_numpy(raw_window(self.card, seconds, index=0, rate=rate, seed=self.seed + 1))[None]


@dataclass(frozen=True)
class Backend:
    """An export backend: what it builds and how.

    Attributes:
        export: ``export(job) -> manifest path``, called only for requests this backend supports.
        precisions: the :data:`PRECISIONS` of its window programs.
        streaming: the precisions of its streaming programs (empty: it has none).
        preprocessing: the precisions of its window programs with in-graph preprocessing (empty: none).
        description: one line saying what it builds (for readers of the registry).
    """

    export: Callable[[ExportJob], Path]
    precisions: tuple[str, ...]
    streaming: tuple[str, ...] = ()
    preprocessing: tuple[str, ...] = ()
    description: str = ""

    def __post_init__(self) -> None:
        if not callable(self.export):
            raise ConfigError(f"Backend.export must be a callable export(job) -> manifest path, got {self.export!r}.")
        for field in ("precisions", "streaming", "preprocessing"):
            values = getattr(self, field)
            if not isinstance(values, tuple) or not set(values) <= set(PRECISIONS):
                raise ConfigError(f"Backend.{field} must be a tuple of {PRECISIONS}, got {values!r}.")
        if not self.precisions:
            raise ConfigError(f"Backend.precisions: expected at least one of {PRECISIONS}, got none.")

    def check(self, name: str, *, precision: str, streaming: bool, with_preprocessing: bool) -> None:
        """Raises :class:`ConfigError` naming what backend ``name`` supports when it cannot build the request."""
        if precision not in PRECISIONS:
            raise ConfigError(f"precision must be one of {PRECISIONS}, got {precision!r}.")
        if streaming:
            if precision not in self.streaming:
                raise ConfigError(f"the {name} backend has no {precision} streaming program (--streaming: "
                                  f"{_supported(self.streaming)}); backends that stream {precision}: "
                                  f"{_with('streaming', precision)}.")
            return
        if precision not in self.precisions:
            raise ConfigError(f"the {name} backend exports {_supported(self.precisions)}, not {precision}; use "
                              f"--quant {self.precisions[0]}, or a backend that exports {precision}: "
                              f"{_with('precisions', precision)}.")
        if with_preprocessing and not self.preprocessing:
            raise ConfigError(f"the {name} backend has no in-graph preprocessing (--with-preprocessing); backends "
                              f"that have it: {_with('preprocessing', precision)}. Or preprocess on the host.")
        if with_preprocessing and precision not in self.preprocessing:
            raise ConfigError(f"the {name} backend puts the preprocessing in the graph (--with-preprocessing) of "
                              f"{_supported(self.preprocessing)} window programs only, not {precision} (the "
                              f"preprocessing op stays float): use --quant {self.preprocessing[0]}, or drop "
                              "--with-preprocessing.")


_BACKENDS: dict[str, Backend] = {}


def _supported(precisions: tuple[str, ...]) -> str:
    return " / ".join(precisions) if precisions else "none"


def _with(field: str, precision: str) -> str:
    return ", ".join(n for n, b in sorted(_BACKENDS.items()) if precision in getattr(b, field)) or "none"


def register_backend(name: str, backend: Backend) -> Backend:
    """Registers ``backend`` under ``name`` (the value of ``wearsdk export --backend``); returns it. A name
    registered twice raises :class:`ConfigError`."""
    if not isinstance(name, str) or not name.isidentifier():
        raise ConfigError(f"register_backend: name must be an identifier such as 'executorch', got {name!r}.")
    if not isinstance(backend, Backend):
        raise ConfigError(f"register_backend({name!r}): expected a wearsdk.export.Backend, got "
                          f"{type(backend).__name__}.")
    if name in _BACKENDS:
        raise ConfigError(f"register_backend: {name!r} is already registered ({list_backends()}); pick another name.")
    _BACKENDS[name] = backend
    return backend


def list_backends() -> list[str]:
    """The registered backend names, sorted."""
    return sorted(_BACKENDS)


def get_backend(name: str) -> Backend:
    """The backend registered as ``name``; :class:`UnknownNameError` listing the registered ones."""
    try:
        return _BACKENDS[name]
    except (KeyError, TypeError):
        raise UnknownNameError(f"unknown export backend {name!r}; registered: {list_backends()} "
                               "(wearsdk.export.list_backends()).") from None
