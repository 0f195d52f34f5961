"""Market growth and the maximal data disparity K*(alpha) (002 Section 7.2, Figure 3).

K*(alpha) is the largest disparity K = D / eps for which a desirable mechanism exists on the grid
{eps, ..., K eps}^n with v_i(q) = (sum_j q_j)^alpha q_i and Q(t) = t.

Why one solve finds the boundary.  v is homogeneous of degree alpha + 1, so in units of eps the
maximal payments scale by eps^(alpha+1) > 0; and the DAG recursion for true type t only uses
reports r < t.  So p^max(t, B) in units does not depend on K, the grids are nested, and a profile
whose maximal payments sum below zero at K stays so on every larger grid (its chain certificate
stays valid).  Hence existence is monotone in K and K* + 1 is the largest type of the first
violating profile.  This is a proof, not an assumption, and each answer is still certified
directly: existence at K* by the exhaustive check of the (rescaled) payment table, non-existence
at K* + 1 by the chains of the violating profile.

Search.  ``full``: solve the full grid at K = 16, 32, ... up to ``full_limit`` (4096 for 2 agents).  If no violation
appears, ``line`` (2 agents): only the profiles (1, K) up to ``line_limit`` (one graph, B = 1),
where every violation found so far first appeared.  A violation on the line certifies the upper
bound K* <= K0 - 1; the lower bound K* >= full_limit is certified on the full grid; in between the
answer is *not* certified on the full grid and is reported as such.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from mechopt.core.serialization import Serializable
from mechopt.core.stats import SolveStats
from mechopt.core.status import Status, Termination
from mechopt.core.tolerances import FEASIBILITY_TOL
from mechopt.typegrid.aggregate import aggregate_max_payments, aggregate_revenues
from mechopt.typegrid.certificates import Chain, ExistenceCertificate, certify_chains, certify_symmetric_payments
from mechopt.typegrid.dag import chain
from mechopt.typegrid.model import MarketGrowth, TypeGrid

FULL_LIMIT = {1: 4096, 2: 4096, 3: 256, 4: 32}
"""Default largest K solved on the full grid, by number of agents (K^n profiles are checked)."""

ALPHA_RANGE = (-1.0, 1.0)
"""Growth rates accepted: a growing market (Assumption 4) needs alpha >= -1."""


def market_growth_grid(alpha: float, K: int, n: int = 2) -> TypeGrid:
    """The Section 7.2 grid with D = 1 (eps = 1 / K); existence does not depend on eps."""
    lo, hi = ALPHA_RANGE
    if not (np.isfinite(alpha) and lo <= alpha <= hi):
        raise ValueError(f"alpha: market growth rate must lie in [{lo}, {hi}], got {alpha}")
    if not (isinstance(K, (int, np.integer)) and K >= 1):
        raise ValueError(f"disparity: K must be an integer >= 1, got {K}")
    if not (isinstance(n, (int, np.integer)) and n >= 1):
        raise ValueError(f"agents: n must be an integer >= 1, got {n}")
    return TypeGrid(n=int(n), K=int(K), valuation=MarketGrowth(float(alpha)), eps=1.0 / K)


@dataclass(frozen=True)
class BoundaryCertificate(Serializable):
    """Evidence for K*: existence on the full grid at ``lower`` (table summary: the worst IR, IC and
    budget violations; the table itself is re-derived by ``verify``) and non-existence at
    ``upper`` (the chains)."""

    existence: ExistenceCertificate | None
    nonexistence: ExistenceCertificate | None
    verified: bool
    """Both parts verified (those present)."""


@dataclass(frozen=True)
class DisparityBoundary(Serializable):
    kind: str
    status: Status
    """OPTIMAL: K* certified (existence at K*, non-existence at K* + 1, both on the full grid);
    BOUNDED: only ``lower`` (and ``upper``, when found) certified; UNVERIFIED: a certificate part
    did not verify."""
    alpha: float
    n: int
    exists: bool
    """A desirable mechanism exists for some disparity (K* >= 1, certified on the full grid)."""
    max_disparity: int | None
    """K*(alpha) when certified; otherwise the certified upper bound (None if none was found)."""
    lower: int
    """Largest K at which existence is certified on the full grid."""
    upper: int | None
    """Smallest K at which non-existence is certified (by chains), if found."""
    search: str
    certificate: BoundaryCertificate
    stats: SolveStats


def _first_violation(alpha: float, n: int, K: int, tol: float) -> tuple[np.ndarray | None, np.ndarray, np.ndarray]:
    """Solve the full grid at K (eps = 1/K); the violating profile with the smallest largest type."""
    P, pred = aggregate_max_payments(alpha, n, K, 1.0 / K)
    prof, rev = aggregate_revenues(P, n, K)
    bad = np.flatnonzero(rev < -tol * market_growth_grid(alpha, K, n).value_scale)
    if bad.size == 0:
        return None, P, pred
    top = prof[bad].max(axis=1)
    k = bad[top == top.min()]
    return prof[k[np.argmin(rev[k])]], P, pred


def _existence_at(alpha: float, n: int, K: int, P_big: np.ndarray, K_big: int, tol: float) -> ExistenceCertificate:
    """Certify existence at K with the table solved at K_big >= K, rescaled (homogeneity)."""
    P = P_big[: K + 1, : (n - 1) * (K - 1) + 1] * (K_big / K) ** (alpha + 1.0)
    return certify_symmetric_payments(market_growth_grid(alpha, K, n), P, tol=tol)


def _nonexistence_at(alpha: float, n: int, profile: np.ndarray, pred: np.ndarray, cols: np.ndarray,
                     tol: float) -> ExistenceCertificate:
    K = int(profile.max())
    grid = market_growth_grid(alpha, K, n)
    chains = tuple(Chain(i, tuple(chain(pred[:, cols[i]], int(profile[i]))), float("nan")) for i in range(n))
    return certify_chains(grid, tuple(int(x) for x in profile), chains, tol=tol)


def line_budgets(alpha: float, K_max: int) -> tuple[np.ndarray, np.ndarray]:
    """REV(1, K) = p^max of type 1 against B = K plus p^max of type K against B = 1, for K = 1..K_max,
    at eps = 1/K (2 agents); and the predecessors of the graph B = 1."""
    P, pred = aggregate_max_payments(alpha, 2, K_max, 1.0, sums=np.array([1]))
    K = np.arange(1, K_max + 1, dtype=float)
    small = (1 + K) * (2 * (1 + K)) ** alpha - (1 + K) ** alpha  # pbar(1) against B = K (units of eps)
    return (small + P[1:, 0]) * K ** -(alpha + 1.0), pred[:, 0]


def line_violation(alpha: float, K_max: int, tol: float = FEASIBILITY_TOL) -> tuple[int | None, np.ndarray]:
    """First K <= K_max where the profile (1, K) of 2 agents has maximal payments summing below
    -tol (at eps = 1/K), and the predecessors of the graph B = 1."""
    rev, pred = line_budgets(alpha, K_max)
    # every participant's quality is the pooled data S, so v = 2^alpha S^(alpha+1) is largest at
    # S = D = 2 on every grid: TypeGrid.value_scale is 2^(2 alpha + 1) whatever K
    bad = np.flatnonzero(rev < -tol * market_growth_grid(alpha, K_max, 2).value_scale)
    return (int(bad[0]) + 1 if bad.size else None), pred


def disparity_boundary(alpha: float, *, n: int = 2, full_limit: int | None = None, line_limit: int = 2**17,
                       tol: float = FEASIBILITY_TOL, progress: Callable[[str], None] | None = None) -> DisparityBoundary:
    """K*(alpha): full-grid search and certificates, then (2 agents) the (1, K) line beyond."""
    market_growth_grid(alpha, 1, n)  # validates alpha and n
    full_limit = full_limit or FULL_LIMIT.get(n, 16)
    if full_limit < 2:
        raise ValueError(f"full_limit: must be an integer >= 2, got {full_limit}")
    t0 = time.perf_counter()
    K, profile = min(8 if n == 2 else 2, full_limit // 2), None
    while profile is None and K < full_limit:
        K = min(2 * K, full_limit)
        if progress:
            progress(f"full grid K = {K}")
        profile, P, pred = _first_violation(alpha, n, K, tol)
    if profile is not None:
        k_star = int(profile.max()) - 1
        cols = profile.sum() - profile - (n - 1)
        yes = _existence_at(alpha, n, k_star, P, K, tol) if k_star >= 1 else None
        no = _nonexistence_at(alpha, n, profile, pred, cols, tol)
        ok = no.verified and (yes is None or yes.verified)
        cert = BoundaryCertificate(yes, no, ok)
        search = f"full grid up to K = {K}"
        result = (k_star, ok, k_star, k_star + 1)
    else:
        yes = _existence_at(alpha, n, full_limit, P, full_limit, tol)
        no, upper = None, None
        search = f"full grid up to K = {full_limit}"
        if n == 2 and line_limit > full_limit:
            K = full_limit
            while upper is None and K < line_limit:
                K = min(4 * K, line_limit)
                if progress:
                    progress(f"profiles (1, K) up to K = {K}")
                upper, line_pred = line_violation(alpha, K, tol)
            search += f"; then only the profiles (1, K) up to K = {K}"
            if upper is not None:
                # the type-1 agent's chain is its IR edge alone, whatever the graph
                no = _nonexistence_at(alpha, 2, np.array([1, upper]), line_pred[:, None], np.array([0, 0]), tol)
        ok = yes.verified and (no is None or no.verified)
        cert = BoundaryCertificate(yes, no, ok)
        result = (None if upper is None else upper - 1, False, full_limit, upper)
    k_star, certified, lower, upper = result
    if cert.existence is not None:  # keep the summary, drop the (large) table
        cert = BoundaryCertificate(_summary(cert.existence), cert.nonexistence, cert.verified)
    stats = SolveStats("dag", Termination.EXHAUSTIVE, 0, time.perf_counter() - t0,
                       {"full_limit": full_limit, "line_limit": line_limit, "tol": tol})
    exists = lower >= 1 and cert.existence is not None and cert.existence.verified
    status = Status.UNVERIFIED if not cert.verified else (Status.OPTIMAL if certified else Status.BOUNDED)
    return DisparityBoundary("disparity_boundary", status, float(alpha), n, bool(exists), k_star, lower, upper, search,
                             cert, stats)


def _summary(cert: ExistenceCertificate) -> ExistenceCertificate:
    return ExistenceCertificate(cert.kind, cert.tol, cert.verified, cert.shape, "", cert.violations)


def figure3_curve(alphas: np.ndarray, *, full_limit: int = 4096, line_limit: int = 2**17,
                  tol: float = FEASIBILITY_TOL, on_done: Callable[[DisparityBoundary], None] | None = None
                  ) -> list[DisparityBoundary]:
    """K*(alpha) for 2 agents over ``alphas`` (Figure 3: -1 to -0.668 step 0.002)."""
    out = []
    for a in alphas:
        out.append(disparity_boundary(float(a), n=2, full_limit=full_limit, line_limit=line_limit, tol=tol))
        if on_done:
            on_done(out[-1])
    return out


def figure3_alphas() -> np.ndarray:
    """-1, -0.998, ..., -0.668 (167 values)."""
    return np.round(-1.0 + 0.002 * np.arange(167), 3)
