"""KKT certificate of a point of a concave program, computed from the model alone.

Written against :class:`ConcaveProgram`, a small protocol (objective, its gradient or its pieces,
constraints g(x) <= 0 with their Jacobian, variable lower bounds and a box holding the feasible
set), so one verifier serves every declarative program of :mod:`mechopt.programs`.

Multipliers are not taken from the solver: they are fitted by non-negative least squares to the
stationarity and complementary-slackness conditions at the point (for a max-min objective,
together with the weights of the active pieces).  With a concave objective, convex constraints
and multipliers z >= 0 the Lagrangian bounds every feasible objective value:

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
    widths = np.maximum(np.maximum(x - lower, upper - x), 0.0)
    z = _fit_multipliers(M, rhs, slack_coeffs, widths, u.size if minimum else 0)
    residual = M @ z - rhs
    comp = z * slack_coeffs
    with np.errstate(all="ignore"):
        violation = np.concatenate([np.maximum(g, 0.0) / np.maximum(program.constraint_scale(x), np.finfo(float).tiny),
                                    np.maximum(lower - x, 0.0) / np.maximum(np.abs(lower), np.finfo(float).tiny)])
    infeasible = float(np.max(violation)) if violation.size else 0.0
    finite = bool(np.all(np.isfinite(residual)) and np.all(np.isfinite(comp)))
    gap = float(comp.sum() + np.abs(residual) @ widths) if finite else float("inf")
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


def _fit_multipliers(M: np.ndarray, rhs: np.ndarray, slack: np.ndarray, widths: np.ndarray, pieces: int) -> np.ndarray:
    """z >= 0 minimizing ||w (M z - rhs)||^2 + ||slack z||^2 (the two terms of the gap bound,
    sum |residual_j| w_j and the slackness, both in the objective's units), plus sum of the first
    ``pieces`` entries = 1 for a max-min objective.  Columns are scaled to unit norm first."""
    if not all(np.all(np.isfinite(a)) for a in (M, rhs, slack, widths)):
        return np.zeros(M.shape[1])
    WM, Wr = widths[:, None] * M, widths * rhs
    norms = np.linalg.norm(WM, axis=0)
    norms = np.where(norms > 0, norms, 1.0)
    Ms = WM / norms
    rows = [Ms, np.diag(slack / norms)]
    targets = [Wr, np.zeros(M.shape[1])]
    if pieces:
        weight = 10.0 * max(float(np.linalg.norm(Ms[:, :pieces])), 1.0)
        row = np.zeros((1, M.shape[1]))
        row[0, :pieces] = weight / norms[:pieces]
        rows.append(row)
        targets.append(np.array([weight]))
    z = lsq_linear(np.vstack(rows), np.concatenate(targets), bounds=(0.0, np.inf), method="bvls").x / norms
    if pieces and z[:pieces].sum() > 0:
        z = z / z[:pieces].sum()
    return z
