"""The existence certifier judges answers from their witnesses alone (002 Theorem 6): the
predecessors define p^max exactly when their table meets every IR and IC edge, chains bound every
mechanism, and tampered witnesses, tables, chains and rays are rejected."""

from __future__ import annotations

import base64
import bz2
import zlib
from dataclasses import replace

import numpy as np
import pytest

from mechopt.core.serialization import MalformedAnswer
from mechopt.core.status import Status
from mechopt.typegrid.certify import Chain, FarkasRay, certify_existence
from mechopt.typegrid.existence import max_payment_table, solve_existence
from mechopt.typegrid.model import LinearExternality, MarketGrowth, TypeGrid
from mechopt.typegrid.witness import BASE, decode_predecessors, encode_predecessors, encode_table

# alpha = -1, 2 agents: a desirable mechanism exists up to K = 6 and not at K = 7 (see
# test_market_growth for the exact-arithmetic derivation of this boundary).
EXISTS = TypeGrid(2, 6, MarketGrowth(-1.0), eps=1 / 6)
NONE = TypeGrid(2, 7, MarketGrowth(-1.0), eps=1 / 7)
GENERIC_EXISTS = TypeGrid(2, 4, LinearExternality(np.array([[1.0, -0.2], [-0.3, 1.0]])), eps=0.25)


def _established(grid: TypeGrid, answer) -> bool:  # type: ignore[no-untyped-def]
    try:
        return certify_existence(grid, answer).established
    except MalformedAnswer:
        return False


@pytest.mark.parametrize("grid,method", [(EXISTS, "dag"), (EXISTS, "lp"), (EXISTS, "dag-aggregate"),
                                         (GENERIC_EXISTS, "bellman-ford"), (NONE, "dag"), (NONE, "bellman-ford"),
                                         (NONE, "lp"), (NONE, "dag-aggregate")])
def test_answers_reverify_from_their_witness(grid: TypeGrid, method: str) -> None:
    r = solve_existence(grid, method=method)
    assert r.success and r.certificate.verified and r.status in (Status.OPTIMAL, Status.INFEASIBLE)
    again = certify_existence(grid, r)
    assert again.established and again.status is r.status
    if not r.exists:
        assert r.certificate.total_bound < 0
        assert r.certificate.total_bound == pytest.approx(sum(c.bound for c in r.certificate.chains))


def test_nonexistence_chain_bounds_sum_to_min_budget() -> None:
    """The chains are shortest paths at the profile of the least budget: their bounds are p^max."""
    r = solve_existence(NONE, method="bellman-ford")
    assert r.certificate.total_bound == pytest.approx(r.min_budget, abs=1e-12)
    assert r.min_budget == pytest.approx(-1 / 88, abs=1e-15)  # exact: test_market_growth


def test_the_witness_table_is_the_shortest_path_table() -> None:
    """The table the certifier rebuilds from the predecessors is the DAG's p^max."""
    r = solve_existence(GENERIC_EXISTS, method="dag")
    P, _ = max_payment_table(GENERIC_EXISTS, "bellman-ford")
    assert np.allclose(r.certificate.table(), P, rtol=0, atol=1e-12)


@pytest.mark.parametrize("grid,method", [(EXISTS, "dag"), (EXISTS, "dag-aggregate"), (GENERIC_EXISTS, "dag")])
def test_a_longer_path_is_not_p_max(grid: TypeGrid, method: str) -> None:
    """Any predecessor other than a shortest path's gives a longer path: some IC edge into it fails,
    so the table is not p^max and the answer is not established (ties aside)."""
    r = solve_existence(grid, method=method)
    cert = r.certificate
    shape = (grid.n, grid.K, cert.shape[-1]) if cert.layout == "per_agent" else (grid.K, cert.shape[-1])
    pred = decode_predecessors(cert.predecessors, shape, "p")
    rejected = 0
    for idx in np.ndindex(pred.shape):
        t = idx[-2] + 1
        for other in [BASE, *range(1, t)]:
            if other == pred[idx]:
                continue
            bad = pred.copy()
            bad[idx] = other
            forged = replace(r, certificate=replace(cert, predecessors=encode_predecessors(bad)))
            verdict = certify_existence(grid, forged)
            table_changed = not any(c.field == "certificate.payments" and c.ok for c in verdict.checks)
            if table_changed:  # a tie gives the same table: nothing to reject
                assert not verdict.established, (idx, other)
                assert any(c.field == "certificate.predecessors" and not c.ok for c in verdict.checks)
                rejected += 1
    assert rejected > 0


@pytest.mark.parametrize("grid,method", [(EXISTS, "dag"), (GENERIC_EXISTS, "bellman-ford")])
def test_a_changed_payment_is_rejected(grid: TypeGrid, method: str) -> None:
    r = solve_existence(grid, method=method)
    P = r.certificate.table()
    for idx in list(np.ndindex(P.shape))[:: max(1, P.size // 40)]:
        bad = P.copy()
        bad[idx] += 1e-6 * grid.value_scale
        assert not _established(grid, replace(r, certificate=replace(r.certificate, payments=encode_table(bad)))), idx
    assert not _established(grid, replace(r, certificate=replace(r.certificate, payments=r.certificate.payments[:-8])))


def test_revenue_and_min_budget_are_bound() -> None:
    r = solve_existence(EXISTS, method="dag")
    for field, value in (("revenue", r.revenue + 1e-6), ("min_budget", r.min_budget - 1e-6), ("revenue", None)):
        assert not _established(EXISTS, replace(r, **{field: value})), field


def test_the_answer_of_another_grid_is_rejected() -> None:
    """Issue 18 item 2: an existence_linear answer judged on the grid with eps = 1 (4 times the
    values): the table is feasible there but not maximal, so it is not established."""
    A = np.array([[1.0, -0.3, -0.2], [-0.4, 1.0, 0.1], [0.2, -0.5, 0.8]])
    small, large = (TypeGrid(3, 4, LinearExternality(A), eps=e) for e in (0.25, 1.0))
    r = solve_existence(small, method="lp")
    assert r.success and (r.revenue, r.min_budget) == pytest.approx((180.0, 1.125))
    honest = solve_existence(large, method="lp")
    assert (honest.revenue, honest.min_budget) == pytest.approx((720.0, 4.5))  # homogeneous of degree 1
    verdict = certify_existence(large, r)
    assert not verdict.established
    assert {c.field for c in verdict.failed} >= {"revenue", "min_budget", "certificate.payments"}


def test_corrupted_chains_are_rejected() -> None:
    r = solve_existence(NONE, method="lp")
    cert = r.certificate
    assert cert.dual_ray is not None and r.success
    c0, c1 = cert.chains
    cases = [
        replace(cert, chains=(c0,)),  # an agent missing
        replace(cert, chains=(c0, Chain(1, (2,) + tuple(c1.vertices)[1:], c1.bound))),  # another path
        replace(cert, chains=(c0, Chain(1, tuple(c1.vertices)[::-1], c1.bound))),  # not increasing
        replace(cert, chains=(c0, replace(c1, bound=-5.0))),  # a stored bound is bound to the model
        replace(cert, chains=(c0, replace(c1, bound=float("nan")))),
        replace(cert, total_bound=float("nan")),
        replace(cert, profile=(2, 7)),  # chain no longer ends at the type
        replace(cert, profile=(1, 8)),  # outside the grid
        replace(cert, verified=False),
    ]
    for bad in cases:
        assert not _established(NONE, replace(r, certificate=bad)), bad
    y = cert.dual_ray
    for ray in (FarkasRay(y.rows, -y.values, y.residual, y.b_dot_y), FarkasRay(y.rows[:-1], y.values[:-1], 0.0, 0.0),
                FarkasRay(y.rows, y.values * np.linspace(1, 2, len(y.values)), y.residual, y.b_dot_y),
                replace(y, residual=1e-3), replace(y, b_dot_y=float("nan"))):
        assert not _established(NONE, replace(r, certificate=replace(cert, dual_ray=ray))), ray


def test_malformed_witnesses_name_the_field() -> None:
    r = solve_existence(EXISTS, method="dag")
    cert = r.certificate
    zeros = encode_predecessors(np.zeros((6, 6), dtype=int))  # report 0 is no true type: never on a path
    for bad, field in ((replace(cert, predecessors="not base64!"), "certificate.predecessors"),
                       (replace(cert, predecessors=zeros), "certificate.predecessors"),
                       (replace(cert, predecessors=cert.predecessors[:-8]), "certificate.predecessors"),
                       (replace(cert, layout="magic"), "certificate.layout")):
        with pytest.raises(MalformedAnswer, match=field):
            certify_existence(EXISTS, replace(r, certificate=bad))


def test_a_witness_of_another_grid_is_not_established() -> None:
    """A table laid out for another grid is a wrong answer, not a malformed file."""
    r = solve_existence(EXISTS, method="dag-aggregate")
    for grid, bad, field in ((EXISTS, replace(r.certificate, shape=(7, 5)), "certificate.shape"),
                             (GENERIC_EXISTS, r.certificate, "certificate.layout")):
        verdict = certify_existence(grid, replace(r, certificate=bad))
        assert not verdict.established and verdict.status is Status.UNVERIFIED
        assert [c.field for c in verdict.failed] == [field, "status"]


def test_predecessors_written_with_bz2_still_verify() -> None:
    """Answers saved before the witness moved to zlib (bz2 of the same int32 differences) are read."""
    r = solve_existence(EXISTS, method="dag")
    cert = r.certificate
    pred = decode_predecessors(cert.predecessors, (2, 6, 6), "p")
    steps = np.diff(np.moveaxis(pred, -2, -1), axis=-1, prepend=BASE).astype("<i4")
    old = base64.b64encode(bz2.compress(steps.tobytes(), 9)).decode("ascii")
    assert old != cert.predecessors
    assert certify_existence(EXISTS, replace(r, certificate=replace(cert, predecessors=old))).established
    longer = base64.b64encode(zlib.compress(steps.tobytes() * 2)).decode("ascii")  # more data than the shape
    with pytest.raises(MalformedAnswer, match="certificate.predecessors"):
        certify_existence(EXISTS, replace(r, certificate=replace(cert, predecessors=longer)))
