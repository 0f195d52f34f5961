"""The exact Josephy-Newton step of a game whose Jacobian is diagonal plus rank one.

At a profile s with own gradients F and Jacobian G = diag(g) + u v^T (a payoff of one linear
aggregate, e.g. the total data of 001 Section 2, or an aggregative game u_i = f_i(s_i, S)), the
linearized equilibrium problem asks for x in the box with, for w = F + G (x - s),
x_i = l_i => w_i <= 0,  l_i < x_i < h_i => w_i = 0,  x_i = h_i => w_i >= 0
(Josephy's Newton method for the complementarity problem of 001 Section 3).  With
tau = v^T (x - s) every player's answer is a function of tau alone:

- g_i < 0: x_i(tau) = clip(s_i - (F_i + u_i tau) / g_i, l_i, h_i), linear between two breakpoints;
- g_i = 0: x_i = h_i where F_i + u_i tau > 0, l_i where it is < 0 (one breakpoint, a jump), and
  anything in the box where it is 0.

When g_i <= 0 (up to :data:`FLAT`) and u_i v_i <= 0 for every player (own concavity, and the
aggregate's feedback lowering each player's contribution to it: strategic substitutes), the
contributions v_i (x_i(tau) - s_i) are nonincreasing in tau, so
psi(tau) = tau - sum_i v_i (x_i(tau) - s_i) is increasing with slope >= 1 and has exactly one root:
the linearized problem has one solution, found exactly by a breakpoint search (a sampled first
bracket checked in one pass, then median pivots, players settled as the bracket shrinks: O(n)
work, as for the continuous quadratic knapsack; compiled, the compiled code cached across
processes).  The step moves every player at once to the side of its bound the linearization,
aggregate feedback included, puts it on: the own-curvature prediction of the min-map step ignores
that feedback and moves the marginal players one at a time (23 steps instead of 8 for 10^6
players of the power-law game of benchmarks/nash_newton_vs_br.py).
"""

from __future__ import annotations

import numba
import numpy as np

from mechopt.core.structured import DiagPlusLowRank


def linearized_solution(J: DiagPlusLowRank, s: np.ndarray, F: np.ndarray, lo: np.ndarray | float,
                        hi: np.ndarray | float, work: np.ndarray | None = None) -> np.ndarray | None:
    """The solution x of the linearized problem at s (module doc), or None where it is not
    defined: J not rank one, a number not finite, some g_i > 0 or u_i v_i > 0.  ``work``: scratch
    of shape
    (:data:`WORK_ROWS`, n) kept by the caller across calls (a fresh vector of 10^6 numbers costs
    its page faults, several milliseconds, more than the search); the solution returned is its
    first row, valid until the next call."""
    n = s.size
    if J.U.shape[1] != 1:
        return None
    if work is None or work.shape != (WORK_ROWS, n):
        work = np.empty((WORK_ROWS, n))
    bounds = [_plain(w, row) for w, row in ((lo, work[7]), (hi, work[8]))]
    if not _solve(*(_plain(w, None) for w in (J.d, J.U[:, 0], J.V[:, 0], s, F)), *bounds, work):
        return None
    return work[0]


FLAT = 1e-6
"""A diagonal g_i > 0 up to FLAT |u_i v_i| is taken as 0: the difference noise of a linear cost's
zero curvature (the Jacobian only steers the step; the line search and the certificate judge it)."""
WORK_ROWS = 9
"""Rows of the scratch: the solution, the pieces of x(tau), and the bounds when each is one number."""


def _plain(w: np.ndarray | float, row: np.ndarray | None) -> np.ndarray:
    """``w`` as a writeable C-contiguous float array (one compiled signature); one number is
    written into ``row``."""
    w = np.asarray(w, dtype=float)
    if w.ndim == 0 and row is not None:
        row.fill(float(w))
        return row
    return w if w.flags.c_contiguous and w.flags.writeable else np.array(w, dtype=float, order="C")


SAMPLE = 64
"""Breakpoints per pivot sample: each round then settles about half the players in O(m), without
a selection over all m breakpoints (an exact median follows a round that settled under 1/8)."""
PROBE = 4096
"""Players of the strided sample whose scaled problem guesses the first bracket: one pass over
all players then settles all but the few whose breakpoints lie inside it."""
PROBE_WIDTH = 4
"""The guessed bracket reaches this many of the sample's breakpoints either side of its root."""


@numba.njit(cache=True, inline="always")
def _left(tau: float, a: float, b: float, x1: float, x2: float, t1: float, t2: float) -> float:
    """x(tau), the left value at a jump: X1 for tau <= t1, X2 for tau > t2, a + b tau between."""
    if tau <= t1:
        return x1
    if tau > t2:
        return x2
    return a + b * tau


@numba.njit(cache=True, inline="always")
def _right(tau: float, a: float, b: float, x1: float, x2: float, t1: float, t2: float) -> float:
    """x(tau), the right value at a jump."""
    if tau < t1:
        return x1
    if tau >= t2:
        return x2
    return a + b * tau


@numba.njit(cache=True)
def _pieces(g, u, s, F, lo, hi, a, b, x1, x2, t1, t2):  # type: ignore[no-untyped-def]
    """Per player x(tau) = X1 (tau < t1), a + b tau (t1 < tau < t2), X2 (tau > t2); t1 = t2 at a
    jump (g_i = 0), t1 = t2 = inf for an answer that does not depend on tau."""
    for i in range(s.size):
        if g[i] < 0:
            inv = 1.0 / g[i]
            a[i], b[i] = s[i] - F[i] * inv, -u[i] * inv
            if b[i] == 0:
                x1[i], x2[i], t1[i], t2[i] = min(max(a[i], lo[i]), hi[i]), 0.0, np.inf, np.inf
            elif b[i] > 0:
                x1[i], x2[i] = lo[i], hi[i]
                t1[i], t2[i] = (lo[i] - a[i]) / b[i], (hi[i] - a[i]) / b[i]
            else:
                x1[i], x2[i] = hi[i], lo[i]
                t1[i], t2[i] = (hi[i] - a[i]) / b[i], (lo[i] - a[i]) / b[i]
        else:
            a[i], b[i] = 0.0, 0.0
            if u[i] != 0:
                x1[i], x2[i] = (lo[i], hi[i]) if u[i] > 0 else (hi[i], lo[i])
                t1[i] = t2[i] = -F[i] / u[i]
            else:
                x1[i] = hi[i] if F[i] > 0 else lo[i] if F[i] < 0 else s[i]
                x2[i], t1[i], t2[i] = 0.0, np.inf, np.inf


@numba.njit(cache=True)
def _pivot(bp, k, slow):  # type: ignore[no-untyped-def]
    """A breakpoint near the median of ``bp[:k]``: the median of an evenly strided sample of at
    most :data:`SAMPLE` of them; after a round that settled too few (``slow``), the midpoint of
    their range, which halves it."""
    if slow:
        lo, hi = bp[0], bp[0]
        for j in range(k):
            lo, hi = min(lo, bp[j]), max(hi, bp[j])
        mid = 0.5 * (lo + hi)
        return mid if lo < mid < hi else lo
    step = max(k // SAMPLE, 1)
    sample = np.empty((k + step - 1) // step)
    for j in range(sample.size):  # insertion sort of the sample
        x, r = bp[j * step], j
        while r > 0 and sample[r - 1] > x:
            sample[r] = sample[r - 1]
            r -= 1
        sample[r] = x
    return sample[sample.size // 2]


@numba.njit(cache=True, inline="always")
def _settle(i, L, R, a, b, x1, x2, t1, t2, v, s):  # type: ignore[no-untyped-def]
    """(p, q) with v_i (x_i(tau) - s_i) = p + q tau on (L, R), for a player with no breakpoint inside."""
    if t1[i] >= R:
        return v[i] * (x1[i] - s[i]), 0.0
    if t2[i] <= L:
        return v[i] * (x2[i] - s[i]), 0.0
    return v[i] * (a[i] - s[i]), v[i] * b[i]


@numba.njit(cache=True)
def _rounds(a, b, x1, x2, t1, t2, v, s, w, cand, m, L, R, P, Q):  # type: ignore[no-untyped-def]
    """The root of psi(tau) = tau - w sum_i v_i (x_i(tau) - s_i) in (L, R), given the players
    ``cand[:m]`` with a breakpoint inside and the others' sum P + Q tau there (weighted by w).
    Returns tau, and at a jump whether players jump there and the fraction lambda of their jump
    they all take (tau, lambda, jump, L, R)."""
    bp = np.empty(2 * m)
    slow = False
    while m > 0:
        k = 0
        for j in range(m):
            i = cand[j]
            if L < t1[i] < R:
                bp[k] = t1[i]
                k += 1
            if t2[i] != t1[i] and L < t2[i] < R:
                bp[k] = t2[i]
                k += 1
        if k == 0:
            break
        pivot = _pivot(bp, k, slow)
        base = pivot - P - Q * pivot
        lower, upper = base, base
        for j in range(m):
            i = cand[j]
            lower -= w * v[i] * (_left(pivot, a[i], b[i], x1[i], x2[i], t1[i], t2[i]) - s[i])
            upper -= w * v[i] * (_right(pivot, a[i], b[i], x1[i], x2[i], t1[i], t2[i]) - s[i])
        if lower <= 0.0 <= upper:
            if lower == upper:
                return pivot, 0.0, False
            fixed, span = base, 0.0  # players jumping at the root take the same fraction of their jump
            for j in range(m):
                i = cand[j]
                if t1[i] == pivot and t2[i] == pivot:
                    fixed -= w * v[i] * (x1[i] - s[i])
                    span += w * v[i] * (x2[i] - x1[i])
                else:
                    fixed -= w * v[i] * (_left(pivot, a[i], b[i], x1[i], x2[i], t1[i], t2[i]) - s[i])
            return pivot, (min(max(fixed / span, 0.0), 1.0) if span != 0 else 0.0), True
        if lower > 0.0:
            R = pivot
        else:
            L = pivot
        kept = 0
        for j in range(m):
            i = cand[j]
            if (L < t1[i] < R) or (L < t2[i] < R):
                cand[kept] = i
                kept += 1
            else:
                p, q = _settle(i, L, R, a, b, x1, x2, t1, t2, v, s)
                P, Q = P + w * p, Q + w * q
        slow = kept > m - m // 8  # a poor sample: the exact median next
        m = kept
    for j in range(m):
        p, q = _settle(cand[j], L, R, a, b, x1, x2, t1, t2, v, s)
        P, Q = P + w * p, Q + w * q
    return min(max(P / (1.0 - Q), L), R), 0.0, False


@numba.njit(cache=True)
def _guess(a, b, x1, x2, t1, t2, v, s):  # type: ignore[no-untyped-def]
    """A bracket (L, R) likely to hold the root: the root of the problem of an evenly strided
    sample of the players (weighted up to all of them), widened to :data:`PROBE_WIDTH` of the
    sample's breakpoints either side.  Any bracket is valid: the caller checks it."""
    n = s.size
    step = max(n // PROBE, 1)
    sample = np.arange(0, n, step)
    tau = _rounds(a, b, x1, x2, t1, t2, v, s, n / sample.size, sample.copy(), sample.size,
                  -np.inf, np.inf, 0.0, 0.0)[0]
    below = np.full(PROBE_WIDTH + 1, -np.inf)  # the largest sample breakpoints < tau, decreasing
    above = np.full(PROBE_WIDTH + 1, np.inf)  # the smallest > tau, increasing
    for i in sample:
        for t in (t1[i], t2[i]):
            if np.isfinite(t) and t < tau and t > below[-1]:
                r = below.size - 1
                while r > 0 and below[r - 1] < t:
                    below[r] = below[r - 1]
                    r -= 1
                below[r] = t
            elif np.isfinite(t) and t > tau and t < above[-1]:
                r = above.size - 1
                while r > 0 and above[r - 1] > t:
                    above[r] = above[r - 1]
                    r -= 1
                above[r] = t
    return below[-1], above[-1]


@numba.njit(cache=True)
def _solve(g, u, v, s, F, lo, hi, work):  # type: ignore[no-untyped-def]
    """Writes the solution of the linearized problem into ``work[0]`` (module doc; the other rows
    are scratch) and returns True; False where it is not defined: a guessed bracket (:func:`_guess`) checked in one pass, then the breakpoint
    search (:func:`_rounds`) on the players with a breakpoint inside the bracket."""
    n = s.size
    for i in range(n):
        if not (np.isfinite(g[i]) and np.isfinite(u[i]) and np.isfinite(v[i]) and np.isfinite(F[i])
                and u[i] * v[i] <= 0 and g[i] <= FLAT * abs(u[i] * v[i])):
            return False
    out, a, b, x1, x2, t1, t2 = work[0], work[1], work[2], work[3], work[4], work[5], work[6]
    _pieces(g, u, s, F, lo, hi, a, b, x1, x2, t1, t2)
    L, R = _guess(a, b, x1, x2, t1, t2, v, s) if n > 4 * PROBE else (-np.inf, np.inf)
    # psi just inside the guessed bracket's ends: the root lies between, left of L or right of R
    lower, upper = L, R
    for i in range(n):
        if L > -np.inf:
            lower -= v[i] * (_right(L, a[i], b[i], x1[i], x2[i], t1[i], t2[i]) - s[i])
        if R < np.inf:
            upper -= v[i] * (_left(R, a[i], b[i], x1[i], x2[i], t1[i], t2[i]) - s[i])
    if L > -np.inf and lower > 0.0:
        L, R = -np.inf, L
    elif R < np.inf and upper < 0.0:
        L, R = R, np.inf
    m, P, Q = 0, 0.0, 0.0
    for i in range(n):
        if (L < t1[i] < R) or (L < t2[i] < R):
            m += 1
    cand = np.empty(m, np.int64)
    m = 0
    for i in range(n):
        if (L < t1[i] < R) or (L < t2[i] < R):
            cand[m] = i
            m += 1
        else:
            p, q = _settle(i, L, R, a, b, x1, x2, t1, t2, v, s)
            P, Q = P + p, Q + q
    tau, lam, jump = _rounds(a, b, x1, x2, t1, t2, v, s, 1.0, cand, m, L, R, P, Q)
    for i in range(n):
        if jump and t1[i] == tau and t2[i] == tau:
            xi = x1[i] + lam * (x2[i] - x1[i])
        else:
            xi = _left(tau, a[i], b[i], x1[i], x2[i], t1[i], t2[i])
        out[i] = min(max(xi, lo[i]), hi[i])
    return True
