"""Market growth and the disparity boundary K*(alpha) (002 Section 7.2, Figure 3)."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from mechopt.core.status import Status
from mechopt.typegrid.existence import solve_existence
from mechopt.typegrid.market_growth import disparity_boundary, figure3_alphas
from mechopt.typegrid.model import MarketGrowth, TypeGrid, market_growth_grid
from mechopt.typegrid.properties import ir_ic_violations, revenues
from mechopt.typegrid.symmetric import others_sums, symmetric_ir_ic, symmetric_revenues


def exact_budgets(K: int) -> dict[tuple[int, int], Fraction]:
    """alpha = -1, 2 agents, exact rationals, straight from the definitions: v_i = q_i / sum q,
    q_i = max(x_i, t_i), x = sum of participants' reports; p^max by relaxing every IR and IC
    constraint in the order of t (Algorithm 1); the budget sum_i p^max_i(t) of every profile."""
    def v(report: int, t: int, b: int) -> Fraction:  # agent of true type t reports (-1: absent)
        x = report + b if report >= 0 else 0
        q_i, q_j = max(x, t), (report + b if report >= 0 else b)
        return Fraction(q_i, q_i + q_j)

    pmax = {}
    for b in range(1, K + 1):
        p: dict[int, Fraction] = {}
        for t in range(1, K + 1):
            best = v(t, t, b) - v(-1, t, b)
            for r in range(1, t):
                best = min(best, p[r] + v(t, t, b) - v(r, t, b))
            p[t] = best
        pmax[b] = p
    return {(a, b): pmax[b][a] + pmax[a][b] for a in range(1, K + 1) for b in range(1, K + 1)}


def test_alpha_minus_one_boundary_is_6_in_exact_arithmetic() -> None:
    assert min(exact_budgets(6).values()) == 0  # tight: the budget holds with equality
    at7 = exact_budgets(7)
    negative = {t: v for t, v in at7.items() if v < 0}
    assert set(negative) == {(1, 7), (7, 1)} and negative[(1, 7)] == Fraction(-1, 88)
    r = disparity_boundary(-1.0)
    assert r.status is Status.OPTIMAL and r.max_disparity == 6 and (r.lower, r.upper) == (6, 7)
    assert r.certificate.nonexistence.profile in negative
    assert r.certificate.nonexistence.total_bound == pytest.approx(-1 / 88, abs=1e-15)


def test_existence_is_monotone_in_K_where_checked() -> None:
    """Solve every K = 1..24 at alpha = -0.9 independently: exists exactly up to the boundary."""
    r = disparity_boundary(-0.9)
    assert r.status is Status.OPTIMAL
    answers = [solve_existence(market_growth_grid(-0.9, K), method="bellman-ford").exists for K in range(1, 25)]
    assert answers == [K <= r.max_disparity for K in range(1, 25)]


def test_three_agents_boundary_matches_the_generic_solver() -> None:
    r = disparity_boundary(-1.0, n=3, full_limit=64)
    assert r.status is Status.OPTIMAL
    k = r.max_disparity
    assert solve_existence(market_growth_grid(-1.0, k, 3), method="bellman-ford").exists
    assert not solve_existence(market_growth_grid(-1.0, k + 1, 3), method="bellman-ford").exists


def test_line_search_agrees_with_full_grid() -> None:
    """Found on the line (1, K), K* is the full grid's; with the line search stopped before the
    first violation, existence is certified up to the line's limit (``bounded``: K*(-0.8) = 59)."""
    full = disparity_boundary(-0.8, line_limit=2)
    line = disparity_boundary(-0.8, full_limit=16, line_limit=256)
    assert full.certificate.existence.kind == "payment_table"
    assert full.status is line.status is Status.OPTIMAL
    assert line.lower == full.max_disparity and line.upper == full.max_disparity + 1
    assert line.certificate.verified
    short = disparity_boundary(-0.8, full_limit=16, line_limit=32)
    assert short.status is Status.BOUNDED and short.lower == 32 and short.upper is None
    assert short.certificate.verified and short.max_disparity is None


def test_boundary_grows_with_alpha() -> None:
    """Figure 3's trend on a few certified points."""
    ks = [disparity_boundary(a).max_disparity for a in (-1.0, -0.95, -0.9, -0.85, -0.8)]
    assert ks == sorted(ks) and len(set(ks)) == len(ks)


def test_figure3_alphas() -> None:
    a = figure3_alphas()
    assert len(a) == 167 and a[0] == -1.0 and a[-1] == pytest.approx(-0.668)


@pytest.mark.parametrize("n,K", [(2, 9), (3, 5)])
def test_compiled_checker_matches_generic_checker(n: int, K: int) -> None:
    """On random symmetric tables the compiled IR/IC check equals the generic exhaustive one."""
    rng = np.random.default_rng(n * K)
    alpha = -0.8
    grid = TypeGrid(n, K, MarketGrowth(alpha), eps=1.0 / K)
    P = rng.normal(size=(K + 1, len(others_sums(n, K))))
    amount, _ = symmetric_ir_ic(alpha, n, K, grid.eps, P)
    B = grid.others.sum(axis=1) - (n - 1)
    G = np.stack([P[:, B]] * n)
    ir, ic = ir_ic_violations(grid, G)
    assert amount[:, 0].max() == pytest.approx(ir.amount, abs=1e-12)
    assert amount[:, 1].max() == pytest.approx(ic.amount, abs=1e-12)
    rev = symmetric_revenues(P, n, K)
    prof, generic = revenues(grid, G)
    assert rev.shape == (K,) * n
    assert np.allclose(rev[tuple((prof - 1).T)], generic, rtol=0, atol=1e-12)


@pytest.mark.parametrize("bad", [dict(alpha=-1.5), dict(alpha=float("nan")), dict(K=0), dict(n=0)])
def test_bad_market_growth_arguments(bad: dict) -> None:
    args = {"alpha": -0.8, "K": 5, "n": 2, **bad}
    name = {"alpha": "alpha", "K": "disparity", "n": "agents"}[next(iter(bad))]
    with pytest.raises(ValueError, match=name):
        market_growth_grid(args["alpha"], args["K"], args["n"])


@pytest.mark.parametrize("alpha,n,full_limit", [(-0.9, 2, 256), (-0.75, 2, 256), (-0.72, 2, 256), (-0.7, 2, 64),
                                                (-0.8, 3, 16), (-0.6, 3, 16)])
def test_one_solve_serves_every_stage_of_the_full_grid_search(alpha: float, n: int, full_limit: int) -> None:
    """The staged search solves once where it can; stage by stage, each grid solved on its own
    (eps = 1/K), it finds the same stage, profile and predecessors."""
    from mechopt.core.tolerances import FEASIBILITY_TOL
    from mechopt.typegrid.aggregate import aggregate_max_payments
    from mechopt.typegrid.market_growth import _full_grid_search, _stages

    tol = FEASIBILITY_TOL
    K, profile, pred = _full_grid_search(alpha, n, full_limit, tol, None)
    for stage in _stages(n, full_limit):
        P, own = aggregate_max_payments(alpha, n, stage, 1.0 / stage)
        rev = symmetric_revenues(P, n, stage)
        bad = np.argwhere(rev < -tol * market_growth_grid(alpha, stage, n).value_scale) + 1
        if bad.size:
            top = bad.max(axis=1)
            first = bad[top == top.min()]
            expected = first[np.argmin([rev[tuple(t - 1)] for t in first])]
            assert (K, tuple(profile)) == (stage, tuple(expected))
            cols = (n - 1) * (stage - 1) + 1
            assert np.array_equal(pred[1:stage + 1, :cols], own[1:])
            return
    assert profile is None and K == full_limit


@pytest.mark.parametrize("field,kwargs", [("full_limit", {"full_limit": 1}), ("line_limit", {"line_limit": 0}),
                                          ("line_limit", {"line_limit": -5})])
def test_limits_below_two_are_refused_by_name(field: str, kwargs: dict) -> None:
    with pytest.raises(ValueError, match=f"^{field}: must be an integer >= 2"):
        disparity_boundary(-0.9, **kwargs)
