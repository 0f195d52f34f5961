"""Both certificate kinds re-verify from the model alone, and corrupted ones are rejected."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from mechopt.typegrid.certificates import (Chain, FarkasRay, certify_payments, encode_table, verify_certificate)
from mechopt.typegrid.existence import max_payment_table, solve_existence
from mechopt.typegrid.model import LinearExternality, MarketGrowth, TypeGrid

# alpha = -1, 2 agents: a desirable mechanism exists up to K = 6 and not at K = 7 (see
# test_market_growth for the exact-arithmetic derivation of this boundary).
EXISTS = TypeGrid(2, 6, MarketGrowth(-1.0), eps=1 / 6)
NONE = TypeGrid(2, 7, MarketGrowth(-1.0), eps=1 / 7)
GENERIC_EXISTS = TypeGrid(2, 4, LinearExternality(np.array([[1.0, -0.2], [-0.3, 1.0]])), eps=0.25)


@pytest.mark.parametrize("grid,method", [(EXISTS, "dag"), (EXISTS, "lp"), (GENERIC_EXISTS, "bellman-ford"),
                                         (NONE, "dag"), (NONE, "bellman-ford"), (NONE, "lp")])
def test_certificates_reverify(grid: TypeGrid, method: str) -> None:
    r = solve_existence(grid, method=method)
    assert r.certificate.verified
    again = verify_certificate(grid, r.certificate)
    assert again.verified
    if not r.exists:
        assert again.total_bound < 0
        assert again.total_bound == pytest.approx(sum(c.bound for c in again.chains))


def test_nonexistence_chain_bounds_sum_to_min_budget() -> None:
    r = solve_existence(NONE, method="bellman-ford")
    assert r.certificate.total_bound == pytest.approx(r.min_budget, abs=1e-12)


@pytest.mark.parametrize("grid,method", [(EXISTS, "dag"), (GENERIC_EXISTS, "bellman-ford")])
def test_corrupted_payment_table_is_rejected(grid: TypeGrid, method: str) -> None:
    """p^max is the componentwise largest IR and IC payment (Theorem 6): raising any true-type entry
    breaks the last edge of its shortest path; the least finite p(0) is tight on some IC edge, so
    lowering it breaks that edge."""
    cert = solve_existence(grid, method=method).certificate
    P = cert.table()
    for idx in np.ndindex(P.shape):
        bad = P.copy()
        bad[idx] += 1e-6 if idx[-2] >= 1 else -1e-6  # the report axis
        assert not verify_certificate(grid, replace(cert, payments=encode_table(bad))).verified, idx
    assert not verify_certificate(grid, replace(cert, payments=cert.payments[:-8])).verified
    assert not verify_certificate(grid, replace(cert, shape=(P.size,))).verified


def test_budget_corruption_is_rejected() -> None:
    """At alpha = -1, K = 6 the budget is tight (REV = 0 at some profile): lowering a payment
    there breaks weak budget balance."""
    cert = solve_existence(EXISTS, method="dag").certificate
    wbb = [v for v in cert.violations if v.constraint == "WBB"][0]
    assert abs(wbb.amount) < 1e-12
    t1, t2 = wbb.others
    bad = cert.table()
    bad[t1, t2 - 1] -= 1e-6
    again = verify_certificate(EXISTS, replace(cert, payments=encode_table(bad)))
    assert not again.verified
    assert [v for v in again.violations if v.constraint == "WBB"][0].amount > 1e-7


def test_payment_table_of_wrong_grid_is_rejected() -> None:
    P, _ = max_payment_table(EXISTS, "dag")
    assert certify_payments(EXISTS, P).verified
    assert not certify_payments(TypeGrid(2, 6, MarketGrowth(-0.9), eps=1 / 6), P * 2).verified


def test_corrupted_chains_are_rejected() -> None:
    cert = solve_existence(NONE, method="lp").certificate
    assert cert.dual_ray is not None and verify_certificate(NONE, cert).verified
    c0, c1 = cert.chains
    forged_bound = replace(cert, chains=(replace(c0, bound=-5.0), c1), dual_ray=None)
    assert verify_certificate(NONE, forged_bound).verified == verify_certificate(NONE, replace(cert, dual_ray=None)).verified
    cases = [
        replace(cert, chains=(c0,), dual_ray=None),  # an agent missing
        replace(cert, chains=(c0, Chain(1, (2,) + tuple(c1.vertices)[1:], 0.0)), dual_ray=None),  # another path
        replace(cert, chains=(c0, Chain(1, tuple(c1.vertices)[::-1], 0.0)), dual_ray=None),  # not increasing
        replace(cert, profile=(2, 7), dual_ray=None),  # chain no longer ends at the type
        replace(cert, profile=(1, 8), dual_ray=None),  # outside the grid
    ]
    for bad in cases:
        assert not verify_certificate(NONE, bad).verified, bad
    y = cert.dual_ray
    for ray in (FarkasRay(y.rows, -y.values, 0, 0), FarkasRay(y.rows[:-1], y.values[:-1], 0, 0),
                FarkasRay(y.rows, y.values * np.linspace(1, 2, len(y.values)), 0, 0)):
        assert not verify_certificate(NONE, replace(cert, dual_ray=ray)).verified


def test_chain_recomputation_ignores_stored_bounds() -> None:
    """A stored bound is evidence only: the verifier recomputes it from the model."""
    cert = solve_existence(NONE).certificate
    lying = replace(cert, chains=tuple(replace(c, bound=-1.0) for c in cert.chains))
    again = verify_certificate(NONE, lying)
    assert [c.bound for c in again.chains] == pytest.approx([c.bound for c in cert.chains])
