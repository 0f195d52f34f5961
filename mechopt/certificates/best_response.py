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
  rounding allows.  A short ladder (rungs h, 4h) at the profile first; for the players whose
  gain it does not prove below ``tol`` times their scale, a long one (rungs h 4^k out to the
  box's ends) at the profile, and for those still undecided one around the maximizer a
  golden-section search finds (a player's bound uses its own points only: any of its ladders'
  points with the box's ends are a valid set for the chord bound).  For a declared
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

Many players: a game that evaluates some players' deviations alone (a data-sharing game of
built-in families) is searched in blocks of :data:`BLOCK_ROWS` players, several at once on
threads (:func:`in_block_order`), so memory is a few vectors of n numbers plus a few blocks'
samples and time is linear in n (n = 10^6 in about 0.4 s); what players share is computed over
all of them first, so neither the blocks nor the threads change a number.
"""

from __future__ import annotations

import contextvars
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import TypeVar

import numba
import numpy as np

from mechopt.games.base import ContinuousGame
from mechopt.games.data_sharing import DataSharingGame
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
LIPSCHITZ_BLOCK = 256
"""Players per block of the Lipschitz search (up to LIPSCHITZ_EVALUATIONS values each)."""
BLOCK_ROWS = 16384
"""Players per block of the searches (:func:`global_best_responses`) and rows per block of
:func:`concave_upper_bound`: temporaries stay small (a few MB) whatever n is."""
BLOCK_THREADS = min(4, os.cpu_count() or 1)
"""Threads that search blocks of players at once (numpy's loops and the compiled bounds release
the GIL); the blocks' results are taken in order, so no number depends on the thread count."""
_INV_PHI = (np.sqrt(5.0) - 1.0) / 2.0

_Block = TypeVar("_Block")
_Out = TypeVar("_Out")


def in_block_order(work: Callable[[_Block], _Out], blocks: Iterable[_Block]) -> Iterator[_Out]:
    """work(b) for every block, on :data:`BLOCK_THREADS` threads, yielded in the blocks' order;
    at most one result per thread waits to be taken (memory stays a few blocks').  Each call
    runs in a copy of the caller's context, so numpy's error state is the caller's."""
    blocks = list(blocks)
    if BLOCK_THREADS < 2 or len(blocks) < 2:
        yield from map(work, blocks)
        return
    with ThreadPoolExecutor(BLOCK_THREADS) as pool:
        pending: deque = deque()
        for b in blocks:
            pending.append(pool.submit(contextvars.copy_context().run, work, b))
            if len(pending) > BLOCK_THREADS:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


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
    h = np.ascontiguousarray(np.broadcast_to(offsets, (lo.size, offsets.shape[-1])), dtype=float)
    return _ladder_points(np.ascontiguousarray(lo, dtype=float), np.ascontiguousarray(hi, dtype=float),
                          np.ascontiguousarray(centre, dtype=float), h)


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _ladder_points(lo: np.ndarray, hi: np.ndarray, centre: np.ndarray, h: np.ndarray) -> np.ndarray:
    """:func:`_ladder` in one pass: the larger of the point and lo, then the smaller of that and
    hi, NaN kept (np.clip's numbers, up to the sign of a zero, on which np.clip itself is not
    consistent)."""
    rows, k = h.shape
    x = np.empty((rows, 2 * k + 3))
    for i in range(rows):
        a, b, c = lo[i], hi[i], centre[i]
        x[i, 0], x[i, k + 1], x[i, 2 * k + 2] = a, c, b
        for j in range(k):
            x[i, 1 + j], x[i, 2 * k + 1 - j] = c - h[i, j], c + h[i, j]
        for j in range(2 * k + 3):
            p = x[i, j]
            p = p if (p != p or p > a) else a
            x[i, j] = p if (p != p or p < b) else b
    return x


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


def rung_count(inner: np.ndarray, width: np.ndarray) -> int:
    """Rungs per side of the long ladder: enough for inner * 4^k to reach every player's box
    width (at least 1, at most :data:`MAX_RUNGS`).  Taken over every player, so that a player's
    ladder does not depend on which other players are searched with it."""
    with np.errstate(divide="ignore", invalid="ignore"):
        count = np.ceil(np.log(np.maximum(width / inner, 1.0)) / np.log(RUNG_RATIO))
    count = count[np.isfinite(count)]
    return int(min(max(int(np.max(count, initial=1)), 1), MAX_RUNGS))


def long_rungs(inner: np.ndarray, width: np.ndarray, count: int) -> np.ndarray:
    """Rungs inner * 4^k, k = 0 .. ``count``, capped at the box's width, one row per player,
    largest first (the capped ones give points that clip to the box's ends)."""
    rungs = inner[:, None] * RUNG_RATIO ** np.arange(count + 1)[None, :]
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
    shortest = np.broadcast_to(np.asarray(min_chord, dtype=float), (x.shape[0],))
    return _chord_bounds(np.ascontiguousarray(x, dtype=float), np.ascontiguousarray(f, dtype=float),
                         np.ascontiguousarray(shortest), VALUE_ROUNDING)


@numba.njit(cache=True, inline="always", error_model="numpy")
def _fmax(a: float, b: float) -> float:
    """numpy's fmax: the larger, NaN only when both are."""
    if a != a:
        return b
    if b != b:
        return a
    return a if a >= b else b


@numba.njit(cache=True, inline="always", error_model="numpy")
def _slope(x: np.ndarray, f: np.ndarray, j: int, shortest: float) -> float:
    """Chord j's slope (x_j, x_j+1), NaN where it is not extended (empty, shorter than
    ``shortest`` or not finite)."""
    w = x[j + 1] - x[j]
    s = (f[j + 1] - f[j]) / w
    return s if (w > 0 and w >= shortest and np.isfinite(s)) else np.nan


@numba.njit(cache=True, inline="always", error_model="numpy")
def _rounding(f: float, unit: float) -> float:
    return unit * (abs(f) if np.isfinite(f) else 0.0)


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _chord_bounds(x: np.ndarray, f: np.ndarray, min_chord: np.ndarray, unit: float) -> np.ndarray:
    """The bound of :func:`concave_upper_bound`, row by row, each interval's candidates in the
    order of the module's formulas (compiled: no temporaries of rows x points)."""
    rows, m = x.shape
    out = np.empty(rows)
    for i in range(rows):
        xi, fi, top = x[i], f[i], -np.inf
        for j in range(m - 1):
            xa, xb, fa, fb = xi[j], xi[j + 1], fi[j], fi[j + 1]
            width = xb - xa
            ea, eb = _rounding(fa, unit), _rounding(fb, unit)
            sl = _slope(xi, fi, j - 1, min_chord[i]) if j > 0 else np.nan
            sr = _slope(xi, fi, j + 1, min_chord[i]) if j < m - 2 else np.nan
            has_l, has_r = sl == sl, sr == sr
            bound = _fmax(fa + ea, fb + eb)
            if has_l:
                wl = xa - xi[j - 1]
                el = max(_rounding(fi[j - 1], unit), ea)
            if has_r:
                wr = xi[j + 2] - xb
                er = max(eb, _rounding(fi[j + 2], unit))
            if has_l and has_r:
                cross = (fb - fa + sl * xa - sr * xb) / (sl - sr)
                if cross > xa and cross < xb:
                    at_cross = (fa + sl * (cross - xa) + el * (1.0 + 2.0 * (cross - xa) / wl)
                                + er * (1.0 + 2.0 * (xb - cross) / wr))
                    bound = _fmax(bound, at_cross)
            elif has_l:
                bound = _fmax(bound, fa + sl * width + el * (1.0 + 2.0 * width / wl))
            elif has_r:
                bound = _fmax(bound, fb - sr * width + er * (1.0 + 2.0 * width / wr))
            elif width != 0:
                bound = np.inf
            if bound != bound or top != top:
                top = np.nan
            elif bound > top:
                top = bound
        out[i] = top
    return out


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
    worst = _worst_concavity_violation(x, f, min_width, np.arange(x.shape[0]))
    return None if worst is None else worst[1]


def _worst_concavity_violation(x: np.ndarray, f: np.ndarray, min_width: np.ndarray | float,
                               players: np.ndarray) -> tuple[float, Counterexample] | None:
    """:func:`concavity_counterexample` with the excess of its slope increase (the largest; the
    first row and chord among equal ones), rows being the players ``players``."""
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
    return float(excess[i, j]), Counterexample("concave", int(players[i]), x[i, idx].copy(), f[i, idx].copy())


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


def row_max(v: np.ndarray) -> np.ndarray:
    """np.max(v, axis=1) for a 2-d array of few columns, taken column by column: the same numbers
    (NaN propagates), 10x sooner at 16 384 x 7 (numpy reduces each short row in a call of its own)."""
    out = v[:, 0].copy()
    for j in range(1, v.shape[1]):
        np.maximum(out, v[:, j], out=out)
    return out


def utility_scales(magnitude: np.ndarray, current: np.ndarray, best: np.ndarray) -> np.ndarray:
    """max(magnitude_i, |u_i(s)|, |best_i|) over the finite ones (0 where none is); ``magnitude``
    holds the game's terms and the local variation (:func:`local_variation`)."""
    out = np.zeros(np.shape(magnitude))
    for part in (magnitude, current, best):
        finite = np.isfinite(part)
        np.maximum(out, np.abs(part, where=finite, out=np.zeros(np.shape(part))), out=out)
    return out


def local_variation(f: Callable[[np.ndarray], np.ndarray], lo: np.ndarray, hi: np.ndarray, s: np.ndarray,
                    top: float) -> tuple[np.ndarray, np.ndarray]:
    """u_i(s) and max |u_i(x) - u_i(s)| over x = s_i -+ h_i (in the box), h_i = |s_i| / 2, or for
    a player at 0 :data:`PROFILE_FRACTION` of ``top``, the profile's largest |s_j|: how much u_i
    varies over the magnitude of the actions where the answer lives (0 when every action is 0),
    never over the box's size.  The three points are evaluated at once."""
    h = np.where(s != 0, 0.5 * np.abs(s), PROFILE_FRACTION * top)
    x = np.stack([s, s - h, s + h], axis=1)
    np.minimum(hi[:, None], np.maximum(lo[:, None], x, out=x), out=x)  # np.clip's numbers (a zero's sign aside)
    v = f(x)
    current = v[:, 0]
    with np.errstate(invalid="ignore"):
        d = np.abs(v[:, 1:] - current[:, None])
    return current, row_max(np.where(np.isfinite(d), d, 0.0))


Values = Callable[[np.ndarray], np.ndarray]
"""x -> out[k, j] = u_i(x[k, j], s_-i) for i = players[k], for fixed players and profile s."""
Evaluate = Callable[["slice | np.ndarray"], Values]
"""players -> their :data:`Values`."""


def player_deviations(game: ContinuousGame, s: np.ndarray) -> tuple[Evaluate, bool]:
    """The players' utilities after a unilateral deviation from ``s``, for the players asked,
    and whether they are evaluated for those players alone: a data-sharing game of built-in
    families does (:meth:`~mechopt.games.data_sharing.DataSharingGame.deviations`), so its
    searches run block by block in memory O(block x samples) and time linear in n; any other
    game evaluates all n rows (the others at their actions) and the rows asked are taken."""
    if isinstance(game, DataSharingGame) and game.by_player:
        return game.deviations(s), True
    n = game.n

    def of(players: slice | np.ndarray) -> Values:  # players: a block, or sorted distinct indices
        if players.indices(n) == (0, n, 1) if isinstance(players, slice) else players.size == n:
            return lambda x: game.deviation_utilities(s, x)

        def rows(x: np.ndarray) -> np.ndarray:
            full = np.repeat(s[:, None], x.shape[1], axis=1)
            full[players] = x
            return np.asarray(game.deviation_utilities(s, full))[players]

        return rows

    return of, False


def player_blocks(n: int, by_player: bool) -> list[slice]:
    """The blocks players are searched in: :data:`BLOCK_ROWS` at a time where the game evaluates
    some players alone (:func:`player_deviations`), else all n at once."""
    size = BLOCK_ROWS if by_player else max(n, 1)
    return [slice(a, min(a + size, n)) for a in range(0, n, size)]


def _grid(lo: np.ndarray, hi: np.ndarray, points: int) -> np.ndarray:
    return lo[:, None] + (hi - lo)[:, None] * np.linspace(0.0, 1.0, points)[None, :]


@dataclass
class _Search:
    """One search over every player, block by block: the game's values, the quantities players
    share, and per player the best action and value found, the bound on max u_i and u_i(s)."""

    f: Evaluate
    """u_i(x, s_-i) of the players asked, non-numbers as -inf."""
    blocks: list[slice]
    lo: np.ndarray
    hi: np.ndarray
    s: np.ndarray
    ell: np.ndarray
    magnitude: np.ndarray
    rung: np.ndarray
    tol: float
    rungs: int
    """Rungs per side of every long ladder (:func:`rung_count`, over all players)."""
    golden_steps: int
    """Golden-section steps of the concave search (:func:`golden_iterations`, over all players)."""
    actions: np.ndarray
    values: np.ndarray
    upper: np.ndarray
    current: np.ndarray

    def within(self, b: slice) -> Callable[..., Values]:
        """The values of block b, or of the rows ``idx`` of the block (positions within it)."""
        return lambda idx=None: self.f(b if idx is None or idx.size == b.stop - b.start else b.start + idx)

    def concave_groups(self, b: slice) -> tuple[list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]], bool]:
        """:func:`_concave_search` on block b."""
        return _concave_search(self.within(b), self.lo[b], self.hi[b], self.s[b], self.ell[b], self.current[b],
                               self.magnitude[b], self.tol, self.rung[b], self.rungs, self.golden_steps)

    def take(self, rows: np.ndarray, x: np.ndarray, v: np.ndarray, upper: np.ndarray) -> None:
        """The best of each row's samples (the first of equal ones) and its bound."""
        best = np.argmax(v, axis=1)
        k = np.arange(rows.size)
        self.actions[rows], self.values[rows], self.upper[rows] = x[k, best], v[k, best], upper


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
    the ladder's innermost rung; the long ladders and the golden-section search run only on the
    players whose gain the short ladder does not bound by ``tol`` times their utility scale.
    ``check_concavity`` samples a grid as well and tests every value for concavity: a
    contradiction is returned as ``counterexample`` and the search becomes a grid search.
    ``lipschitz`` (one constant per player) makes the grid search a rigorous bound under it.

    Players are searched in blocks of :data:`BLOCK_ROWS` where the game evaluates some players
    alone (:func:`player_deviations`).  What players share (the profile's largest action, the
    long ladder's rung count, the golden-section step counts) is taken over all of them first,
    so a player's samples and bound depend on its own row only (the Lipschitz search's
    evaluation budget aside); what the answer says as a whole (the search named, a
    counterexample anywhere, and then a grid search for every player) over all of them."""
    s = np.asarray(s, dtype=float)
    concave = game.own_concave if concave is None else concave
    n, lo, hi = game.n, game.lower, game.upper
    evaluate, by_player = player_deviations(game, s)

    def f(players: slice | np.ndarray) -> Values:
        at = evaluate(players)

        def values(x: np.ndarray) -> np.ndarray:
            with np.errstate(all="ignore"):
                v = np.asarray(at(x), dtype=float)
            if not v.flags.writeable:
                v = v.copy()
            v[np.isnan(v)] = -np.inf
            return v

        return values

    blocks = player_blocks(n, by_player)
    ell = length_scale(lo, hi, s)
    top = float(np.max(np.abs(s), initial=0.0))
    current, variation = np.empty(n), np.empty(n)
    for b, (u, d) in zip(blocks, in_block_order(lambda b: local_variation(f(b), lo[b], hi[b], s[b], top), blocks)):
        current[b], variation[b] = u, d
    with np.errstate(all="ignore"):
        magnitude = np.fmax(np.asarray(game.utility_magnitudes(s), dtype=float), variation)
    rung = inner_rung(ell, s, curvature, current)
    search = _Search(f, blocks, lo, hi, s, ell, magnitude, rung, tol, rung_count(rung, hi - lo),
                     golden_iterations(hi - lo, rung), s.copy(), current.copy(), current.copy(), current.copy())
    counter: tuple[float, Counterexample] | None = None
    method = "ladder"
    if concave:
        method, counter = _concave_pass(search, check_concavity, grid_points)
    if not concave or counter is not None:
        L = None if lipschitz is None else np.broadcast_to(np.asarray(lipschitz, dtype=float), (n,))
        method, lip_counter = _sampled_pass(search, counter is not None, grid_points, L,
                                            LIPSCHITZ_BLOCK if by_player else max(n, 1))
        counter = counter or (None if lip_counter is None else (0.0, lip_counter))
    values = search.values
    scales = utility_scales(magnitude, search.current, values)
    rounding = 128.0 * np.finfo(float).eps * scales
    return BestResponses(search.actions, values, search.current, np.maximum(search.upper, values), scales, rounding,
                         method, 0 if method.startswith("ladder") else grid_points, None if counter is None else counter[1])


def _concave_pass(search: _Search, check_concavity: bool, grid_points: int) -> tuple[str, tuple[float, Counterexample] | None]:
    """The chord bounds for every player (:func:`_concave_search`), with ``check_concavity`` the
    grid's values too, every one checked for concavity.  Returns the search's name and the
    largest contradiction of concavity found (the first player's among equal ones), if any:
    then the bounds are not relied on."""
    method, counter = "ladder", None
    for b, (groups, golden) in zip(search.blocks, in_block_order(search.concave_groups, search.blocks)):
        method = "ladder+golden" if golden else method
        for idx, x, v, upper in groups:
            rows = b.start + idx
            if check_concavity:
                grid = _grid(search.lo[rows], search.hi[rows], grid_points)
                x, v = _sorted(np.concatenate([x, grid], axis=1), np.concatenate([v, search.f(rows)(grid)], axis=1))
                worst = _worst_concavity_violation(x, v, CHECK_MIN_WIDTH * search.ell[rows], rows)
                if worst is not None and (counter is None or worst[0] > counter[0] or (
                        worst[0] == counter[0] and worst[1].player < counter[1].player)):
                    counter = worst
                if counter is not None:
                    continue
                upper = np.minimum(upper, concave_upper_bound(x, v, MIN_CHORD * search.ell[rows]))
            search.take(rows, x, v, upper)
    return method, counter


def _sampled_pass(search: _Search, after_concave: bool, grid_points: int, lipschitz: np.ndarray | None,
                  lipschitz_rows: int) -> tuple[str, Counterexample | None]:
    """The grid refined by golden section for every player (with the samples of the concave
    search abandoned, ``after_concave``), then under a declared Lipschitz constant the
    Piyavskii bisection in blocks of ``lipschitz_rows`` players.  Returns the search's name
    ("lipschitz" when the constants hold on every sample, else "grid+golden") and a sample pair
    that violates a constant, if any."""
    steps = golden_iterations(2.0 * (search.hi - search.lo) / max(grid_points - 1, 1), MIN_RUNG * search.ell)
    bound = np.full(search.s.size, np.inf)
    counter = None
    for b in search.blocks:
        within = search.within(b)
        groups = search.concave_groups(b)[0] if after_concave else [(np.arange(b.stop - b.start), None, None, None)]
        for idx, x0, v0, _ in groups:
            rows, f = b.start + idx, within(idx)
            lo, hi = search.lo[rows], search.hi[rows]
            grid = _grid(lo, hi, grid_points)
            g = f(grid)
            k = np.argmax(g, axis=1)
            r = np.arange(rows.size)
            a, c = grid[r, np.maximum(k - 1, 0)], grid[r, np.minimum(k + 1, grid_points - 1)]
            x_star = _golden(f, a, c, steps)
            # the box's ends first: ties (a flat best response) go to a bound, as the grid finds it
            x = np.concatenate([grid[:, [0, -1]], np.stack([search.s[rows], x_star], axis=1), grid], axis=1)
            v = np.concatenate([g[:, [0, -1]], f(x[:, 2:4]), g], axis=1)
            search.current[rows] = v[:, 2]
            if x0 is not None:  # keep the values of the abandoned concave search
                x, v = np.concatenate([x, x0], axis=1), np.concatenate([v, v0], axis=1)
            found = row_max(v)
            if lipschitz is None:
                search.take(rows, x, v, found)
                continue
            for j in range(0, rows.size, lipschitz_rows):
                part = slice(j, j + lipschitz_rows)
                sub, cur = rows[part], search.current[rows[part]]
                target = search.tol * utility_scales(search.magnitude[sub], cur, found[part])
                xl, vl, upper, violation = _lipschitz_search(search.f(sub), x[part], v[part], cur, lipschitz[sub], target)
                search.take(sub, xl, vl, found[part])
                bound[sub] = upper
                if violation is not None and counter is None:
                    counter = replace(violation, player=int(sub[violation.player]))
    if lipschitz is None or counter is not None:
        return "grid+golden", counter
    search.upper = np.maximum(bound, search.upper)
    return "lipschitz", None


MIN_CHORD = 1e-9
"""Chords shorter than this fraction of the player's length scale are not extended."""


def _concave_search(values: Callable[..., Values], lo: np.ndarray, hi: np.ndarray, s: np.ndarray, ell: np.ndarray,
                    current: np.ndarray, magnitude: np.ndarray, tol: float, rung: np.ndarray, count: int,
                    golden_steps: int) -> tuple[list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]], bool]:
    """The chord bounds of the module doc on one block of players: the short ladder (rungs h,
    4h) at the profile; on the players whose gain it leaves above ``tol`` times their scale, the
    long ladder (``count`` rungs h 4^k) at the profile; on those still above, the long ladder
    around the golden-section maximizer.  A player's points are its own ladders' (with the box's
    ends), a valid set for its chord bound whichever stages it needed.  Returns one group
    (rows within the block, samples x and values v in the order taken, bound) per stage players
    stopped at, and whether the golden stage ran.  ``values(rows)``: the values of the block's
    rows (positions within it; every row when None)."""
    x = _ladder(lo, hi, s, np.stack([4.0 * rung, rung], axis=1))
    v = values()(x)
    shortest = MIN_CHORD * ell
    upper = concave_upper_bound(x, v, shortest)
    rows = np.arange(s.size)
    groups = []
    golden = False
    for centre in ("profile", "golden"):
        cur = current[rows]
        undecided = upper - cur > tol * utility_scales(magnitude[rows], cur, row_max(v))
        if not undecided.any():
            break
        if not undecided.all():
            done = ~undecided
            groups.append((rows[done], x[done], v[done], upper[done]))
            rows, x, v, upper = rows[undecided], x[undecided], v[undecided], upper[undecided]
        g = values(rows)
        if centre == "profile":
            c = s[rows]
        else:
            best = x[np.arange(rows.size), np.argmax(v, axis=1)]
            c = _golden(g, lo[rows], hi[rows], golden_steps)
            c = np.where(g(c[:, None])[:, 0] >= row_max(v), c, best)
            golden = True
        x2 = _ladder(lo[rows], hi[rows], c, long_rungs(rung[rows], hi[rows] - lo[rows], count))
        v2 = g(x2)
        upper = np.minimum(upper, concave_upper_bound(x2, v2, shortest[rows]))
        x, v = np.concatenate([x, x2], axis=1), np.concatenate([v, v2], axis=1)
    groups.append((rows, x, v, upper))
    return groups, golden


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
