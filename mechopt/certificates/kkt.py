"""KKT certificate of a point of the welfare program (19), computed from the model alone.

Multipliers are not taken from the solver: they are fitted by non-negative least squares to the
stationarity and complementary-slackness conditions at the point (for p = -inf, together with
the weights of the active utilities in the minimum).  With concave W_p, convex constraints and
multipliers z >= 0, the Lagrangian bounds every feasible welfare:

    W(x) <= L(x) <= L(x*) + grad L(x*)^T (x - x*) <= W(x*) + slackness + ||grad L(x*)||_2 D,

where D is the diameter of the box that contains the feasible set.  ``gap_bound`` is that bound
on W* - W(x*); ``verified`` means the point is feasible and the bound is at most tol.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from scipy.optimize import lsq_linear

from ..serialization import Serializable
from ..tolerances import KKT_TOL

if TYPE_CHECKING:
    from ..programs.welfare import WelfareProgram


@dataclass(frozen=True)
class KKTCertificate(Serializable):
    kind: str
    b: np.ndarray
    s: np.ndarray
    welfare: float
    multipliers: dict[str, np.ndarray]
    """Fitted: ``budget`` (mu, (20)), ``b_nonneg`` (gamma, (21)-(23)), ``s_nonneg`` and, for
    p = -inf, ``min_weights``."""
    stationarity: float
    """max-norm of the Lagrangian gradient (20)-(21) at the point."""
    complementarity: float
    """max of multiplier x slack products (23)."""
    primal_infeasibility: float
    gap_bound: float
    """Upper bound on (optimal welfare) - (welfare at the point)."""
    tol: float
    verified: bool


def kkt_certificate(program: WelfareProgram, b: np.ndarray, s: np.ndarray, *, tol: float = KKT_TOL) -> KKTCertificate:
    """Certify (b, s) as optimal for ``program`` (or measure by how much it is not)."""
    from ..programs.welfare import power_mean_gradient

    b, s = np.asarray(b, dtype=float), np.asarray(s, dtype=float)
    n, beta, cost = program.n, program.beta, program.cost
    S = np.full(n, s.sum())
    u = program.utilities(b, s)
    ub, uS = program.utility.gradient(b, S)
    c1 = np.broadcast_to(cost.d1(s), (n,))
    g = program.budget_slack(b, s)
    slack = np.maximum(-g, 0.0)

    # Columns of the stationarity system in x = (b, s): grad u_i, -grad g_i, e_{b_i}, e_{s_j}.
    grad_u = np.zeros((2 * n, n))
    grad_u[np.arange(n), np.arange(n)] = ub
    grad_u[n:, :] = uS[None, :]
    grad_g = np.zeros((2 * n, n))
    grad_g[np.arange(n), np.arange(n)] = 1.0
    grad_g[n:, :] = (beta / (n - 1) * c1)[:, None]
    grad_g[n + np.arange(n), np.arange(n)] = (1 - beta) * c1
    eye_b = np.vstack([np.eye(n), np.zeros((n, n))])
    eye_s = np.vstack([np.zeros((n, n)), np.eye(n)])

    minimum = program.p == -np.inf
    blocks = ([grad_u] if minimum else []) + [-grad_g, eye_b, eye_s]
    M = np.hstack(blocks)
    rhs = np.zeros(2 * n) if minimum else -grad_u @ power_mean_gradient(u, program.p)
    slack_coeffs = ([u - u.min()] if minimum else []) + [slack, b, s]
    m = M.shape[1]
    rows, targets = [M], [rhs]
    scale = max(1.0, float(np.max(np.abs(M))))
    rows.append(np.diag(np.concatenate(slack_coeffs)) * scale)
    targets.append(np.zeros(m))
    if minimum:
        norm_row = np.zeros((1, m))
        norm_row[0, :n] = scale * 10.0
        rows.append(norm_row)
        targets.append(np.array([scale * 10.0]))
    A, y = np.vstack(rows), np.concatenate(targets)
    finite = bool(np.all(np.isfinite(A)) and np.all(np.isfinite(y)))
    z = lsq_linear(A, y, bounds=(0.0, np.inf), method="bvls").x if finite else np.zeros(m)
    if minimum and z[:n].sum() > 0:
        z = z / z[:n].sum()
    residual = M @ z - rhs
    comp = z * np.concatenate(slack_coeffs)

    lo_b, hi_s = program.feasible_box()
    diameter = float(np.sqrt(np.sum(lo_b**2) + np.sum(hi_s**2)))
    infeasible = float(max(np.max(np.maximum(g, 0.0)), np.max(np.maximum(-b, 0.0)), np.max(np.maximum(-s, 0.0))))
    gap = float(comp.sum() + np.linalg.norm(residual) * diameter) if finite else float("inf")
    welfare = program.welfare(b, s)
    names = (["min_weights"] if minimum else []) + ["budget", "b_nonneg", "s_nonneg"]
    multipliers = {name: z[k * n:(k + 1) * n] for k, name in enumerate(names)}
    scale_w = max(1.0, abs(welfare)) if np.isfinite(welfare) else 1.0
    verified = bool(np.isfinite(welfare) and infeasible <= tol * scale_w and gap <= tol * scale_w)
    return KKTCertificate("kkt", b, s, welfare, multipliers, float(np.max(np.abs(residual))),
                          float(np.max(comp)) if comp.size else 0.0, infeasible, gap, tol, verified)
