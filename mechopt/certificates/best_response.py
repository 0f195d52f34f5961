"""Global best responses in each player's own action, by search on utility values only.

Used by the Nash certificate and by the best-response cycle search, independently of the
equilibrium solvers (no derivatives are used).

Three searches, by what the game states about u_i(., s_-i):

- concave (closed form, or declared): the gain is bounded *above* by chords.  A concave function
  lies below every chord's extension outside the chord, so values at sorted points x_0 < ... < x_m
  bound max f on [x_j, x_j+1] by the lower envelope of the extensions of the chords (x_j-1, x_j)
  and (x_j+1, x_j+2).  Points form a geometric ladder around a centre whose innermost rung h is
  set from the curvature k at the point and the rounding d of a value, h = sqrt(3 d / |k|): the
  chords' overshoot k h^2 / 3 is then about d, so at an equilibrium the bound is as tight as
  rounding allows.  A short ladder (rungs h, 4h) at the profile first; where it does not prove
  the gain below ``tol`` times the utility scale, a long one (rungs from h to a quarter of the
  box) at the profile, then one around the maximizer a golden-section search finds.  For a
  declared (not closed-form) concavity every value sampled (the ladders and a 257-point grid) is
  checked for concavity; a contradiction is returned as a counterexample and the declaration is
  not relied on;
- a declared Lipschitz constant L: a 257-point grid, refined by golden section in the best cell,
  then cells whose bound (f_a + f_b)/2 + L w/2 exceeds the target are bisected (Piyavskii) until
  none does or the evaluation budget is spent.  Every pair of samples is checked against L; a
  violation is returned as a counterexample and L is not relied on;
- otherwise: the grid refined by golden section finds the global maximum up to the grid's
  resolution, and the gain reported is the one found (sampling: evidence, not a bound).

Rounding: each value f is taken to carry at most 64 eps |f| (a model of floating-point error, not
interval arithmetic), allowed for wherever a bound or a check uses values.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from mechopt.games.base import ContinuousGame
from mechopt.core.serialization import Serializable

GOLDEN_ITERATIONS = 64
GRID_POINTS = 257
VALUE_ROUNDING = 64.0 * np.finfo(float).eps
"""Relative rounding error allowed for one utility value in bounds and checks."""
SHORT_RUNG = 1e-6
"""Innermost rung (relative to the box) where the curvature does not set one."""
SHORT_LADDER = np.array([4e-6, 1e-6])
"""Offsets (relative to the box) of the first, cheap ladder when the curvature does not set them."""
MIN_RUNG = 4e-9
"""Smallest rung relative to the box (its chords stay above ``concave_upper_bound``'s min_chord)."""
LONG_RUNGS = 16
"""Rungs per side of the long ladder, geometric from a quarter of the box to the innermost rung."""
LONG_LADDER = 4.0 ** -np.arange(1, 13)
"""Offsets of the long ladder when the curvature does not set the innermost rung."""
CHECK_MIN_WIDTH = 1e-6
"""Chords shorter than this fraction of the box are left out of the checks of declarations."""
LIPSCHITZ_EVALUATIONS = 1 << 14
"""Most utility values per player the Lipschitz search takes."""
BLOCK_ROWS = 16384
"""Rows per block in :func:`concave_upper_bound` (its temporaries then stay in cache)."""
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
    (smallest first), hi, clipped into the box: sorted row-wise for offsets decreasing along the
    last axis (one row of offsets for every player, or one per player)."""
    h = (hi - lo)[:, None] * np.broadcast_to(offsets, (lo.size, offsets.shape[-1]))
    c = centre[:, None]
    x = np.concatenate([lo[:, None], c - h, c, c + h[:, ::-1], hi[:, None]], axis=1)
    return np.clip(x, lo[:, None], hi[:, None])


def inner_rung(lo: np.ndarray, hi: np.ndarray, centre: np.ndarray, curvature: np.ndarray | None,
               values: np.ndarray | None) -> np.ndarray:
    """Innermost ladder rung relative to the box: sqrt(3 d / |k|) for the curvature k < 0 at the
    centre and the rounding d = 64 eps |u| of its value (the chords' overshoot k h^2 / 3 then
    equals d), at most :data:`SHORT_RUNG`, at least :data:`MIN_RUNG` (chords shorter than 1e-9 of
    the box are not extended) and 1000 eps times the centre's magnitude."""
    width = hi - lo
    rung = np.full(lo.shape, SHORT_RUNG)
    if curvature is not None and values is not None:
        with np.errstate(all="ignore"):
            h = np.sqrt(3.0 * VALUE_ROUNDING * np.abs(values) / -curvature) / width
        rung = np.where(np.isfinite(h) & (curvature < 0), np.minimum(h, SHORT_RUNG), rung)
    floor = 1e3 * np.finfo(float).eps * np.maximum.reduce([np.abs(centre), np.abs(lo), np.abs(hi)]) / width
    return np.maximum(rung, np.maximum(floor, MIN_RUNG))


def concave_upper_bound(x: np.ndarray, f: np.ndarray, min_chord: float = 1e-9) -> np.ndarray:
    """Upper bound on the max of a concave function over [x[:, 0], x[:, -1]] from its values f
    at the row-wise sorted points x; inf where the points do not determine one.

    On [x_j, x_j+1] the function lies below the extensions L of the chord (x_j-1, x_j) and R of
    (x_j+1, x_j+2).  min(L, R) peaks at an end, where it is at most f_j or f_j+1 (L(x_j) = f_j,
    R(x_j+1) = f_j+1), or where L and R cross; with one chord only, at an end of that line.
    Rounding: each value f_k carries at most 64 eps |f_k|, and extending a chord of width w by t
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
    err = VALUE_ROUNDING * np.where(np.isfinite(ft), np.abs(ft), 0.0)
    chord_err = np.maximum(err[:-1], err[1:])  # of chord j's values
    pad = np.full((1, xt.shape[1]), np.nan)
    sl, sr = np.concatenate([pad, slope[:-1]]), np.concatenate([slope[1:], pad])
    wl, wr = np.concatenate([pad, width[:-1]]), np.concatenate([width[1:], pad])
    el, er = np.concatenate([pad, chord_err[:-1]]), np.concatenate([chord_err[1:], pad])
    xa, xb, fa, fb = xt[:-1], xt[1:], ft[:-1], ft[1:]
    has_l, has_r = ~np.isnan(sl), ~np.isnan(sr)
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        bound = np.fmax(fa + err[:-1], fb + err[1:])
        cross = (fb - fa + sl * xa - sr * xb) / (sl - sr)
        inside = has_l & has_r & (cross > xa) & (cross < xb)
        at_cross = fa + sl * (cross - xa) + el * (1.0 + 2.0 * (cross - xa) / wl) + er * (1.0 + 2.0 * (xb - cross) / wr)
        bound = np.where(inside, np.fmax(bound, at_cross), bound)
        only_l = fa + sl * width + el * (1.0 + 2.0 * width / wl)
        bound = np.where(has_l & ~has_r, np.fmax(bound, only_l), bound)
        only_r = fb - sr * width + er * (1.0 + 2.0 * width / wr)
        bound = np.where(has_r & ~has_l, np.fmax(bound, only_r), bound)
        bound = np.where(has_l | has_r | (width == 0), bound, np.inf)
    return np.max(bound, axis=0)


@dataclass(frozen=True)
class Counterexample(Serializable):
    """Sampled values of one player's u_i(., s_-i) that contradict a declaration: ``claim`` is
    "concave" (two chords whose slopes increase beyond rounding) or "lipschitz" (one chord whose
    slope exceeds L_i beyond rounding)."""

    claim: str
    player: int
    x: np.ndarray
    values: np.ndarray


def _row_rounding(f: np.ndarray) -> np.ndarray:
    """64 eps max |f| over each row's finite values: the rounding allowed for in the checks of
    declarations (conservative: a value near 0 may be the difference of large terms)."""
    return VALUE_ROUNDING * np.max(np.where(np.isfinite(f), np.abs(f), 0.0), axis=1, keepdims=True)


def concavity_counterexample(x: np.ndarray, f: np.ndarray, min_width: float = CHECK_MIN_WIDTH) -> Counterexample | None:
    """Sorted samples (rows: players) that contradict concavity: chords (a, b), (c, d) with
    b <= c (three points when b = c), each at least ``min_width`` of the row's range long, whose slopes increase by more
    than their rounding errors (:func:`_row_rounding`); None if there are none."""
    width = np.diff(x, axis=1)
    err = _row_rounding(f)
    with np.errstate(all="ignore"):
        slope = np.diff(f, axis=1) / width
        slope_err = 2.0 * err / width
    usable = (width > 0) & (width >= min_width * (x[:, -1:] - x[:, :1])) & np.isfinite(slope) & np.isfinite(slope_err)
    cols = np.arange(width.shape[1])
    last = np.maximum.accumulate(np.where(usable, cols, -1), axis=1)  # last usable chord <= j
    prev = np.concatenate([np.full((x.shape[0], 1), -1), last[:, :-1]], axis=1)  # last usable < j
    has_prev = usable & (prev >= 0)
    p = np.maximum(prev, 0)
    rows = np.arange(x.shape[0])[:, None]
    with np.errstate(all="ignore"):
        excess = slope - slope[rows, p] - slope_err - slope_err[rows, p]
    bad = has_prev & (excess > 0)
    if not bad.any():
        return None
    i, j = np.unravel_index(int(np.argmax(np.where(bad, excess, -np.inf))), bad.shape)
    k = int(p[i, j])
    idx = [k, j, j + 1] if k + 1 == j else [k, k + 1, j, j + 1]
    return Counterexample("concave", int(i), x[i, idx].copy(), f[i, idx].copy())


def _sorted(x: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(x, axis=1, kind="stable")
    return np.take_along_axis(x, order, axis=1), np.take_along_axis(v, order, axis=1)


@dataclass(frozen=True)
class BestResponses(Serializable):
    """For each player: the best own action found, its utility, the utility at the profile, and
    an upper bound on max_x u_i(x, s_-i) (under concavity for the "ladder" searches, under the
    Lipschitz constant for "lipschitz"; the best value found for "grid+golden")."""

    actions: np.ndarray
    values: np.ndarray
    current: np.ndarray
    upper: np.ndarray
    ranges: np.ndarray
    """The utility scale tolerances are relative to: the median of |u_i(x, s_-i) - u_i(s)| over x
    at the box's ends and quartiles, or the gain found if larger (:func:`_spread`).  Unchanged by
    adding a constant to u_i, multiplied by c when u_i is; not inflated by a singular end."""
    rounding: np.ndarray
    """What rounding alone puts into a gain: 128 eps times |u_i| at the point and at the best
    response (values far away, e.g. near a singularity, do not loosen it)."""
    search: str
    grid_points: int
    counterexample: Counterexample | None = None
    """Samples contradicting the declared concavity or Lipschitz constant (then not relied on)."""

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
    curvature: np.ndarray | None = None,
    check_concavity: bool = False,
    lipschitz: np.ndarray | None = None,
) -> BestResponses:
    """max over x in [lower_i, upper_i] of u_i(x, s_-i), for every player i at once.

    ``concave`` (default: the game's declaration) selects the chord bounds; ``curvature`` (the
    own second difference at s, as from :func:`mechopt.certificates.nash.own_curvature`) sets
    the ladder's innermost rung; the long ladders and the golden-section search run only where
    the short ladder does not bound every gain by ``tol`` times the spread of the values seen.
    ``check_concavity`` samples a grid as well and tests every value for concavity: a
    contradiction is returned as ``counterexample`` and the search becomes a grid search.
    ``lipschitz`` (one constant per player) makes the grid search a rigorous bound under it."""
    s = np.asarray(s, dtype=float)
    concave = game.own_concave if concave is None else concave
    lo, hi = game.lower, game.upper
    counter = None

    def f(x: np.ndarray) -> np.ndarray:
        with np.errstate(all="ignore"):
            v = np.asarray(game.deviation_utilities(s, x), dtype=float)
        if not v.flags.writeable:
            v = v.copy()
        v[np.isnan(v)] = -np.inf
        return v

    ends = f(lo[:, None] + (hi - lo)[:, None] * np.linspace(0.0, 1.0, 5)[None, :])  # ends and quartiles
    x = v = g = None
    # n x grid_points: built only where a grid is searched (2 GB at n = 10^6 on the concave path)
    grid = None if concave and not check_concavity else \
        lo[:, None] + (hi - lo)[:, None] * np.linspace(0.0, 1.0, grid_points)[None, :]
    if concave:
        x, v, current, upper, search = _concave_search(f, lo, hi, s, ends, tol, iterations, curvature)
        if check_concavity:
            g = f(grid)
            xs, vs = _sorted(np.concatenate([x, grid], axis=1), np.concatenate([v, g], axis=1))
            counter = concavity_counterexample(xs, vs)
            if counter is None:
                x, v = xs, vs
                upper = np.minimum(upper, concave_upper_bound(xs, vs))
            else:
                concave = False
    if not concave:
        if grid is None:
            grid = lo[:, None] + (hi - lo)[:, None] * np.linspace(0.0, 1.0, grid_points)[None, :]
        g = f(grid) if g is None else g
        k = np.argmax(g, axis=1)
        rows = np.arange(game.n)
        a, b = grid[rows, np.maximum(k - 1, 0)], grid[rows, np.minimum(k + 1, grid_points - 1)]
        x_star = _golden(f, a, b, iterations)
        # the box's ends first: ties (a flat best response) go to a bound, as the grid finds it
        xg = np.concatenate([grid[:, [0, -1]], np.stack([s, x_star], axis=1), grid], axis=1)
        vg = np.concatenate([g[:, [0, -1]], f(xg[:, 2:4]), g], axis=1)
        current = vg[:, 2]
        if x is not None:  # keep the values of the abandoned concave search
            xg, vg = np.concatenate([xg, x], axis=1), np.concatenate([vg, v], axis=1)
        x, v = xg, vg
        upper = np.max(v, axis=1)
        search = "grid+golden"
        if lipschitz is not None:
            L = np.broadcast_to(np.asarray(lipschitz, dtype=float), (game.n,))
            x, v, lip_upper, lip_counter = _lipschitz_search(f, x, v, current, L, ends, tol)
            if lip_counter is None:
                upper, search = np.maximum(lip_upper, upper), "lipschitz"
            counter = counter or lip_counter
    best = np.argmax(v, axis=1)
    rows = np.arange(game.n)
    ranges = _spread(ends, v[rows, best], current)
    scale = np.maximum(np.abs(v[rows, best]), np.where(np.isfinite(current), np.abs(current), 0.0))
    rounding = 128.0 * np.finfo(float).eps * scale
    return BestResponses(x[rows, best], v[rows, best], current, np.maximum(upper, v[rows, best]), ranges, rounding,
                         search, 0 if search.startswith("ladder") else grid_points, counter)


def _concave_search(f: Callable[[np.ndarray], np.ndarray], lo: np.ndarray, hi: np.ndarray, s: np.ndarray,
                    ends: np.ndarray, tol: float, iterations: int, curvature: np.ndarray | None):  # type: ignore[no-untyped-def]
    """The chord bounds of the module doc: short ladder, long ladder, golden centre."""
    current = f(s[:, None])[:, 0]
    rung = inner_rung(lo, hi, s, curvature, current)
    x = _ladder(lo, hi, s, np.stack([4.0 * rung, rung], axis=1))
    v = f(x)
    upper = concave_upper_bound(x, v)
    search = "ladder"
    long = 0.25 * (rung[:, None] / 0.25) ** (np.arange(LONG_RUNGS) / (LONG_RUNGS - 1.0))[None, :]
    for centre in ("profile", "golden"):
        if not np.any(upper - current > tol * np.max(_spread(ends, np.max(v, axis=1), current))):
            break
        c = s if centre == "profile" else _golden(f, lo, hi, iterations)
        x2 = _ladder(lo, hi, c, long)
        v2 = f(x2)
        upper = np.minimum(upper, concave_upper_bound(x2, v2))
        x, v = np.concatenate([x, x2], axis=1), np.concatenate([v, v2], axis=1)
        search = "ladder" if centre == "profile" else "ladder+golden"
    return x, v, current, upper, search


def _lipschitz_search(f: Callable[[np.ndarray], np.ndarray], x: np.ndarray, v: np.ndarray, current: np.ndarray,
                      L: np.ndarray, ends: np.ndarray, tol: float):  # type: ignore[no-untyped-def]
    """Piyavskii bisection under |u_i(x) - u_i(y)| <= L_i |x - y|: on a cell [a, b] u_i is at most
    (f_a + f_b)/2 + L_i (b - a)/2 (plus rounding).  Cells above current + tol * scale are halved
    until none is or :data:`LIPSCHITZ_EVALUATIONS` values are spent.  Returns the samples, the
    bound on max u_i, and a counterexample if two samples violate L_i beyond rounding."""
    n = x.shape[0]
    xs, vs = _sorted(x, v)
    target = tol * float(np.max(_spread(ends, np.max(vs, axis=1), current)))
    upper = np.full(n, -np.inf)
    for _ in range(64):
        width = np.diff(xs, axis=1)
        e = _row_rounding(vs)
        with np.errstate(all="ignore"):
            jump = np.abs(np.diff(vs, axis=1)) - L[:, None] * width - 2.0 * e
            cell = 0.5 * (vs[:, :-1] + vs[:, 1:]) + 0.5 * L[:, None] * width + e
        finite = np.isfinite(vs[:, :-1]) & np.isfinite(vs[:, 1:])
        bad = finite & (jump > 0)
        if bad.any():
            i, j = np.unravel_index(int(np.argmax(np.where(bad, jump, -np.inf))), bad.shape)
            return xs, vs, upper, Counterexample("lipschitz", int(i), xs[i, j:j + 2].copy(), vs[i, j:j + 2].copy())
        cell = np.where(finite, cell, np.where(width > 0, np.inf, -np.inf))
        upper = np.max(cell, axis=1, initial=-np.inf)
        split = (cell > current[:, None] + target) & (width > 0)
        room = LIPSCHITZ_EVALUATIONS - xs.shape[1]
        if not split.any() or room <= 0:
            break
        m = min(int(np.max(np.sum(split, axis=1))), room)
        # the m highest cells of each row that need it (others repeat the row's first point)
        order = np.argsort(-np.where(split, cell, -np.inf), axis=1)[:, :m]
        chosen = np.take_along_axis(split, order, axis=1)
        mids = 0.5 * (np.take_along_axis(xs[:, :-1], order, axis=1) + np.take_along_axis(xs[:, 1:], order, axis=1))
        mids = np.where(chosen, mids, xs[:, :1])
        xs, vs = _sorted(np.concatenate([xs, mids], axis=1), np.concatenate([vs, f(mids)], axis=1))
    return xs, vs, upper, None


def _spread(probes: np.ndarray, best: np.ndarray, current: np.ndarray) -> np.ndarray:
    """The utility scale of each player: the median of |value - current| over the probes (the box's
    ends and quartiles) with finite differences, or |best - current| if larger (0 where nothing is
    finite).  The median keeps a singular end (u -> -inf as the total tends to 0, or a huge finite
    value next to it) from making the scale, and with it the tolerance, arbitrarily large."""
    with np.errstate(invalid="ignore"):
        d = np.abs(probes - current[:, None])
        top = np.abs(best - current)
    d = np.sort(np.where(np.isfinite(d), d, np.inf), axis=1)  # non-finite last
    k = np.sum(np.isfinite(d), axis=1)
    rows = np.arange(d.shape[0])
    lo, hi = d[rows, np.maximum(k - 1, 0) // 2], d[rows, np.minimum(k // 2, d.shape[1] - 1)]
    med = np.where(k > 0, 0.5 * (lo + hi), 0.0)
    return np.fmax(med, np.where(np.isfinite(top), top, 0.0))


@dataclass(frozen=True)
class BestResponseCycle(Serializable):
    """Sequential best responses that return to a visited profile: a diagnostic of why no
    equilibrium was found from a start, never a proof that none exists.

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
    br = None  # the search depends on s only: redone after a move
    for _ in range(max_rounds):
        moved = False
        for i in range(game.n):
            key = (i, tuple(np.round(s, decimals)))
            if key in seen:
                cyc = history[seen[key]:]
                profiles = np.array([p for p, _, _ in cyc] + [s])
                return None, BestResponseCycle(profiles, tuple(m for _, m, _ in cyc), np.array([g for _, _, g in cyc]))
            if br is None:
                br = global_best_responses(game, s)
            gain = float(br.gains[i])
            if gain > tol * float(np.max(br.ranges)) + float(br.rounding[i]):
                seen[key] = len(history)
                history.append((s.copy(), i, gain))
                s = s.copy()
                s[i] = br.actions[i]
                br, moved = None, True
        if not moved:
            return s, None
    return None, None
