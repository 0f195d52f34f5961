"""The continuum bound of the graphs B >= 2 (002 Section 7.2; docs/typegrid.md, 'Beyond the line').

The bound u_B(t) <= B^(alpha+1) V(t / B) is checked against every graph of the full grid solved
by the compiled DAG solver, and K*(alpha) decided on the line (1, K) with it against the full
grid's answer where the full grid is affordable."""

from __future__ import annotations

import numpy as np
import pytest

from mechopt.core.status import Status
from mechopt.typegrid.aggregate import aggregate_max_payments
from mechopt.typegrid.certify import LINE_BOUND, PAYMENT_TABLE
from mechopt.typegrid.continuum import cell_edges, continuum_bound, continuum_margin
from mechopt.typegrid.market_growth import disparity_boundary


@pytest.mark.parametrize("alpha", [-1.0, -0.95, -0.9, -0.8, -0.7, -0.68, -2 / 3, -0.5, -0.2, 0.0])
def test_the_bound_holds_on_every_graph_of_the_full_grid(alpha: float) -> None:
    """u_B(t) = F(t + B) - p^max(t | B) <= B^(alpha+1) V(t / B) for every 2 <= B < t <= 300."""
    K = 300
    P, _ = aggregate_max_payments(alpha, 2, K, 1.0)
    e, V = continuum_bound(alpha, K / 2)
    for B in range(2, K):
        t = np.arange(B + 1, K + 1)
        u = 2.0 ** alpha * (t + B) ** (alpha + 1.0) - P[t, B - 1]
        cell = np.searchsorted(e, t / B, side="left")  # e[cell - 1] < t / B <= e[cell]
        assert np.all(e[cell - 1] < t / B) and np.all(t / B <= e[cell])
        assert np.all(u <= B ** (alpha + 1.0) * V[cell]), B


def test_cells() -> None:
    e = cell_edges(1000.5)
    assert e[0] == 0.0 and e[-1] >= 1001.5 and 1.0 in e and 256.0 in e
    assert np.all(np.diff(e) > 0) and np.all(np.diff(e) <= 1.0)
    assert np.all(e[e >= 256.0] == np.round(e[e >= 256.0]))


@pytest.mark.parametrize("alpha,k_star", [(-0.9, 15), (-0.8, 59), (-0.75, 168)])
def test_the_line_and_the_bound_give_the_full_grids_answer(alpha: float, k_star: int) -> None:
    """The line (1, K) finds the first violation and the continuum bound certifies existence
    below it (the default search; also with the full grid stopped at K = 8): the same K* as the
    full grid's own search, which a line of K <= 2 leaves to it (docs/typegrid.md: K*(-0.9) = 15,
    K*(-0.8) = 59, K*(-0.75) = 168)."""
    full = disparity_boundary(alpha, line_limit=2)
    line = disparity_boundary(alpha)
    short = disparity_boundary(alpha, full_limit=8)
    assert (short.status, short.lower, short.upper, short.certificate.existence.kind) == (
        line.status, line.lower, line.upper, LINE_BOUND)
    assert full.status is line.status is Status.OPTIMAL
    assert full.certificate.existence.kind == PAYMENT_TABLE and line.certificate.existence.kind == LINE_BOUND
    assert full.max_disparity == line.max_disparity == k_star
    assert line.verdict.established and line.lower == k_star and line.upper == k_star + 1


def test_the_margin_near_minus_two_thirds() -> None:
    """At alpha = -0.668 (Figure 3's last point, K* = 111 523 on the line) the bound leaves every
    profile (B, t), B >= 2, within budget: the margin is positive on (1, K / 2]."""
    margin, _ = continuum_margin(-0.668, 111523 / 2)
    assert margin > 0
