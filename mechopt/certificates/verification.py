"""Verification of a whole claimed answer against evidence recomputed from the model.

A verifier never believes its input: it takes the claimed answer as plain data (as read from a
result file), recomputes the evidence from the model with its own tolerance (never the one the
answer carries), checks every answer field against that evidence, and states what its verdict
rests on.  :class:`ClaimReader` reads claimed fields strictly: a missing, null (where a value is
needed), non-numeric or wrongly shaped field is a :class:`MalformedClaim` naming the field.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from enum import Enum
from typing import Any, TypeVar

import numpy as np

from mechopt.core.serialization import Serializable

E = TypeVar("E", bound=Enum)

BIND_RTOL = 1e-9
"""Relative agreement required between a claimed derived value (utilities, welfare, payments)
and its recomputation at the claimed point; scales are the quantities' own magnitudes."""

class MalformedClaim(ValueError):
    """A claimed answer's field is missing or malformed; the message names the field."""


@dataclass(frozen=True)
class Check(Serializable):
    """One answer field against the evidence: what was claimed, what was recomputed."""

    field: str
    claimed: Any
    recomputed: Any
    ok: bool


@dataclass(frozen=True)
class Verification(Serializable):
    """What a verifier established about a claimed answer."""

    kind: str
    claimed_status: str
    established: bool
    """The claimed status is one this kind of answer can establish (an equilibrium, an optimum,
    infeasibility, ...; never "not found", "unverified" or "failed") and every check passed."""
    basis: str
    """What the verdict rests on: a proof, a declared assumption (named), or sampling."""
    tol: float
    """The verifier's own tolerance (relative to the instance's scale)."""
    checks: tuple[Check, ...]
    unchecked: tuple[str, ...] = ()
    """Fields of the answer no evidence binds (diagnostics, timings)."""

    @property
    def failed(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if not c.ok)


def close(claimed: Any, recomputed: Any, *, rtol: float = BIND_RTOL, scale: float | None = None) -> bool:
    """Claimed and recomputed numbers (or arrays, or None) agree to ``rtol`` of ``scale`` (default:
    the recomputed values' magnitude)."""
    if claimed is None or recomputed is None:
        return claimed is None and recomputed is None
    a, b = np.asarray(claimed, dtype=float), np.asarray(recomputed, dtype=float)
    if a.shape != b.shape:
        return False
    both_nan = np.isnan(a) & np.isnan(b)
    same_inf = np.isinf(a) & (a == b)
    if scale is None:
        scale = float(np.max(np.abs(b[np.isfinite(b)]), initial=0.0))
    scale = max(scale, np.finfo(float).tiny)
    with np.errstate(invalid="ignore"):
        near = np.abs(a - b) <= rtol * scale
    return bool(np.all(both_nan | same_inf | near))


def bind_claimed_tolerances(verification: Verification, claim: ClaimReader, paths: tuple[str, ...]) -> Verification:
    """Add the checks that the tolerances the answer's certificates claim (dotted ``paths``; absent
    or null ones are skipped) are no looser than the one the verifier established it at.  A file
    whose tolerance was loosened is not established; the evidence itself is still judged at the
    verifier's tolerance only."""
    checks = []
    for path in paths:
        node: Any = claim.data
        for key in path.split("."):
            node = node.get(key) if isinstance(node, dict) else None
        if node is not None:
            claimed = _number(node, f"{claim.where}.{path}")
            checks.append(Check(f"{path} (claimed; at most the verifier's tolerance)", claimed, verification.tol,
                                claimed <= verification.tol))
    return dataclasses.replace(verification, checks=(*verification.checks, *checks),
                               established=verification.established and all(c.ok for c in checks),
                               unchecked=tuple(u for u in verification.unchecked if u not in paths))


class ClaimReader:
    """Strict access to the fields of a claimed answer (plain data), by dotted path."""

    def __init__(self, data: Any, where: str = "result") -> None:
        if not isinstance(data, dict):
            raise MalformedClaim(f"{where}: expected an object, got {type(data).__name__}")
        self.data, self.where = data, where

    def _get(self, name: str) -> Any:
        if name not in self.data:
            raise MalformedClaim(f"{self.where}.{name}: field is missing")
        return self.data[name]

    def sub(self, name: str, *, optional: bool = False) -> ClaimReader | None:
        value = self._get(name)
        if value is None and optional:
            return None
        return ClaimReader(value, f"{self.where}.{name}")

    def items(self, name: str) -> list[ClaimReader]:
        value = self._get(name)
        if not isinstance(value, list):
            raise MalformedClaim(f"{self.where}.{name}: expected a list, got {type(value).__name__}")
        return [ClaimReader(v, f"{self.where}.{name}[{k}]") for k, v in enumerate(value)]

    def raw(self, name: str) -> Any:
        return self._get(name)

    def string(self, name: str) -> str:
        value = self._get(name)
        if not isinstance(value, str):
            raise MalformedClaim(f"{self.where}.{name}: expected a string, got {value!r}")
        return value

    def boolean(self, name: str, *, optional: bool = False) -> bool | None:
        value = self._get(name)
        if value is None and optional:
            return None
        if not isinstance(value, bool):
            raise MalformedClaim(f"{self.where}.{name}: expected true or false, got {value!r}")
        return value

    def enum(self, name: str, kind: type[E]) -> E:
        value = self._get(name)
        try:
            return kind(value)
        except ValueError:
            allowed = ", ".join(m.value for m in kind)  # type: ignore[attr-defined]
            raise MalformedClaim(f"{self.where}.{name}: expected one of {allowed}, got {value!r}") from None

    def number(self, name: str, *, optional: bool = False) -> float | None:
        value = self._get(name)
        if value is None and optional:
            return None
        return _number(value, f"{self.where}.{name}")

    def integer(self, name: str, *, optional: bool = False) -> int | None:
        value = self._get(name)
        if value is None and optional:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise MalformedClaim(f"{self.where}.{name}: expected an integer, got {value!r}")
        return value

    def array(self, name: str, shape: tuple[int, ...] | None = None, *, optional: bool = False) -> np.ndarray | None:
        value = self._get(name)
        if value is None and optional:
            return None
        where = f"{self.where}.{name}"
        if not isinstance(value, list):
            raise MalformedClaim(f"{where}: expected a list of numbers, got {type(value).__name__}")
        arr = np.asarray(_numbers(value, where, depth=0), dtype=float)
        if shape is not None and arr.shape != shape:
            raise MalformedClaim(f"{where}: expected shape {shape}, got {arr.shape}")
        return arr


MAX_DEPTH = 3


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise MalformedClaim(f"{where}: expected a number, got {value!r}")
    if isinstance(value, str):
        if value not in ("inf", "-inf", "nan"):
            raise MalformedClaim(f"{where}: expected a number, got the string {value!r}")
        return float(value)
    out = float(value)
    if isinstance(value, int) and not math.isfinite(out):
        raise MalformedClaim(f"{where}: number out of range")
    return out


def _numbers(value: Any, where: str, depth: int) -> Any:
    if isinstance(value, list):
        if depth >= MAX_DEPTH:
            raise MalformedClaim(f"{where}: nested deeper than {MAX_DEPTH} levels")
        return [_numbers(v, where, depth + 1) for v in value]
    return _number(value, where)
