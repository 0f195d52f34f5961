"""Certificates for the existence of a desirable mechanism and their verifiers (002 Appendix A.1).

* Existence: the payment table P[i, r, g]; the verifier checks every IR, IC and weak budget
  balance constraint on the grid from the model (exhaustively) and reports the worst of each.
* Non-existence: a true profile t and, per agent i, a chain base -> t_1 -> ... -> t_i of one IR
  edge and IC edges (a shortest path of Theorem 6's proof).  Adding its inequalities bounds
  p_i(t) <= bound_i for every IR and IC mechanism; sum_i bound_i < 0 contradicts weak budget
  balance.  The verifier recomputes every edge weight from the model.  When the LP was used, its
  Farkas dual ray (y >= 0, A^T y = 0, b^T y < 0) is attached and re-checked against the rebuilt LP.

``verified`` is computed here and nowhere else.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

import numpy as np

from mechopt.core.serialization import Serializable
from mechopt.core.tolerances import FEASIBILITY_TOL
from mechopt.typegrid.aggregate import aggregate_ir_ic, aggregate_revenues, others_sums
from mechopt.typegrid.lp import existence_lp
from mechopt.typegrid.model import Identity, MarketGrowth, TypeGrid
from mechopt.typegrid.properties import Violation, budget_violation, ir_ic_violations


def encode_table(P: np.ndarray) -> str:
    """Exact, compact text form of a float64 table (base64 of little-endian bytes)."""
    return base64.b64encode(np.ascontiguousarray(P, dtype="<f8").tobytes()).decode("ascii")


def decode_table(text: str, shape: tuple[int, ...]) -> np.ndarray:
    return np.frombuffer(base64.b64decode(text), dtype="<f8").reshape(shape).copy()


@dataclass(frozen=True)
class Chain(Serializable):
    """p_i(t) <= pbar_i(vertices[0]) + sum_k Gap_i(vertices[k], vertices[k+1]) = bound."""

    agent: int
    vertices: tuple[int, ...]
    bound: float


@dataclass(frozen=True)
class FarkasRay(Serializable):
    """Nonzero multipliers of the existence LP's rows (A p <= b): y >= 0, A^T y = 0, b^T y < 0."""

    rows: tuple[int, ...]
    values: np.ndarray
    residual: float
    """max |A^T y| / sum y, recomputed."""
    b_dot_y: float
    """b^T y / sum y, recomputed."""


@dataclass(frozen=True)
class ExistenceCertificate(Serializable):
    kind: str
    """"payment_table" or "symmetric_payment_table" (a desirable mechanism exists) or
    "shortest_path_chains" (none exists)."""
    tol: float
    """Relative to the grid's value scale (:attr:`TypeGrid.value_scale`)."""
    verified: bool
    shape: tuple[int, ...] = ()
    payments: str = ""
    """The payment table encoded by :func:`encode_table`: P[i, r, g] = p_i(r, grid.others[g]), shape
    (n, K + 1, K^(n-1)); or, for the market-growth family, P[r, B - (n-1)] = p_i(r, t_-i) for every
    agent i and every t_-i whose types sum to B, shape (K + 1, (n-1)(K-1) + 1)."""
    violations: tuple[Violation, ...] = ()
    """Worst IR, IC and budget violations of the table (each <= tol when verified)."""
    profile: tuple[int, ...] = ()
    """The true profile where the maximal payments sum below zero."""
    chains: tuple[Chain, ...] = ()
    total_bound: float = 0.0
    dual_ray: FarkasRay | None = None

    def table(self) -> np.ndarray:
        return decode_table(self.payments, self.shape)


def certify_payments(grid: TypeGrid, P: np.ndarray, *, tol: float = FEASIBILITY_TOL) -> ExistenceCertificate:
    """Check every IR, IC and weak-budget-balance constraint of the payment table P."""
    expected = (grid.n, grid.K + 1, grid.K ** (grid.n - 1))
    if P.shape != expected or not np.all(np.isfinite(P)):
        return ExistenceCertificate("payment_table", tol, False, tuple(P.shape), encode_table(P))
    ir, ic = ir_ic_violations(grid, P)
    wbb = budget_violation(grid, P)
    ok = max(ir.amount, ic.amount, wbb.amount) <= tol * grid.value_scale
    return ExistenceCertificate("payment_table", tol, bool(ok), expected, encode_table(P), (ir, ic, wbb))


def is_market_growth(grid: TypeGrid) -> bool:
    """The Section 7.2 family on the standard grid, where :mod:`.aggregate` applies."""
    return (isinstance(grid.valuation, MarketGrowth) and isinstance(grid.quality, Identity)
            and (grid.served is None or all(grid.served)))


def certify_symmetric_payments(grid: TypeGrid, P: np.ndarray, *, tol: float = FEASIBILITY_TOL) -> ExistenceCertificate:
    """Check every IR, IC (via the closed form of :mod:`.aggregate`) and budget constraint of a
    symmetric table P[r, B - (n-1)] of the market-growth family."""
    n, K = grid.n, grid.K
    expected = (K + 1, len(others_sums(n, K)))
    if not is_market_growth(grid) or P.shape != expected or not np.all(np.isfinite(P)):
        return ExistenceCertificate("symmetric_payment_table", tol, False, tuple(P.shape), encode_table(P))
    alpha = float(grid.valuation.alpha)
    amount, where = aggregate_ir_ic(alpha, n, K, grid.eps, P)
    sums = others_sums(n, K)
    found = []
    for col, name in ((0, "IR"), (1, "IC")):
        b = int(np.argmax(amount[:, col]))
        t, r = (where[b, 0], -1) if name == "IR" else (where[b, 1], where[b, 2])
        found.append(Violation(name, float(amount[b, col]), -1, int(t), int(r), (int(sums[b]),)))
    prof, rev = aggregate_revenues(P, n, K)
    k = int(np.argmin(rev))
    found.append(Violation("WBB", float(-rev[k]), others=tuple(int(x) for x in prof[k])))
    ok = max(v.amount for v in found) <= tol * grid.value_scale
    return ExistenceCertificate("symmetric_payment_table", tol, bool(ok), expected, encode_table(P), tuple(found))


def chain_bound(grid: TypeGrid, agent: int, profile: tuple[int, ...], vertices: tuple[int, ...]) -> float:
    """The bound of a chain recomputed from the model (only the values on its edges are
    evaluated); nan when the chain is not a path of IR then IC edges ending at the agent's type."""
    v = [int(x) for x in vertices]
    if not v or v[-1] != profile[agent] or v[0] < 1 or any(b <= a for a, b in zip(v, v[1:])):
        return float("nan")
    truthful_at = np.array(v)
    deviation = np.array([-1] + v[:-1])  # NO, then each edge's report
    reports = np.tile(np.asarray(profile, dtype=np.int64), (len(v), 2, 1))
    types = reports.copy()
    reports[:, 0, agent], types[:, 0, agent] = truthful_at, truthful_at
    reports[:, 1, agent], types[:, 1, agent] = deviation, truthful_at
    W = grid.values(reports, types)[..., agent]
    return float(np.sum(W[:, 0] - W[:, 1]))


def certify_chains(grid: TypeGrid, profile: tuple[int, ...], chains: tuple[Chain, ...],
                   dual_ray: FarkasRay | None = None, *, tol: float = FEASIBILITY_TOL) -> ExistenceCertificate:
    """Recompute each chain's bound; verified iff there is one valid chain per agent, the bounds
    sum below -tol, and the dual ray (if any) is a Farkas certificate of the rebuilt LP."""
    valid = (len(profile) == grid.n and all(1 <= t <= grid.K for t in profile)
             and sorted(c.agent for c in chains) == list(range(grid.n)))
    recomputed = tuple(Chain(c.agent, tuple(c.vertices), chain_bound(grid, c.agent, profile, c.vertices))
                       for c in chains) if valid else chains
    total = float(sum(c.bound for c in recomputed)) if valid else float("nan")
    atol = tol * grid.value_scale
    ok = valid and bool(total < -atol)
    ray = None
    if dual_ray is not None:
        ray = check_farkas(grid, dual_ray)
        ok = ok and ray.residual <= tol and ray.b_dot_y < -atol and bool(np.all(ray.values >= 0))
    return ExistenceCertificate("shortest_path_chains", tol, bool(ok), profile=tuple(profile), chains=recomputed,
                                total_bound=total, dual_ray=ray)


def check_farkas(grid: TypeGrid, ray: FarkasRay) -> FarkasRay:
    """Recompute A^T y and b^T y (both per unit of sum y) on the LP rebuilt from the model."""
    lp = existence_lp(grid)
    rows = np.asarray(ray.rows, dtype=np.int64)
    y = np.asarray(ray.values, dtype=float)
    if rows.size == 0 or rows.min() < 0 or rows.max() >= lp.A.shape[0] or y.shape != rows.shape or y.sum() <= 0:
        return FarkasRay(tuple(ray.rows), y, float("inf"), float("inf"))
    scale = y.sum()
    residual = float(np.max(np.abs(lp.A[rows].T @ y)) / scale)
    return FarkasRay(tuple(ray.rows), y, residual, float(lp.b[rows] @ y / scale))


def verify_certificate(grid: TypeGrid, cert: ExistenceCertificate, *, tol: float = FEASIBILITY_TOL) -> ExistenceCertificate:
    """Re-run the verifier on a stored certificate with the verifier's ``tol`` (the certificate's
    own verdict, tolerance and numbers are ignored)."""
    if cert.kind in ("payment_table", "symmetric_payment_table"):
        try:
            P = cert.table()
        except ValueError:  # corrupted encoding or shape
            return ExistenceCertificate(cert.kind, tol, False, tuple(cert.shape), cert.payments)
        certify = certify_payments if cert.kind == "payment_table" else certify_symmetric_payments
        return certify(grid, P, tol=tol)
    if cert.kind == "shortest_path_chains":
        return certify_chains(grid, tuple(cert.profile), tuple(cert.chains), cert.dual_ray, tol=tol)
    raise ValueError("certificate.kind: expected 'payment_table', 'symmetric_payment_table' or "
                     f"'shortest_path_chains', got {cert.kind!r}")
