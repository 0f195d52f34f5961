"""A sweep: a function of keyword parameters and the grid points to evaluate it at."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

Params = dict[str, Any]
Record = dict[str, Any]


@dataclass(frozen=True)
class Sweep:
    """``point(**params)`` for every ``params`` in ``points``.

    ``point`` is a module-level function (workers import it by name) returning a JSON-able dict;
    when the dict has ``verified`` (bool) it is the certificate verdict of that point's answer.
    ``name`` is unique within a run; the points' parameters are JSON scalars or lists.
    """

    name: str
    point: Callable[..., dict[str, Any]]
    points: tuple[Params, ...]

    def __post_init__(self) -> None:
        keys = [point_key(self.name, p) for p in self.points]
        if len(set(keys)) != len(keys):
            raise ValueError(f"points: sweep {self.name!r} lists a grid point twice")


def point_key(sweep: str, params: Mapping[str, Any]) -> str:
    """The canonical identity of a grid point: sweep name and parameters as sorted JSON."""
    return json.dumps({"sweep": sweep, "params": params}, sort_keys=True, separators=(",", ":"))
