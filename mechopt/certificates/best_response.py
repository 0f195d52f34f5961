"""Global best responses in each player's own action, by search on utility values only.

Used by the Nash certificate and by the best-response cycle search, independently of the
equilibrium solvers (no derivatives are used).

For games declared concave in the own action the gain is bounded *above*, rigorously: a concave
function lies below every chord's extension outside the chord, so values at sorted points
x_0 < ... < x_m bound max f on [x_j, x_j+1] by the lower envelope of the extensions of the chords
(x_j-1, x_j) and (x_j+1, x_j+2).  Points form a geometric ladder around a centre (the profile
itself first: at an equilibrium the bound is tight to O(f'' h^2) for the smallest rung h; then,
where that does not prove the gain below ``tol``, around the maximizer a golden-section search
finds).  Otherwise (no declared concavity) a grid search refined by golden section finds the
global maximum up to the grid's resolution, and the gain reported is the one found.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from mechopt.games.base import ContinuousGame
from mechopt.core.serialization import Serializable

GOLDEN_ITERATIONS = 64
GRID_POINTS = 257
SHORT_LADDER = np.array([4e-6, 1e-6])
"""Offsets (relative to the box) of the first, cheap ladder: enough at an equilibrium."""
LONG_LADDER = 4.0 ** -np.arange(1, 13)
BLOCK_ROWS = 16384
"""Rows per block in :func:`concave_upper_bound` (its temporaries then stay in cache)."""
"""Offsets of the full ladder, used where the short one does not prove the gain below tol."""
_INV_PHI = (np.sqrt(5.0) - 1.0) / 2.0


def _golden(f: Callable[[np.ndarray], np.ndarray], a: np.ndarray, b: np.ndarray, iters: int) -> np.ndarray:
    """Vectorized golden-section maximization of f on [a_i, b_i]; f maps (n, 1) -> (n, 1)."""
    c = b - _INV_PHI * (b - a)
    d = a + _INV_PHI * (b - a)
    fc, fd = f(c[:, None])[:, 0], f(d[:, None])[:, 0]
    for _ in range(iters):
        left = fc >= fd  # maximum in [a, d]
        a, b = np.where(left, a, c), np.where(left, d, b)
        new_c, new_d = np.where(left, b - _INV_PHI * (b - a), d), np.where(left, c, a + _INV_PHI * (b - a))
        probe = np.where(left, new_c, new_d)
        fp = f(probe[:, None])[:, 0]
        fc, fd = np.where(left, fp, fd), np.where(left, fc, fp)
        c, d = new_c, new_d
    return np.where(fc >= fd, c, d)


def _ladder(lo: np.ndarray, hi: np.ndarray, centre: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Points lo, centre - (hi - lo) offsets (largest first), centre, centre + (hi - lo) offsets
    (smallest first), hi, clipped into the box: sorted row-wise for decreasing ``offsets``."""
    h = (hi - lo)[:, None] * offsets[None, :]
    c = centre[:, None]
    x = np.concatenate([lo[:, None], c - h, c, c + h[:, ::-1], hi[:, None]], axis=1)
    return np.clip(x, lo[:, None], hi[:, None])


def concave_upper_bound(x: np.ndarray, f: np.ndarray, min_chord: float = 1e-9) -> np.ndarray:
    """Upper bound on the max of a concave function over [x[:, 0], x[:, -1]] from its values f
    at the row-wise sorted points x; inf where the points do not determine one.

    On [x_j, x_j+1] the function lies below the extensions L of the chord (x_j-1, x_j) and R of
    (x_j+1, x_j+2).  min(L, R) peaks at an end, where it is at most f_j or f_j+1 (L(x_j) = f_j,
    R(x_j+1) = f_j+1), or where L and R cross; with one chord only, at an end of that line.
    Rounding: each value carries at most 64 eps max|f|, and extending a chord of width w by t
    multiplies its values' errors by at most 1 + 2 t / w, allowed for at each candidate peak.
    Chords shorter than ``min_chord`` times the row's range are not extended.
    """
    rows = x.shape[0]
    return np.concatenate([_upper_bound_block(x[i:i + BLOCK_ROWS], f[i:i + BLOCK_ROWS], min_chord)
                           for i in range(0, rows, BLOCK_ROWS)]) if rows else np.empty(0)


def _upper_bound_block(x: np.ndarray, f: np.ndarray, min_chord: float) -> np.ndarray:
    """:func:`concave_upper_bound` on a block of rows small enough to stay in cache."""
    xt, ft = np.ascontiguousarray(x.T), np.ascontiguousarray(f.T)
    width = np.diff(xt, axis=0)  # interval / chord j: (x_j, x_j+1)
    with np.errstate(divide="ignore", invalid="ignore"):
        slope = np.diff(ft, axis=0) / width
    usable = (width > 0) & (width >= min_chord * (xt[-1] - xt[0])) & np.isfinite(slope)
    slope = np.where(usable, slope, np.nan)
    pad = np.full((1, xt.shape[1]), np.nan)
    sl, sr = np.concatenate([pad, slope[:-1]]), np.concatenate([slope[1:], pad])
    wl, wr = np.concatenate([pad, width[:-1]]), np.concatenate([width[1:], pad])
    xa, xb, fa, fb = xt[:-1], xt[1:], ft[:-1], ft[1:]
    has_l, has_r = ~np.isnan(sl), ~np.isnan(sr)
    unit = 64.0 * np.finfo(float).eps * np.max(np.where(np.isfinite(ft), np.abs(ft), 0.0), axis=0)
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        bound = np.fmax(fa, fb) + unit
        cross = (fb - fa + sl * xa - sr * xb) / (sl - sr)
        inside = has_l & has_r & (cross > xa) & (cross < xb)
        at_cross = fa + sl * (cross - xa) + unit * (1.0 + 2.0 * (cross - xa) / wl + 2.0 * (xb - cross) / wr)
        bound = np.where(inside, np.fmax(bound, at_cross), bound)
        only_l = fa + sl * width + unit * (1.0 + 2.0 * width / wl)
        bound = np.where(has_l & ~has_r, np.fmax(bound, only_l), bound)
        only_r = fb - sr * width + unit * (1.0 + 2.0 * width / wr)
        bound = np.where(has_r & ~has_l, np.fmax(bound, only_r), bound)
        bound = np.where(has_l | has_r | (width == 0), bound, np.inf)
    return np.max(bound, axis=0)


@dataclass(frozen=True)
class BestResponses(Serializable):
    """For each player: the best own action found, its utility, the utility at the profile, and
    an upper bound on max_x u_i(x, s_-i) (rigorous for search "ladder"; the best value found for
    "grid+golden")."""

    actions: np.ndarray
    values: np.ndarray
    current: np.ndarray
    upper: np.ndarray
    ranges: np.ndarray
    """The utility scale tolerances are relative to: max |u_i(x, s_-i) - u_i(s)| over x at the
    box's two ends and the best response found (non-finite values left out).  Unchanged by adding a
    constant to u_i, multiplied by c when u_i is."""
    rounding: np.ndarray
    """What rounding alone puts into a gain: 128 eps times |u_i| at the point and at the best
    response (values far away, e.g. near a singularity, do not loosen it)."""
    search: str
    grid_points: int

    @property
    def gains(self) -> np.ndarray:
        """Gains found (lower bounds on the best-response gains)."""
        return np.maximum(self.values - self.current, 0.0)

    @property
    def gain_bounds(self) -> np.ndarray:
        """Upper bounds on the best-response gains."""
        return np.maximum(self.upper - self.current, 0.0)


def global_best_responses(
    game: ContinuousGame,
    s: np.ndarray,
    *,
    concave: bool | None = None,
    grid_points: int = GRID_POINTS,
    iterations: int = GOLDEN_ITERATIONS,
    tol: float = 0.0,
) -> BestResponses:
    """max over x in [lower_i, upper_i] of u_i(x, s_-i), for every player i at once.

    For concave games the golden-section search runs only when the ladder around ``s`` does not
    already bound every gain by ``tol`` times the spread of the values seen."""
    s = np.asarray(s, dtype=float)
    concave = game.own_concave if concave is None else concave
    lo, hi = game.lower, game.upper

    def f(x: np.ndarray) -> np.ndarray:
        with np.errstate(all="ignore"):
            v = np.asarray(game.deviation_utilities(s, x), dtype=float)
        if not v.flags.writeable:
            v = v.copy()
        v[np.isnan(v)] = -np.inf
        return v

    ends = f(np.stack([lo, hi], axis=1))
    if concave:
        x = _ladder(lo, hi, s, SHORT_LADDER)
        v = f(x)
        current = v[:, SHORT_LADDER.size + 1]
        upper = concave_upper_bound(x, v)
        search, m = "ladder", 0
        for centre in ("profile", "golden"):
            if not np.any(upper - current > tol * np.max(_spread(ends, np.max(v, axis=1), current))):
                break
            c = s if centre == "profile" else _golden(f, lo, hi, iterations)
            x2 = _ladder(lo, hi, c, LONG_LADDER)
            v2 = f(x2)
            upper = np.minimum(upper, concave_upper_bound(x2, v2))
            x, v = np.concatenate([x, x2], axis=1), np.concatenate([v, v2], axis=1)
            search = "ladder" if centre == "profile" else "ladder+golden"
    else:
        grid = lo[:, None] + (hi - lo)[:, None] * np.linspace(0.0, 1.0, grid_points)[None, :]
        g = f(grid)
        k = np.argmax(g, axis=1)
        rows = np.arange(game.n)
        a, b = grid[rows, np.maximum(k - 1, 0)], grid[rows, np.minimum(k + 1, grid_points - 1)]
        x_star = _golden(f, a, b, iterations)
        x = np.concatenate([np.stack([lo, hi, s, x_star], axis=1), grid], axis=1)
        v = f(x)
        current = v[:, 2]
        upper = np.max(v, axis=1)
        search, m = "grid+golden", grid_points
    best = np.argmax(v, axis=1)
    rows = np.arange(game.n)
    ranges = _spread(ends, v[rows, best], current)
    scale = np.maximum(np.abs(v[rows, best]), np.where(np.isfinite(current), np.abs(current), 0.0))
    rounding = 128.0 * np.finfo(float).eps * scale
    return BestResponses(x[rows, best], v[rows, best], current, np.maximum(upper, v[rows, best]), ranges, rounding,
                         search, m)


def _spread(ends: np.ndarray, best: np.ndarray, current: np.ndarray) -> np.ndarray:
    """max |value - current| over the box's ends and the best value, finite values only."""
    with np.errstate(invalid="ignore"):
        d = np.abs(np.concatenate([ends, best[:, None]], axis=1) - current[:, None])
    return np.max(np.where(np.isfinite(d), d, 0.0), axis=1)


@dataclass(frozen=True)
class BestResponseCycle(Serializable):
    """Evidence of non-existence: sequential best responses that return to a visited profile.

    ``profiles[t]`` is the profile before move t, ``movers[t]`` the player who moves, and
    ``gains[t] > 0`` that player's utility gain; ``profiles[-1]`` equals ``profiles[0]``.
    """

    profiles: np.ndarray
    movers: tuple[int, ...]
    gains: np.ndarray


def best_response_cycle(
    game: ContinuousGame,
    start: np.ndarray,
    *,
    tol: float,
    max_rounds: int = 200,
    decimals: int = 7,
) -> tuple[np.ndarray | None, BestResponseCycle | None]:
    """Sequential (Gauss-Seidel) global best responses from ``start``.

    Returns ``(fixed_point, None)`` when a full round moves no player by more than ``tol`` times
    the game's utility scale, ``(None, cycle)`` when a profile recurs with the same player to move, and
    ``(None, None)`` when neither happens within ``max_rounds``.
    """
    s = game.project(np.asarray(start, dtype=float))
    seen: dict[tuple, int] = {}
    history: list[tuple[np.ndarray, int, float]] = []
    for _ in range(max_rounds):
        moved = False
        for i in range(game.n):
            key = (i, tuple(np.round(s, decimals)))
            if key in seen:
                cyc = history[seen[key]:]
                profiles = np.array([p for p, _, _ in cyc] + [s])
                return None, BestResponseCycle(profiles, tuple(m for _, m, _ in cyc), np.array([g for _, _, g in cyc]))
            br = global_best_responses(game, s)
            gain = float(br.gains[i])
            if gain > tol * float(np.max(br.ranges)) + float(br.rounding[i]):
                seen[key] = len(history)
                history.append((s.copy(), i, gain))
                s = s.copy()
                s[i] = br.actions[i]
                moved = True
        if not moved:
            return s, None
    return None, None
