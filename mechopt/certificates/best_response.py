"""Global best responses in each player's own action, by search on utility values only.

Used by the Nash certificate (and by the solvers' best-response searches), independently of the
equilibrium solvers (no derivatives are used).

Lengths and tolerances never depend on the size of the action box beyond where the answer lives:
steps are relative to each player's length scale (:func:`length_scale`: the action's own
magnitude, else the profile's), and a gain is judged relative to the utilities at the point and at
the best response (:attr:`BestResponses.scales`), so widening a box that the answer does not
touch changes no verdict.

Three searches, by what the game states about u_i(., s_-i):

- concave (closed form, or declared): the gain is bounded *above* by chords.  A concave function
  lies below every chord's extension outside the chord, so values at sorted points x_0 < ... < x_m
  bound max f on [x_j, x_j+1] by the lower envelope of the extensions of the chords (x_j-1, x_j)
  and (x_j+1, x_j+2).  Points form a geometric ladder around a centre whose innermost rung h is
  set from the curvature k at the point and the rounding d of a value, h = sqrt(3 d / |k|): the
  chords' overshoot k h^2 / 3 is then about d, so at an equilibrium the bound is as tight as
  rounding allows.  A short ladder (rungs h, 4h) at the profile first; where it does not prove
  the gain below ``tol`` times the player's scale, a long one (rungs h 4^k out to the box's ends)
  at the profile, then one around the maximizer a golden-section search finds.  For a declared
  (not closed-form) concavity every value sampled (the ladders and a 257-point grid) is checked
  for concavity; a contradiction is returned as a counterexample and the declaration is not
  relied on;
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
"""Fewest golden-section steps; more are taken until the bracket is as short as the innermost rung."""
MAX_GOLDEN_ITERATIONS = 400
GRID_POINTS = 257
VALUE_ROUNDING = 64.0 * np.finfo(float).eps
"""Relative rounding error allowed for one utility value in bounds and checks."""
SHORT_RUNG = 1e-6
"""Innermost rung (relative to the player's length scale) where the curvature does not set one."""
MIN_RUNG = 4e-9
"""Smallest rung relative to the length scale (its chords stay above ``concave_upper_bound``'s min_chord)."""
RUNG_RATIO = 4.0
"""Ratio of consecutive rungs of the long ladder, which runs from the innermost rung to the box's ends."""
MAX_RUNGS = 64
"""Most rungs per side of the long ladder (4^64 spans every ratio of float lengths that matters)."""
PROFILE_FRACTION = 1e-3
"""A player at 0 takes this fraction of the profile's largest |s_j| as its length scale."""
CHECK_MIN_WIDTH = 1e-6
"""Chords shorter than this fraction of the player's length scale are left out of the checks of
declarations."""
LIPSCHITZ_EVALUATIONS = 1 << 14
"""Most utility values per player the Lipschitz search takes."""
BLOCK_ROWS = 16384
"""Rows per block in :func:`concave_upper_bound` (its temporaries then stay in cache)."""
_INV_PHI = (np.sqrt(5.0) - 1.0) / 2.0


def golden_iterations(width: np.ndarray, resolution: np.ndarray, least: int = GOLDEN_ITERATIONS) -> int:
    """Golden-section steps that shrink a bracket of ``width`` to ``resolution`` (at least ``least``)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        need = np.log(np.maximum(width / resolution, 1.0)) / -np.log(_INV_PHI)
    need = need[np.isfinite(need)]
    return int(min(max(least, int(np.ceil(np.max(need, initial=0.0)))), MAX_GOLDEN_ITERATIONS))


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


def length_scale(lo: np.ndarray, hi: np.ndarray, s: np.ndarray) -> np.ndarray:
    """The length each player's steps are relative to: |s_i| (at 0, :data:`PROFILE_FRACTION` of
    the profile's largest |s_j|), at most the box's width; the width when the profile is all 0.
    It does not grow with the box beyond where the profile lives."""
    width = hi - lo
    top = float(np.max(np.abs(s), initial=0.0))
    if top == 0.0:
        return width
    return np.minimum(width, np.maximum(np.abs(s), PROFILE_FRACTION * top))


def _ladder(lo: np.ndarray, hi: np.ndarray, centre: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Points lo, centre - offsets (largest first), centre, centre + offsets (smallest first), hi,
    clipped into the box: sorted row-wise for offsets (absolute lengths, one row per player)
    decreasing along the last axis."""
    h = np.broadcast_to(offsets, (lo.size, offsets.shape[-1]))
    c = centre[:, None]
    x = np.concatenate([lo[:, None], c - h, c, c + h[:, ::-1], hi[:, None]], axis=1)
    return np.clip(x, lo[:, None], hi[:, None])


def inner_rung(scale: np.ndarray, centre: np.ndarray, curvature: np.ndarray | None,
               values: np.ndarray | None) -> np.ndarray:
    """Innermost ladder rung (a length): sqrt(3 d / |k|) for the curvature k < 0 at the centre and
    the rounding d = 64 eps |u| of its value (the chords' overshoot k h^2 / 3 then equals d), at
    most :data:`SHORT_RUNG` and at least :data:`MIN_RUNG` times the length ``scale``, and at least
    1000 eps times the centre's magnitude."""
    rung = SHORT_RUNG * scale
    if curvature is not None and values is not None:
        with np.errstate(all="ignore"):
            h = np.sqrt(3.0 * VALUE_ROUNDING * np.abs(values) / -curvature)
        rung = np.where(np.isfinite(h) & (curvature < 0), np.minimum(h, rung), rung)
    floor = np.maximum(1e3 * np.finfo(float).eps * np.abs(centre), MIN_RUNG * scale)
    return np.maximum(rung, floor)


def long_rungs(inner: np.ndarray, width: np.ndarray) -> np.ndarray:
    """Rungs inner * 4^k out to the box's width, one row per player, largest first (rows padded
    with the width, whose points clip to the box's ends)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        count = np.ceil(np.log(np.maximum(width / inner, 1.0)) / np.log(RUNG_RATIO)).astype(int)
    k = int(min(max(int(np.max(count, initial=1)), 1), MAX_RUNGS))
    rungs = inner[:, None] * RUNG_RATIO ** np.arange(k + 1)[None, :]
    return np.minimum(rungs, width[:, None])[:, ::-1]


def concave_upper_bound(x: np.ndarray, f: np.ndarray, min_chord: np.ndarray | float = 0.0) -> np.ndarray:
    """Upper bound on the max of a concave function over [x[:, 0], x[:, -1]] from its values f
    at the row-wise sorted points x; inf where the points do not determine one.

    On [x_j, x_j+1] the function lies below the extensions L of the chord (x_j-1, x_j) and R of
    (x_j+1, x_j+2).  min(L, R) peaks at an end, where it is at most f_j or f_j+1 (L(x_j) = f_j,
    R(x_j+1) = f_j+1), or where L and R cross; with one chord only, at an end of that line.
    Rounding: each value f_k carries at most 64 eps |f_k|, and extending a chord of width w by t
    multiplies its values' errors by at most 1 + 2 t / w, allowed for at each candidate peak.
    Chords shorter than ``min_chord`` (a length, one per row or for all) are not extended.
    """
    rows = x.shape[0]
    shortest = np.broadcast_to(np.asarray(min_chord, dtype=float), (rows,))
    return np.concatenate([_upper_bound_block(x[i:i + BLOCK_ROWS], f[i:i + BLOCK_ROWS], shortest[i:i + BLOCK_ROWS])
                           for i in range(0, rows, BLOCK_ROWS)]) if rows else np.empty(0)


def _upper_bound_block(x: np.ndarray, f: np.ndarray, min_chord: np.ndarray) -> np.ndarray:
    """:func:`concave_upper_bound` on a block of rows small enough to stay in cache."""
    xt, ft = np.ascontiguousarray(x.T), np.ascontiguousarray(f.T)
    width = np.diff(xt, axis=0)  # interval / chord j: (x_j, x_j+1)
    with np.errstate(divide="ignore", invalid="ignore"):
        slope = np.diff(ft, axis=0) / width
    usable = (width > 0) & (width >= min_chord[None, :]) & np.isfinite(slope)
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


def _chord_rounding(f: np.ndarray) -> np.ndarray:
    """64 eps max(|f_a|, |f_b|) for each chord of the sorted samples: the rounding of its values
    allowed for in the checks of declarations."""
    a = np.where(np.isfinite(f), np.abs(f), 0.0)
    return VALUE_ROUNDING * np.maximum(a[:, :-1], a[:, 1:])


def concavity_counterexample(x: np.ndarray, f: np.ndarray, min_width: np.ndarray | float = 0.0) -> Counterexample | None:
    """Sorted samples (rows: players) that contradict concavity: chords (a, b), (c, d) with
    b <= c (three points when b = c), each at least ``min_width`` long (a length, per row or for
    all), whose slopes increase by more than their rounding errors (:func:`_chord_rounding`);
    None if there are none."""
    width = np.diff(x, axis=1)
    shortest = np.broadcast_to(np.asarray(min_width, dtype=float), (x.shape[0],))[:, None]
    with np.errstate(all="ignore"):
        slope = np.diff(f, axis=1) / width
        slope_err = 2.0 * _chord_rounding(f) / width
    usable = (width > 0) & (width >= shortest) & np.isfinite(slope) & np.isfinite(slope_err)
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
    scales: np.ndarray
    """The utility scale a gain is judged against (:func:`utility_scales`): the largest of |u_i| at
    the point and at the best response, the game's magnitude of u_i's terms at s (when it has
    one), and how much u_i varies over the magnitude of the actions (:func:`local_variation`).
    Multiplied by c when u_i is; not changed by widening the box beyond the point and the best
    response."""
    rounding: np.ndarray
    """What rounding alone puts into a gain: 128 eps times the scale."""
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


def utility_scales(magnitude: np.ndarray, current: np.ndarray, best: np.ndarray) -> np.ndarray:
    """max(magnitude_i, |u_i(s)|, |best_i|) over the finite ones (0 where none is); ``magnitude``
    holds the game's terms and the local variation (:func:`local_variation`)."""
    parts = np.stack([magnitude, current, best])
    return np.max(np.where(np.isfinite(parts), np.abs(parts), 0.0), axis=0)


def local_variation(f: Callable[[np.ndarray], np.ndarray], lo: np.ndarray, hi: np.ndarray, s: np.ndarray,
                    current: np.ndarray) -> np.ndarray:
    """max |u_i(x) - u_i(s)| over x = s_i -+ h_i (in the box), h_i = |s_i| / 2, or for a player at
    0 :data:`PROFILE_FRACTION` of the profile's largest |s_j|: how much u_i varies over the
    magnitude of the actions where the answer lives (0 when every action is 0), never over the
    box's size."""
    top = float(np.max(np.abs(s), initial=0.0))
    h = np.where(s != 0, 0.5 * np.abs(s), PROFILE_FRACTION * top)
    x = np.clip(np.stack([s - h, s + h], axis=1), lo[:, None], hi[:, None])
    with np.errstate(invalid="ignore"):
        d = np.abs(f(x) - current[:, None])
    return np.max(np.where(np.isfinite(d), d, 0.0), axis=1)


def global_best_responses(
    game: ContinuousGame,
    s: np.ndarray,
    *,
    concave: bool | None = None,
    grid_points: int = GRID_POINTS,
    tol: float = 0.0,
    curvature: np.ndarray | None = None,
    check_concavity: bool = False,
    lipschitz: np.ndarray | None = None,
) -> BestResponses:
    """max over x in [lower_i, upper_i] of u_i(x, s_-i), for every player i at once.

    ``concave`` (default: the game's declaration) selects the chord bounds; ``curvature`` (the
    own second difference at s, as from :func:`mechopt.certificates.nash.own_curvature`) sets
    the ladder's innermost rung; the long ladders and the golden-section search run only where
    the short ladder does not bound every gain by ``tol`` times the player's utility scale.
    ``check_concavity`` samples a grid as well and tests every value for concavity: a
    contradiction is returned as ``counterexample`` and the search becomes a grid search.
    ``lipschitz`` (one constant per player) makes the grid search a rigorous bound under it."""
    s = np.asarray(s, dtype=float)
    concave = game.own_concave if concave is None else concave
    lo, hi = game.lower, game.upper
    ell = length_scale(lo, hi, s)
    counter = None

    def f(x: np.ndarray) -> np.ndarray:
        with np.errstate(all="ignore"):
            v = np.asarray(game.deviation_utilities(s, x), dtype=float)
        if not v.flags.writeable:
            v = v.copy()
        v[np.isnan(v)] = -np.inf
        return v

    with np.errstate(all="ignore"):
        magnitude = np.fmax(np.asarray(game.utility_magnitudes(s), dtype=float),
                            local_variation(f, lo, hi, s, f(s[:, None])[:, 0]))
    x = v = g = None
    # n x grid_points: built only where a grid is searched (2 GB at n = 10^6 on the concave path)
    grid = None if concave and not check_concavity else \
        lo[:, None] + (hi - lo)[:, None] * np.linspace(0.0, 1.0, grid_points)[None, :]
    if concave:
        x, v, current, upper, search = _concave_search(f, lo, hi, s, ell, magnitude, tol, curvature)
        if check_concavity:
            g = f(grid)
            xs, vs = _sorted(np.concatenate([x, grid], axis=1), np.concatenate([v, g], axis=1))
            counter = concavity_counterexample(xs, vs, CHECK_MIN_WIDTH * ell)
            if counter is None:
                x, v = xs, vs
                upper = np.minimum(upper, concave_upper_bound(xs, vs, MIN_CHORD * ell))
            else:
                concave = False
    if not concave:
        if grid is None:
            grid = lo[:, None] + (hi - lo)[:, None] * np.linspace(0.0, 1.0, grid_points)[None, :]
        g = f(grid) if g is None else g
        k = np.argmax(g, axis=1)
        rows = np.arange(game.n)
        a, b = grid[rows, np.maximum(k - 1, 0)], grid[rows, np.minimum(k + 1, grid_points - 1)]
        x_star = _golden(f, a, b, golden_iterations(b - a, MIN_RUNG * ell))
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
            target = tol * utility_scales(magnitude, current, upper)
            x, v, lip_upper, lip_counter = _lipschitz_search(f, x, v, current, L, target)
            if lip_counter is None:
                upper, search = np.maximum(lip_upper, upper), "lipschitz"
            counter = counter or lip_counter
    best = np.argmax(v, axis=1)
    rows = np.arange(game.n)
    scales = utility_scales(magnitude, current, v[rows, best])
    rounding = 128.0 * np.finfo(float).eps * scales
    return BestResponses(x[rows, best], v[rows, best], current, np.maximum(upper, v[rows, best]), scales, rounding,
                         search, 0 if search.startswith("ladder") else grid_points, counter)


MIN_CHORD = 1e-9
"""Chords shorter than this fraction of the player's length scale are not extended."""


def _concave_search(f: Callable[[np.ndarray], np.ndarray], lo: np.ndarray, hi: np.ndarray, s: np.ndarray,
                    ell: np.ndarray, magnitude: np.ndarray, tol: float, curvature: np.ndarray | None):  # type: ignore[no-untyped-def]
    """The chord bounds of the module doc: short ladder, long ladder, golden centre."""
    current = f(s[:, None])[:, 0]
    rung = inner_rung(ell, s, curvature, current)
    x = _ladder(lo, hi, s, np.stack([4.0 * rung, rung], axis=1))
    v = f(x)
    shortest = MIN_CHORD * ell
    upper = concave_upper_bound(x, v, shortest)
    search = "ladder"
    width = hi - lo
    for centre in ("profile", "golden"):
        if not np.any(upper - current > tol * utility_scales(magnitude, current, np.max(v, axis=1))):
            break
        if centre == "profile":
            c = s
        else:
            best = x[np.arange(x.shape[0]), np.argmax(v, axis=1)]
            c = _golden(f, lo, hi, golden_iterations(width, rung))
            c = np.where(f(c[:, None])[:, 0] >= np.max(v, axis=1), c, best)
        x2 = _ladder(lo, hi, c, long_rungs(rung, width))
        v2 = f(x2)
        upper = np.minimum(upper, concave_upper_bound(x2, v2, shortest))
        x, v = np.concatenate([x, x2], axis=1), np.concatenate([v, v2], axis=1)
        search = "ladder" if centre == "profile" else "ladder+golden"
    return x, v, current, upper, search


def _lipschitz_search(f: Callable[[np.ndarray], np.ndarray], x: np.ndarray, v: np.ndarray, current: np.ndarray,
                      L: np.ndarray, target: np.ndarray):  # type: ignore[no-untyped-def]
    """Piyavskii bisection under |u_i(x) - u_i(y)| <= L_i |x - y|: on a cell [a, b] u_i is at most
    (f_a + f_b)/2 + L_i (b - a)/2 (plus rounding).  Cells above current + target are halved
    until none is or :data:`LIPSCHITZ_EVALUATIONS` values are spent.  Returns the samples, the
    bound on max u_i, and a counterexample if two samples violate L_i beyond rounding."""
    n = x.shape[0]
    xs, vs = _sorted(x, v)
    upper = np.full(n, -np.inf)
    for _ in range(64):
        width = np.diff(xs, axis=1)
        e = _chord_rounding(vs)
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
        split = (cell > (current + target)[:, None]) & (width > 0)
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
