"""The existence LP (002 Appendix A.1), posed: rows A p <= b from the model (no solving here).

Variables are the payments p_i(r, t_-i) (reports r = 0..K, others' true types t_-i); every
constraint is a row of A p <= b:
    IR   p_i(t, t_-i) <= pbar_i(t, t_-i)                       (Definition 4),
    IC   p_i(t, t_-i) - p_i(r, t_-i) <= Gap_i(r, t, t_-i), r < t  (Definition 3),
    WBB  -sum_i p_i(t_i, t_-i) <= 0 for every true profile t      (Definition 6),
and the objective maximizes revenue, the sum of payments over true profiles (Definition 5).
:mod:`.lp` solves it with HiGHS; the certifier rebuilds it to check a Farkas ray (y >= 0,
A^T y = 0, b^T y < 0) against it.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product

import numpy as np
import scipy.sparse as sp

from mechopt.typegrid.model import TypeGrid

IR, IC, WBB = 0, 1, 2


@dataclass(frozen=True)
class ExistenceLP:
    """max c.p s.t. A p <= b; rows labelled (kind, agent, true type, report, others' index)."""

    A: sp.csr_matrix
    b: np.ndarray
    c: np.ndarray
    labels: np.ndarray
    """(rows, 5) int: kind (IR/IC/WBB), agent, true type t, report r, index of t_-i (or profile)."""
    shape: tuple[int, int, int]
    """Payment table shape (n, K + 1, K^(n-1))."""


def lp_rows(grid: TypeGrid) -> int:
    """Rows of the existence LP of ``grid``: n K^(n-1) (K IR + K (K+1) / 2 IC) + K^n WBB."""
    n, K = grid.n, grid.K
    return n * K ** (n - 1) * (K + K * (K + 1) // 2) + K**n


def existence_lp(grid: TypeGrid) -> ExistenceLP:
    """Build the LP of ``grid`` from its deviation values (one (agent, t_-i) block at a time)."""
    n, K = grid.n, grid.K
    others = grid.others
    G = len(others)
    shape = (n, K + 1, G)
    col = np.arange(n * (K + 1) * G).reshape(shape)
    tt, rr = np.tril_indices(K + 1, -1)  # r < t, t in 1..K
    t_ir = np.arange(1, K + 1)
    rows_i, rows_j, vals, b, labels = [], [], [], [], []
    nrow = 0
    for i in range(n):
        W = grid.deviation_values(i, others)  # (G, K + 2, K)
        truthful = W[:, t_ir + 1, t_ir - 1]  # (G, K)
        g = np.arange(G)
        # IR rows: one per (g, t)
        gi, ti = np.meshgrid(g, t_ir, indexing="ij")
        m = gi.size
        rows_i.append(nrow + np.arange(m)); rows_j.append(col[i, ti, gi].ravel()); vals.append(np.ones(m))
        b.append((truthful - W[:, 0, :]).ravel())
        labels.append(np.column_stack([np.full(m, IR), np.full(m, i), ti.ravel(), np.full(m, -1), gi.ravel()]))
        nrow += m
        # IC rows: one per (g, r < t)
        gg = np.repeat(g, len(rr)); r = np.tile(rr, G); t = np.tile(tt, G)
        m = gg.size
        idx = nrow + np.arange(m)
        rows_i += [idx, idx]; rows_j += [col[i, t, gg], col[i, r, gg]]; vals += [np.ones(m), -np.ones(m)]
        b.append(W[gg, t + 1, t - 1] - W[gg, r + 1, t - 1])
        labels.append(np.column_stack([np.full(m, IC), np.full(m, i), t, r, gg]))
        nrow += m
    profiles = np.array(list(product(range(1, K + 1), repeat=n)), dtype=np.int64)
    P = len(profiles)
    for i in range(n):
        g = grid.profile_index(np.delete(profiles, i, axis=1))
        rows_i.append(nrow + np.arange(P)); rows_j.append(col[i, profiles[:, i], g]); vals.append(-np.ones(P))
    b.append(np.zeros(P))
    labels.append(np.column_stack([np.full(P, WBB), np.full(P, -1), np.zeros(P, int), np.full(P, -1), np.arange(P)]))
    nrow += P
    A = sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows_i), np.concatenate(rows_j))),
                      shape=(nrow, col.size))
    c = np.zeros(shape)
    c[:, 1:, :] = 1.0
    return ExistenceLP(A, np.concatenate(b), c.ravel(), np.concatenate(labels), shape)
