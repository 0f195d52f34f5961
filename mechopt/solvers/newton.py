"""Semismooth Newton method for the equilibrium complementarity problem.

The KKT conditions of the n box-constrained own-action problems (001 Section 3) form the mixed
complementarity problem  s_i = l_i => F_i <= 0,  l_i < s_i < u_i => F_i = 0,  s_i = u_i =>
F_i >= 0,  F_i = du_i/ds_i.  With phi(a, b) = a + b - sqrt(a^2 + b^2) (zero iff a, b >= 0 and
ab = 0) they are Phi(s) = 0 for two reformulations, used together:

- the scaled min-map  s - proj(s + D F(s)) with D_i = 1/|G_ii| (any D > 0 has the same zeros;
  s_i + D_i F_i is where player i's own Newton step lands, so players whose best response is a
  bound become active at once).  Its Newton step moves the active players to their bound and
  solves G_II d_I = -F_I - G_IA d_A on the free set in the least-squares sense (aggregate
  Jacobians are rank deficient on blocks of several players).  Fast, but its merit is
  nonsmooth: when its line search fails,
- the Fischer-Burmeister box reformulation  Phi_i(s) = phi(s_i - l_i, -phi(u_i - s_i, F_i(s)))
  takes the step.  Psi = ||Phi||^2 / 2 is continuously differentiable, so its Newton step is a
  descent direction whenever it exists and -grad Psi = -H^T Phi is the last resort.  An element
  of the generalized Jacobian is H = diag(a) - diag(b) G with a, b >= 0.

Where G is diagonal plus rank one with substitutes (a payoff of the total data, an aggregative
game), each iteration first tries the exact Josephy-Newton step of :mod:`.aggregate_step`: the
linearized complementarity problem solved exactly, so the players' bounds are chosen with the
aggregate's feedback (the min-map step's own-curvature guess moves the marginal players one at a
time: 23 iterations instead of 8 at 10^6 players); its line search is on the Fischer-Burmeister
merit.

G_ij = d^2 u_i / ds_i ds_j is diagonal plus low rank for aggregate payoffs (G = diag + U V^T), so
both steps cost O(n k^2) (:func:`~mechopt.core.structured.solve_diag_plus_low_rank`).  Convergence is
declared on the natural residual ||s - proj(s + F(s))||_inf, the quantity every method reports,
together with the scaled one ||s - proj(s + D F(s))||_inf <= tol max(1, ||s||_inf) (each
player's own Newton step, in action units: the natural residual alone shrinks with the units of
utility, so an instance in micro-units stopped early);
the method also stops (``stalled``, with ``stop_reason``) when that residual is within the own
gradient's estimated error of the tolerance and no longer halves (difference-quotient derivatives
of games given as callables), or when it has not fallen by 10% in 10 iterations (:class:`_Progress`).
"""

from __future__ import annotations

import time

import numba
import numpy as np

from mechopt.games.base import ContinuousGame
from mechopt.core.status import Termination
from mechopt.core.structured import DiagPlusLowRank, Jacobian, block_matvec, solve_diag_plus_low_rank, tall_matmul
from mechopt.core.tolerances import RESIDUAL_TOL
from mechopt.solvers import aggregate_step
from mechopt.solvers.outcome import DOMAIN_ERRORS, MethodOutcome, domain_start, jacobian_finite, max_norm

ARMIJO = 1e-4
"""Sufficient decrease: merit(s + t d) <= (1 - ARMIJO t) merit(s)."""
MAX_BACKTRACKS = 60
MINMAP_TRIES = 20
"""A min-map step shorter than 2^-MINMAP_TRIES is not taken (the Fischer-Burmeister step is)."""
REFINEMENTS = 8
"""Most players moved to a bound while resolving one inconsistent free block."""
REFINE_BLOCK = 16
"""Inconsistent free blocks up to this size are refined one player at a time."""
_CORNER = 1.0 - 1.0 / np.sqrt(2.0)  # generalized derivative of phi at (0, 0)


def _phi_derivatives(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """phi(a, b) and its partial derivatives (the generalized one at a = b = 0)."""
    r = np.sqrt(a * a + b * b)
    corner = r == 0
    inv = 1.0 / np.where(corner, 1.0, r)
    da, db = 1.0 - a * inv, 1.0 - b * inv
    if corner.any():
        da[corner], db[corner] = _CORNER, _CORNER
    return a + b - r, da, db


Box = tuple["float | np.ndarray", "float | np.ndarray"]
"""The action bounds (l, u), each one number when it is every player's (:func:`_uniform`)."""


CHUNK = 1 << 16
"""Entries per chunk of the trial points, merits and residuals: the vectors of one chunk stay in
cache while all the operations on them run (the same operations on each entry, so the same
numbers, in half the time at n = 10^7, where whole-vector operations go to memory and back)."""


def _uniform(v: np.ndarray) -> float | np.ndarray:
    """``v`` as one number when all its entries are equal (numpy then reads one array less in
    clips and products: the same numbers, sooner at n = 10^7), else ``v``."""
    return float(v[0]) if v.size and v[0] == v.min() == v.max() else v


def _chunks(n: int) -> range:
    return range(0, n, CHUNK)


def _part(v: float | np.ndarray, c: slice) -> float | np.ndarray:
    return v if isinstance(v, float) else v[c]


def _clip_into(v: np.ndarray, lo: float | np.ndarray, hi: float | np.ndarray) -> np.ndarray:
    """np.clip(v, lo, hi) written into v: the same numbers up to the sign of a zero, about twice
    as fast as np.clip with array bounds."""
    return np.minimum(hi, np.maximum(lo, v, out=v), out=v)


def _fb_norm(box: Box, s: np.ndarray, F: np.ndarray) -> float:
    """||Phi(s)||_2 of the Fischer-Burmeister box reformulation, Phi(s) = phi(s - l, -phi(u - s,
    F)), in one compiled pass (no vector of n numbers is allocated)."""
    lo, hi = box
    return _fb_norm_compiled(np.atleast_1d(np.asarray(lo, dtype=float)), np.atleast_1d(np.asarray(hi, dtype=float)),
                             s, F)


@numba.njit(cache=True, inline="always")
def _phi(a: float, b: float) -> float:
    return a + b - np.sqrt(a * a + b * b)


@numba.njit(cache=True)
def _fb_norm_compiled(lo: np.ndarray, hi: np.ndarray, s: np.ndarray, F: np.ndarray) -> float:
    """:func:`_fb_norm` with l and u one number (size 1) or one per player."""
    total = 0.0
    for i in range(s.size):
        low, high = lo[i if lo.size > 1 else 0], hi[i if hi.size > 1 else 0]
        v = _phi(s[i] - low, -_phi(high - s[i], F[i]))
        total += v * v
    return np.sqrt(total)


def _residual(game: ContinuousGame, s: np.ndarray, F: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Phi(s) and the diagonals (a, b) of H = diag(a) - diag(b) G."""
    inner, ia, ib = _phi_derivatives(game.upper - s, F)
    val, oa, ob = _phi_derivatives(s - game.lower, -inner)
    # dPhi = oa ds - ob d(inner),  d(inner) = -ia ds + ib dF
    return val, oa + ob * ia, ob * ib


def _newton_step(J: Jacobian, a: np.ndarray, b: np.ndarray, phi: np.ndarray) -> np.ndarray:
    """Solve H d = -phi with H = diag(a) - diag(b) J (NaN where H or phi is not finite: LAPACK is
    not called on them)."""
    if not (jacobian_finite(J) and np.all(np.isfinite(a)) and np.all(np.isfinite(b)) and np.all(np.isfinite(phi))):
        return np.full(phi.shape, np.nan)
    if isinstance(J, DiagPlusLowRank):
        return solve_diag_plus_low_rank(a - b * J.d, -b[:, None] * J.U, J.V, -phi)
    H = np.diag(a) - b[:, None] * J
    return np.linalg.lstsq(H, -phi, rcond=None)[0]


def _own_curvature(J: Jacobian) -> np.ndarray:
    """|G_ii|, the own-action curvature of every player."""
    if isinstance(J, DiagPlusLowRank):
        uv = J.U[:, 0] * J.V[:, 0] if J.U.shape[1] == 1 else np.einsum("ik,ik->i", J.U, J.V)
        return np.abs(np.add(uv, J.d, out=uv), out=uv)
    return np.abs(np.diag(J))


def _scaling(J: Jacobian) -> np.ndarray:
    """D_i = 1/|G_ii|; 1 where the curvature is 0 or not finite."""
    curv = _own_curvature(J)
    with np.errstate(divide="ignore"):
        D = np.divide(1.0, curv)
    D[~np.isfinite(D) | (curv == 0)] = 1.0
    return D


def _step_length(box: Box, s: np.ndarray, F: np.ndarray, D: float | np.ndarray, work: np.ndarray) -> float:
    """max |s - proj(s + D F)|: where each player's own Newton step would move it, in the units of
    the actions, so that the stopping test means the same whatever the units of utility (the
    natural residual shrinks with the utilities).  ``work``: a vector of n numbers overwritten."""
    with np.errstate(all="ignore"):
        return _projected_gap(box, s, np.multiply(D, F, out=work))


def _projected_gap(box: Box, s: np.ndarray, step: np.ndarray) -> float:
    """max |s - proj(s + step)|, computed in ``step`` (overwritten): the natural residual for
    step = F (the same operations as ``max_norm(s - proj(s + F))``, so the same number)."""
    lo, hi = box
    for a in _chunks(s.size):
        c = slice(a, a + CHUNK)
        r = _clip_into(np.add(s[c], step[c], out=step[c]), _part(lo, c), _part(hi, c))
        np.abs(np.subtract(s[c], r, out=r), out=r)
    return float(np.max(step)) if step.size else 0.0


def _natural_residual(box: Box, s: np.ndarray, F: np.ndarray, work: np.ndarray) -> float:
    """max |s - proj(s + F(s))|, the natural residual, computed in ``work`` (overwritten)."""
    np.copyto(work, F)
    with np.errstate(all="ignore"):
        return _projected_gap(box, s, work)


def _diag(J: Jacobian, idx: np.ndarray) -> np.ndarray:
    """The diagonal part of J that :func:`block_matvec` leaves out."""
    return J.d[idx] if isinstance(J, DiagPlusLowRank) else np.zeros(idx.size)


def _block_lstsq(J: Jacobian, free: np.ndarray, rhs: np.ndarray) -> np.ndarray:
    """Least-squares solution of G_II x = rhs."""
    if isinstance(J, DiagPlusLowRank):
        return solve_diag_plus_low_rank(J.d[free], J.U[free], J.V[free], rhs)
    return np.linalg.lstsq(J[np.ix_(free, free)], rhs, rcond=None)[0]


def _minmap_step(game: ContinuousGame, s: np.ndarray, F: np.ndarray, J: Jacobian, D: np.ndarray) -> np.ndarray | None:
    """Semismooth Newton step for s - proj(s + D F(s)) = 0.

    When the free block's system is inconsistent (least-squares residual above half the
    right-hand side: the guessed active set cannot be right, e.g. several players of an
    aggregate game with different costs all guessed interior), the free player whose
    linearized scaled gradient D_i (F + G d)_i is largest in magnitude is moved to the bound it
    points to and the block is solved again, at most ``REFINEMENTS`` times, for blocks of at most
    ``REFINE_BLOCK`` players; None if it stays inconsistent, or when G or F is not finite or
    the block solve fails (LinAlgError)."""
    if not (jacobian_finite(J) and np.all(np.isfinite(F))):
        return None
    lo, hi = game.lower, game.upper
    trial = np.add(s, np.multiply(D, F))
    at_lo, at_hi = trial <= lo, trial >= hi
    d = trial  # reused: lo - s where at_lo, else hi - s where at_hi, else 0
    for _ in range(REFINEMENTS + 1):
        free = np.flatnonzero(~(at_lo | at_hi))
        d.fill(0.0)
        np.subtract(hi, s, out=d, where=at_hi)
        np.subtract(lo, s, out=d, where=at_lo)
        if not free.size:
            return d
        # G_IA d_A = (G d)_I as d_I = 0 here
        rhs = -F[free] - (tall_matmul(J.U[free], J.V.T @ d) + J.d[free] * d[free] if isinstance(J, DiagPlusLowRank) else J[free] @ d)
        try:
            d[free] = _block_lstsq(J, free, rhs)
        except np.linalg.LinAlgError:
            return None
        miss = block_matvec(J, free, free, d[free]) + _diag(J, free) * d[free] - rhs  # (F + G d)_I
        if np.linalg.norm(miss) <= 0.5 * np.linalg.norm(rhs):
            return d
        if free.size > REFINE_BLOCK:
            return None
        # prefer raising a player to its upper bound: with payoffs increasing in the others' data
        # (001 Section 2) the guessed-interior players who still want more are the big contributors
        score = np.where(miss > 0, D[free] * miss, 0.0) if np.any(miss > 0) else -D[free] * miss
        worst = int(np.argmax(score))
        (at_hi if miss[worst] > 0 else at_lo)[free[worst]] = True
    return None


def _search(game: ContinuousGame, box: Box, s: np.ndarray, direction: np.ndarray, merit, norm: float,  # type: ignore[no-untyped-def]
            first: float, tries: int, extrapolate: bool = False):
    """Projected backtracking: the first s(t) = proj(s + t d), t = first, first/2, ... (``tries``
    at most), with merit(s(t)) <= (1 - ARMIJO t) norm; returns (s(t), F(s(t))) or None.

    With ``extrapolate``, an accepted t < 1 then moves 3/4 of the way to the last rejected step
    and, while that lowers the merit further, 15/16 of the way; after a 15/16 point that does not,
    the 3/4 point between is tried once (each point taken decreases the merit more than the
    accepted one): a Newton step overshooting along a strongly curved payoff (everyone dropping
    out of an oversupplied aggregate game, whose merit falls only in a narrow band just short of
    the full step) then costs about one evaluation per two quarterings of the distance instead of
    one iteration."""

    spare: list[np.ndarray] = []  # a rejected trial point's vector, written over by the next one
    lo, hi = box

    def at(t: float) -> tuple[np.ndarray, np.ndarray, float]:
        x = spare.pop() if spare else np.empty_like(s)
        for a in _chunks(s.size):
            c = slice(a, a + CHUNK)
            xc = np.multiply(direction[c], t, out=x[c])
            _clip_into(np.add(xc, s[c], out=xc), _part(lo, c), _part(hi, c))
        Fx = _trial_gradient(game, x)
        with np.errstate(all="ignore"):
            m = merit(x, Fx)
        return x, Fx, (m if np.isfinite(m) else np.inf)

    step, rejected = first, (2.0 * first if first < 1.0 else None)
    for _ in range(tries):
        x, Fx, m = at(step)
        if m <= (1.0 - ARMIJO * step) * norm:
            shrink, between = 0.25, False
            while extrapolate and rejected is not None and rejected - step > 1e-6 * rejected:
                t = rejected - shrink * (rejected - step)
                x_t, F_t, m_t = at(t)
                lower = m_t < m
                spare.append(x if lower else x_t)
                if lower:
                    step, x, Fx, m = t, x_t, F_t, m_t
                if between or (not lower and shrink == 0.25):
                    break
                shrink, between = (1.0 / 16.0, False) if lower else (0.25, True)
            return x, Fx
        spare.append(x)
        rejected, step = step, 0.5 * step
    return None


def _trial_gradient(game: ContinuousGame, x: np.ndarray) -> np.ndarray:
    """F at a trial point; NaN where it cannot be evaluated (:data:`DOMAIN_ERRORS`), so the
    line search steps back from points outside the utilities' domain as from NaN or inf."""
    try:
        with np.errstate(all="ignore"):
            return np.asarray(game.own_gradient(x), dtype=float)
    except DOMAIN_ERRORS:
        return np.full(x.shape, np.nan)


def _start(game: ContinuousGame, start: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """The start moved into the utilities' domain (:func:`~mechopt.solvers.outcome.domain_start`:
    u, F and G finite) and F there.  Where no such point is found, the user's start or the
    midpoint with its non-finite F: the iteration then stops with ``numerical_error``."""
    s, F, _ = domain_start(game, start, jacobian=True)
    if F is None:
        F = _trial_gradient(game, s)
    return s, F


def _linearized_step(J: Jacobian, s: np.ndarray, F: np.ndarray, box: Box, work: np.ndarray) -> np.ndarray | None:
    """The Josephy-Newton step x - s of :mod:`.aggregate_step` where it applies (a rank-one
    aggregate with substitutes), else None.  ``work``: its scratch (the step is written there)."""
    if not isinstance(J, DiagPlusLowRank):
        return None
    x = aggregate_step.linearized_solution(J, s, F, *box, work=work)
    if x is None:
        return None
    d = np.subtract(x, s, out=x)
    return d if np.all(np.isfinite(d)) else None


def _merit_gradient(J: Jacobian, a: np.ndarray, b: np.ndarray, phi: np.ndarray) -> np.ndarray:
    """grad Psi = H^T phi = a phi - J^T (b phi)."""
    bp = b * phi
    JTbp = J.d * bp + tall_matmul(J.V, J.U.T @ bp) if isinstance(J, DiagPlusLowRank) else J.T @ bp
    return a * phi - JTbp


STALL_WINDOW = 10
"""Iterations within which the best residual must fall below STALL_DECREASE times its value;
otherwise the method has stalled (stop reason ``no_progress``)."""
STALL_DECREASE = 0.9
SLOW_AT_ACCURACY = 2
"""Iterations in a row that do not halve the residual, once it is within the own gradient's
estimated error of tol, after which the method stops (stop reason ``derivative_accuracy``)."""


class _Progress:
    """Stopping beyond the residual test: at the accuracy the derivatives allow, or on a stall.

    A residual r computed from F with error e (:meth:`ContinuousGame.own_gradient_error`) has
    error at most e (the projection is non-expansive), so once r <= tol + e the test r <= tol is
    decided by the derivatives' error, not by the method: iterations that no longer halve r then
    end the run.  The estimate is only asked for when an iteration did not halve r."""

    def __init__(self, game: ContinuousGame, tol: float) -> None:
        self.game, self.tol = game, tol
        self.best, self.best_it, self.last, self.slow = np.inf, 0, np.inf, 0
        self.derivative_error: float | None = None

    def _error(self, s: np.ndarray) -> float:
        with np.errstate(all="ignore"):
            self.derivative_error = max_norm(np.asarray(self.game.own_gradient_error(s), dtype=float))
        return self.derivative_error

    def stop_reason(self, it: int, s: np.ndarray, residual: float) -> str | None:
        if residual < STALL_DECREASE * self.best:
            self.best, self.best_it = residual, it
        halved, self.last = residual <= 0.5 * self.last, residual
        self.slow = 0 if halved else self.slow + 1
        if self.slow >= SLOW_AT_ACCURACY and residual <= self.tol + self._error(s):
            return "derivative_accuracy"
        if it - self.best_it >= STALL_WINDOW:
            return "no_progress"
        return None

    def report(self, s: np.ndarray, reason: str | None) -> dict[str, float | str]:
        """``derivative_error`` (max-norm of the own gradient's estimated error at s) and, when the
        run stopped before the residual test passed for a reason of its own, ``stop_reason``."""
        out: dict[str, float | str] = {"derivative_error": self._error(s)}
        if reason is not None:
            out["stop_reason"] = reason
        return out


def newton_solve(
    game: ContinuousGame,
    *,
    start: np.ndarray | None = None,
    tol: float = RESIDUAL_TOL,
    max_iter: int = 200,
    max_seconds: float | None = None,
) -> MethodOutcome:
    """Find s with ||s - proj(s + F(s))||_inf <= tol by globalized semismooth Newton.

    The start is moved into the utilities' domain first (:func:`_start`: halfway towards the box
    midpoint, then down a ladder from the midpoint towards the lower bounds, until u, F and G are
    finite), and trial points where F is not finite (or cannot be evaluated) are stepped back from.
    Each iteration backtracks along the linearized step of :mod:`.aggregate_step` on
    ||Phi_FB||_2 where it applies (rank-one aggregates with substitutes); else, or if that fails,
    along the scaled min-map Newton step on ||s - proj(s + D F(s))||_2
    (D fixed at the current point, at most ``MINMAP_TRIES`` halvings, with extrapolation); if
    that fails, along the Fischer-Burmeister Newton step, then the steepest descent direction of
    ||Phi_FB||^2, both on ||Phi_FB||_2.  ``parameters`` counts the steps of each kind.  With
    ``max_seconds``, an iteration that would start later than that stops the run (``stalled``,
    stop reason ``time_limit``): the fallback attempts of :mod:`.nash` run within a time budget.
    """
    t0 = time.perf_counter()
    s, F = _start(game, start)
    counts = {"linearized_steps": 0, "minmap_steps": 0, "fb_newton_steps": 0, "fb_gradient_steps": 0}
    work = np.empty(s.size)  # scratch of the merits and residuals (no fresh n-vector per evaluation)
    box = (_uniform(game.lower), _uniform(game.upper))
    step_work = np.empty((aggregate_step.WORK_ROWS, s.size))  # scratch of the linearized step

    def fb_norm(x: np.ndarray, Fx: np.ndarray) -> float:
        return _fb_norm(box, x, Fx)

    progress = _Progress(game, tol)
    for it in range(max_iter):
        residual = _natural_residual(box, s, F, work)
        if not np.isfinite(residual):
            return MethodOutcome(s, Termination.NUMERICAL_ERROR, it, time.perf_counter() - t0, residual, dict(counts))
        with np.errstate(all="ignore"):
            J = game.own_jacobian(s)
            D = _scaling(J)
        scaling = _uniform(D)
        if residual <= tol and _step_length(box, s, F, scaling, work) <= tol * max(1.0, max_norm(s)):
            return MethodOutcome(s, Termination.CONVERGED, it, time.perf_counter() - t0, residual,
                                 {**counts, **progress.report(s, None)})
        reason = progress.stop_reason(it, s, residual)
        if max_seconds is not None and time.perf_counter() - t0 > max_seconds:
            reason = "time_limit"
        if reason is not None:
            return MethodOutcome(s, Termination.STALLED, it, time.perf_counter() - t0, residual,
                                 {**counts, **progress.report(s, reason)})

        def mm_merit(x: np.ndarray, Fx: np.ndarray) -> float:
            lo, hi = box
            for a in _chunks(x.size):  # x - proj(x + D F), in one buffer
                c = slice(a, a + CHUNK)
                r = np.multiply(_part(scaling, c), Fx[c], out=work[c])
                np.subtract(x[c], _clip_into(np.add(r, x[c], out=r), _part(lo, c), _part(hi, c)), out=r)
            return float(np.linalg.norm(work))

        def fb_candidate() -> tuple[np.ndarray | None, float, np.ndarray]:
            with np.errstate(all="ignore"):
                phi, a, b = _residual(game, s, F)
                grad = _merit_gradient(J, a, b, phi)
                try:
                    d = _newton_step(J, a, b, phi)
                except np.linalg.LinAlgError:
                    d = None
            ok = d is not None and np.all(np.isfinite(d)) and float(grad @ d) < 0
            return (d if ok else None), float(np.linalg.norm(phi)), grad

        found, kind = None, "linearized_steps"
        d_lin = _linearized_step(J, s, F, box, step_work)
        if d_lin is not None:
            found = _search(game, box, s, d_lin, fb_norm, fb_norm(s, F), 1.0, MINMAP_TRIES, extrapolate=True)
        if found is None:
            with np.errstate(all="ignore"):
                d_mm = _minmap_step(game, s, F, J, D)
            if d_mm is not None and np.all(np.isfinite(d_mm)):
                kind = "minmap_steps"
                norm = mm_merit(s, F)
                found = _search(game, box, s, d_mm, mm_merit, norm, 1.0, MINMAP_TRIES, extrapolate=True)
        if found is None:
            fb_d, norm, grad = fb_candidate()
            if fb_d is not None:
                found, kind = _search(game, box, s, fb_d, fb_norm, norm, 1.0, MAX_BACKTRACKS), "fb_newton_steps"
            if found is None:
                kind = "fb_gradient_steps"
                found = _search(game, box, s, -grad, fb_norm, norm, 1.0, MAX_BACKTRACKS)
        if found is None:
            return MethodOutcome(s, Termination.STALLED, it, time.perf_counter() - t0, residual,
                                 {**counts, **progress.report(s, "line_search")})
        counts[kind] += 1
        s, F = found
    residual = _natural_residual(box, s, F, work)
    term = Termination.CONVERGED if residual <= tol else Termination.MAX_ITERATIONS
    return MethodOutcome(s, term, max_iter, time.perf_counter() - t0, residual, {**counts, **progress.report(s, None)})
