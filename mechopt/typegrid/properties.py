"""Exhaustive property checks of a mechanism (x, p) on a type grid (002 Definitions 3-7).

The allocation is the grid's (Section 7.2); the payments are a table P[i, r, g] = p_i(r, t_-i)
for reports r = 0..K and the others' truthful profile t_-i = ``grid.others[g]``.  Each check
returns the worst violation and where it occurs (``amount`` > 0 means violated).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import product

import numpy as np

from mechopt.core.serialization import Serializable
from mechopt.typegrid.model import TypeGrid

BATCH_ENTRIES = 2_000_000
"""Deviation values computed per batch of (agent, t_-i) graphs."""


@dataclass(frozen=True)
class Violation(Serializable):
    """The worst violation of one property: amount (> 0: violated) and location."""

    constraint: str
    amount: float
    agent: int = -1
    true_type: int = 0
    report: int = -1
    """-1 is non-participation (IR)."""
    others: tuple[int, ...] = ()
    """t_-i (IR, IC) or the full true profile (budget balance, efficiency)."""


def batches(grid: TypeGrid) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
    """(agent, indices g, deviation values W) over all graphs, in memory-bounded batches."""
    others = grid.others
    size = max(1, BATCH_ENTRIES // ((grid.K + 2) * grid.K * grid.n))
    for i in range(grid.n):
        for start in range(0, len(others), size):
            g = np.arange(start, min(start + size, len(others)))
            yield i, g, grid.deviation_values(i, others[g])


def ir_ic_violations(grid: TypeGrid, P: np.ndarray) -> tuple[Violation, Violation]:
    """Worst IR (Definition 4) and IC under under-reporting (Definition 3) violations of P."""
    ir, ic = Violation("IR", -np.inf), Violation("IC", -np.inf)
    for i, g, W in batches(grid):
        ir, ic = worse(ir, ic, *batch_violations(grid, i, g, W, P[i][:, g].T))
    return ir, ic


def batch_violations(grid: TypeGrid, i: int, g: np.ndarray, W: np.ndarray,
                     pay: np.ndarray) -> tuple[Violation, Violation]:
    """Worst IR and IC violations of agent i's payments pay[k, r] = p_i(r, grid.others[g[k]])
    (reports r = 0..K) on the graphs with deviation values W (:func:`batches`)."""
    K = grid.K
    t = np.arange(1, K + 1)
    tt, rr = np.tril_indices(K + 1, -1)
    others = grid.others_at(g)
    v_ir = pay[:, 1:] - (W[:, t + 1, t - 1] - W[:, 0, :])
    k = np.unravel_index(np.argmax(v_ir), v_ir.shape)
    ir = Violation("IR", float(v_ir[k]), i, int(k[1] + 1), -1, tuple(int(x) for x in others[k[0]]))
    v_ic = (pay[:, tt] - pay[:, rr]) - (W[:, tt + 1, tt - 1] - W[:, rr + 1, tt - 1])
    k = np.unravel_index(np.argmax(v_ic), v_ic.shape)
    ic = Violation("IC", float(v_ic[k]), i, int(tt[k[1]]), int(rr[k[1]]), tuple(int(x) for x in others[k[0]]))
    return ir, ic


def worse(ir: Violation, ic: Violation, ir2: Violation, ic2: Violation) -> tuple[Violation, Violation]:
    """The worse of two IR and of two IC violations (NaN is the worst; the first on a tie)."""
    def rank(v: Violation) -> float:
        return np.inf if np.isnan(v.amount) else v.amount

    return (ir2 if rank(ir2) > rank(ir) else ir), (ic2 if rank(ic2) > rank(ic) else ic)


def profiles(grid: TypeGrid) -> np.ndarray:
    """All true profiles t in {1..K}^n, shape (K^n, n)."""
    return np.array(list(product(range(1, grid.K + 1), repeat=grid.n)), dtype=np.int64).reshape(-1, grid.n)


def revenues(grid: TypeGrid, P: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """REV(t) = sum_i p_i(t_i, t_-i) for every true profile (Definition 5); returns (profiles, REV)."""
    prof = profiles(grid)
    rev = np.zeros(len(prof))
    for i in range(grid.n):
        rev += P[i, prof[:, i], grid.profile_index(np.delete(prof, i, axis=1))]
    return prof, rev


def budget_violation(grid: TypeGrid, P: np.ndarray) -> Violation:
    """Worst weak-budget-balance violation -REV(t) (Definition 6)."""
    prof, rev = revenues(grid, P)
    k = int(np.argmin(rev))
    return Violation("WBB", float(-rev[k]), others=tuple(int(x) for x in prof[k]))


def efficiency_gap(grid: TypeGrid, levels: int = 5) -> Violation:
    """Worst welfare shortfall of the grid's allocation against every allocation giving each agent
    one of ``levels`` qualities in [0, Q(eps * total reported data)] (Definition 5, truthful reports).

    A finite candidate set: a gap > 0 proves inefficiency, a gap <= 0 is evidence, not proof."""
    prof = profiles(grid)
    own = grid.quality(grid.eps * prof.astype(float))
    best = grid.quality(grid.eps * prof.sum(axis=1, keepdims=True).astype(float))
    chosen = np.sum(grid.values(prof, prof), axis=1)
    worst = Violation("efficiency", -np.inf)
    for combo in product(np.linspace(0.0, 1.0, levels), repeat=grid.n):
        q = np.maximum(np.asarray(combo)[None, :] * best, own)
        gap = np.sum(np.asarray(grid.valuation(q), dtype=float), axis=1) - chosen
        k = int(np.argmax(gap))
        if gap[k] > worst.amount:
            worst = Violation("efficiency", float(gap[k]), others=tuple(int(x) for x in prof[k]))
    return worst
