"""Compiled DAG solver for the market-growth family on the standard grid (002 Section 7.2).

The difference-constraint graph of (i, t_-i) depends on the others' sum B alone
(:mod:`.symmetric`), so one graph per B in n-1..(n-1)K is solved, and the answer is a symmetric
table P[r, B - (n-1)].  The DAG recursion of :mod:`.dag` runs in compiled loops over (B, t, r)
with a table of S^alpha, in parallel over B.  The edge weights are not Monge (the mixed
difference of W changes sign where r + B = -alpha t, docs/typegrid.md), so monotone-minima /
SMAWK row minima do not apply to the whole matrix.
"""

from __future__ import annotations

import numba
import numpy as np

from mechopt.typegrid.symmetric import (BLOCK, SUPER, UNSET, balanced, monotone, others_sums, own_scan,
                                       pooled, power_table, value)
from mechopt.typegrid.witness import BASE


@numba.njit(parallel=True, cache=True)
def _solve(PT: np.ndarray, n: int, K: int, Bs: np.ndarray, prune: bool) -> tuple[np.ndarray, np.ndarray]:
    """The recursion of :mod:`.dag` per B.  Reports r >= t - B give W = pooled(r), free of t, so
    their best is a sliding-window maximum (monotone deque); r < t - B are scanned by
    :func:`~mechopt.typegrid.symmetric.own_scan`, which skips blocks of reports that cannot
    improve (the same maximum and the same first maximizer as the plain scan)."""
    nb = len(Bs)
    dist = np.empty((nb, K + 1))  # one graph per row, transposed at the end
    pred = np.empty((nb, K + 1), dtype=np.int64)
    for j in numba.prange(nb):
        b = balanced(j, nb)
        B = Bs[b]
        d = dist[b]
        d[0] = np.inf  # report 0's payment is set last; no own-data edge leaves it here
        m1 = np.full(K // BLOCK + 1, UNSET)  # set as each block of reports is complete
        m2 = np.full(K // SUPER + 1, UNSET)
        h = np.empty(K + 1)
        dq = np.empty(K + 1, dtype=np.int64)
        head, tail = 0, 0
        for t in range(1, K + 1):
            if t > 1:  # enter r = t - 1 into the window
                r = t - 1
                h[r] = pooled(PT, n, B, r) - d[r]
                while tail > head and h[dq[tail - 1]] <= h[r]:
                    tail -= 1
                dq[tail] = r
                tail += 1
            while tail > head and dq[head] < t - B:
                head += 1
            best = value(PT, n, B, -1, t)
            arg = BASE
            if tail > head and h[dq[head]] > best:
                best = h[dq[head]]
                arg = dq[head]
            best, arg = own_scan(PT, n, B, t, 1, min(t - B, t) - 1, d, m1, m2, 0.0, best, arg, prune)
            d[t] = value(PT, n, B, t, t) - best
            pred[b, t] = arg
            if (t + 1) % BLOCK == 0:  # a block of reports complete: its least payment
                m1[t // BLOCK] = np.min(d[t + 1 - BLOCK: t + 1])
                if (t + 1) % SUPER == 0:
                    m2[t // SUPER] = np.min(m1[(t + 1 - SUPER) // BLOCK: (t + 1) // BLOCK])
        zero = -np.inf  # least p(0) meeting every IC edge 0 -> t
        for t in range(1, K + 1):
            zero = max(zero, value(PT, n, B, 0, t) - value(PT, n, B, t, t) + d[t])
        d[0] = zero
        pred[b, 0] = BASE
    return dist.T, pred.T  # (K + 1, nb), each graph's column contiguous


def aggregate_max_payments(alpha: float, n: int, K: int, eps: float,
                           sums: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Maximal payments P[r, k] for the others' sums B = sums[k] (default: all, so k = B - (n-1)),
    reports 0..K (P[0] the least finite one), and predecessors (pred[0] unused)."""
    Bs = others_sums(n, K) if sums is None else np.asarray(sums, dtype=np.int64)
    PT = power_table(alpha, n, max(K, int(Bs.max())))
    dist, pred = _solve(PT, n, K, Bs, monotone(PT))
    dist *= eps ** (alpha + 1.0)  # in place: the kernel's own array
    return dist, pred
