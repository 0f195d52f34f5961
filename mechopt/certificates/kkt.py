"""KKT certificate of a point of a concave program, computed from the model alone.

Written against :class:`ConcaveProgram`, a small protocol (objective, its gradient or its pieces,
constraints g(x) <= 0 with their Jacobian, variable lower bounds and a box holding the feasible
set), so one verifier serves every declarative program of :mod:`mechopt.programs`.

The multipliers are the answer's witness (a solver fits them: :func:`mechopt.solvers.kkt_fit.fit_multipliers`);
the certificate only evaluates them.  With a concave objective, convex constraints and *any*
multipliers z >= 0 (for a max-min objective, weights of the pieces, normalized to sum 1) the
Lagrangian bounds every feasible objective value:

    f(x) <= L(x) <= L(x*) + grad L(x*)^T (x - x*) <= f(x*) + slackness + sum_j |grad_j L(x*)| w_j,

w_j = max(x*_j - lower_j, upper_j - x*_j) over the box holding the feasible set (each term in the
objective's units, whatever the units of x_j).  ``gap_bound`` is that bound on f* - f(x*).
Tolerances are relative: the gap to the objective's scale at the point (max of |f| and the
pieces' |u_k|), each constraint's violation to the magnitude of its terms.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from mechopt.core.serialization import Serializable
from mechopt.core.tolerances import KKT_TOL


class ConcaveProgram(Protocol):
    """maximize f(x) subject to g(x) <= 0 and x >= lower, f concave and g convex."""

    def objective(self, x: np.ndarray) -> float: ...

    def objective_gradient(self, x: np.ndarray) -> np.ndarray | None:
        """grad f(x); None when f is the minimum of the pieces (see :meth:`objective_pieces`)."""

    def objective_pieces(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Values u_k(x) and Jacobian du_k/dx of the pieces f aggregates (utilities for welfare)."""

    def constraints(self, x: np.ndarray) -> np.ndarray:
        """g(x), feasible when <= 0."""

    def constraint_jacobian(self, x: np.ndarray) -> np.ndarray: ...

    def constraint_scale(self, x: np.ndarray) -> np.ndarray:
        """Magnitude of the terms of each constraint at x (violations are judged relative to it)."""

    def bounding_box(self) -> tuple[np.ndarray, np.ndarray]:
        """(lower, upper): x >= lower is a constraint; every feasible x also satisfies x <= upper."""


@dataclass(frozen=True)
class KKTCertificate(Serializable):
    kind: str
    point: np.ndarray
    """The point x the evidence is about."""
    objective: float
    multipliers: dict[str, np.ndarray]
    """The witness: ``constraints`` (one per g_i), ``lower`` (one per x_j >= lower_j) and, for a
    max-min objective, ``pieces`` (weights of the pieces in the minimum)."""
    stationarity: float
    """max-norm of the Lagrangian gradient at the point."""
    complementarity: float
    """max of multiplier x slack products."""
    primal_infeasibility: float
    """Largest constraint violation relative to its scale."""
    gap_bound: float
    """Upper bound on (optimal value) - (value at the point)."""
    objective_scale: float
    """What the gap bound is judged against: max(|f|, |u_k|) at the point."""
    tol: float
    verified: bool


def kkt_pieces(program: ConcaveProgram, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]:
    """The linear system the multipliers z of the bound enter at x: the Lagrangian gradient is
    ``M z - rhs``, the slackness terms are ``z * slack``, the box widths ``widths``; the first
    ``pieces`` entries of z weigh the pieces of a max-min objective (0 otherwise).  Returns
    (M, rhs, slack, widths, pieces)."""
    x = np.asarray(x, dtype=float)
    lower, upper = program.bounding_box()
    g = program.constraints(x)
    Jg = program.constraint_jacobian(x)
    u, Ju = program.objective_pieces(x)
    grad = program.objective_gradient(x)
    minimum = grad is None
    M = np.hstack(([Ju.T] if minimum else []) + [-Jg.T, np.eye(x.size)])
    rhs = np.zeros(x.size) if minimum else -grad
    slack = np.concatenate(([u - u.min()] if minimum else []) + [np.maximum(-g, 0.0), np.maximum(x - lower, 0.0)])
    widths = np.maximum(np.maximum(x - lower, upper - x), 0.0)
    return M, rhs, slack, widths, (u.size if minimum else 0)


def multiplier_names(program: ConcaveProgram, x: np.ndarray) -> list[tuple[str, int]]:
    """The blocks of z in order, with their sizes: ``pieces`` (max-min objectives only),
    ``constraints`` (one per g_i), ``lower`` (one per x_j >= lower_j)."""
    x = np.asarray(x, dtype=float)
    minimum = program.objective_gradient(x) is None
    sizes = [("constraints", program.constraints(x).size), ("lower", x.size)]
    return ([("pieces", program.objective_pieces(x)[0].size)] if minimum else []) + sizes


def kkt_certificate(program: ConcaveProgram, x: np.ndarray, multipliers: dict[str, np.ndarray], *,
                    tol: float = KKT_TOL) -> KKTCertificate:
    """Certify x as optimal for ``program`` with the given multipliers (or measure by how much it
    is not): verified iff x is feasible, the multipliers are >= 0 (piece weights summing to a
    positive number, normalized to 1), and the gap bound is at most tol times the objective's
    scale.  Multipliers of the wrong shape are an error naming the block."""
    x = np.asarray(x, dtype=float)
    blocks = multiplier_names(program, x)
    unknown = sorted(set(multipliers) - {name for name, _ in blocks})
    if unknown:
        raise ValueError(f"multipliers.{unknown[0]}: not a multiplier block of this program "
                         f"(expected {', '.join(name for name, _ in blocks)})")
    parts = []
    for name, size in blocks:
        z = np.asarray(multipliers.get(name, np.zeros(0)), dtype=float)
        if z.shape != (size,):
            raise ValueError(f"multipliers.{name}: expected {size} values, got shape {z.shape}")
        parts.append(z)
    z = np.concatenate(parts)
    M, rhs, slack, widths, pieces = kkt_pieces(program, x)
    nonneg = bool(np.all(z >= 0))
    if pieces:
        weight = float(np.sum(z[:pieces]))
        nonneg = nonneg and weight > 0
        if weight > 0:
            z = np.concatenate([z[:pieces] / weight, z[pieces:]])
    g = program.constraints(x)
    lower, _ = program.bounding_box()
    residual = M @ z - rhs
    comp = z * slack
    with np.errstate(all="ignore"):
        violation = np.concatenate([np.maximum(g, 0.0) / np.maximum(program.constraint_scale(x), np.finfo(float).tiny),
                                    np.maximum(lower - x, 0.0) / np.maximum(np.abs(lower), np.finfo(float).tiny)])
    infeasible = float(np.max(violation)) if violation.size else 0.0
    finite = bool(np.all(np.isfinite(residual)) and np.all(np.isfinite(comp)))
    gap = float(comp.sum() + np.abs(residual) @ widths) if finite else float("inf")
    u, _ = program.objective_pieces(x)
    value = program.objective(x)
    obj_scale = float(max(abs(value), float(np.max(np.abs(u))) if u.size else 0.0)) if np.isfinite(value) else float("inf")
    verified = bool(nonneg and np.isfinite(value) and np.isfinite(obj_scale) and infeasible <= tol
                    and gap <= tol * max(obj_scale, np.finfo(float).tiny))
    named = dict(zip([name for name, _ in blocks], parts))
    return KKTCertificate("kkt", x, float(value), named, float(np.max(np.abs(residual))) if residual.size else 0.0,
                          float(np.max(comp)) if comp.size else 0.0, infeasible, gap, obj_scale, tol, verified)
