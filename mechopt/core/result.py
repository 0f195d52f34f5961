"""The protocol every result and certificate follows.

A result is a frozen dataclass with the values asked for, a :class:`~mechopt.core.status.Status`,
a certificate whose ``verified`` was computed by a verifier (never set by a solver) and
:class:`~mechopt.core.stats.SolveStats`; ``to_dict`` gives plain data that the result envelope of
:mod:`mechopt.io.envelope` wraps with the model it answers.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from mechopt.core.stats import SolveStats
from mechopt.core.status import Status


@runtime_checkable
class Certificate(Protocol):
    """Evidence for an answer; ``verified`` is what its verifier concluded."""

    kind: str
    verified: bool

    def to_dict(self) -> dict[str, Any]: ...


@runtime_checkable
class Result(Protocol):
    """An answer: status, certificate (None only when a method failed before producing a point)
    and statistics."""

    kind: str
    status: Status
    certificate: Any
    stats: SolveStats

    def to_dict(self) -> dict[str, Any]: ...
