"""Plain-data conversion of the frozen result dataclasses (``to_dict`` / ``from_dict``).

Fields may be dataclasses, enums, numpy arrays, tuples, lists, dicts and optionals or unions of
those.  ``to_dict`` writes non-finite floats as the strings "inf", "-inf" and "nan".
``from_dict`` is strict: it rebuilds a value from the field annotations and rejects a missing or
unknown field, a value of the wrong type (a boolean is not a number, a number not a string), a
ragged or too deeply nested array, with a :class:`MalformedAnswer` naming the field's path.  Fields whose metadata says ``transient`` (a verdict
attached in memory) are neither written nor read.
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

MAX_ARRAY_DEPTH = 3
TRANSIENT = {"transient": True}
"""Field metadata of values kept in memory only (``dataclasses.field(metadata=TRANSIENT)``)."""


class MalformedAnswer(ValueError):
    """An answer's field is missing, unknown, of the wrong type or shape, or outside its range;
    the message names the field's path."""


def _fields(cls: Any) -> list[dataclasses.Field]:
    return [f for f in dataclasses.fields(cls) if not f.metadata.get("transient")]


def to_plain(value: Any) -> Any:
    """Convert ``value`` to JSON-compatible plain data (non-finite floats become strings)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_plain(getattr(value, f.name)) for f in _fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, np.ndarray):
        if value.dtype.kind == "f":  # one pass; only non-finite entries become strings
            finite = np.isfinite(value)
            return value.tolist() if finite.all() else to_plain(value.tolist())
        return to_plain(value.tolist())
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, (np.floating, float)):
        v = float(value)
        return v if math.isfinite(v) else str(v)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, dict):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_plain(v) for v in value]
    return value


def _number(value: Any, path: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise MalformedAnswer(f"{path}: expected a number, got {_show(value)}")
    if isinstance(value, str):
        if value not in ("inf", "-inf", "nan"):
            raise MalformedAnswer(f"{path}: expected a number, got the string {_show(value)}")
        return float(value)
    try:
        out = float(value)
    except OverflowError:
        raise MalformedAnswer(f"{path}: number out of range") from None
    return out


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _array(value: Any, path: str, depth: int = 0) -> Any:
    if isinstance(value, list):
        if depth >= MAX_ARRAY_DEPTH:
            raise MalformedAnswer(f"{path}: nested deeper than {MAX_ARRAY_DEPTH} levels")
        return [_array(v, path, depth + 1) for v in value]
    return _number(value, path)


def _flat_numbers(value: list) -> np.ndarray | None:
    """A flat list of JSON numbers (no booleans, strings or lists) as an array in one pass; None
    when it holds anything else (then read entry by entry, with errors naming the field)."""
    if not value or not all(type(v) is float or type(v) is int for v in value):
        return None
    try:
        return np.asarray(value, dtype=float)
    except OverflowError:
        return None


def from_plain(tp: Any, value: Any, path: str = "result") -> Any:
    """Rebuild a value of annotated type ``tp`` from plain data, strictly (module doc)."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if value is None:
            if len(args) < len(typing.get_args(tp)):
                return None
            raise MalformedAnswer(f"{path}: expected a value, got null")
        errors = []
        for arg in args:
            try:
                return from_plain(arg, value, path)
            except MalformedAnswer as err:
                errors.append(str(err))
        raise MalformedAnswer(errors[0] if len(errors) == 1 else f"{path}: matches none of the allowed forms ({errors[0]})")
    if tp is Any:
        return value
    if value is None:
        raise MalformedAnswer(f"{path}: expected a value, got null")
    if dataclasses.is_dataclass(tp):
        if not isinstance(value, dict):
            raise MalformedAnswer(f"{path}: expected an object, got {_show(value)}")
        hints = typing.get_type_hints(tp)
        fields = [f for f in _fields(tp) if f.init]
        names = {f.name for f in fields}
        unknown = sorted(set(value) - names)
        if unknown:
            raise MalformedAnswer(f"{path}.{unknown[0]}: unknown field (expected {', '.join(sorted(names))})")
        missing = [f.name for f in fields if f.name not in value]
        if missing:
            raise MalformedAnswer(f"{path}.{missing[0]}: field is missing")
        return tp(**{f.name: from_plain(hints[f.name], value[f.name], f"{path}.{f.name}") for f in fields})
    if isinstance(tp, type) and issubclass(tp, Enum):
        try:
            return tp(value)
        except ValueError:
            allowed = ", ".join(str(m.value) for m in tp)
            raise MalformedAnswer(f"{path}: expected one of {allowed}, got {_show(value)}") from None
    if tp is np.ndarray:
        if not isinstance(value, list):
            raise MalformedAnswer(f"{path}: expected a list of numbers, got {_show(value)}")
        fast = _flat_numbers(value)
        if fast is not None:
            return fast
        try:
            return np.asarray(_array(value, path), dtype=float)
        except ValueError as err:
            if isinstance(err, MalformedAnswer):
                raise
            raise MalformedAnswer(f"{path}: expected a rectangular array of numbers") from None
    if tp is float:
        return _number(value, path)
    if tp is bool:
        if not isinstance(value, bool):
            raise MalformedAnswer(f"{path}: expected true or false, got {_show(value)}")
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise MalformedAnswer(f"{path}: expected an integer, got {_show(value)}")
        return value
    if tp is str:
        if not isinstance(value, str):
            raise MalformedAnswer(f"{path}: expected a string, got {_show(value)}")
        return value
    if origin in (tuple, list):
        if not isinstance(value, list):
            raise MalformedAnswer(f"{path}: expected a list, got {_show(value)}")
        args = typing.get_args(tp)
        if origin is tuple and not (len(args) == 2 and args[1] is Ellipsis):
            if len(value) != len(args):
                raise MalformedAnswer(f"{path}: expected {len(args)} entries, got {len(value)}")
            return tuple(from_plain(a, v, f"{path}[{k}]") for k, (a, v) in enumerate(zip(args, value)))
        items = [from_plain(args[0], v, f"{path}[{k}]") for k, v in enumerate(value)]
        return tuple(items) if origin is tuple else items
    if origin is dict:
        if not isinstance(value, dict):
            raise MalformedAnswer(f"{path}: expected an object, got {_show(value)}")
        _, arg = typing.get_args(tp)
        return {k: from_plain(arg, v, f"{path}.{k}") for k, v in value.items()}
    raise TypeError(f"{path}: no plain-data form for {tp!r}")


class Serializable:
    """Mixin giving a dataclass ``to_dict``, ``from_dict``, ``to_json`` and ``from_json``."""

    def to_dict(self) -> dict[str, Any]:
        return to_plain(self)

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent)

    @classmethod
    def from_dict(cls: type[T], data: Any, path: str = "result") -> T:
        return from_plain(cls, data, path)

    @classmethod
    def from_json(cls: type[T], text: str) -> T:
        return from_plain(cls, json.loads(text))
