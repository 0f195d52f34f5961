"""Fast exact solver of Algorithm 1's difference constraints (002 Appendix A.1) on DAGs.

For agent i and the others' types t_-i, the constraints on p(r) = p_i(r, t_-i) are
    IR  p(t) <= pbar(t) = W[t, t] - W[NO, t]                     for true types t >= 1,
    IC  p(t) - p(r) <= Gap(r, t) = W[t, t] - W[r, t]              for reports r < t,
with W[r, t] agent i's value when its true type is t and it reports r.  Every edge goes from a
smaller to a larger type, so the graph is a DAG and the shortest distances from the base vertex
(the maximal payments p^max of Theorem 6) follow in one pass in the order of t:
    U(t) = max(W[NO, t], max_{1 <= r < t} W[r, t] - p(r)),   p(t) = W[t, t] - U(t),
where U(t) is the truthful utility, equal to the best deviation's.  Report 0 is no true type, so
no IR edge enters it and its distance is +inf (the revenue-maximal mechanism may make reporting 0
as expensive as it likes); the payment table keeps the least finite p(0) meeting its IC edges.
The pass is vectorized over a batch of graphs; its predecessors are the witness of
:mod:`.witness`.
"""

from __future__ import annotations

import numpy as np

from mechopt.typegrid.witness import BASE


def dag_max_payments(W: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Shortest distances and predecessors for a batch of graphs W of shape (G, K + 2, K).

    Returns ``dist`` (G, K + 1) over reports 0..K (dist[:, 0] = +inf) and ``pred`` (G, K + 1),
    the previous vertex on a shortest path (``BASE`` for the IR edge; pred[:, 0] = BASE unused).
    """
    G, _, K = W.shape
    dist = np.full((G, K + 1), np.inf)
    pred = np.full((G, K + 1), BASE, dtype=np.int64)
    rows = np.arange(G)
    for t in range(1, K + 1):
        col = W[:, :, t - 1]
        best = col[:, 0].copy()  # non-participation
        if t > 1:
            cand = col[:, 2:t + 1] - dist[:, 1:t]  # reports r = 1..t-1
            arg = np.argmax(cand, axis=1)
            top = cand[rows, arg]
            better = top > best
            best = np.where(better, top, best)
            pred[:, t] = np.where(better, arg + 1, BASE)
        dist[:, t] = col[:, t + 1] - best
    return dist, pred


def finite_zero_payment(W: np.ndarray, dist: np.ndarray) -> np.ndarray:
    """Least p(0) with p(t) - p(0) <= Gap(0, t) for all t: max_t W[0, t] - W[t, t] + p(t)."""
    K = W.shape[2]
    t = np.arange(1, K + 1)
    return np.max(W[:, 1, :] - W[:, t + 1, t - 1] + dist[:, 1:], axis=1)
