"""Symmetric payment tables of the market-growth family (002 Section 7.2): closed-form values,
the exhaustive IR and IC check, budgets, and the table a predecessor witness defines.

With v_i(q) = (sum_j q_j)^alpha q_i, Q(t) = t and the grid's pooled allocation, agent i's value
when its true type is t (units of eps), it reports r and the others truthfully report types
summing to B is, with m = r + B (the pooled model every participant gets, m >= t_j for j != i):
    r >= 0:  q_i = max(m, t),  W = eps^(alpha+1) q_i (q_i + (n-1) m)^alpha,
    r = NO:  q_i = t,          W = eps^(alpha+1) t (t + (n-1) B)^alpha.
So the difference-constraint graph of (i, t_-i) depends on B alone and is the same for every
agent: one graph per B in n-1..(n-1)K, and a symmetric table P[r, B - (n-1)] is a mechanism.
(tests/typegrid checks this closed form against the generic :meth:`~mechopt.typegrid.model.TypeGrid.deviation_values`.)

Nothing here optimizes: the solver of these graphs is :mod:`.aggregate`; the certifier uses
:func:`symmetric_table` (payments along the witness's predecessors) and :func:`symmetric_ir_ic`
(every IR and IC edge of every graph).
"""

from __future__ import annotations

import numba
import numpy as np

from mechopt.typegrid.witness import BASE


@numba.njit(cache=True, inline="always")
def value(PT: np.ndarray, n: int, B: int, r: int, t: int) -> float:
    """W[r, t] in units of eps^(alpha+1) for the others' sum B (r = -1: not participating)."""
    if r < 0:
        return t * PT[t + (n - 1) * B]
    m = r + B
    q = m if m > t else t
    return q * PT[q + (n - 1) * m]


@numba.njit(cache=True, inline="always")
def balanced(j: int, nb: int) -> int:
    """Visit B = small, large, small, ...: the work per B falls like (K - B)^2, and prange hands
    each thread a contiguous block of j."""
    return j // 2 if j % 2 == 0 else nb - 1 - j // 2


@numba.njit(cache=True, inline="always")
def pooled(PT: np.ndarray, n: int, B: int, r: int) -> float:
    """W when the report r is at least t - B (the pooled model is the better one): no t in it."""
    m = r + B
    return m * PT[n * m]


BLOCK, SUPER = 32, 1024
"""Widths of the blocks of reports whose least payment bounds a block of IC edges (:func:`own_scan`)."""
UNSET = -np.inf
"""The least payment of a block not yet complete: its bound is +inf, so it never skips an edge."""


@numba.njit(cache=True)
def block_minima(p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Least p[r] over each block r in [k BLOCK, (k+1) BLOCK) and each SUPER block (complete
    blocks; an incomplete last block is :data:`UNSET`; NaN entries are skipped, as the scans skip
    their edges)."""
    m1 = np.full(len(p) // BLOCK + 1, UNSET)
    m2 = np.full(len(p) // SUPER + 1, UNSET)
    m1[: len(p) // BLOCK] = np.inf
    m2[: len(p) // SUPER] = np.inf
    for r in range(len(p) - len(p) % BLOCK):
        if p[r] < m1[r // BLOCK]:
            m1[r // BLOCK] = p[r]
    for k in range(len(p) // SUPER):
        for j in range(k * (SUPER // BLOCK), (k + 1) * (SUPER // BLOCK)):
            if m1[j] < m2[k]:
                m2[k] = m1[j]
    return m1, m2


TILE = 64
"""Side of the tiles :func:`transposed` copies (both tiles' rows stay in cache)."""


@numba.njit(cache=True)
def transposed(a: np.ndarray) -> np.ndarray:
    """a.T as a new C-contiguous array, copied tile by tile: the kernels compute one graph (one B)
    per row, and a column written entry by entry across a large table misses the cache at each."""
    m, k = a.shape
    out = np.empty((k, m), dtype=a.dtype)
    for i0 in range(0, m, TILE):
        for j0 in range(0, k, TILE):
            for i in range(i0, min(i0 + TILE, m)):
                for j in range(j0, min(j0 + TILE, k)):
                    out[j, i] = a[i, j]
    return out


@numba.njit(cache=True)
def own_scan(PT: np.ndarray, n: int, B: int, t: int, lo: int, hi: int, p: np.ndarray, m1: np.ndarray,
             m2: np.ndarray, u: float, best: float, arg: int, prune: bool) -> tuple[float, int]:
    """max(best, max over reports r in lo..hi of t PT[t + (n-1)(r+B)] - p[r] - u), the value of the
    IC edge r -> t where the agent's own data beat the pooled model (r < t - B), and the first r
    that improves on ``best`` (``arg`` if none).  Exact, and faster than the plain scan: when
    PT is monotone (``prune``), every edge of the reports of one block in lo..hi (all of the block,
    or the part the range cuts) is at most t max(PT at their ends) - (least p of the whole block) - u
    in floating point too (each operation rounds monotonically), so they are skipped together when
    that bound is no larger than ``best``, and so they are when their largest edge, found first in a
    loop free of bookkeeping, is (NaN edges improve on nothing in either loop); a block whose least
    payment is :data:`UNSET` (not complete yet) never is.  Otherwise its reports are scanned in order."""
    r = lo
    while r <= hi:
        if prune and r % SUPER == 0 and r + SUPER - 1 <= hi:
            top = max(PT[t + (n - 1) * (r + B)], PT[t + (n - 1) * (r + SUPER - 1 + B)])
            if t * top - m2[r // SUPER] - u <= best:
                r += SUPER
                continue
        end = min(r - r % BLOCK + BLOCK - 1, hi)
        if prune:
            top = max(PT[t + (n - 1) * (r + B)], PT[t + (n - 1) * (end + B)])
            if t * top - m1[r // BLOCK] - u <= best:
                r = end + 1
                continue
            most = best
            for k in range(r, end + 1):
                v = t * PT[t + (n - 1) * (k + B)] - p[k] - u
                most = v if v > most else most
            if most <= best:
                r = end + 1
                continue
        for k in range(r, end + 1):
            val = t * PT[t + (n - 1) * (k + B)] - p[k] - u
            if val > best:
                best = val
                arg = k
        r = end + 1
    return best, arg


@numba.njit(parallel=True, cache=True)
def _table(PT: np.ndarray, n: int, K: int, Bs: np.ndarray, pred: np.ndarray) -> np.ndarray:
    """P[t, b] = pbar(t) when pred[b, t - 1] = BASE, else P[r, b] + Gap(r, t) for r = pred[b, t - 1]
    (in the order of t; ``pred`` one graph per row); P[0, b] the least p(0) meeting every IC edge 0 -> t."""
    nb = len(Bs)
    rows = np.empty((nb, K + 1))  # one graph per row, transposed at the end
    for j in numba.prange(nb):
        b = balanced(j, nb)
        B = Bs[b]
        d = rows[b]
        zero = -np.inf
        for t in range(1, K + 1):
            r = pred[b, t - 1]
            truthful = value(PT, n, B, t, t)
            if r == BASE:
                d[t] = truthful - value(PT, n, B, -1, t)
            else:
                d[t] = d[r] + truthful - value(PT, n, B, r, t)
            zero = max(zero, value(PT, n, B, 0, t) - truthful + d[t])
        d[0] = zero
    return transposed(rows)


@numba.njit(parallel=True, cache=True)
def _check(PT: np.ndarray, n: int, K: int, Bs: np.ndarray, P: np.ndarray,
           prune: bool) -> tuple[np.ndarray, np.ndarray]:
    """Worst IR and IC violation per B: amounts (nb, 2) and locations (nb, 3) = (t_IR, t_IC, r_IC).
    Every IC edge r -> t is covered: r >= t - B through the window maximum of pooled(r) - P[r]
    (exact: W[r, t] = pooled(r) there), r < t - B by :func:`own_scan` (exact: a block is
    skipped only when a bound on each of its edges is no larger than the worst found)."""
    nb = len(Bs)
    amount = np.full((nb, 2), -np.inf)
    where = np.zeros((nb, 3), dtype=np.int64)
    by_graph = transposed(P)  # each graph's payments contiguous
    for j in numba.prange(nb):
        b = balanced(j, nb)
        B = Bs[b]
        p = by_graph[b]
        m1, m2 = block_minima(p)
        h = np.empty(K + 1)
        dq = np.empty(K + 1, dtype=np.int64)
        head, tail = 0, 0
        for t in range(1, K + 1):
            r = t - 1
            h[r] = pooled(PT, n, B, r) - p[r]
            while tail > head and h[dq[tail - 1]] <= h[r]:
                tail -= 1
            dq[tail] = r
            tail += 1
            while tail > head and dq[head] < t - B:
                head += 1
            truthful = value(PT, n, B, t, t)
            ir = p[t] - (truthful - value(PT, n, B, -1, t))
            if ir > amount[b, 0]:
                amount[b, 0] = ir
                where[b, 0] = t
            u = truthful - p[t]
            if tail > head and h[dq[head]] - u > amount[b, 1]:
                amount[b, 1] = h[dq[head]] - u
                where[b, 1] = t
                where[b, 2] = dq[head]
            worst, r = own_scan(PT, n, B, t, 0, min(t - B, t) - 1, p, m1, m2, u, amount[b, 1], -1, prune)
            if r >= 0:
                amount[b, 1] = worst
                where[b, 1] = t
                where[b, 2] = r
    return amount, where


def power_table(alpha: float, n: int, K: int) -> np.ndarray:
    """S^alpha for S = 0..n^2 K (every S the formulas reach); 0^alpha is never used."""
    S = np.arange(n * n * K + 1, dtype=float)
    S[0] = 1.0
    return S ** alpha


def monotone(PT: np.ndarray) -> bool:
    """PT[1:] monotone as computed (it is mathematically): the condition under which
    :func:`own_scan` may skip blocks."""
    steps = np.diff(PT[1:])
    return bool(np.all(steps <= 0) or np.all(steps >= 0))


def others_sums(n: int, K: int) -> np.ndarray:
    """The values of B = sum of the others' types: n-1 .. (n-1)K."""
    return np.arange(n - 1, (n - 1) * K + 1, dtype=np.int64)


def symmetric_table(alpha: float, n: int, K: int, eps: float, pred: np.ndarray,
                    sums: np.ndarray | None = None) -> np.ndarray:
    """The table P[r, B - (n-1)] (reports 0..K) the predecessors pred[t - 1, B - (n-1)] (t = 1..K,
    each BASE or a report 1..t-1) define: the lengths of their paths (no optimization).  ``sums``:
    the graphs' B when not every one (:func:`others_sums`), column b of P and pred for sums[b]."""
    pred = np.asarray(pred, dtype=np.int64)
    # one graph per row: the solver's and a decoded witness's columns are contiguous already
    by_graph = np.ascontiguousarray(pred.T) if pred.strides[0] < pred.strides[1] else transposed(pred)
    P = _table(power_table(alpha, n, K), n, K, others_sums(n, K) if sums is None else sums, by_graph)
    return P * eps ** (alpha + 1.0)


def symmetric_ir_ic(alpha: float, n: int, K: int, eps: float, P: np.ndarray,
                    sums: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Worst IR and IC violations of the symmetric table P for every B (see :func:`_check`), or
    for the graphs ``sums`` (column b of P for sums[b])."""
    scale = eps ** (alpha + 1.0)
    PT = power_table(alpha, n, K)
    amount, where = _check(PT, n, K, others_sums(n, K) if sums is None else sums, P / scale, monotone(PT))
    return amount * scale, where


def symmetric_revenues(P: np.ndarray, n: int, K: int) -> np.ndarray:
    """REV(t) = sum_i P[t_i, T - t_i - (n-1)] (T = sum_i t_i) at every true profile, as an array
    of shape (K,) * n indexed by t - 1."""
    if n == 1:
        return P[1:, 0].copy()
    if n == 2:  # A[t_1 - 1, t_2 - 1] = P[t_1, t_2 - 1]: the others' sum is t_2
        A = np.ascontiguousarray(P[1:, :K])
        return A + transposed(A)
    t = np.indices((K,) * n, dtype=np.int64) + 1
    T = t.sum(axis=0)
    return sum(P[t[i], T - t[i] - (n - 1)] for i in range(n))
