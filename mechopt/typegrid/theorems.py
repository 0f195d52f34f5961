"""002 Theorems 2-5 checked on a type grid, exhaustively (Theorem 6 is the existence kind itself).

Every quantity is a worst case over all agents, others' profiles and (report, true type) pairs of
the grid; ``amount > 0`` means the inequality fails.  Values v_i are the grid's (Section 7.2
allocation, q_i = max(x_i, Q(t_i))).  ``V[r + 1, t]`` below is agent i's value when it reports r
(r = -1: does not participate) with true type t = 0..K while the others report their types.

- Theorem 2 (MEP, Definition 10): the MEP table is IR and IC (Definitions 3-4) and its truthful
  payments equal the IR bound pbar = V[t + 1, t] - V[0, t] (the largest payment any IR mechanism
  can charge) and the maximal IR and IC payments p^max of Algorithm 1.
- Theorem 3 (necessary condition (2)) on the grid: the integral of dv_i(x(s'), s)/ds' at s = s'
  is taken as the sum of one-step differences V[s + 2, s + 1] - V[s + 1, s + 1] (report s -> s + 1
  at true type s + 1, the only side an under-reporting agent can take); ``forward`` takes them at
  true type s instead (V[s + 2, s] - V[s + 1, s], a report above the type).
- Theorem 4 (sufficient condition): (5) as D(s, s + 1) <= D(s, t) for t > s with
  D(s, t) = V[s + 2, t] - V[s + 1, t]; the table with equality in (1) (at type 0) and in (6):
  p(0) = V[1, 0] - V[0, 0], p(t) = p(0) + sum_{s < t} [D(s, s + 1) - (V[0, s + 1] - V[0, s])].
- Theorem 5: the zero table is IR and IC (and trivially budget balanced).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mechopt.typegrid.existence import max_payment_table
from mechopt.typegrid.model import NO, TypeGrid
from mechopt.typegrid.payments import payment_table
from mechopt.typegrid.properties import efficiency_gap, ir_ic_violations


def value_table(grid: TypeGrid, agent: int, others: np.ndarray) -> np.ndarray:
    """V[r + 1, t] for reports r = -1..K and true types t = 0..K (others truthful at ``others``)."""
    K, n = grid.K, grid.n
    r, t = np.meshgrid(np.arange(NO, K + 1), np.arange(K + 1), indexing="ij")
    rep = np.empty(r.shape + (n,), dtype=np.int64)
    typ = np.empty(r.shape + (n,), dtype=np.int64)
    rest = [j for j in range(n) if j != agent]
    rep[..., rest] = others
    typ[..., rest] = others
    rep[..., agent], typ[..., agent] = r, t
    return grid.values(rep, typ)[..., agent]


def _tables(grid: TypeGrid) -> list[tuple[int, int, np.ndarray]]:
    """(agent, index g of t_-i, V) for every graph of the grid."""
    return [(i, g, value_table(grid, i, o)) for i in range(grid.n) for g, o in enumerate(grid.others)]


@dataclass(frozen=True)
class Checks:
    """Worst amounts (> 0: the inequality fails) on one grid, relative to its value scale."""

    ir: float
    ic: float


def _rel(grid: TypeGrid, x: float) -> float:
    return float(x) / grid.value_scale


def ir_ic(grid: TypeGrid, P: np.ndarray) -> Checks:
    """Worst IR and IC violations of a payment table P[i, r, g] (reports r = 0..K)."""
    ir, ic = ir_ic_violations(grid, P)
    return Checks(_rel(grid, ir.amount), _rel(grid, ic.amount))


def theorem2(grid: TypeGrid) -> dict[str, float]:
    """MEP: IR and IC violations, and the largest gaps to the IR bound and to p^max (truthful reports)."""
    mep = payment_table(grid, "exploitation")
    pmax, _ = max_payment_table(grid, "dag")
    bound = np.empty_like(mep)
    for i, g, V in _tables(grid):
        t = np.arange(grid.K + 1)
        bound[i, :, g] = V[t + 1, t] - V[0, t]
    c = ir_ic(grid, mep)
    return {"ir": c.ir, "ic": c.ic, "to_ir_bound": _rel(grid, np.max(np.abs(mep - bound)[:, 1:])),
            "to_pmax": _rel(grid, np.max(np.abs(mep - pmax)[:, 1:]))}


def theorem3(grid: TypeGrid, P: np.ndarray) -> dict[str, float]:
    """Condition (2) on an IR and IC table P: worst p(t) - p(t') minus the sum of one-step
    differences, backward (the grid's reading) and forward; and P's own IR and IC violations."""
    back = fwd = -np.inf
    for i, g, V in _tables(grid):
        s = np.arange(grid.K)
        steps_b = np.concatenate([[0.0], np.cumsum(V[s + 2, s + 1] - V[s + 1, s + 1])])
        steps_f = np.concatenate([[0.0], np.cumsum(V[s + 2, s] - V[s + 1, s])])
        p = P[i, :, g]
        lo, hi = np.triu_indices(grid.K + 1, 1)  # t' = lo < t = hi
        back = max(back, float(np.max(p[hi] - p[lo] - (steps_b[hi] - steps_b[lo]))))
        fwd = max(fwd, float(np.max(p[hi] - p[lo] - (steps_f[hi] - steps_f[lo]))))
    c = ir_ic(grid, P)
    return {"ir": c.ir, "ic": c.ic, "backward": _rel(grid, back), "forward": _rel(grid, fwd)}


def theorem4_table(grid: TypeGrid) -> tuple[np.ndarray, float]:
    """The table with equality in (1) and (6), and the worst violation of (5) (relative)."""
    K = grid.K
    P = np.empty((grid.n, K + 1, K ** (grid.n - 1)))
    worst = -np.inf
    for i, g, V in _tables(grid):
        s = np.arange(K)
        D = V[2:, :] - V[1:-1, :]  # D[s, t] = V[s + 2, t] - V[s + 1, t], s = 0..K-1
        above = np.triu(np.ones((K, K + 1), dtype=bool), 2)  # t >= s + 2
        own = D[s, s + 1]
        worst = max(worst, float(np.max(np.where(above, own[:, None] - D, -np.inf), initial=-np.inf)))
        step = own - (V[0, s + 1] - V[0, s])
        P[i, :, g] = V[1, 0] - V[0, 0] + np.concatenate([[0.0], np.cumsum(step)])
    return P, _rel(grid, worst)


def theorem4(grid: TypeGrid) -> dict[str, float]:
    """(5)'s worst violation, the IR and IC violations of the (1)/(6) table, and how far it
    exceeds p^max (<= 0: consistent with Theorem 6's maximality)."""
    P, five = theorem4_table(grid)
    pmax, _ = max_payment_table(grid, "dag")
    c = ir_ic(grid, P)
    return {"condition5": five, "ir": c.ir, "ic": c.ic, "above_pmax": _rel(grid, np.max((P - pmax)[:, 1:]))}


def theorem5(grid: TypeGrid) -> dict[str, float]:
    """The zero table's IR and IC violations and the efficiency evidence (relative)."""
    c = ir_ic(grid, np.zeros((grid.n, grid.K + 1, grid.K ** (grid.n - 1))))
    return {"ir": c.ir, "ic": c.ic, "efficiency_gap": _rel(grid, efficiency_gap(grid).amount)}


def pmax_table(grid: TypeGrid) -> np.ndarray:
    """p^max of Algorithm 1 (the IR and IC table Theorem 3 is checked on)."""
    return max_payment_table(grid, "dag")[0]
