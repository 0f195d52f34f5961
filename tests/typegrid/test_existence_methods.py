"""The three existence methods of 002 Appendix A.1 agree exactly (LP, Bellman-Ford, DAG)."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings

from mechopt.core.status import Status
from mechopt.typegrid.existence import max_payment_table, solve_existence
from mechopt.typegrid.model import MarketGrowth, TypeGrid

from typegrid_instances import small_grids

TOL = 1e-9


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_grids())
def test_three_methods_agree(grid: TypeGrid) -> None:
    results = {m: solve_existence(grid, method=m) for m in ("dag", "bellman-ford", "lp")}
    assert len({r.exists for r in results.values()}) == 1
    for r in results.values():
        assert r.success and r.certificate.verified, r.message
        inefficient = r.efficiency is not None and r.efficiency.amount > TOL
        assert r.status == (Status.ASSUMPTION_VIOLATED if inefficient else
                            Status.OPTIMAL if r.exists else Status.INFEASIBLE)
    budgets = [r.min_budget for r in results.values()]
    assert max(budgets) - min(budgets) <= 1e-8
    dag, _ = max_payment_table(grid, "dag")
    bf, _ = max_payment_table(grid, "bellman-ford")
    assert np.allclose(dag[:, 1:, :], bf[:, 1:, :], rtol=0, atol=1e-9)
    if results["lp"].exists:
        # the tight edges of the revenue-maximal LP vertex are shortest paths: their table is p^max
        # (Theorem 6), and so is report 0's least finite payment
        lp = results["lp"].certificate.table()
        assert np.allclose(lp, dag, rtol=0, atol=1e-9 * grid.value_scale)
        assert results["lp"].stats.parameters["lp_table_deviation"] <= 1e-6


@settings(max_examples=25, deadline=None)
@given(small_grids())
def test_compiled_market_growth_path_matches_generic(grid: TypeGrid) -> None:
    """The one-graph-per-sum compiled solver equals the generic DAG solver on market growth."""
    if not isinstance(grid.valuation, MarketGrowth):
        return
    fast = solve_existence(grid, method="dag-aggregate")
    generic = solve_existence(grid, method="bellman-ford")
    assert fast.exists == generic.exists
    assert abs(fast.min_budget - generic.min_budget) <= 1e-9
    if fast.exists:
        P = fast.certificate.table()  # P[r, B - (n-1)]
        B = grid.others.sum(axis=1) - (grid.n - 1)
        G, _ = max_payment_table(grid, "dag")
        for i in range(grid.n):
            assert np.allclose(G[i, 1:, :], P[1:, B], rtol=0, atol=1e-9)


def test_existence_does_not_depend_on_eps() -> None:
    """v is homogeneous of degree alpha + 1 (Section 7.2), so only K = D/eps matters."""
    for K in (6, 7, 15, 16):
        answers = {solve_existence(TypeGrid(2, K, MarketGrowth(a), eps=e)).exists
                   for a in (-1.0,) for e in (1.0, 1.0 / K, 3.7)}
        assert len(answers) == 1
