"""Market growth and the maximal data disparity K*(alpha) (002 Section 7.2, Figure 3).

K*(alpha) is the largest disparity K = D / eps for which a desirable mechanism exists on the grid
{eps, ..., K eps}^n with v_i(q) = (sum_j q_j)^alpha q_i and Q(t) = t.

Why one solve finds the boundary.  v is homogeneous of degree alpha + 1, so in units of eps the
maximal payments scale by eps^(alpha+1) > 0; and the DAG recursion for true type t only uses
reports r < t.  So p^max(t, B) in units does not depend on K, the grids are nested, and a profile
whose maximal payments sum below zero at K stays so on every larger grid (its chain certificate
stays valid).  Hence existence is monotone in K and K* + 1 is the largest type of the first
violating profile.  This is a proof, not an assumption, and each answer is still certified
directly (:func:`~mechopt.typegrid.certify.certify_boundary`): existence at K* by the
predecessors of the shortest paths restricted to K* (the same paths, by the same argument),
whose table the certifier rebuilds and checks exhaustively, non-existence at K* + 1 by the
chains of the violating profile.

Search.  2 agents with -1 <= alpha <= 0 (the continuum bound's range): the line (1, K) first (one
graph, B = 1), up to ``full_limit`` and then 4, 16, ... times further up to ``line_limit``; every
violation found on the full grid first appeared there.  A violation first at (1, K0) certifies
K* <= K0 - 1, and existence at K0 - 1 (with no violation, at the line's end when it reaches
``full_limit``: then the answer is ``bounded``) is certified without the other graphs: graph
B = 1's table checked exhaustively and, for every B >= 2 at once, the continuum bound of
:mod:`.continuum` (:func:`~mechopt.typegrid.certify.line_evidence`).  Otherwise (the bound's margin
is negative at alpha = -1; n != 2; a line stopped below ``full_limit``): the full grid at
K = 16, 32, ... up to ``full_limit``; with no violation there, existence is certified at
``full_limit`` only and the answer is ``bounded``.  ``line_limit=2`` leaves every answer to the
full grid.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from mechopt.core.stats import SolveStats
from mechopt.core.status import Status, Termination
from mechopt.core.tolerances import FEASIBILITY_TOL
from mechopt.typegrid.aggregate import aggregate_max_payments
from mechopt.typegrid.certify import (SYMMETRIC, BoundaryCertificate, Chain, DisparityBoundary, ExistenceCertificate,
                                      LineEvidence, TableEvidence, certify_boundary, existence_certificate,
                                      line_certificate, line_evidence, table_evidence, table_shape)
from mechopt.typegrid.model import market_growth_grid
from mechopt.typegrid.symmetric import symmetric_revenues
from mechopt.typegrid.witness import chain, encode_predecessors

FULL_LIMIT = {1: 4096, 2: 4096, 3: 256, 4: 32}
"""Default largest K solved on the full grid, by number of agents (K^n profiles are checked)."""


def _stages(n: int, full_limit: int) -> list[int]:
    """The full grids searched in turn: K = 16, 32, ... (4, 8, ... for n != 2) up to ``full_limit``."""
    K, out = min(8 if n == 2 else 2, full_limit // 2), []
    while K < full_limit:
        K = min(2 * K, full_limit)
        out.append(K)
    return out


def _first_violation(alpha: float, n: int, K: int, units: np.ndarray, tol: float) -> np.ndarray | None:
    """The violating profile with the smallest largest type on the full grid at K (eps = 1/K; None
    if none), from ``units``, the maximal payments in units of eps^(alpha+1) solved on a grid
    K_big >= K: their rows 1..K and columns B <= (n-1)K are this grid's (module doc)."""
    P = units[: K + 1, : (n - 1) * (K - 1) + 1] * (1.0 / K) ** (alpha + 1.0)
    rev = symmetric_revenues(P, n, K)
    bad = np.flatnonzero(rev.ravel() < -tol * market_growth_grid(alpha, K, n).value_scale)
    if bad.size == 0:
        return None
    prof = np.stack(np.unravel_index(bad, rev.shape), axis=1) + 1
    top = prof.max(axis=1)
    k = np.flatnonzero(top == top.min())
    return prof[k[np.argmin(rev.ravel()[bad[k]])]]


def _full_grid_search(alpha: float, n: int, full_limit: int, tol: float,
                      progress: Callable[[str], None] | None) -> tuple[int, np.ndarray | None, np.ndarray]:
    """The first stage K (:func:`_stages`) whose full grid has a violating profile, that profile
    (None if no stage has one: K = full_limit) and the predecessors solved on a grid >= K.

    Each stage is judged on its own table, but a stage's table is the top-left block of any larger
    grid's in units (module doc), so one solve serves every stage up to its K.  For 2 agents the
    first solve is at the first stage reaching the first violation on the line (1, K) (a guess:
    where every violation found so far first appeared; the earlier stages are still checked, so
    the answer is the stage-by-stage search's whatever the guess)."""
    stages = _stages(n, full_limit)
    first = 0
    if n == 2:
        guess, _ = line_violation(alpha, full_limit, tol)
        first = next((k for k, K in enumerate(stages) if guess is not None and K >= guess), len(stages) - 1)
    solved = -1
    for k, K in enumerate(stages):
        if k > solved:
            solved = max(k, first)
            units, pred = aggregate_max_payments(alpha, n, stages[solved], 1.0)
        if progress:
            progress(f"full grid K = {K}")
        profile = _first_violation(alpha, n, K, units, tol)
        if profile is not None:
            return K, profile, pred
    return full_limit, None, pred


def _existence_at(alpha: float, n: int, K: int, pred: np.ndarray,
                  tol: float) -> tuple[ExistenceCertificate, TableEvidence]:
    """The witness at K from the predecessors solved on a grid K_big >= K (the same paths: the
    recursion for t uses reports r < t only, and the graph of B is the same on every grid)."""
    grid = market_growth_grid(alpha, K, n)
    own = pred[1: K + 1, : (n - 1) * (K - 1) + 1]
    evidence = table_evidence(grid, SYMMETRIC, table_shape(grid, SYMMETRIC), encode_predecessors(own), tol=tol,
                              decoded=own)
    return existence_certificate(grid, tol=tol, evidence=evidence, payments=False), evidence


def _line_search(alpha: float, start: int, line_limit: int, tol: float,
                 progress: Callable[[str], None] | None) -> tuple[int | None, np.ndarray, int]:
    """The first violation on the line (1, K) beyond ``start`` (the line solved up to 4, 16, ...
    times ``start``, at most ``line_limit``), graph B = 1's predecessors and the last K solved."""
    K, upper, pred = start, None, np.empty(0, dtype=np.int64)
    while upper is None and K < line_limit:
        K = min(4 * K, line_limit)
        if progress:
            progress(f"profiles (1, K) up to K = {K}")
        upper, pred = line_violation(alpha, K, tol)
    return upper, pred, K


def _line_existence_at(alpha: float, K: int, pred: np.ndarray, tol: float) -> tuple[ExistenceCertificate, LineEvidence]:
    """The witness at K from graph B = 1's predecessors pred[t] solved up to K_big >= K (the same
    paths), with the continuum bound for the other graphs (:func:`~mechopt.typegrid.certify.line_evidence`)."""
    own = np.ascontiguousarray(pred[1: K + 1, None])
    evidence = line_evidence(alpha, K, encode_predecessors(own), tol=tol, decoded=own)
    return line_certificate(evidence), evidence


def _nonexistence_at(alpha: float, n: int, profile: np.ndarray, pred: np.ndarray, cols: np.ndarray,
                     tol: float) -> ExistenceCertificate:
    """The chains of ``profile`` at K = its largest type; pred[:, cols[i]] is agent i's graph."""
    grid = market_growth_grid(alpha, int(profile.max()), n)
    chains = tuple(Chain(i, tuple(chain(pred[:, cols[i]], int(profile[i]))), float("nan")) for i in range(n))
    return existence_certificate(grid, tol=tol, evidence=None, payments=False,
                                 profile=tuple(int(x) for x in profile), chains=chains)


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
                       tol: float = FEASIBILITY_TOL,
                       progress: Callable[[str], None] | None = None) -> DisparityBoundary:
    """K*(alpha): (2 agents, -1 <= alpha <= 0) the line (1, K) and the continuum bound, else (or
    where that bound does not certify) the full-grid search and its witnesses (module doc); the
    answer certified by :func:`~mechopt.typegrid.certify.certify_boundary`."""
    market_growth_grid(alpha, 1, n)  # validates alpha and n
    full_limit = full_limit or FULL_LIMIT.get(n, 16)
    if full_limit < 2:
        raise ValueError(f"full_limit: must be an integer >= 2, got {full_limit}")
    if line_limit < 2:
        raise ValueError(f"line_limit: must be an integer >= 2, got {line_limit}")
    t0 = time.perf_counter()
    yes, evidence, no, upper, K_line = None, None, None, None, min(full_limit, line_limit)
    if n == 2 and -1.0 <= alpha <= 0.0:  # the line (1, K) first, within the continuum bound's range
        upper, line_pred = line_violation(alpha, K_line, tol)
        if upper is None and line_limit > full_limit:
            upper, line_pred, K_line = _line_search(alpha, full_limit, line_limit, tol, progress)
        if upper is not None:
            # the type-1 agent's chain is its IR edge alone, whatever the graph
            no = _nonexistence_at(alpha, 2, np.array([1, upper]), line_pred[:, None], np.array([0, 0]), tol)
        if upper is not None or K_line >= full_limit:  # existence below the violation, or at the line's end
            lower = K_line if upper is None else upper - 1
            if lower >= 1:
                if progress:
                    progress(f"existence at K = {lower}: the line and the continuum bound")
                yes, evidence = _line_existence_at(alpha, lower, line_pred, tol)
                if not yes.verified:
                    yes, evidence = None, None
    if yes is not None:
        search = f"profiles (1, K) up to K = {K_line}; existence at K = {lower} from the line and the continuum bound"
    else:
        K, profile, pred = _full_grid_search(alpha, n, full_limit, tol, progress)
        if profile is not None:
            lower, upper = int(profile.max()) - 1, int(profile.max())
            if lower >= 1:
                yes, evidence = _existence_at(alpha, n, lower, pred, tol)
            no = _nonexistence_at(alpha, n, profile, pred, profile.sum() - profile - (n - 1), tol)
            search = f"full grid up to K = {K}"
        else:
            lower = full_limit
            yes, evidence = _existence_at(alpha, n, full_limit, pred, tol)
            search = f"full grid up to K = {full_limit}" + (
                f"; then only the profiles (1, K) up to K = {K_line}" if K_line > full_limit else "")
    proven = (yes is not None and yes.verified or lower == 0) and (no is None or no.verified)
    certified = proven and no is not None and upper == lower + 1
    k_star = lower if certified else (None if upper is None else upper - 1)
    stats = SolveStats("dag", Termination.EXHAUSTIVE, 0, time.perf_counter() - t0,
                       {"full_limit": full_limit, "line_limit": line_limit, "tol": tol})
    draft = DisparityBoundary("disparity_boundary", Status.UNVERIFIED, "", float(alpha), n,
                              bool(lower >= 1 and yes is not None and yes.verified), k_star, lower, upper, search,
                              BoundaryCertificate(yes, no, bool(proven)), stats)
    return draft.certified(certify_boundary(alpha, n, draft, tol=tol, evidence=evidence))


def figure3_curve(alphas: np.ndarray, *, full_limit: int | None = None, line_limit: int = 2**17,
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
