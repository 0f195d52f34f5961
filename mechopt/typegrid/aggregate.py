"""Compiled DAG solver and verifier for the market-growth family on the standard grid (002 Section 7.2).

With v_i(q) = (sum_j q_j)^alpha q_i, Q(t) = t and the grid's pooled allocation, agent i's value
when its true type is t (units of eps), it reports r and the others truthfully report types
summing to B is, with m = r + B (the pooled model every participant gets, m >= t_j for j != i):
    r >= 0:  q_i = max(m, t),  W = eps^(alpha+1) q_i (q_i + (n-1) m)^alpha,
    r = NO:  q_i = t,          W = eps^(alpha+1) t (t + (n-1) B)^alpha.
So the difference-constraint graph of (i, t_-i) depends on B alone and is the same for every
agent: one graph per B in n-1..(n-1)K, and a symmetric payment table P[r, B] is a mechanism.
(tests/typegrid checks this closed form against the generic :meth:`TypeGrid.deviation_values`.)

The DAG recursion of :mod:`.dag` runs in compiled loops over (B, t, r) with a table of S^alpha,
in parallel over B; the verifier re-checks every IR and IC edge of every graph the same way.
The edge weights are not Monge (the mixed difference of W changes sign where r + B = -alpha t,
docs/typegrid.md), so monotone-minima / SMAWK row minima do not apply to the whole matrix.
"""

from __future__ import annotations

import numba
import numpy as np

from mechopt.typegrid.dag import BASE


@numba.njit(cache=True, inline="always")
def _w(PT: np.ndarray, n: int, B: int, r: int, t: int) -> float:
    if r < 0:
        return t * PT[t + (n - 1) * B]
    m = r + B
    q = m if m > t else t
    return q * PT[q + (n - 1) * m]


@numba.njit(cache=True, inline="always")
def _balanced(j: int, nb: int) -> int:
    """Visit B = small, large, small, ...: the work per B falls like (K - B)^2, and prange hands
    each thread a contiguous block of j."""
    return j // 2 if j % 2 == 0 else nb - 1 - j // 2


@numba.njit(cache=True, inline="always")
def _pooled(PT: np.ndarray, n: int, B: int, r: int) -> float:
    """W when the report r is at least t - B (the pooled model is the better one): no t in it."""
    m = r + B
    return m * PT[n * m]


@numba.njit(parallel=True, cache=True)
def _solve(PT: np.ndarray, n: int, K: int, Bs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The recursion of :mod:`.dag` per B.  Reports r >= t - B give W = _pooled(r), free of t, so
    their best is a sliding-window maximum (monotone deque); only r < t - B are scanned."""
    nb = len(Bs)
    dist = np.empty((K + 1, nb))
    pred = np.empty((K + 1, nb), dtype=np.int64)
    for j in numba.prange(nb):
        b = _balanced(j, nb)
        B = Bs[b]
        d = np.empty(K + 1)
        h = np.empty(K + 1)
        dq = np.empty(K + 1, dtype=np.int64)
        head, tail = 0, 0
        for t in range(1, K + 1):
            if t > 1:  # enter r = t - 1 into the window
                r = t - 1
                h[r] = _pooled(PT, n, B, r) - d[r]
                while tail > head and h[dq[tail - 1]] <= h[r]:
                    tail -= 1
                dq[tail] = r
                tail += 1
            while tail > head and dq[head] < t - B:
                head += 1
            best = _w(PT, n, B, -1, t)
            arg = BASE
            if tail > head and h[dq[head]] > best:
                best = h[dq[head]]
                arg = dq[head]
            for r in range(1, min(t - B, t)):
                val = t * PT[t + (n - 1) * (r + B)] - d[r]
                if val > best:
                    best = val
                    arg = r
            d[t] = _w(PT, n, B, t, t) - best
            pred[t, b] = arg
        zero = -np.inf  # least p(0) meeting every IC edge 0 -> t
        for t in range(1, K + 1):
            zero = max(zero, _w(PT, n, B, 0, t) - _w(PT, n, B, t, t) + d[t])
        d[0] = zero
        pred[0, b] = BASE
        dist[:, b] = d
    return dist, pred


@numba.njit(parallel=True, cache=True)
def _check(PT: np.ndarray, n: int, K: int, Bs: np.ndarray, P: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Worst IR and IC violation per B: amounts (nb, 2) and locations (nb, 3) = (t_IR, t_IC, r_IC).
    Every IC edge r -> t is covered: r >= t - B through the window maximum of _pooled(r) - P[r]
    (exact: W[r, t] = _pooled(r) there), r < t - B one by one."""
    nb = len(Bs)
    amount = np.full((nb, 2), -np.inf)
    where = np.zeros((nb, 3), dtype=np.int64)
    for j in numba.prange(nb):
        b = _balanced(j, nb)
        B = Bs[b]
        p = P[:, b].copy()  # contiguous: strided column reads thrash the cache at K = 2^k
        h = np.empty(K + 1)
        dq = np.empty(K + 1, dtype=np.int64)
        head, tail = 0, 0
        for t in range(1, K + 1):
            r = t - 1
            h[r] = _pooled(PT, n, B, r) - p[r]
            while tail > head and h[dq[tail - 1]] <= h[r]:
                tail -= 1
            dq[tail] = r
            tail += 1
            while tail > head and dq[head] < t - B:
                head += 1
            truthful = _w(PT, n, B, t, t)
            ir = p[t] - (truthful - _w(PT, n, B, -1, t))
            if ir > amount[b, 0]:
                amount[b, 0] = ir
                where[b, 0] = t
            u = truthful - p[t]
            if tail > head and h[dq[head]] - u > amount[b, 1]:
                amount[b, 1] = h[dq[head]] - u
                where[b, 1] = t
                where[b, 2] = dq[head]
            for r in range(0, min(t - B, t)):
                ic = t * PT[t + (n - 1) * (r + B)] - p[r] - u
                if ic > amount[b, 1]:
                    amount[b, 1] = ic
                    where[b, 1] = t
                    where[b, 2] = r
    return amount, where


def power_table(alpha: float, n: int, K: int) -> np.ndarray:
    """S^alpha for S = 0..n^2 K (every S the formulas reach); 0^alpha is never used."""
    S = np.arange(n * n * K + 1, dtype=float)
    S[0] = 1.0
    return S ** alpha


def others_sums(n: int, K: int) -> np.ndarray:
    """The values of B = sum of the others' types: n-1 .. (n-1)K."""
    return np.arange(n - 1, (n - 1) * K + 1, dtype=np.int64)


def aggregate_max_payments(alpha: float, n: int, K: int, eps: float,
                           sums: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Maximal payments P[r, k] for the others' sums B = sums[k] (default: all, so k = B - (n-1)),
    reports 0..K (P[0] the least finite one), and predecessors."""
    Bs = others_sums(n, K) if sums is None else np.asarray(sums, dtype=np.int64)
    dist, pred = _solve(power_table(alpha, n, max(K, int(Bs.max()))), n, K, Bs)
    return dist * eps ** (alpha + 1.0), pred


def aggregate_ir_ic(alpha: float, n: int, K: int, eps: float, P: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Worst IR and IC violations of the symmetric table P for every B (see :func:`_check`)."""
    scale = eps ** (alpha + 1.0)
    amount, where = _check(power_table(alpha, n, K), n, K, others_sums(n, K), P / scale)
    return amount * scale, where


def aggregate_revenues(P: np.ndarray, n: int, K: int) -> tuple[np.ndarray, np.ndarray]:
    """REV(t) = sum_i P[t_i, T - t_i - (n-1)] over all true profiles (profiles, REV), T = sum_i t_i."""
    if n == 2:
        t = np.arange(1, K + 1)
        rev = P[t[:, None], t[None, :] - 1] + P[t[None, :], t[:, None] - 1]
        prof = np.stack(np.meshgrid(t, t, indexing="ij"), axis=-1).reshape(-1, 2)
        return prof, rev.ravel()
    prof = (np.indices((K,) * n, dtype=np.int64).reshape(n, -1).T + 1)
    T = prof.sum(axis=1)
    rev = sum(P[prof[:, i], T - prof[:, i] - (n - 1)] for i in range(n))
    return prof, rev
