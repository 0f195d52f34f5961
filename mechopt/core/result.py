"""The protocol every result and certificate follows.

A result is a frozen dataclass with the values asked for (the best point found is always there,
whatever the status), a :class:`~mechopt.core.status.Status`, a one-line ``message``, the
evidence (``certificate``), :class:`~mechopt.core.stats.SolveStats`, and in memory the
:class:`~mechopt.core.verdict.Verdict` its kind's certifier gave (``verdict``; ``success`` is
whether it established the answer).  The status is the verdict's: solvers never decide it.
``to_dict`` gives plain data that the result envelope of :mod:`mechopt.io.envelope` wraps with
the model it answers; ``from_dict`` reads it back strictly.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Protocol, TypeVar, runtime_checkable

from mechopt.core.serialization import TRANSIENT, Serializable
from mechopt.core.stats import SolveStats
from mechopt.core.status import Status
from mechopt.core.verdict import ESTABLISHABLE, Verdict

A = TypeVar("A", bound="Answer")


@runtime_checkable
class Certificate(Protocol):
    """Evidence for an answer; ``verified`` is what its verifier concluded."""

    kind: str
    verified: bool

    def to_dict(self) -> dict[str, Any]: ...


@runtime_checkable
class Result(Protocol):
    """An answer: kind, status, message, evidence, statistics, and the verdict on it."""

    kind: str
    status: Status
    message: str
    stats: SolveStats
    verdict: Verdict | None

    @property
    def certificate(self) -> Any: ...

    @property
    def success(self) -> bool: ...

    def to_dict(self) -> dict[str, Any]: ...


def verdict_field() -> Any:
    """The ``verdict`` field of a result dataclass: in memory only, set by its certifier."""
    return dataclasses.field(default=None, compare=False, repr=False, metadata=TRANSIENT)


class Answer(Serializable):
    """Mixin of the result dataclasses: ``success`` and :meth:`certified`."""

    status: Status
    verdict: Verdict | None

    @property
    def success(self) -> bool:
        """The certifier established this answer (its status is one evidence can establish and
        every check passed)."""
        return self.verdict is not None and self.verdict.established

    def certified(self: A, verdict: Verdict) -> A:
        """This answer claiming the status ``verdict`` supports, with the verdict and its message
        attached; ``unverified`` instead when a check of another field failed (a solver bug:
        the message names the field)."""
        final = verdict.with_claim(verdict.status)
        if not final.established and final.status in ESTABLISHABLE:
            final = verdict.with_claim(Status.UNVERIFIED)
        return dataclasses.replace(self, status=final.claimed, message=final.message, verdict=final)  # type: ignore[type-var]
