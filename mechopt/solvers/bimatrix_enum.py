"""Every extreme equilibrium of a bimatrix game by vertex enumeration of the two best-response
polytopes (Avis, Rosenberg, Savani, von Stengel 2010, "Enumeration of Nash equilibria for two-player
games", ARSvS below, Sections 2-4).

Each player's payoffs are first mapped affinely onto [1, 2] (A -> 1 + (A - min A) / range A; a
positive affine map changes no equilibrium), so that the polytopes (ARSvS (2.5))

    P = {x in R^m : x >= 0,  B'x <= 1},        Q = {y in R^n : A y <= 1,  y >= 0}

are bounded and every tolerance below is relative to each player's payoff range.  A point of P
has label i (a row) when x_i = 0 and label m + j (a column) when (B'x)_j = 1; a point of Q has
label i when (A y)_i = 1 and label m + j when y_j = 0.  (x, y) in P x Q - {(0, 0)} is *completely
labelled* (every label in 0 .. m + n - 1 held by x or y) iff (x / 1'x, y / 1'y) is a Nash
equilibrium (ARSvS Theorem 2.4), and the equilibria that are pairs of vertices are the *extreme
equilibria*: every equilibrium set (a union of maximal Nash subsets, each a product of two faces,
ARSvS Section 3) is the union of the convex hulls of its cliques of extreme equilibria.  In a
nondegenerate game every equilibrium is extreme; in a degenerate one (ties, repeated rows, zero
columns) the continua are represented by their extreme points, as Gambit's ``enummixed`` does.

**The vertices** (:func:`polytope_vertices`).  With slacks, P is {(x, s) >= 0 : B'x + s = 1} and Q
is {(r, y) >= 0 : r + A y = 1}; variable l is zero exactly when label l holds.  A breadth-first
search over the bases from the slack basis (the origin) pivots every nonbasic variable in, the
leaving row chosen by the lexicographic minimum ratio (the right-hand side perturbed symbolically,
ARSvS Section 4), so that degenerate vertices (ties, repeated rows, zero columns) neither stall nor
multiply the search.  Frontiers are pivoted as one batch; games with m + n <= ``SMALL`` take the
same search, and the regrets below, in plain Python, where numpy's per-call cost would dominate.

**The pairs.**  Labels are bit masks; a vertex pair is an equilibrium iff the OR of its masks is
all m + n labels (one broadcast comparison).

Floating point, with tolerances relative to each player's payoff range (so the answer does not
depend on the payoffs' units): payoffs that tie to within about ``TOL`` of their range are treated
as ties.  Each equilibrium returned is checked by its regrets against every pure deviation, at most
``rtol`` times max(|A|, |B|) (``verified``).
"""

from __future__ import annotations

import math
import time

import numpy as np

from mechopt.solvers.bimatrix_mip import BimatrixEnumeration, BimatrixEquilibrium, payoff_scale

TOL = 1e-10
"""A label holds (a variable vanishes) to within this, payoffs in units of their range."""
MAX_LABELS = 62
"""Most labels m + n (a vertex's labels are an int64 bit mask)."""
SMALL = 10
"""Games with m + n <= SMALL are enumerated in plain Python (numpy's per-call cost dominates there)."""
METHODS = ("vertex", "mip")


def _unit_range(p: np.ndarray) -> np.ndarray:
    """p mapped affinely onto [1, 2] (all ones when p is constant)."""
    lo, span = float(p.min()), float(np.ptp(p))
    return 1.0 + (p - lo) / span if span > 0 else np.ones_like(p)


def _bits(idx: np.ndarray) -> np.ndarray:
    return np.left_shift(np.int64(1), idx.astype(np.int64))


def _masks(bits: np.ndarray) -> np.ndarray:
    """Each row of a bool matrix as an integer bit mask (column l -> bit l)."""
    return bits.astype(np.int64) @ (np.int64(1) << np.arange(bits.shape[1], dtype=np.int64))


def _pivot(tab: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Each tableau tab[k] pivoted on (rows[k], cols[k]) (Gauss-Jordan step, batched)."""
    k = np.arange(len(tab))
    prow = tab[k, rows] / tab[k, rows, cols][:, None]
    out = tab - tab[k, :, cols][:, :, None] * prow[:, None, :]
    out[k, rows] = prow
    return out


def polytope_vertices(full: np.ndarray, slacks: np.ndarray) -> np.ndarray:
    """The vertices of {v >= 0 : full v = 1} (full: R x V, bounded, its columns ``slacks`` the
    identity), each once: (N, V) values of the V variables.

    Breadth-first search over the lexicographically feasible bases from the slack basis (the
    right-hand side perturbed symbolically to 1 + (eps, eps^2, ...), ARSvS Section 4): each
    nonbasic variable enters, the leaving row is the lexicographic minimum of (rhs, row of the
    basis inverse) / pivot entry, so each basis has exactly one neighbour per entering variable.
    The perturbed polytope is simple and its graph connected, and every vertex of the polytope is
    the limit of one of its vertices, so every vertex is reached, degenerate or not.  Each basis's
    values are then recomputed by one fresh solve (no drift from the pivots) and the vertices
    deduplicated by their zero sets (a vertex is determined by the variables that vanish)."""
    nrow, nvar = full.shape
    tab = np.concatenate([full, np.ones((nrow, 1))], axis=1)[None]
    lex = np.concatenate([[nvar], slacks])  # the key columns: rhs, then the basis inverse
    basis = np.asarray(slacks, dtype=np.intp)[None]
    visited = _bits(basis).sum(axis=1)
    masks, bases = [visited], [basis]
    while len(tab):
        f, e = np.nonzero((masks[-1][:, None] >> np.arange(nvar, dtype=np.int64)) & 1 == 0)
        col = tab[f, :, e]
        cand = col > TOL
        safe = np.where(cand, col, 1.0)
        for key in lex:
            ratio = np.where(cand, tab[f, :, key] / safe, np.inf)
            cand &= ratio <= ratio.min(axis=1, keepdims=True) + TOL
            if (cand.sum(axis=1) <= 1).all():
                break
        ok = cand.any(axis=1)
        f, e, r = f[ok], e[ok], np.argmax(cand[ok], axis=1)
        new = masks[-1][f] - _bits(basis[f, r]) + _bits(e)
        new, first = np.unique(new, return_index=True)
        fresh = ~np.isin(new, visited)
        f, r, e, new = f[first[fresh]], r[first[fresh]], e[first[fresh]], new[fresh]
        tab = _pivot(tab[f], r, e)
        basis = basis[f].copy()
        basis[np.arange(len(f)), r] = e
        visited = np.concatenate([visited, new])
        masks.append(new)
        bases.append(basis)
    basis = np.concatenate(bases)
    values = np.zeros((len(basis), nvar))
    mats = full[:, basis].transpose(1, 0, 2)
    np.put_along_axis(values, basis, np.linalg.solve(mats, np.ones((len(basis), nrow, 1)))[..., 0], axis=1)
    values[values <= TOL] = 0.0
    _, first = np.unique(_masks(values == 0.0), return_index=True)
    return values[np.sort(first)]


def polytope_vertices_small(full: list[list[float]], slacks: list[int]) -> dict[int, list[float]]:
    """:func:`polytope_vertices` in plain Python floats, for small games (where numpy's per-call
    cost dominates): the same search, each basis's values read off its tableau; {zero set as a bit
    mask: values}."""
    nrow, nvar = len(full), len(full[0])
    lex = [nvar, *slacks]
    mask0 = sum(1 << v for v in slacks)
    visited, queue, out = {mask0}, [(list(slacks), mask0, [[*row, 1.0] for row in full])], {}
    for basis, mask, tab in queue:
        values, zeros = [0.0] * nvar, (1 << nvar) - 1
        for r, v in enumerate(basis):
            if tab[r][nvar] > TOL:
                values[v], zeros = tab[r][nvar], zeros ^ (1 << v)
        out.setdefault(zeros, values)
        for e in range(nvar):
            if mask >> e & 1:
                continue
            cand = [r for r in range(nrow) if tab[r][e] > TOL]
            for key in lex:
                if len(cand) <= 1:
                    break
                ratio = [tab[r][key] / tab[r][e] for r in cand]
                low = min(ratio) + TOL
                cand = [r for r, q in zip(cand, ratio, strict=True) if q <= low]
            if not cand:
                continue
            r = cand[0]
            new = mask - (1 << basis[r]) + (1 << e)
            if new in visited:
                continue
            visited.add(new)
            prow = [t / tab[r][e] for t in tab[r]]
            nxt = [prow if k == r else [t - row[e] * p for t, p in zip(row, prow, strict=True)]
                   for k, row in enumerate(tab)]
            queue.append(([e if k == r else v for k, v in enumerate(basis)], new, nxt))
    return out


Pair = tuple[list[float] | np.ndarray, list[float] | np.ndarray, tuple[int, ...], tuple[int, ...]]
"""A completely labelled vertex pair: x in P, y in Q, the rows tight in Q, the columns tight in P."""


def _pairs(ua: np.ndarray, ub: np.ndarray) -> list[Pair]:
    """The completely labelled vertex pairs of P and Q (payoffs in [1, 2]): vertices in batches,
    pairs by one broadcast OR of the label masks."""
    m, n = ua.shape
    # P: B'x + s = 1, variables (x, s); Q: r + A y = 1, variables (r, y): variable l has label l
    vp = polytope_vertices(np.concatenate([ub.T, np.eye(n)], axis=1), np.arange(m, m + n))
    vq = polytope_vertices(np.concatenate([np.eye(m), ua], axis=1), np.arange(m))
    vp, vq = vp[vp[:, :m].any(axis=1)], vq[vq[:, m:].any(axis=1)]  # not the origins
    ii, jj = np.nonzero((_masks(vp == 0.0)[:, None] | _masks(vq == 0.0)[None, :]) == (1 << (m + n)) - 1)
    return [(vp[i, :m], vq[j, m:], tuple(np.flatnonzero(vq[j, :m] == 0.0).tolist()),
             tuple(np.flatnonzero(vp[i, m:] == 0.0).tolist())) for i, j in zip(ii, jj, strict=True)]


def _equilibria(a: np.ndarray, b: np.ndarray) -> list[BimatrixEquilibrium]:
    """The equilibria of the game and their regrets, every profile at once."""
    m, n = a.shape
    pairs = _pairs(_unit_range(a), _unit_range(b))
    xs = np.array([p[0] for p in pairs]).reshape(len(pairs), m)
    ys = np.array([p[1] for p in pairs]).reshape(len(pairs), n)
    xs, ys = xs / xs.sum(axis=1, keepdims=True), ys / ys.sum(axis=1, keepdims=True)
    ay, xb = ys @ a.T, xs @ b  # every profile's payoffs of the pure rows / columns at once
    regret = np.maximum(ay.max(axis=1, initial=-np.inf) - (xs * ay).sum(axis=1),
                        xb.max(axis=1, initial=-np.inf) - (xb * ys).sum(axis=1)).tolist()
    return [BimatrixEquilibrium(x, y, rows, cols, 0.0, r)
            for x, y, (_, _, rows, cols), r in zip(xs, ys, pairs, regret, strict=True)]


def _unit_range_small(p: list[list[float]]) -> list[list[float]]:
    """:func:`_unit_range` in plain Python floats (the same operations, the same numbers)."""
    flat = [v for row in p for v in row]
    lo = min(flat)
    span = max(flat) - lo
    return [[1.0 + (v - lo) / span if span > 0 else 1.0 for v in row] for row in p]


def _pairs_small(la: list[list[float]], lb: list[list[float]]) -> list[Pair]:
    """:func:`_pairs` in plain Python (small games; payoffs in [1, 2], B transposed: ``lb[j]`` is
    column j of B)."""
    m, n = len(la), len(lb)
    vp = polytope_vertices_small([lb[j] + [float(k == j) for k in range(n)] for j in range(n)], list(range(m, m + n)))
    vq = polytope_vertices_small([[float(k == i) for k in range(m)] + la[i] for i in range(m)], list(range(m)))
    vp = [(mx, x[:m]) for mx, x in vp.items() if any(x[:m])]  # not the origins
    vq = [(my, y[m:]) for my, y in vq.items() if any(y[m:])]
    full = (1 << (m + n)) - 1
    return [(x, y, tuple(i for i in range(m) if my >> i & 1), tuple(j for j in range(n) if mx >> (m + j) & 1))
            for mx, x in vp for my, y in vq if mx | my == full]


def _nan_max(values: list[float]) -> float:
    """max(values), NaN when one is NaN (as numpy's; Python's max skips a NaN after the first)."""
    return math.nan if any(v != v for v in values) else max(values)


def _equilibria_small(a: np.ndarray, b: np.ndarray) -> list[BimatrixEquilibrium]:
    """The equilibria of a small game and their regrets in plain Python floats (numpy's per-call
    cost would be most of the time)."""
    la, lb = a.tolist(), b.T.tolist()
    found = []
    for x, y, rows, cols in _pairs_small(_unit_range_small(la), _unit_range_small(lb)):
        sx, sy = sum(x), sum(y)
        x, y = [v / sx for v in x], [v / sy for v in y]
        ay = [sum(p * q for p, q in zip(row, y, strict=True)) for row in la]  # the pure rows' payoffs
        xb = [sum(p * q for p, q in zip(x, col, strict=True)) for col in lb]  # the pure columns' payoffs
        regret = _nan_max([_nan_max(ay) - sum(p * q for p, q in zip(x, ay, strict=True)),
                           _nan_max(xb) - sum(p * q for p, q in zip(xb, y, strict=True))])
        found.append(BimatrixEquilibrium(np.array(x), np.array(y), rows, cols, 0.0, regret))
    return found


def vertex_equilibria(a: np.ndarray, b: np.ndarray, *, rtol: float = 1e-9) -> BimatrixEnumeration:
    """Every extreme equilibrium of the bimatrix game (A, B) (module docstring), each once, ordered by
    the row player's vertex then the column player's; ``complete`` (vertex enumeration is
    exhaustive), ``verified`` when every regret is at most rtol * max(|A|, |B|), ``solves`` 0 (no
    MILP).  ``rows`` / ``cols`` of each are the pure best responses to y / to x."""
    t0 = time.perf_counter()
    a, b = _check(a, b)
    m, n = a.shape
    if m + n > MAX_LABELS:
        raise ValueError(f"a: a {m} x {n} game has {m + n} labels, at most {MAX_LABELS} (bit masks) are supported")
    found = _equilibria_small(a, b) if m + n <= SMALL else _equilibria(a, b)
    tol = rtol * payoff_scale(a, b)
    return BimatrixEnumeration(tuple(found), True, all(e.max_regret <= tol for e in found), tol, 0,
                               time.perf_counter() - t0)


def _check(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.ndim != 2 or min(a.shape) < 1:
        raise ValueError(f"a: must be an m x n payoff matrix (m, n >= 1), got shape {a.shape}")
    if b.shape != a.shape:
        raise ValueError(f"b: must have the shape of a {a.shape}, got {b.shape}")
    for name, p in (("a", a), ("b", b)):
        if not np.isfinite(p).all():
            raise ValueError(f"{name}: payoffs must be finite numbers")
    return a, b


def all_equilibria(a: np.ndarray, b: np.ndarray, *, method: str = "vertex", rtol: float = 1e-9) -> BimatrixEnumeration:
    """Every extreme equilibrium of (A, B): by vertex enumeration (``method="vertex"``, the default,
    :func:`vertex_equilibria`) or by the MILP's patterns and each pattern's vertices (``"mip"``, the
    declarative cross-check, :func:`mechopt.solvers.bimatrix_mip.extreme_equilibria_mip`)."""
    if method == "vertex":
        return vertex_equilibria(a, b, rtol=rtol)
    if method == "mip":
        from mechopt.solvers.bimatrix_mip import extreme_equilibria_mip

        a, b = _check(a, b)
        return extreme_equilibria_mip(a, b, rtol=rtol)
    raise ValueError(f"method: must be one of {', '.join(METHODS)}, got {method!r}")
