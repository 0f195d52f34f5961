"""002 Theorems 2-6 and Section 7.2's boundary alpha = -1, pinned to independent computations:
a linear program (scipy's HiGHS) over payments built here from valuations written by hand (not the
package's grid, tables or shortest paths), and closed forms."""

from __future__ import annotations

from itertools import product

import numpy as np
import pytest
from scipy.optimize import linprog

from mechopt.io.schemas.typegrid import ExistenceModel, build_grid
from mechopt.reproductions import p002_claims as claims
from mechopt.typegrid.payments import payment_table
from mechopt.typegrid.theorems import pmax_table, theorem3, theorem4, theorem4_table

NO = -1


def _valuation(instance: str):
    """v(q) -> values of every agent, written from the paper's formulas (Example 2, Section 7.2, Definition 9)."""
    spec = claims.INSTANCES[instance][3]
    if spec["family"] == "linear":
        A = np.array(spec["A"])
        return lambda q: A @ q
    if spec["family"] == "market_growth":
        a = spec["growth_rate"]
        return lambda q: q * sum(q) ** a
    if spec["family"] == "fixed_market":
        return lambda q: q / sum(q)
    a, b, C, w = (np.array(spec[k]) for k in ("a", "b", "C", "w"))
    return lambda q: a * q ** b + np.array([sum(C[i, j] * np.sin(w[i, j] * q[j]) for j in range(len(q)) if j != i)
                                            for i in range(len(q))])


def _value(v, eps: float, reports: tuple[int, ...], types: tuple[int, ...], i: int) -> float:
    """Agent i's value: participants get Q(eps * sum of participants' reports), Q(t) = t; q_j = max(x_j, eps t_j)."""
    pooled = eps * sum(r for r in reports if r != NO)
    q = np.array([max(pooled if r != NO else 0.0, eps * t) for r, t in zip(reports, types)])
    return float(v(q)[i])


def _graphs(instance: str, K: int):
    """(agent, others' types, IR bound pbar[t], Gap[r, t]) for every graph, t = 1..K, r = 0..t-1."""
    _, n, _, _, _, _ = claims.INSTANCES[instance]
    v, eps = _valuation(instance), 1.0 / K
    for i in range(n):
        for others in product(range(1, K + 1), repeat=n - 1):
            def val(r: int, t: int) -> float:
                rep, typ = list(others), list(others)
                rep.insert(i, r)
                typ.insert(i, t)
                return _value(v, eps, tuple(rep), tuple(typ), i)
            pbar = {t: val(t, t) - val(NO, t) for t in range(1, K + 1)}
            gap = {(r, t): val(t, t) - val(r, t) for t in range(1, K + 1) for r in range(t)}
            yield i, others, pbar, gap


def _lp_max_payments(instance: str, K: int) -> dict[tuple[int, tuple[int, ...]], np.ndarray]:
    """The largest IR and IC payments of every graph by LP: max sum_t p(t) s.t. IR and IC (reports 0..K)."""
    out = {}
    for i, others, pbar, gap in _graphs(instance, K):
        rows, rhs = [], []
        for t in range(1, K + 1):
            e = np.zeros(K + 1)
            e[t] = 1
            rows.append(e), rhs.append(pbar[t])
            for r in range(t):
                e = np.zeros(K + 1)
                e[t], e[r] = 1, -1
                rows.append(e), rhs.append(gap[r, t])
        c = -np.r_[0.0, np.ones(K)]
        sol = linprog(c, A_ub=np.array(rows), b_ub=np.array(rhs), bounds=[(None, None)] * (K + 1), method="highs")
        assert sol.status == 0
        out[i, others] = sol.x
    return out


def _lp_exists(instance: str, K: int) -> bool:
    """Is there an IR, IC, weakly budget-balanced payment table (one LP over every agent's payments)?"""
    _, n, _, _, _, _ = claims.INSTANCES[instance]
    graphs = list(_graphs(instance, K))
    index = {(i, o): k for k, (i, o, _, _) in enumerate(graphs)}
    size = len(graphs) * (K + 1)
    rows, rhs = [], []
    for k, (_, _, pbar, gap) in enumerate(graphs):
        base = k * (K + 1)
        for t in range(1, K + 1):
            e = np.zeros(size)
            e[base + t] = 1
            rows.append(e), rhs.append(pbar[t])
            for r in range(t):
                e = np.zeros(size)
                e[base + t], e[base + r] = 1, -1
                rows.append(e), rhs.append(gap[r, t])
    for t in product(range(1, K + 1), repeat=n):
        e = np.zeros(size)
        for i in range(n):
            e[index[i, t[:i] + t[i + 1:]] * (K + 1) + t[i]] = -1
        rows.append(e), rhs.append(0.0)
    sol = linprog(np.zeros(size), A_ub=np.array(rows), b_ub=np.array(rhs), bounds=[(None, None)] * size,
                  method="highs")
    assert sol.status in (0, 2)
    return sol.status == 0


def _grid(instance: str, K: int | None = None):
    return build_grid(ExistenceModel.model_validate(claims.existence_model(instance, K)))


def _table_at(grid, P: np.ndarray, i: int, others: tuple[int, ...]) -> np.ndarray:
    g = int(grid.profile_index(np.array([others]))[0]) if grid.n > 1 else 0
    return P[i, :, g]


@pytest.mark.parametrize("instance", ["quasi_monotone", "linear", "linear_own_blind"])
def test_theorem2_mep_equals_the_lp_maximal_ir_ic_payments(instance: str) -> None:
    """Theorem 2 on quasi-monotone valuations: MEP's truthful payments are the largest IR and IC
    payments, the LP's optimum (so MEP is IR and IC and revenue-maximal)."""
    K = 5 if claims.INSTANCES[instance][1] == 3 else 6
    grid, lp = _grid(instance, K), _lp_max_payments(instance, K)
    mep = payment_table(grid, "exploitation")
    for (i, others), x in lp.items():
        assert np.allclose(_table_at(grid, mep, i, others)[1:], x[1:], atol=1e-9)


def test_theorem2_mep_gains_from_lying_in_the_fixed_market() -> None:
    """Not quasi-monotone (v_i = q_i / sum q): MEP is not IC; the LP's maximal payments are below it."""
    grid, lp = _grid("fixed_market", 8), _lp_max_payments("fixed_market", 8)
    mep = payment_table(grid, "exploitation")
    assert max(np.max(_table_at(grid, mep, i, o)[1:] - x[1:]) for (i, o), x in lp.items()) > 1e-3


@pytest.mark.parametrize("instance", ["growth_-0.8", "linear", "fixed_market"])
def test_theorem3_condition2_holds_with_equality_on_the_lp_table(instance: str) -> None:
    """(2), one-step differences at the reported type, on the LP's maximal IR and IC table: never violated,
    tight somewhere (the sums of one-step Gaps are recomputed here from the hand-written valuation)."""
    K = 6
    worst = -np.inf
    for i, others, _, gap in _graphs(instance, K):
        x = _lp_max_payments(instance, K)[i, others]
        for t in range(1, K + 1):
            for r in range(t):
                worst = max(worst, x[t] - x[r] - sum(gap[s, s + 1] for s in range(r, t)))
    assert worst <= 1e-9 and worst >= -1e-9
    assert theorem3(_grid(instance, K), pmax_table(_grid(instance, K)))["backward"] <= 1e-9


def test_theorem4_own_blind_table_is_ir_and_ic_by_brute_force() -> None:
    """A_ii = 0: (5) holds (a report's marginal value does not depend on the true type), and the table with
    equality in (1) and (6) is IR and IC, every deviation enumerated with the hand-written valuation."""
    K = 4
    grid = _grid("linear_own_blind", K)
    P, five = theorem4_table(grid)
    assert five <= 1e-12
    for i, others, pbar, gap in _graphs("linear_own_blind", K):
        p = _table_at(grid, P, i, others)
        for t in range(1, K + 1):
            assert p[t] <= pbar[t] + 1e-12
            for r in range(t):
                assert p[t] - p[r] <= gap[r, t] + 1e-12
    assert theorem4(grid)["ic"] <= 1e-9


def test_theorem4_condition5_fails_when_the_own_model_counts() -> None:
    """A_11 = 1 > 0: at t_2 = 1, one more reported unit is worth A_11 eps + A_21 eps... to agent 1 of
    type 2 but only A_21 eps to agent 1 of type 6 (its own model already beats the pooled one)."""
    grid = _grid("linear", 8)
    _, five = theorem4_table(grid)
    A = np.array(claims.INSTANCES["linear"][3]["A"])
    # D(s, s + 1) - D(s, t) = A_ii eps, relative to the value scale
    assert five == pytest.approx(max(A[0, 0], A[1, 1]) / 8 / grid.value_scale, rel=1e-9)


@pytest.mark.parametrize(("instance", "K", "exists"),
                         [("growth_-1", 6, True), ("growth_-1", 7, False), ("fixed_market", 8, False),
                          ("growth_-0.8", 8, True)])
def test_theorem6_methods_agree_with_the_lp(instance: str, K: int, exists: bool) -> None:
    """Algorithm 1 (three methods, certified) against the WBB LP built here: K*(-1) = 6."""
    assert _lp_exists(instance, K) is exists
    for method in claims.THEOREM6_METHODS:
        r = claims.theorem6_point(instance, K, method)
        assert r["verified"] and r["exists"] is exists


@pytest.mark.parametrize("alpha", claims.BOUNDARY_BELOW)
def test_not_growing_market_has_no_mechanism_with_pooling_at_k1(alpha: float) -> None:
    """alpha < -1, K = 1 (eps = 1): p^max at (1, 1) is each agent's IR bound 2 * 4^alpha - 2^alpha, which sum to
    2^(alpha+1) (2^(alpha+1) - 1) < 0; pooling is inefficient, and keeping own models is desirable."""
    r = claims.below_point(alpha, 1)
    assert r["min_budget"] == pytest.approx(2 ** (alpha + 1) * (2 ** (alpha + 1) - 1), rel=1e-12)
    assert not r["exists"] and r["status"] == "assumption_violated" and r["verified"]
    assert r["no_sharing_exists"] and r["no_sharing_status"] == "optimal"
    # the welfare loss of pooling at (1, 1): M = (sum q)^(alpha+1), q = (2, 2) against (1, 1)
    assert r["efficiency_gap"] == pytest.approx(2 ** (alpha + 1) - 4 ** (alpha + 1), rel=1e-9)


def test_fixed_market_budget_is_exactly_zero_at_k1() -> None:
    """alpha = -1 is on the growing side: the IR bounds at (1, 1) sum to 2^0 (2^0 - 1) = 0, and K*(-1) = 6."""
    assert _lp_exists("growth_-1", 1)
    assert claims.above_point(-1.0)["envelope"]["result"]["max_disparity"] == 6
