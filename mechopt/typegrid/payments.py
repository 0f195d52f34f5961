"""Payment rules on a type grid: VCG (002 Definition 8) and the maximal exploitation payment
(Definition 10).  Both charge from reported types only: the mechanism evaluates v at the reported
profile, as if the reports were the true types.

Tables follow :mod:`.properties`: P[i, r, g] = p_i(r, t_-i = grid.others[g]), reports r = 0..K.
"""

from __future__ import annotations

import numpy as np

from mechopt.typegrid.model import NO, TypeGrid


def _reported(grid: TypeGrid, agent: int, r: np.ndarray, others: np.ndarray) -> np.ndarray:
    """Report profiles (..., n) with the agent reporting r and the others their types."""
    prof = np.empty(r.shape + (grid.n,), dtype=np.int64)
    prof[..., [j for j in range(grid.n) if j != agent]] = others
    prof[..., agent] = r
    return prof


def vcg_payment(grid: TypeGrid, reports: np.ndarray, agent: int) -> np.ndarray:
    """p_i(t') = sum_{j != i} v_j(x(NO, t'_-i), t') - sum_{j != i} v_j(x(t'), t') (Definition 8),
    for report profiles (..., n); a non-participating reporter has type 0 in t'."""
    reports = np.asarray(reports, dtype=np.int64)
    types = np.maximum(reports, 0)
    without = reports.copy()
    without[..., agent] = NO
    others = np.ones(grid.n, dtype=bool)
    others[agent] = False
    return (np.sum(grid.values(without, types)[..., others], axis=-1)
            - np.sum(grid.values(reports, types)[..., others], axis=-1))


def exploitation_payment(grid: TypeGrid, reports: np.ndarray, agent: int) -> np.ndarray:
    """p_i(t') = v_i(x(t'), t') - v_i(x(NO, t'_-i), t') (Definition 10), for profiles (..., n)."""
    reports = np.asarray(reports, dtype=np.int64)
    types = np.maximum(reports, 0)
    without = reports.copy()
    without[..., agent] = NO
    return grid.values(reports, types)[..., agent] - grid.values(without, types)[..., agent]


def payment_table(grid: TypeGrid, rule: str) -> np.ndarray:
    """The table P[i, r, g] of ``rule`` ("vcg" or "exploitation") over the whole grid."""
    pay = {"vcg": vcg_payment, "exploitation": exploitation_payment}
    if rule not in pay:
        raise ValueError(f"rule: expected 'vcg' or 'exploitation', got {rule!r}")
    others = grid.others
    r = np.arange(grid.K + 1)
    P = np.empty((grid.n, grid.K + 1, len(others)))
    for i in range(grid.n):
        prof = _reported(grid, i, np.broadcast_to(r[:, None], (grid.K + 1, len(others))),
                         np.broadcast_to(others[None, :, :], (grid.K + 1,) + others.shape))
        P[i] = pay[rule](grid, prof, i)
    return P

