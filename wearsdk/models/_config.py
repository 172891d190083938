"""Helpers shared by the config dataclasses of models and training recipes."""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

from wearsdk.errors import ConfigError

__all__ = ["replace_checked", "from_dict_checked", "to_plain_dict"]

T = TypeVar("T")


def _field_names(cls: type) -> list[str]:
    return [f.name for f in dataclasses.fields(cls)]


def replace_checked(config: T, overrides: dict[str, Any]) -> T:
    """``dataclasses.replace`` that rejects unknown keys with a :class:`ConfigError` naming them."""
    names = _field_names(type(config))
    unknown = sorted(set(overrides) - set(names))
    if unknown:
        raise ConfigError(f"{type(config).__name__}: unknown key(s) {unknown}; expected some of {names}.")
    return dataclasses.replace(config, **overrides)


def from_dict_checked(cls: type[T], data: dict[str, Any]) -> T:
    """Build ``cls(**data)``, rejecting unknown keys with a :class:`ConfigError` naming them."""
    names = _field_names(cls)
    unknown = sorted(set(data) - set(names))
    if unknown:
        raise ConfigError(f"{cls.__name__}: unknown key(s) {unknown}; expected some of {names}.")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    clean: dict[str, Any] = {}
    for key, value in data.items():
        # JSON gives lists where the dataclasses hold tuples.
        if isinstance(value, list) and "tuple" in str(fields[key].type):
            value = tuple(tuple(v) if isinstance(v, list) else v for v in value)
        clean[key] = value
    try:
        return cls(**clean)
    except TypeError as exc:
        raise ConfigError(f"{cls.__name__}: {exc}") from exc


def to_plain_dict(config: Any) -> dict[str, Any]:
    """A JSON-serialisable dict of a (nested) config dataclass."""
    return dataclasses.asdict(config)
