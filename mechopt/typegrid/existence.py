"""Does a desirable mechanism exist on a type grid?  (002 Definition 7, Appendix A.1, Theorem 6.)

Four methods answer it and must agree: ``"dag"`` (the fast exact solver), ``"dag-aggregate"``
(its compiled form for the market-growth family of Section 7.2, one graph per others' sum),
``"bellman-ford"`` (Algorithm 1 with networkx) and ``"lp"`` (the existence LP with HiGHS);
``"auto"`` picks ``"dag-aggregate"`` where it applies and ``"dag"`` otherwise.  The maximal payments
p^max exist for every IR and IC mechanism; a desirable mechanism exists iff they are weakly budget
balanced at every true profile.  Every answer carries a certificate checked by
:mod:`mechopt.typegrid.certificates`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Literal

import numpy as np

from mechopt.core.serialization import Serializable
from mechopt.core.stats import SolveStats
from mechopt.core.status import Status, Termination
from mechopt.core.tolerances import FEASIBILITY_TOL
from mechopt.typegrid.aggregate import aggregate_max_payments, aggregate_revenues
from mechopt.typegrid.bellman_ford import bellman_ford_max_payments
from mechopt.typegrid.certificates import (Chain, ExistenceCertificate, FarkasRay, certify_chains, certify_payments,
                           certify_symmetric_payments, is_market_growth)
from mechopt.typegrid.dag import chain, dag_max_payments, finite_zero_payment
from mechopt.typegrid.lp import existence_lp, solve_existence_lp
from mechopt.typegrid.model import TypeGrid
from mechopt.typegrid.properties import Violation, batches, efficiency_gap, revenues

Method = Literal["auto", "dag", "dag-aggregate", "bellman-ford", "lp"]
METHODS: tuple[str, ...] = ("auto", "dag", "dag-aggregate", "bellman-ford", "lp")


@dataclass(frozen=True)
class ExistenceResult(Serializable):
    """The answer to 'is there an IC, IR, efficient, weakly budget-balanced mechanism?'."""

    kind: str
    status: Status
    """OPTIMAL (exists, revenue-maximal table verified), INFEASIBLE (non-existence verified),
    ASSUMPTION_VIOLATED (the grid's allocation is shown not to be efficient, so ``exists`` only
    speaks of IC, IR and budget balance under that allocation) or UNVERIFIED (the certificate
    did not verify)."""
    exists: bool
    revenue: float | None
    """Total revenue sum_t REV(t) of the revenue-maximal desirable mechanism (when it exists)."""
    min_budget: float
    """min over true profiles of sum_i p_i^max(t) (>= -tol times the grid's value scale iff a
    desirable mechanism exists)."""
    certificate: ExistenceCertificate
    stats: SolveStats
    efficiency: Violation | None = None
    """Worst welfare shortfall of the grid's allocation against a finite set of alternatives
    (:func:`.properties.efficiency_gap`); > tol proves the allocation inefficient (status
    ASSUMPTION_VIOLATED).  None when the grid is too large to check it (for the market-growth family
    with alpha >= -1 it is efficient: welfare (sum_j q_j)^(alpha+1) increases in every q_j)."""


def max_payment_table(grid: TypeGrid, method: Literal["dag", "bellman-ford"]) -> tuple[np.ndarray, np.ndarray]:
    """Maximal payments P[i, r, g] (P[:, 0, :] finite, see :mod:`.dag`) and predecessors."""
    n, K, G = grid.n, grid.K, grid.K ** (grid.n - 1)
    P = np.empty((n, K + 1, G))
    pred = np.empty((n, K + 1, G), dtype=np.int64)
    for i, g, W in batches(grid):
        if method == "dag":
            dist, pr = dag_max_payments(W)
        else:
            pairs = [bellman_ford_max_payments(w) for w in W]
            dist, pr = np.array([d for d, _ in pairs]), np.array([p for _, p in pairs])
        dist[:, 0] = finite_zero_payment(W, dist)
        P[i][:, g], pred[i][:, g] = dist.T, pr.T
    return P, pred


EFFICIENCY_CHECK_LIMIT = 10**7
"""Largest (levels K)^n welfare evaluations spent on the efficiency check."""


def efficiency_evidence(grid: TypeGrid, levels: int = 5) -> Violation | None:
    """The efficiency check of the grid's allocation, when affordable."""
    return efficiency_gap(grid, levels) if (levels * grid.K) ** grid.n <= EFFICIENCY_CHECK_LIMIT else None


def existence_status(exists: bool, cert: ExistenceCertificate, efficiency: Violation | None, tol: float, scale: float) -> Status:
    if not cert.verified:
        return Status.UNVERIFIED
    if efficiency is not None and efficiency.amount > tol * scale:
        return Status.ASSUMPTION_VIOLATED
    return Status.OPTIMAL if exists else Status.INFEASIBLE


def _chains(grid: TypeGrid, pred: np.ndarray, P: np.ndarray, profile: np.ndarray) -> tuple[Chain, ...]:
    out = []
    for i in range(grid.n):
        g = int(grid.profile_index(np.delete(profile, i)[None, :])[0])
        out.append(Chain(i, tuple(chain(pred[i, :, g], int(profile[i]))), float(P[i, profile[i], g])))
    return tuple(out)


def _solve_market_growth(grid: TypeGrid, tol: float) -> ExistenceResult:
    """The ``"dag"`` method on the market-growth family: compiled, one graph per others' sum B."""
    t0 = time.perf_counter()
    n, K = grid.n, grid.K
    P, pred = aggregate_max_payments(float(grid.valuation.alpha), n, K, grid.eps)
    prof, rev = aggregate_revenues(P, n, K)
    k = int(np.argmin(rev))
    exists = bool(rev[k] >= -tol * grid.value_scale)
    seconds = time.perf_counter() - t0
    if exists:
        cert = certify_symmetric_payments(grid, P, tol=tol)
    else:
        t = prof[k]
        cols = t.sum() - t - (n - 1)
        chains = tuple(Chain(i, tuple(chain(pred[:, cols[i]], int(t[i]))), float(P[t[i], cols[i]])) for i in range(n))
        cert = certify_chains(grid, tuple(int(x) for x in t), chains, tol=tol)
    stats = SolveStats(method="dag-aggregate", termination=Termination.EXHAUSTIVE, iterations=P.shape[1], seconds=seconds,
                       parameters={"n": n, "K": K, "eps": grid.eps, "tol": tol, "graphs": "one per others' sum B",
                                   "certify_seconds": time.perf_counter() - t0 - seconds})
    eff = efficiency_evidence(grid)
    return ExistenceResult("existence", existence_status(exists, cert, eff, tol, grid.value_scale), exists,
                           float(rev.sum()) if exists else None, float(rev[k]), cert, stats, eff)


def solve_existence(grid: TypeGrid, *, method: Method = "auto", tol: float = FEASIBILITY_TOL) -> ExistenceResult:
    """Decide existence with ``method`` and certify the answer.

    ``"lp"`` decides by HiGHS' status (within HiGHS' own feasibility tolerance); when the LP is
    infeasible the violating profile and its chains come from the DAG shortest paths and HiGHS'
    dual ray is attached.  ``"dag-aggregate"`` is the compiled solver of :mod:`.aggregate` for the
    market-growth family with Q(t) = t.  ``tol`` is relative to the grid's value scale."""
    if method not in METHODS:
        raise ValueError(f"method: expected one of {METHODS}, got {method!r}")
    if method == "auto":
        method = "dag-aggregate" if is_market_growth(grid) else "dag"
    if method == "dag-aggregate":
        if not is_market_growth(grid):
            raise ValueError("method: 'dag-aggregate' applies to the market-growth family with identity quality "
                             "and every participant served; use 'dag'")
        return _solve_market_growth(grid, tol)
    t0 = time.perf_counter()
    ray = None
    if method == "lp":
        lp = existence_lp(grid)
        sol = solve_existence_lp(lp)
        iterations = sol.iterations
        P, pred = max_payment_table(grid, "dag") if not sol.feasible else (sol.payments, None)
        if sol.dual_ray is not None:
            nz = np.flatnonzero(sol.dual_ray > 0)
            ray = FarkasRay(tuple(int(k) for k in nz), sol.dual_ray[nz], float("nan"), float("nan"))
    else:
        P, pred = max_payment_table(grid, method)
        iterations = grid.n * grid.K ** (grid.n - 1)
    prof, rev = revenues(grid, P)
    k = int(np.argmin(rev))
    exists = bool(rev[k] >= -tol * grid.value_scale) if method != "lp" else sol.feasible
    seconds = time.perf_counter() - t0
    if exists:
        cert = certify_payments(grid, P, tol=tol)
    else:
        cert = certify_chains(grid, tuple(int(x) for x in prof[k]), _chains(grid, pred, P, prof[k]), ray, tol=tol)
    stats = SolveStats(method=method, termination=Termination.EXHAUSTIVE, iterations=iterations, seconds=seconds,
                       parameters={"n": grid.n, "K": grid.K, "eps": grid.eps, "tol": tol,
                                   "certify_seconds": time.perf_counter() - t0 - seconds})
    eff = efficiency_evidence(grid)
    return ExistenceResult("existence", existence_status(exists, cert, eff, tol, grid.value_scale), exists,
                           float(rev.sum()) if exists else None, float(rev[k]), cert, stats, eff)
