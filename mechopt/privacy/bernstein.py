"""Polynomials on [0, 1] in the Bernstein basis, their range enclosures, and a branch and bound
that brackets the maximum of a function of them.

P(p) = sum_j b_j C(m, j) p^j (1 - p)^(m - j).  The basis functions are nonnegative and sum to 1, so
P lies between min_j b_j and max_j b_j on [0, 1], and P(0) = b_0, P(1) = b_m.  Halving [0, 1]
(de Casteljau) gives the coefficients on each half; on a cell of width w the enclosure exceeds
the range by O(w^2), so bisection converges.  Every computation here is a sum of convex
combinations, so its rounding error is at most a small multiple of eps times the largest
coefficient in magnitude (:func:`rounding`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from math import comb

import numpy as np

EPS = float(np.finfo(float).eps)
MAX_DEPTH = 52
"""Bisection depth of :func:`maximize` (cells of width 2^-52)."""
MAX_CELLS = 4096
"""Cells kept per level of :func:`maximize`; beyond, the bound of the cells left is reported."""


def elevate(b: np.ndarray, m: int) -> np.ndarray:
    """The coefficients of the same polynomial in degree ``m`` >= its degree (along the last axis)."""
    while b.shape[-1] - 1 < m:
        k = b.shape[-1]  # degree k - 1 -> k
        j = np.arange(k + 1) / k
        padded_lo = np.concatenate([b, b[..., -1:]], axis=-1)
        padded_hi = np.concatenate([b[..., :1], b], axis=-1)
        b = j * padded_hi + (1.0 - j) * padded_lo
    return b


def product(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Coefficients of the product of two polynomials (degrees m and l -> m + l)."""
    m, l = len(a) - 1, len(b) - 1
    out = np.zeros(m + l + 1)
    for i in range(m + 1):
        for j in range(l + 1):
            out[i + j] += comb(m, i) * comb(l, j) / comb(m + l, i + j) * a[i] * b[j]
    return out


def split(b: np.ndarray, t: float) -> tuple[np.ndarray, np.ndarray]:
    """Coefficients on [0, t] and [t, 1] (rescaled to [0, 1]) along the last axis."""
    m = b.shape[-1] - 1
    left, right = np.empty_like(b), np.empty_like(b)
    left[..., 0], right[..., m] = b[..., 0], b[..., m]
    for k in range(1, m + 1):
        b = (1.0 - t) * b[..., :-1] + t * b[..., 1:]
        left[..., k], right[..., m - k] = b[..., 0], b[..., -1]
    return left, right


def restrict(b: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """Coefficients on [lo, hi] (rescaled to [0, 1])."""
    if hi < 1.0:
        b = split(b, hi)[0]
    if lo > 0.0:
        b = split(b, lo / hi)[1]
    return b


def evaluate(b: np.ndarray, t: float) -> np.ndarray:
    """Values at t (de Casteljau) along the last axis."""
    while b.shape[-1] > 1:
        b = (1.0 - t) * b[..., :-1] + t * b[..., 1:]
    return b[..., 0]


def rounding(b: np.ndarray, magnitude: float | None = None) -> float:
    """A bound on the rounding error of any coefficient of ``b`` after MAX_DEPTH halvings (each a
    degree-m triangle of convex combinations): 4 (MAX_DEPTH + m + 8) (m + 2) eps M, with room for
    the error of the coefficients themselves; M = ``magnitude`` (a bound on the terms the
    coefficients were summed from), else max |b|."""
    m = b.shape[-1] - 1
    top = float(np.max(np.abs(b), initial=0.0)) if magnitude is None else magnitude
    return 4.0 * (MAX_DEPTH + m + 8) * (m + 2) * EPS * top


@dataclass(frozen=True)
class Bracket:
    """The maximum of a function over a set lies in [lower, upper]: ``lower`` is a value taken at a
    point found (-inf if none), ``upper`` an upper bound (-inf: the set is empty)."""

    lower: float
    upper: float
    cells: int


CellBound = Callable[[np.ndarray], np.ndarray]
"""Cells' coefficients (k, r, m + 1) -> (k,) upper bounds of the function on each cell (-inf
where a cell holds no point of the set)."""
PointValue = Callable[[np.ndarray], np.ndarray]
"""Values of the r polynomials at k points (k, r) -> (k,) the function there (-inf where the point
is not certainly in the set)."""


def maximize(coefs: np.ndarray, cell_bound: CellBound, point_value: PointValue, *, lo: float = 0.0, hi: float = 1.0,
             prec: float) -> Bracket:
    """Bracket the maximum over p in [lo, hi] of a function of r polynomials (``coefs``: (r, m + 1)
    Bernstein coefficients on [0, 1], a common degree m) by bisection: a cell is dropped when its
    bound is within ``prec`` of the best value found at a cell's end; the others are halved, down
    to width 2^-MAX_DEPTH, keeping at most MAX_CELLS cells per level (beyond that the search stops
    and the bounds of the cells left count).  ``upper`` is the largest bound of a dropped or left
    cell (or ``lower``): an upper bound whatever the stopping reason."""
    cells = restrict(np.asarray(coefs, dtype=float), lo, hi)[None]
    best, dropped, count = -np.inf, -np.inf, 0
    for depth in range(MAX_DEPTH + 1):
        count += len(cells)
        bounds = cell_bound(cells)
        ends = np.concatenate([cells[:, :, 0], cells[:, :, -1]])
        best = max(best, float(np.max(point_value(ends), initial=-np.inf)))
        keep = bounds > best + prec
        dropped = max(dropped, float(np.max(bounds[~keep], initial=-np.inf)))
        cells, bounds = cells[keep], bounds[keep]
        if not len(cells):
            break
        if depth == MAX_DEPTH or len(cells) > MAX_CELLS:
            dropped = max(dropped, float(np.max(bounds)))
            break
        left, right = split(cells, 0.5)
        cells = np.concatenate([left, right])
    return Bracket(best, max(best, dropped), count)
