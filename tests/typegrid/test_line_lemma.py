"""Where K*(alpha) is first violated (002 Section 7.2, Figure 3; docs/typegrid.md, 'The line (1, K)').

With 2 agents, REV(t1, t2) = p(t1 | t2) + p(t2 | t1) in units of eps^(alpha+1).  The full grid is
solved here and compared with the comparison argument of the docs: REV(B, t) >= REV(1, t) for
B < t, the table L_B behind it is IR and IC on graph B, and the three elementary inequalities it
rests on, on the paper's alphas and on others.  Values are computed independently of the solver
from v_i(q) = (q_1 + q_2)^alpha q_i."""

from __future__ import annotations

import numpy as np
import pytest

from mechopt.typegrid.aggregate import aggregate_max_payments
from mechopt.typegrid.market_growth import line_violation
from mechopt.typegrid.symmetric import symmetric_revenues

PAPER = [-1.0, -0.95, -0.9, -0.8, -0.75, -0.7, -0.69, -0.68]
OTHERS = [-0.999, -0.97, -0.83, -0.71, -2 / 3, -0.6, -0.3, 0.0, 0.5]


def _W(alpha: float, B: np.ndarray, r: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Value of type t reporting r (-1: not participating) against the other's type B."""
    m = r + B
    q = np.maximum(m, t)
    with np.errstate(all="ignore"):
        return np.where(r < 0, t * (t + B) ** alpha, q * (q + m) ** alpha)


def _pbar(alpha: float, B: np.ndarray, t: np.ndarray) -> np.ndarray:
    return _W(alpha, B, t, t) - _W(alpha, B, -1, t)


@pytest.mark.parametrize("alpha", PAPER + OTHERS)
def test_the_line_is_the_worst_profile_on_the_full_grid(alpha: float) -> None:
    """min over t1 <= t2 of REV(t1, t2) is REV(1, t2), for every t2 <= 300; so the first violating
    profile of the full grid is (1, K* + 1), where the line search finds it."""
    K = 300
    P, _ = aggregate_max_payments(alpha, 2, K, 1.0)
    rev = symmetric_revenues(P, 2, K)
    lo = np.triu(rev - rev[0][None, :])  # REV(t1, t2) - REV(1, t2), t1 <= t2
    assert lo.min() >= -1e-12 * np.abs(rev).max()
    bad = np.argwhere(rev < -1e-9 * 2.0 ** (2 * alpha + 1) * K ** (alpha + 1))
    line, _ = line_violation(alpha, K)
    assert (line is None) == (bad.size == 0)
    if line is not None:
        assert int(bad.max(axis=1).min()) + 1 == line


@pytest.mark.parametrize("alpha", [-1.0, -0.9, -0.8, -0.7, -0.68, -2 / 3, -0.97, -0.75])
def test_the_comparison_table_is_a_mechanism(alpha: float) -> None:
    """L_B(t) = pbar_B(t) for t <= B and p(t | 1) + g(1, t) - g(B, t) above is IR and IC on every
    graph B <= 150 (every edge, numpy), so p(t | B) >= L_B(t): REV(B, t) >= REV(1, t)."""
    K = 150
    P, _ = aggregate_max_payments(alpha, 2, K, 1.0, sums=np.array([1]))
    p1 = P[1:, 0]
    t = np.arange(1, K + 1, dtype=float)
    g = lambda B, x: _pbar(alpha, x, B)  # p(B | x) for B <= x: the IR bound  # noqa: E731
    worst = -np.inf
    for B in range(2, K + 1):
        L = np.where(t <= B, _pbar(alpha, B, t), p1 + g(1.0, t) - g(float(B), t))
        ir = L - _pbar(alpha, B, t)
        tt, rr = t[:, None], t[None, :]
        ic = (L[:, None] - L[None, :]) - (_W(alpha, B, tt, tt) - _W(alpha, B, rr, tt))
        worst = max(worst, ir.max(), ic[rr < tt].max())
    assert worst <= 1e-12


@pytest.mark.parametrize("alpha", [-1.0, -0.95, -0.9, -0.85, -0.8, -0.75, -0.7, -0.68, -0.668, -2 / 3])
def test_the_three_inequalities(alpha: float) -> None:
    """(i) edge domination for B < r < t, (ii) the cross edges r <= B < s (one of the two graph-1
    bounds), (iii) IR, on every integer triple up to 100; (iii) against its closed form."""
    N = 100
    B, r, t = (x.astype(float) for x in np.meshgrid(*(np.arange(1, N),) * 3, indexing="ij"))
    one = np.ones_like(B)
    gap = lambda b, x, y: _W(alpha, b, y, y) - _W(alpha, b, x, y)  # noqa: E731
    g = lambda b, x: _pbar(alpha, x, b)  # noqa: E731
    delta = lambda b, x: g(one, x) - g(b, x)  # noqa: E731
    scale = 1e-12
    e1 = gap(B, r, t) - gap(one, r, t) - (delta(B, t) - delta(B, r))
    assert e1[(B < r) & (r < t)].min() >= -scale
    base = _pbar(alpha, B, r) + gap(B, r, t) - delta(B, t)
    e2 = np.maximum(base - _pbar(alpha, one, t), base - _pbar(alpha, one, r) - gap(one, r, t))
    assert e2[(r <= B) & (B < t)].min() >= -scale
    e3 = _pbar(alpha, B, t) - _pbar(alpha, one, t) - delta(B, t)
    closed = (2.0 ** (alpha + 1) - 1) * ((t + B) ** (alpha + 1) - (t + 1) ** (alpha + 1))
    m = B < t
    assert np.allclose(e3[m], closed[m], rtol=1e-9, atol=1e-12) and closed[m].min() >= 0


def test_the_edge_domination_fails_above_figure_3() -> None:
    """(i) is not a general law: at alpha = -0.5 some edge breaks it (the dominance REV(B, t) >=
    REV(1, t) itself still holds there, test above), so a proof must use alpha <= -0.65."""
    N, alpha = 90, -0.5
    B, r, t = (x.astype(float) for x in np.meshgrid(*(np.arange(1, N),) * 3, indexing="ij"))
    one = np.ones_like(B)
    gap = lambda b, x, y: _W(alpha, b, y, y) - _W(alpha, b, x, y)  # noqa: E731
    delta = lambda b, x: _pbar(alpha, x, one) - _pbar(alpha, x, b)  # noqa: E731
    e1 = gap(B, r, t) - gap(one, r, t) - (delta(B, t) - delta(B, r))
    assert e1[(B < r) & (r < t)].min() < -1e-3
