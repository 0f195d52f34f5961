"""(19) over K >= 2 privacy levels for two users: every symmetric equilibrium (alpha, q) of the
K-level game (:class:`~mechopt.privacy.symmetric.SymmetricLevelsGame`) by its support, and the
platform's best one (optimistic selection, then the smallest alpha).

**Support segments.**  With M user 1's Theorem-2 values (alpha = 1; M[s, r]: user 1 at level s,
user 2 at r) a user's payoff against q is alpha (M q)_s - c costs_s.  q with support S is a
symmetric equilibrium at alpha > 0 iff, with t = 1 / alpha and w = v / alpha,

    (M q)_s - t c costs_s = w  (s in S),   (M q)_r - t c costs_r <= w  (r not in S),
    q_S >= 0, sum q_S = 1,  t >= 1,

linear in (q_S, t, w): |S| + 1 equations in |S| + 2 unknowns.  When they have full rank the
equilibria with support S form a segment x(l) = x0 + l d, its ends given by the inequalities, and
the platform's value (1 - 1/t) q'Uq along it is a rational function whose stationary points are
the roots of the cubic d_t Q + (t^2 - t) Q' (Q = q'Uq): the best point of the segment is one of
those or an end.  At alpha = 0 the users play the levels of zero cost (every level when c = 0):
the best such q maximizes q'Uq on that face (stationary points of each sub-face and vertices).
A support whose system is rank-deficient but consistent (a continuum of equilibria of higher
dimension) is not searched; the solver counts them (``degenerate_supports`` in its stats).

For K = 2 this is the paper's (87)/(19) with costs (0, 1); beyond two levels the paper gives no
analysis (Theorem 3 is for binary levels), and this is the natural extension of (18).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
from numpy.polynomial import Polynomial

from mechopt.privacy.fairvalue import fair_values_users
from mechopt.privacy.symmetric import SymmetricLevelsGame, real_roots

RTOL = 1e-12
"""Slack of the segment's inequalities and of rank decisions, relative to the system's scale."""


@dataclass(frozen=True)
class Candidate:
    alpha: float
    q: np.ndarray
    value: float


def _clean(q: np.ndarray) -> np.ndarray:
    q = np.where(q < 1e-14, 0.0, q)
    return q / q.sum()


def _face_maxima(u: np.ndarray, face: list[int]) -> list[np.ndarray]:
    """Candidates for max q'Uq over the distributions on ``face``: the stationary points of every
    sub-face (U_SS q_S = mu 1, sum q_S = 1, q_S >= 0)."""
    out = []
    k = u.shape[0]
    for m in range(1, len(face) + 1):
        for sub in itertools.combinations(face, m):
            s = list(sub)
            a = np.zeros((m + 1, m + 1))
            a[:m, :m], a[:m, m], a[m, :m] = u[np.ix_(s, s)], -1.0, 1.0
            b = np.zeros(m + 1)
            b[m] = 1.0
            if np.linalg.matrix_rank(a) < m + 1:
                continue  # a flat direction: its maximum is also on a smaller face
            x = np.linalg.solve(a, b)
            if np.all(x[:m] >= -1e-12):
                q = np.zeros(k)
                q[s] = np.maximum(x[:m], 0.0)
                out.append(_clean(q))
    return out


def _segment(m_phi: np.ndarray, costs: np.ndarray, support: list[int]) -> tuple[np.ndarray, np.ndarray] | None | str:
    """(x0, d) of the support's equilibrium line in (q_S, t, w), None if there is none, "degenerate"
    if its solution set has dimension >= 2."""
    m = len(support)
    a = np.zeros((m + 1, m + 2))
    a[:m, :m] = m_phi[np.ix_(support, support)]
    a[:m, m] = -costs[support]
    a[:m, m + 1] = -1.0
    a[m, :m] = 1.0
    b = np.zeros(m + 1)
    b[m] = 1.0
    scale = max(1.0, float(np.abs(a).max()))
    x0, *_ = np.linalg.lstsq(a, b, rcond=None)
    if np.abs(a @ x0 - b).max() > 1e-10 * scale:
        return None
    _, sv, vt = np.linalg.svd(a)
    rank = int(np.sum(sv > RTOL * scale * (m + 2)))
    if rank < m + 1:
        return "degenerate"
    return x0, vt[-1]


def _interval(rows: list[tuple[float, float]], scale: float) -> tuple[float, float] | None:
    """{l : a + b l >= 0 for every (a, b)}; a violation within RTOL * scale of an end (rounding)
    still counts as feasible, at that end."""
    lo, hi = -np.inf, np.inf
    slack = RTOL * scale
    for a, b in rows:
        if abs(b) <= RTOL * scale:
            if a < -slack:
                return None
        elif b > 0:
            lo = max(lo, -a / b)
        else:
            hi = min(hi, -a / b)
    if lo <= hi:
        return lo, hi
    if all(a + b * hi >= -slack for a, b in rows):
        return hi, hi
    return None


def equilibrium_candidates(game: SymmetricLevelsGame, c: float) -> tuple[list[Candidate], dict[str, int]]:
    """Every candidate (alpha, q, value) of (19) over K levels, and counts for the stats."""
    g = game.game
    k = g.n_levels
    m_phi = fair_values_users(g, 1.0).users[0]
    u = np.asarray(g.table, dtype=float)
    costs = c * np.asarray(game.costs, dtype=float)
    scale = max(1.0, float(np.abs(m_phi).max()), float(costs.max()))
    zero = [s for s in range(k) if costs[s] == 0.0]
    out = [Candidate(0.0, q, float(q @ u @ q)) for q in _face_maxima(u, zero)]
    counts = {"supports": 0, "degenerate_supports": 0, "segments": 0}
    for m in range(1, k + 1):
        for sub in itertools.combinations(range(k), m):
            s = list(sub)
            counts["supports"] += 1
            seg = _segment(m_phi, costs, s)
            if seg is None:
                continue
            if isinstance(seg, str):
                counts["degenerate_supports"] += 1
                continue
            x0, d = seg
            off = [r for r in range(k) if r not in s]
            # (M q)_r - t costs_r - w <= 0 off the support, q_S >= 0, t >= 1: rows (a, b) of a + b l >= 0
            rows = [(x0[j], d[j]) for j in range(m)] + [(x0[m] - 1.0, d[m])]
            for r in off:
                lin = np.zeros(m + 2)
                lin[:m], lin[m], lin[m + 1] = m_phi[r, s], -costs[r], -1.0
                rows.append((-float(lin @ x0), -float(lin @ d)))
            span = _interval(rows, scale)
            if span is None:
                continue
            counts["segments"] += 1
            lo, hi = span
            qx, qd = x0[:m], d[:m]
            uss = u[np.ix_(s, s)]
            quad = Polynomial([qx @ uss @ qx, qx @ uss @ qd + qd @ uss @ qx, qd @ uss @ qd])
            t = Polynomial([x0[m], d[m]])
            stationary = d[m] * quad + (t * t - t) * quad.deriv()
            finite = [x for x in (lo, hi) if np.isfinite(x)]
            pts = finite + list(real_roots(stationary, lo if np.isfinite(lo) else -1e12,
                                           hi if np.isfinite(hi) else 1e12))
            for lam in pts:
                tv = float(t(lam))
                if tv < 1.0 - RTOL or not np.isfinite(tv):
                    continue
                q = np.zeros(k)
                q[s] = np.maximum(qx + lam * qd, 0.0)
                if q.sum() <= 0:
                    continue
                q = _clean(q)
                alpha = min(1.0, 1.0 / tv)
                out.append(Candidate(alpha, q, (1.0 - alpha) * float(q @ u @ q)))
    return out, counts
