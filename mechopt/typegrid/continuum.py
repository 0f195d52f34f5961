"""Every graph B >= 2 of the market-growth family bounded by one continuum problem (002 Section 7.2;
docs/typegrid.md, 'Beyond the line').

Two agents, units of eps, c = 2^alpha, F(m) = c m^(alpha+1), G(x, m) = x (x + m)^alpha.  Against
the other's type B, the truthful utility u_B(t) = W_B(t, t) - p^max(t | B) is the least function
with u(t) >= G(t, B) (IR), u(t) >= u(r) for t - B <= r < t (the pooled model wins) and
u(t) >= u(r) + G(t, r + B) - F(r + B) for 1 <= r < t - B (the agent's own data win): p^max is the
largest IR and IC payment, and reports only go down.  With x = t / B and y = r / B every term is
B^(alpha+1) times its value at B = 1, so u_B(t) = B^(alpha+1) v(t / B) for the least function v of
those constraints on the points (1 / B) Z.  A function V on the reals meeting them for every real
0 < y < x is a supersolution on every such grid, so u_B(t) <= B^(alpha+1) V(t / B) for every B.

:func:`continuum_bound` builds such a V, constant on cells (e_{k-1}, e_k] of width at most 1:
V_k = max(G(e_k, 1), V_{k-1}, V_j + G(e_k, e_{j-1} + 1) - F(e_{j-1} + 1) over the cells j with
e_{j-1} < e_k - 1) dominates every constraint into cell k, since G(x, m) rises in x and falls in
m and F rises; each V_k is raised by the rounding of its own operations (64 eps of its terms), so
the computed V is an upper bound.  Then for 2 <= B < t, with p(B | t) = F(t + B) - G(B, t) (a
type at most the other's pools every report),
REV(B, t) = 2 F(t + B) - G(B, t) - u_B(t) >= B^(alpha+1) rho(t / B),
rho(x) = 2 F(x + 1) - G(1, x) - V(x), and 2 F(x + 1) - G(1, x) rises in x, so each cell's rho is
at least its value at the cell's lower edge.  :func:`continuum_margin` is the least of those over
(1, X]: where it is >= 0, no profile (B, t) with 2 <= B < t <= B X violates weak budget balance.

Cells: width 1/256 on [0, 1], then growing by 1/256 of x up to 256, then 1 (integers, so the
powers come from a table as in :mod:`.aggregate`).  Nothing here solves a graph of the grid.
"""

from __future__ import annotations

import numba
import numpy as np

FINE = 1.0 / 256.0
"""Cell width on [0, 1] and relative cell width up to :data:`COARSE_FROM`."""
COARSE_FROM = 256.0
"""From here the cells are the unit intervals between integers."""
ROUNDING = 64.0 * np.finfo(float).eps
BLOCK, SUPER = 32, 1024
"""Cells per block and per super block whose largest V_j - F(e_{j-1} + 1) bounds them together."""


def cell_edges(X: float) -> np.ndarray:
    """0 = e_0 < e_1 < ... with e_N >= X + 1: steps FINE on [0, 1], relative steps FINE up to
    COARSE_FROM, unit steps (integers) beyond; 1 and COARSE_FROM are edges."""
    fine = np.arange(0.0, 1.0, FINE)
    growing = [1.0]
    while growing[-1] * (1.0 + FINE) < COARSE_FROM:
        growing.append(growing[-1] * (1.0 + FINE))
    top = max(COARSE_FROM, np.ceil(X) + 1.0)
    return np.concatenate([fine, np.array(growing), np.arange(COARSE_FROM, top + 1.0)])


@numba.njit(cache=True, inline="always")
def _G(alpha: float, x: float, m: float) -> float:
    return x * (x + m) ** alpha


@numba.njit(cache=True)
def _bound(alpha: float, e: np.ndarray, first_integer: int, PT: np.ndarray) -> np.ndarray:
    """V_k of the module doc for every cell k = 1..N (V_0 = 0 is never used).  Blocks of cells j
    are bounded by their largest q_j = V_j - F(e_{j-1} + 1) plus G at the block's first edge
    (the largest G in it) and skipped when that is no larger than the best so far; where both
    edges are integers G is x PT[x + e_{j-1} + 1]."""
    N = e.size - 1
    c = 2.0 ** alpha
    V = np.zeros(N + 1)
    q = np.full(N + 1, -np.inf)
    m1 = np.full(N // BLOCK + 2, -np.inf)
    m2 = np.full(N // SUPER + 2, -np.inf)
    jmax = 0
    for k in range(1, N + 1):
        x = e[k]
        integer = k >= first_integer
        v = _G(alpha, x, 1.0)
        if V[k - 1] > v:
            v = V[k - 1]
        while jmax + 1 < k and e[jmax] < x - 1.0:
            jmax += 1
        j = 1
        while j <= jmax:
            lattice = integer and j - 1 >= first_integer
            if j % SUPER == 0 and j + SUPER - 1 <= jmax:
                g = x * PT[int(x + e[j - 1]) + 1] if lattice else _G(alpha, x, e[j - 1] + 1.0)
                if m2[j // SUPER] + g <= v:
                    j += SUPER
                    continue
            end = min(j - j % BLOCK + BLOCK - 1, jmax)
            g = x * PT[int(x + e[j - 1]) + 1] if lattice else _G(alpha, x, e[j - 1] + 1.0)
            if m1[j // BLOCK] + g > v:
                if lattice:
                    base = int(x) + 1
                    for i in range(j, end + 1):
                        val = q[i] + x * PT[base + int(e[i - 1])]
                        v = val if val > v else v
                else:
                    for i in range(j, end + 1):
                        val = q[i] + _G(alpha, x, e[i - 1] + 1.0)
                        v = val if val > v else v
            j = end + 1
        F = c * (e[k - 1] + 1.0) ** (alpha + 1.0)
        V[k] = v + ROUNDING * (abs(v) + 4.0 * c * (x + 1.0) ** (alpha + 1.0))
        q[k] = V[k] - F + ROUNDING * F
        m1[k // BLOCK] = max(m1[k // BLOCK], q[k])
        m2[k // SUPER] = max(m2[k // SUPER], q[k])
    return V


def continuum_bound(alpha: float, X: float) -> tuple[np.ndarray, np.ndarray]:
    """The cell edges e (:func:`cell_edges`) and V_k on each cell (e_{k-1}, e_k] (module doc), for
    x up to X + 1."""
    e = cell_edges(X)
    first_integer = int(np.searchsorted(e, COARSE_FROM))
    S = np.arange(2 * int(e[-1]) + 3, dtype=float)
    S[0] = 1.0
    return e, _bound(float(alpha), e, first_integer, S ** float(alpha))


def continuum_margin(alpha: float, X: float) -> tuple[float, float]:
    """min over the cells meeting (1, X] of rho at the cell's lower edge minus its rounding
    (module doc), and the lower edge where it is least."""
    e, V = continuum_bound(alpha, X)
    lower = e[:-1]
    cells = (e[1:] > 1.0) & (lower < X)
    y = lower[cells]
    c = 2.0 ** alpha
    truthful = 2.0 * c * (y + 1.0) ** (alpha + 1.0)
    share = (1.0 + y) ** alpha
    V_k = V[1:][cells]
    rho = truthful - share - V_k - ROUNDING * (truthful + share + np.abs(V_k))
    k = int(np.argmin(rho))
    return float(rho[k]), float(y[k])
