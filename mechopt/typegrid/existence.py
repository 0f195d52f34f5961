"""Does a desirable mechanism exist on a type grid?  (002 Definition 7, Appendix A.1, Theorem 6.)

Four methods answer it and must agree: ``"dag"`` (the fast exact solver), ``"dag-aggregate"``
(its compiled form for the market-growth family of Section 7.2, one graph per others' sum),
``"bellman-ford"`` (Algorithm 1 with networkx) and ``"lp"`` (the existence LP with HiGHS);
``"auto"`` picks ``"dag-aggregate"`` where it applies and ``"dag"`` otherwise.  The maximal payments
p^max exist for every IR and IC mechanism; a desirable mechanism exists iff they are weakly budget
balanced at every true profile.

Each method finds the predecessors of the shortest paths (the witness of p^max, :mod:`.witness`;
for the LP, the tight edges of its optimal vertex); the answer is built from the table they
define and its status is the verdict of :func:`~mechopt.typegrid.certify.certify_existence`.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from typing import Literal

import numpy as np

from mechopt.core.stats import SolveStats
from mechopt.core.status import Status, Termination
from mechopt.core.tolerances import FEASIBILITY_TOL
from mechopt.typegrid.aggregate import aggregate_max_payments
from mechopt.typegrid.bellman_ford import bellman_ford_max_payments
from mechopt.typegrid.certify import (PER_AGENT, SYMMETRIC, Chain, ExistenceResult, FarkasRay, TableEvidence,
                                      certify_existence, existence_certificate, table_evidence,
                                      table_shape)
from mechopt.typegrid.constraints import existence_lp
from mechopt.typegrid.dag import dag_max_payments, finite_zero_payment
from mechopt.typegrid.lp import lp_predecessors, solve_existence_lp
from mechopt.typegrid.model import TypeGrid, is_market_growth
from mechopt.typegrid.properties import batches
from mechopt.typegrid.witness import chain, encode_predecessors

Method = Literal["auto", "dag", "dag-aggregate", "bellman-ford", "lp"]
METHODS: tuple[str, ...] = ("auto", "dag", "dag-aggregate", "bellman-ford", "lp")


def max_payment_table(grid: TypeGrid, method: Literal["dag", "bellman-ford"]) -> tuple[np.ndarray, np.ndarray]:
    """Maximal payments P[i, r, g] (P[:, 0, :] finite, see :mod:`.dag`) and predecessors
    pred[i, r, g] (pred[:, 0, :] unused)."""
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


PredecessorsOf = Callable[[int, tuple[int, ...]], np.ndarray]
"""pred_of(i, t_-i): the predecessor column (indexed by report) of agent i's graph at t_-i."""


def _chains(grid: TypeGrid, evidence: TableEvidence,
            pred_of: PredecessorsOf) -> tuple[tuple[int, ...], tuple[Chain, ...]]:
    """The violating profile of the witness's table and the path of each agent's type there."""
    profile = evidence.wbb.others
    paths = tuple(Chain(i, tuple(chain(pred_of(i, profile[:i] + profile[i + 1:]), profile[i])), float("nan"))
                  for i in range(grid.n))
    return profile, paths


def _answer(grid: TypeGrid, layout: str, pred: np.ndarray, pred_of: PredecessorsOf, tol: float, stats: SolveStats,
            ray: FarkasRay | None = None) -> ExistenceResult:
    """The certified answer from the predecessors (t = 1..K on the report axis): the evidence of
    the table they define, the chains of its violating profile when its budget fails.  The
    answer's ``stats.seconds`` includes the certification (``certify_seconds``)."""
    t0 = time.perf_counter()
    evidence = table_evidence(grid, layout, table_shape(grid, layout), encode_predecessors(pred), tol=tol,
                              decoded=pred)
    profile, chains = ((), ()) if evidence.min_budget >= -evidence.atol else _chains(grid, evidence, pred_of)
    cert = existence_certificate(grid, tol=tol, evidence=evidence, payments=True, profile=profile, chains=chains,
                                 dual_ray=ray)
    exists = evidence.min_budget >= -evidence.atol
    draft = ExistenceResult("existence", Status.UNVERIFIED, "", bool(exists), evidence.revenue if exists else None,
                            evidence.min_budget, cert, evidence.efficiency, stats)
    answer = draft.certified(certify_existence(grid, draft, tol=tol, evidence=evidence))
    spent = time.perf_counter() - t0
    return dataclasses.replace(answer, stats=dataclasses.replace(
        stats, seconds=stats.seconds + spent, parameters={**stats.parameters, "certify_seconds": spent}))


def _per_agent(grid: TypeGrid, pred: np.ndarray) -> PredecessorsOf:
    """pred_of for a per-agent table pred[i, r, g] (row 0 unused)."""
    return lambda i, others: pred[i, :, int(grid.profile_index(np.array([others]))[0])]


def _solve_market_growth(grid: TypeGrid, tol: float) -> ExistenceResult:
    """The ``"dag"`` method on the market-growth family: compiled, one graph per others' sum B."""
    t0 = time.perf_counter()
    n, K = grid.n, grid.K
    _, pred = aggregate_max_payments(float(grid.valuation.alpha), n, K, grid.eps)  # type: ignore[attr-defined]
    stats = SolveStats(method="dag-aggregate", termination=Termination.EXHAUSTIVE, iterations=pred.shape[1],
                       seconds=time.perf_counter() - t0,
                       parameters={"n": n, "K": K, "eps": grid.eps, "tol": tol, "graphs": "one per others' sum B"})
    return _answer(grid, SYMMETRIC, pred[1:], lambda i, others: pred[:, sum(others) - (n - 1)], tol, stats)


def solve_existence(grid: TypeGrid, *, method: Method = "auto", tol: float = FEASIBILITY_TOL) -> ExistenceResult:
    """Decide existence with ``method`` and certify the answer.

    ``"lp"``: HiGHS in units of the grid's value scale; when it finds the LP feasible, the witness
    is the tight edge of its optimal vertex into every true type (:func:`.lp.lp_predecessors`) and
    the answer's table is the one those edges define (``stats.parameters["lp_table_deviation"]``:
    the largest difference from HiGHS' own table, relative to the value scale); when infeasible,
    the witness and chains come from the DAG shortest paths and HiGHS' dual ray is attached.
    ``"dag-aggregate"`` is the compiled solver of :mod:`.aggregate` for the market-growth family
    with Q(t) = t.  ``tol`` is relative to the grid's value scale."""
    if method not in METHODS:
        raise ValueError(f"method: expected one of {METHODS}, got {method!r}")
    if isinstance(tol, bool) or not isinstance(tol, (int, float)) or not 0 < tol < 1:
        raise ValueError(f"tol: must be a number in (0, 1), got {tol!r}")
    if method == "auto":
        method = "dag-aggregate" if is_market_growth(grid) else "dag"
    if method == "dag-aggregate":
        if not is_market_growth(grid):
            raise ValueError("method: 'dag-aggregate' applies to the market-growth family with identity quality "
                             "and every participant served; use 'dag'")
        return _solve_market_growth(grid, tol)
    t0 = time.perf_counter()
    ray, parameters = None, {"n": grid.n, "K": grid.K, "eps": grid.eps, "tol": tol}
    if method == "lp":
        sol = solve_existence_lp(existence_lp(grid), scale=grid.value_scale)
        iterations = sol.iterations
        if sol.feasible:
            assert sol.payments is not None
            pred = lp_predecessors(grid, sol.payments)
        else:
            _, pred = max_payment_table(grid, "dag")
            pred = pred[:, 1:, :]
            if sol.dual_ray is not None:
                nz = np.flatnonzero(sol.dual_ray > 0)
                ray = FarkasRay(tuple(int(k) for k in nz), sol.dual_ray[nz], float("nan"), float("nan"))
        parameters["lp_status"] = sol.status
    else:
        _, pred = max_payment_table(grid, method)
        pred = pred[:, 1:, :]
        iterations = grid.n * grid.K ** (grid.n - 1)
    stats = SolveStats(method=method, termination=Termination.EXHAUSTIVE, iterations=iterations,
                       seconds=time.perf_counter() - t0, parameters=parameters)
    full = np.concatenate([np.full((grid.n, 1, pred.shape[2]), -1, dtype=np.int64), pred], axis=1)
    answer = _answer(grid, PER_AGENT, pred, _per_agent(grid, full), tol, stats, ray)
    if method == "lp" and sol.feasible and answer.certificate.payments is not None:
        deviation = np.max(np.abs(answer.certificate.table()[:, 1:] - sol.payments[:, 1:])) / grid.value_scale
        answer.stats.parameters["lp_table_deviation"] = float(deviation)
    return answer
