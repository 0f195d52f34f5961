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
import html
from enum import Enum
from typing import Any, Protocol, TypeVar, runtime_checkable

import numpy as np

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


HIDDEN = ("kind", "status", "message", "stats", "verdict", "certificate")
"""Fields the short representations leave out (they are shown as the verdict line instead)."""


def _short(value: Any, width: int = 4) -> str:
    """A field's value in a few characters: numbers to 6 digits, arrays by their first entries."""
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, (bool, np.bool_)) or value is None or isinstance(value, str):
        return repr(value) if isinstance(value, str) else str(value)
    if isinstance(value, (int, float, np.integer, np.floating)):
        return f"{value:.6g}"
    if isinstance(value, np.ndarray):
        flat = value.ravel()
        body = ", ".join(f"{v:.4g}" for v in flat[:width])
        return f"[{body}{', ...' if flat.size > width else ''}]" + (f" {value.shape}" if value.ndim > 1 else "")
    if dataclasses.is_dataclass(value):
        return f"{type(value).__name__}(...)"
    if isinstance(value, (list, tuple)):
        return f"[{len(value)} items]" if value and not isinstance(value[0], (int, float)) else _short(np.asarray(value))
    if isinstance(value, dict):
        return "{" + ", ".join(value) + "}"
    return type(value).__name__


class Answer(Serializable):
    """Mixin of the result dataclasses: ``success``, :meth:`certified`, and short representations
    for a console and a notebook (the full data is ``to_dict()``)."""

    status: Status
    verdict: Verdict | None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "__repr__" not in cls.__dict__:  # before @dataclass writes its own
            cls.__repr__ = Answer._repr  # type: ignore[method-assign]

    def _fields(self) -> list[tuple[str, str]]:
        return [(f.name, _short(getattr(self, f.name))) for f in dataclasses.fields(self)  # type: ignore[arg-type]
                if f.name not in HIDDEN and not f.metadata.get("transient")]

    def _verdict_line(self) -> str:
        message = getattr(self, "message", "")
        return message or f"{self.status.value}: not certified yet"

    def _repr(self) -> str:
        body = ", ".join(f"{name}={value}" for name, value in self._fields())
        return f"{type(self).__name__}<{self._verdict_line()}>({body})"

    def _repr_html_(self) -> str:
        """One table: the verdict, the answer's fields, the certificate's kind and verdict."""
        rows = [("status", self.status.value), ("verdict", self._verdict_line()), *self._fields()]
        certificate = getattr(self, "certificate", None)
        if certificate is not None:
            rows.append(("certificate", f"{getattr(certificate, 'kind', type(certificate).__name__)}, verified: "
                                        f"{getattr(certificate, 'verified', '-')}"))
        if self.verdict is not None:
            rows.append(("basis", f"{self.verdict.basis.value}: {self.verdict.rests_on}"))
            failed = [c.field for c in self.verdict.failed]
            if failed:
                rows.append(("failed checks", ", ".join(failed)))
        cells = "".join(f"<tr><th style='text-align:left'>{html.escape(k)}</th><td style='text-align:left'>"
                        f"{html.escape(str(v))}</td></tr>" for k, v in rows)
        return f"<table><caption>{html.escape(type(self).__name__)}</caption>{cells}</table>"

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
