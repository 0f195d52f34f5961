"""KKT certificate of a point of a concave program, computed from the model alone.

Written against :class:`ConcaveProgram`, a small protocol (objective, its gradient or its pieces,
constraints g(x) <= 0 with their Jacobian, variable lower bounds and a box holding the feasible
set), so one verifier serves every declarative program of :mod:`mechopt.programs`.

Multipliers are not taken from the solver: they are fitted by non-negative least squares to the
stationarity and complementary-slackness conditions at the point (for a max-min objective,
together with the weights of the active pieces).  With a concave objective, convex constraints
and multipliers z >= 0 the Lagrangian bounds every feasible objective value:

    f(x) <= L(x) <= L(x*) + grad L(x*)^T (x - x*) <= f(x*) + slackness + ||grad L(x*)||_2 D,

D the diameter of the box holding the feasible set.  ``gap_bound`` is that bound on f* - f(x*).
Tolerances are relative: the gap to the objective's scale at the point (max of |f| and the
pieces' |u_k|), each constraint's violation to the magnitude of its terms.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
from scipy.optimize import lsq_linear

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
    """Fitted: ``constraints`` (one per g_i), ``lower`` (one per x_j >= lower_j) and, for a
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


def kkt_certificate(program: ConcaveProgram, x: np.ndarray, *, tol: float = KKT_TOL) -> KKTCertificate:
    """Certify x as optimal for ``program`` (or measure by how much it is not): verified iff x is
    feasible and the gap bound is at most tol times the objective's scale."""
    x = np.asarray(x, dtype=float)
    lower, upper = program.bounding_box()
    dim = x.size
    g = program.constraints(x)
    Jg = program.constraint_jacobian(x)
    m = g.size
    slack = np.maximum(-g, 0.0)
    lower_slack = np.maximum(x - lower, 0.0)
    u, Ju = program.objective_pieces(x)
    grad = program.objective_gradient(x)
    minimum = grad is None
    blocks = ([Ju.T] if minimum else []) + [-Jg.T, np.eye(dim)]
    M = np.hstack(blocks)
    rhs = np.zeros(dim) if minimum else -grad
    slack_coeffs = np.concatenate(([u - u.min()] if minimum else []) + [slack, lower_slack])
    cols = M.shape[1]
    with np.errstate(all="ignore"):
        scale = max(1.0, float(np.max(np.abs(M)))) if np.all(np.isfinite(M)) else 1.0
    rows, targets = [M, np.diag(slack_coeffs) * scale], [rhs, np.zeros(cols)]
    if minimum:
        norm_row = np.zeros((1, cols))
        norm_row[0, :u.size] = scale * 10.0
        rows.append(norm_row)
        targets.append(np.array([scale * 10.0]))
    A, y = np.vstack(rows), np.concatenate(targets)
    finite = bool(np.all(np.isfinite(A)) and np.all(np.isfinite(y)))
    z = lsq_linear(A, y, bounds=(0.0, np.inf), method="bvls").x if finite else np.zeros(cols)
    if minimum and z[:u.size].sum() > 0:
        z = z / z[:u.size].sum()
    residual = M @ z - rhs
    comp = z * slack_coeffs
    diameter = float(np.linalg.norm(upper - lower))
    with np.errstate(all="ignore"):
        violation = np.concatenate([np.maximum(g, 0.0) / np.maximum(program.constraint_scale(x), np.finfo(float).tiny),
                                    np.maximum(lower - x, 0.0) / np.maximum(np.abs(lower), np.finfo(float).tiny)])
    infeasible = float(np.max(violation)) if violation.size else 0.0
    gap = float(comp.sum() + np.linalg.norm(residual) * diameter) if finite else float("inf")
    value = program.objective(x)
    obj_scale = float(max(abs(value), float(np.max(np.abs(u))) if u.size else 0.0)) if np.isfinite(value) else float("inf")
    names = (["pieces"] if minimum else []) + ["constraints", "lower"]
    sizes = ([u.size] if minimum else []) + [m, dim]
    bounds = np.cumsum([0] + sizes)
    multipliers = {name: z[bounds[k]:bounds[k + 1]] for k, name in enumerate(names)}
    verified = bool(np.isfinite(value) and np.isfinite(obj_scale) and infeasible <= tol
                    and gap <= tol * max(obj_scale, np.finfo(float).tiny))
    return KKTCertificate("kkt", x, float(value), multipliers, float(np.max(np.abs(residual))) if residual.size else 0.0,
                          float(np.max(comp)) if comp.size else 0.0, infeasible, gap, obj_scale, tol, verified)
