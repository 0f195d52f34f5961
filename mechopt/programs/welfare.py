"""The p-mean welfare program (7)/(19) of 001, posed declaratively.

    maximize   W_p(u_1(b_1, S), ..., u_n(b_n, S)),  S = s_1 + ... + s_n
    subject to b_i + (1-beta) c_i(s_i) + beta/(n-1) sum_{j!=i} c_j(s_j) <= B_i,  b >= 0, s >= 0.

W_p is the normalized power mean (1/n sum u_i^p)^(1/p): the geometric mean at p = 0 and the
minimum at p = -inf; (7)'s unnormalized form n^(1/p) W_p has the same maximizers.  The budget
constraint is written as <= (the program stays convex for convex costs); because every utility
increases in b_i, it is tight at an optimum, as the equality of (19).  Spending is the
non-negative combination M c(s) with M = (1-beta) I + beta/(n-1) (1 1^T - I), so the program is
DCP for every convex cost.

Variables are x = (b, s) of length 2n.  :class:`WelfareProgram` implements the
:class:`~mechopt.certificates.kkt.ConcaveProgram` protocol the KKT certificate is written against.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from mechopt.data.functions import Quadratic
from mechopt.data.power_mean import power_mean, power_mean_gradient
from mechopt.data.utilities import BudgetUtility
from mechopt.mechanisms.mbeta import MBeta

if TYPE_CHECKING:
    import cvxpy as cp


P_RANGE = (1e-6, 1e3)
"""Magnitudes of finite nonzero p accepted: below, W_p is the geometric mean to within rounding
(use p = 0); above, it is the minimum (use p = -inf); n^(-1/p) overflows beyond both."""


@dataclass(frozen=True)
class WelfareProgram:
    """Program (19) for utilities u_i(b_i, S), costs c_i, budgets B_i, parameter beta and p <= 1."""

    utility: BudgetUtility
    cost: Quadratic
    budgets: np.ndarray
    beta: float
    p: float

    def __post_init__(self) -> None:
        p = self.p
        if isinstance(p, bool) or not isinstance(p, (int, float, np.floating)) or np.isnan(p) or not p <= 1.0 or \
                (p not in (0.0, -np.inf) and not P_RANGE[0] <= abs(p) <= P_RANGE[1]):
            raise ValueError(f"p: the p-mean welfare takes p = 1, 0 (geometric mean), -inf (minimum) or p <= 1 with "
                             f"{P_RANGE[0]:g} <= |p| <= {P_RANGE[1]:g}, got {p!r}")
        b = np.asarray(self.budgets, dtype=float)
        if b.ndim != 1 or b.size < 2 or not np.all(np.isfinite(b)):
            raise ValueError("budgets: need finite budgets B_i for n >= 2 agents")
        if not self.cost.convex:
            raise ValueError("cost.curvature: program (19) needs convex costs (curvature >= 0)")
        if np.any(np.broadcast_to(self.cost.slope, b.shape) <= 0):
            raise ValueError("cost.slope: cost slopes c_i must be > 0 (they bound the feasible data)")
        object.__setattr__(self, "budgets", b)
        MBeta(self.cost, self.beta, b.size)  # validates beta

    @property
    def n(self) -> int:
        return self.budgets.size

    @property
    def mechanism(self) -> MBeta:
        return MBeta(self.cost, self.beta, self.n)

    def split(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """x = (b, s) -> (b, s)."""
        return x[:self.n], x[self.n:]

    def utilities(self, b: np.ndarray, s: np.ndarray) -> np.ndarray:
        return self.utility.value(b, np.full(self.n, s.sum()))

    def welfare(self, b: np.ndarray, s: np.ndarray) -> float:
        return power_mean(self.utilities(b, s), self.p)

    def budget_slack(self, b: np.ndarray, s: np.ndarray) -> np.ndarray:
        """g_i = b_i + spending_i(s) - B_i (feasible when <= 0)."""
        return b + self.mechanism.spending(s) - self.budgets

    # --- the ConcaveProgram protocol -------------------------------------------------------------

    def objective(self, x: np.ndarray) -> float:
        return self.welfare(*self.split(x))

    def objective_pieces(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Utilities u_i and their Jacobian in x = (b, s)."""
        b, s = self.split(x)
        S = np.full(self.n, s.sum())
        ub, uS = self.utility.gradient(b, S)
        J = np.zeros((self.n, 2 * self.n))
        J[np.arange(self.n), np.arange(self.n)] = ub
        J[:, self.n:] = np.asarray(uS)[:, None]
        return self.utility.value(b, S), J

    def objective_gradient(self, x: np.ndarray) -> np.ndarray | None:
        if self.p == -np.inf:
            return None
        u, J = self.objective_pieces(x)
        return power_mean_gradient(u, self.p) @ J

    def constraints(self, x: np.ndarray) -> np.ndarray:
        return self.budget_slack(*self.split(x))

    def constraint_jacobian(self, x: np.ndarray) -> np.ndarray:
        """d g_i / d(b, s): the identity in b, M diag(c'(s)) in s."""
        n = self.n
        c1 = np.broadcast_to(self.cost.d1(self.split(x)[1]), (n,))
        J = np.zeros((n, 2 * n))
        J[:, :n] = np.eye(n)
        J[:, n:] = self.spending_matrix() * c1[None, :]
        return J

    def constraint_scale(self, x: np.ndarray) -> np.ndarray:
        b, s = self.split(x)
        return np.abs(b) + np.abs(self.mechanism.spending(s)) + np.abs(self.budgets)

    def bounding_box(self) -> tuple[np.ndarray, np.ndarray]:
        """x >= 0; summing the budget constraints bounds b_i <= R and c_i s_i <= R with
        R = sum_i B_i - sum_i c_i(0) (spending sums to the total cost)."""
        R = max(float(self.budgets.sum() - np.sum(np.broadcast_to(self.cost.intercept, (self.n,)))), 0.0)
        upper = np.concatenate([np.full(self.n, R), R / np.broadcast_to(self.cost.slope, (self.n,))])
        return np.zeros(2 * self.n), upper

    # --- declarative form ----------------------------------------------------------------------

    def spending_matrix(self) -> np.ndarray:
        """M with spending = M c(s): (1-beta) on the diagonal, beta/(n-1) elsewhere (entries >= 0)."""
        n, beta = self.n, self.beta
        return np.full((n, n), beta / (n - 1)) + (1.0 - beta - beta / (n - 1)) * np.eye(n)

    def minimum_spending(self) -> np.ndarray:
        """spending_i at s = 0: a lower bound on agent i's spending over s >= 0, since costs do
        not decrease on s >= 0 (slopes > 0, curvature >= 0) and M >= 0."""
        return self.mechanism.spending(np.zeros(self.n))

    def corner_utilities(self) -> np.ndarray:
        """|u_i| at the corner b = B, S = the most data the budgets can pay for (finite ones; the
        largest finite one elsewhere, 1 when none is)."""
        _, upper = self.bounding_box()
        with np.errstate(all="ignore"):
            corner = np.abs(self.utility.value(self.budgets, np.full(self.n, upper[self.n:].sum())))
        ok = np.isfinite(corner) & (corner > 0)
        return np.where(ok, corner, float(corner[ok].max()) if ok.any() else 1.0)

    def scales(self) -> tuple[float, float]:
        """(money, utility): the largest budget and the largest utility at the corner (b = B, S = the
        most data the budgets can pay for).  The cvxpy problem is posed in these units, so the
        solver's absolute tolerances mean the same at every scale of the instance."""
        money = max(float(np.max(np.abs(self.budgets))), np.finfo(float).tiny)
        return money, float(self.corner_utilities().max())

    def build(self) -> tuple[cp.Problem, cp.Expression, cp.Variable, list[cp.Constraint]]:
        """The cvxpy problem in the units of :meth:`scales`: variables b / money and s; constraints
        (budget, b >= 0, s >= 0) divided by money; objective W_p / utility (W_p is positively
        homogeneous, so the maximizers are those of (19)); at p = 0 each u_i in the unit of its own
        corner value (the geometric mean changes by a constant factor).  Returns the problem, the
        expression b, the variable s and the constraints."""
        import cvxpy as cp

        n = self.n
        money, utility = self.scales()
        b_scaled, s = cp.Variable(n, name="b_per_money"), cp.Variable(n, name="s")
        b = money * b_scaled
        spend = (self.spending_matrix() / money) @ self.cost.dcp(s)
        cons = [b_scaled + spend <= self.budgets / money, b_scaled >= 0, s >= 0]
        # the geometric mean is unchanged (up to a constant) by scaling each u_i: each in its own unit
        units = self.corner_utilities() if self.p == 0 else np.full(n, utility)
        u = cp.multiply(1.0 / units, self.utility.dcp(b_scaled, cp.sum(s), money))
        if self.p == 1:
            obj = cp.sum(u) / n
        elif self.p == 0:
            obj = cp.geo_mean(u)
        elif self.p == -np.inf:
            obj = cp.min(u)
        else:
            obj = n ** (-1.0 / self.p) * cp.pnorm(u, self.p)
        return cp.Problem(cp.Maximize(obj), cons), b, s, cons
