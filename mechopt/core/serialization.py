"""Plain-data conversion of the frozen result dataclasses (``to_dict`` / ``from_dict``).

Fields may be dataclasses, enums, numpy arrays, tuples, lists, dicts and optionals of those;
``from_dict`` rebuilds them from the field annotations, so a result round-trips through JSON.
"""

from __future__ import annotations

import dataclasses
import json
import math
import types
import typing
from enum import Enum
from typing import Any, TypeVar

import numpy as np

T = TypeVar("T")


def to_plain(value: Any) -> Any:
    """Convert ``value`` to JSON-compatible plain data (non-finite floats become strings)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, np.ndarray):
        return to_plain(value.tolist())
    if isinstance(value, (np.floating, float)):
        v = float(value)
        return v if math.isfinite(v) else str(v)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.bool_,)):
        return bool(value)
    if isinstance(value, dict):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_plain(v) for v in value]
    return value


def _as_float(value: Any) -> float:
    return float(value)  # float("inf"), float("nan") parse the strings written above


def from_plain(tp: Any, value: Any) -> Any:
    """Rebuild a value of annotated type ``tp`` from plain data."""
    if value is None:
        return None
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        return from_plain(args[0], value) if len(args) == 1 else value
    if dataclasses.is_dataclass(tp):
        hints = typing.get_type_hints(tp)
        known = {f.name for f in dataclasses.fields(tp) if f.init}
        return tp(**{k: from_plain(hints[k], v) for k, v in value.items() if k in known})
    if isinstance(tp, type) and issubclass(tp, Enum):
        return tp(value)
    if tp is np.ndarray:
        return np.asarray(_deep_float(value), dtype=float)
    if tp is float:
        return _as_float(value)
    if origin is tuple:
        args = typing.get_args(tp)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(from_plain(args[0], v) for v in value)
        return tuple(from_plain(a, v) for a, v in zip(args, value))
    if origin is list:
        (arg,) = typing.get_args(tp)
        return [from_plain(arg, v) for v in value]
    if origin is dict:
        _, arg = typing.get_args(tp)
        return {k: from_plain(arg, v) for k, v in value.items()}
    return value


def _deep_float(value: Any) -> Any:
    if isinstance(value, list):
        return [_deep_float(v) for v in value]
    return _as_float(value)


class Serializable:
    """Mixin giving a dataclass ``to_dict``, ``from_dict``, ``to_json`` and ``from_json``."""

    def to_dict(self) -> dict[str, Any]:
        return to_plain(self)

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent)

    @classmethod
    def from_dict(cls: type[T], data: dict[str, Any]) -> T:
        return from_plain(cls, data)

    @classmethod
    def from_json(cls: type[T], text: str) -> T:
        return from_plain(cls, json.loads(text))
