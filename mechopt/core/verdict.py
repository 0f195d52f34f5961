"""What a certifier concludes about an answer: the :class:`Verdict`.

A certifier takes a model and an answer (the answer a solver just produced, or one parsed from a
result file: the same function judges both), recomputes the evidence from the answer's witnesses
with its own tolerance, and returns a verdict: the status the evidence supports, one
:class:`Check` per answer field (claimed against recomputed), the fields the answer carries that
nothing checks, and what the verdict rests on (:class:`Basis`).  A status is decided nowhere else.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any

import numpy as np

from mechopt.core.serialization import MalformedAnswer, Serializable
from mechopt.core.status import Status

BIND_RTOL = 1e-9
"""Relative agreement required between a claimed derived value (utilities, welfare, payments) and
its recomputation; the scale is the quantities' own magnitude unless a check names another."""

ESTABLISHABLE = frozenset({Status.EQUILIBRIUM, Status.OPTIMAL, Status.EXACT, Status.INFEASIBLE, Status.BOUNDED,
                           Status.ASSUMPTION_VIOLATED})
"""Statuses evidence can establish; ``unverified``, ``no_equilibrium_found`` and ``failed`` never are."""


class Basis(str, Enum):
    """What a verdict rests on."""

    PROOF = "proof"
    """A proof from the model alone (closed-form bounds, exhaustive checks, duality)."""
    DECLARED_ASSUMPTION = "declared_assumption"
    """A proof under an assumption the model declares (named in the verdict's text)."""
    REDERIVATION = "independent_rederivation"
    """The answer re-derived by a method independent of the solver's (no finite witness exists)."""
    SAMPLING = "sampling"
    """Samples only: evidence, not proof; never establishes an answer."""


@dataclass(frozen=True)
class Check(Serializable):
    """One answer field (a path such as ``certificate.gains``) against the evidence."""

    field: str
    claimed: Any
    recomputed: Any
    ok: bool


@dataclass(frozen=True)
class Verdict(Serializable):
    """The certifier's conclusion about one answer."""

    kind: str
    claimed: Status
    """The status the answer claims."""
    status: Status
    """The status the recomputed evidence supports."""
    established: bool
    """The claimed status is the supported one, evidence can establish it (never ``unverified``,
    ``no_equilibrium_found`` or ``failed``), the basis is not sampling, and every check passed."""
    basis: Basis
    rests_on: str
    """The basis in words: the proof, the declared assumption (named), the re-derivation."""
    tol: float
    """The certifier's own tolerance; docs/verification.md says what it is relative to per kind."""
    checks: tuple[Check, ...]
    unchecked: tuple[str, ...] = ()
    """Fields the answer carries that no evidence binds (timings, free text, solver diagnostics);
    they never change the verdict.  ``[*]`` stands for every index of a list."""
    why: str = ""
    """Where the evidence supports less than the solver aimed at: which part of it fell short."""

    @property
    def failed(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if not c.ok)

    def with_claim(self, claimed: Status) -> Verdict:
        """The verdict on the same evidence for an answer claiming ``claimed`` instead."""
        return judge(self.kind, claimed, self.status, tuple(c for c in self.checks if c.field != "status"),
                     self.basis, self.rests_on, self.tol, self.unchecked, why=self.why)

    @property
    def message(self) -> str:
        """One line: the verdict, its basis and the first failed checks."""
        word = "established" if self.established else "not established"
        line = f"{self.claimed.value}: {word} ({self.basis.value})"
        if self.claimed is not self.status:
            line += f"; the evidence supports {self.status.value}"
        bad = [c.field for c in self.failed if c.field != "status"]
        if bad:
            line += f"; failed checks: {', '.join(bad[:4])}{', ...' if len(bad) > 4 else ''}"
        if self.why and not self.established:
            line += f"; {self.why}"
        return line


def judge(kind: str, claimed: Status, supported: Status, checks: tuple[Check, ...] | list[Check], basis: Basis,
          rests_on: str, tol: float, unchecked: tuple[str, ...] = (), *, why: str = "") -> Verdict:
    """The verdict from the evidence: adds the status check (claimed against supported) and
    decides ``established``; ``why`` says which evidence fell short when it does."""
    checks = (*checks, Check("status", claimed.value, supported.value, claimed is supported))
    established = (supported in ESTABLISHABLE and basis is not Basis.SAMPLING and all(c.ok for c in checks))
    return Verdict(kind, claimed, supported, bool(established), basis, rests_on, float(tol), tuple(checks),
                   tuple(unchecked), why)


def prefixed(prefix: str, verdict: Verdict) -> list[Check]:
    """A sub-answer's checks (its status check included) under ``prefix``."""
    return [dataclasses.replace(c, field=f"{prefix}.{c.field}") for c in verdict.checks]


def sub_verdict(prefix: str, certify: Callable[..., Verdict], *args: Any, **kwargs: Any) -> Verdict:
    """``certify(*args, **kwargs)`` on a sub-answer, a malformed field named under ``prefix``."""
    try:
        return certify(*args, **kwargs)
    except MalformedAnswer as err:
        raise MalformedAnswer(f"{prefix}.{err}") from None


def close(claimed: Any, recomputed: Any, *, rtol: float = BIND_RTOL, scale: float | None = None) -> bool:
    """Claimed and recomputed numbers (or arrays, or None) agree to ``rtol`` of ``scale`` (default:
    the recomputed values' magnitude); NaN matches NaN and an infinity itself."""
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


def shown(x: Any, head: int = 8) -> Any:
    """A value as a check shows it: arrays as lists of their first ``head`` entries."""
    if isinstance(x, np.ndarray):
        flat = x.ravel()
        return flat[:head].tolist() + (["..."] if flat.size > head else [])
    return x


def bind(field: str, claimed: Any, recomputed: Any, *, rtol: float = BIND_RTOL, scale: float | None = None) -> Check:
    """A numeric field (or array, or None) against its recomputation (:func:`close`)."""
    return Check(field, shown(claimed), shown(recomputed), close(claimed, recomputed, rtol=rtol, scale=scale))


def equal(field: str, claimed: Any, recomputed: Any) -> Check:
    """A field that must equal its recomputation exactly (strings, booleans, integers, points)."""
    if isinstance(claimed, np.ndarray) or isinstance(recomputed, np.ndarray):
        ok = claimed is not None and recomputed is not None and bool(np.array_equal(claimed, recomputed))
    else:
        same_kind = isinstance(claimed, bool) == isinstance(recomputed, bool)
        ok = same_kind and bool(claimed == recomputed)
    return Check(field, shown(claimed), shown(recomputed), ok)


def tolerance(field: str, claimed: float, verifier: float) -> Check:
    """A tolerance the answer's certificate claims: a number in (0, the verifier's]; a file that
    loosens it is not established (the evidence itself is judged at the verifier's only)."""
    ok = isinstance(claimed, float) and bool(np.isfinite(claimed)) and 0.0 < claimed <= verifier
    return Check(field, claimed, f"in (0, {verifier:g}]", ok)


def witness(field: str, value: Any) -> Check:
    """The field the evidence is recomputed from (a profile, a table): bound because every other
    check is at it, so changing it changes what they find."""
    return Check(field, shown(value), "the witness every check is computed at", True)
