"""Nash equilibria: one function per method (``newton_nash``, ``br_nash``, ``stochastic_br_nash``,
``pyomo_mip_nash``), each with its own options, and ``solve_nash`` choosing one by name; every
answer carries the independent Nash certificate.

The named method runs first, from the user's start or the box midpoint, moved into the
utilities' domain where u or F is not finite there (:func:`~mechopt.solvers.outcome.domain_start`).
When its point verifies the answer is returned at once.  Otherwise a bounded list of further
attempts follows (:func:`fallback_plan`): Newton from the same start and from a few
deterministic starts (the lower bounds, 1/4 and 3/4 of the box, the midpoint), then the other
generic method, BR dynamics with a capped iteration count, within a time budget.  The first
attempt whose certificate verifies is reported; if none does, the attempt with the smallest
max_gain is, and sequential global best responses run from its point (games of at most
``CYCLE_SEARCH_PLAYERS`` players): they reach a profile that verifies, or revisit one (the cycle
is attached as a diagnostic), or run out of rounds.

The answer reports the best point found whatever happens; its status is the verdict of the nash
kind's one certifier, :func:`~mechopt.certificates.nash.certify_nash` (the solver only says
``failed`` when every attempt ended in a numerical error and no point settled anything).  A
best-response cycle is attached as a diagnostic, never as evidence of non-existence.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Literal

import numpy as np

from mechopt.certificates.best_response import BestResponseCycle
from mechopt.certificates.nash import NashCertificate, NashResult, certify_nash, nash_certificate, nash_status
from mechopt.core.stats import SolveStats
from mechopt.core.status import Status, Termination
from mechopt.core.tolerances import NASH_GAIN_TOL, RESIDUAL_TOL
from mechopt.games.base import ContinuousGame
from mechopt.games.generalized import GeneralizedGame
from mechopt.solvers.br_dynamics import br_dynamics_solve
from mechopt.solvers.newton import newton_solve
from mechopt.solvers.outcome import MethodOutcome, starting_point
from mechopt.solvers.sequential_br import best_response_cycle

Method = Literal["newton", "br", "stochastic-br", "pyomo-mip"]
METHOD_OPTIONS: dict[str, frozenset[str]] = {
    "newton": frozenset({"start", "max_iter"}),
    "br": frozenset({"start", "max_iter", "step"}),
    "stochastic-br": frozenset({"start", "max_iter", "step", "batch", "seed"}),
    "pyomo-mip": frozenset(),
}
"""The options each method takes; ``solve_nash`` rejects any other."""

FALLBACK_STARTS: tuple[tuple[str, float], ...] = (("lower", 0.0), ("1/4 of the box", 0.25),
                                                  ("3/4 of the box", 0.75), ("midpoint", 0.5))
"""Further starts lower + f (upper - lower) for Newton when the first attempt does not verify
(each moved into the utilities' domain by the method; a start equal to one tried is skipped)."""
FALLBACK_BR_ITERATIONS = 2_000
"""Iteration cap of BR dynamics run as a fallback."""
FALLBACK_SECONDS = 5.0
FALLBACK_FACTOR = 10.0
"""Fallback attempts start only within max(FALLBACK_SECONDS, FALLBACK_FACTOR * the first
attempt's time) of the call, each with what is left as its time limit."""
CYCLE_SEARCH_PLAYERS = 64
"""Sequential best responses run from the best point only for games up to this size."""
NUMERICAL_EXCEPTIONS = (ArithmeticError, np.linalg.LinAlgError)
"""Exceptions of a method that end its attempt as a numerical failure instead of propagating."""
FAILED_TERMINATIONS = (Termination.NUMERICAL_ERROR, Termination.SOLVER_ERROR)


@dataclass(frozen=True)
class _Attempt:
    """One method run from one start, with the certificate of its last point."""

    method: str
    start: str
    outcome: MethodOutcome | None
    """None when the method raised one of :data:`NUMERICAL_EXCEPTIONS`."""
    certificate: NashCertificate | None
    error: str | None
    seconds: float

    @property
    def failed(self) -> bool:
        """A numerical failure: an exception, a numerical or solver error, or a point whose
        utilities are not finite (no finite certificate)."""
        return (self.outcome is None or self.outcome.termination in FAILED_TERMINATIONS
                or self.certificate is None or not np.isfinite(self.certificate.max_gain))

    def summary(self) -> dict[str, Any]:
        out: dict[str, Any] = {"method": self.method, "start": self.start, "seconds": self.seconds}
        if self.outcome is not None:
            out |= {"termination": self.outcome.termination.value, "iterations": self.outcome.iterations,
                    "residual": self.outcome.residual}
        if self.certificate is not None:
            out |= {"max_gain": self.certificate.max_gain, "verified": self.certificate.verified}
        if self.error is not None:
            out["error"] = self.error
        return out


DECISIVE = (Status.EQUILIBRIUM, Status.ASSUMPTION_VIOLATED)


def _decisive(game: ContinuousGame, attempt: _Attempt) -> bool:
    """Whether an attempt settles the answer: the evidence at its point supports an equilibrium,
    or contradicts the declared concavity."""
    cert = attempt.certificate
    return cert is not None and nash_status(game, cert) in DECISIVE


def _certify(game: ContinuousGame, method: str, start: str, run: Callable[[], MethodOutcome], tol: float) -> _Attempt:
    """Run one method and certify its last point; numerical exceptions end the attempt."""
    t0 = time.perf_counter()
    try:
        outcome = run()
    except NUMERICAL_EXCEPTIONS as err:
        return _Attempt(method, start, None, None, f"{type(err).__name__}: {err}", time.perf_counter() - t0)
    cert = nash_certificate(game, outcome.profile, tol=tol)
    return _Attempt(method, start, outcome, cert, None, time.perf_counter() - t0)


@dataclass(frozen=True)
class _Search:
    """Sequential global best responses from the point of an attempt."""

    origin: np.ndarray
    attempt: _Attempt | None
    """The fixed point reached, certified (reported as ``<method>+best-response``), if any."""
    cycle: BestResponseCycle | None
    summary: dict[str, Any]


def _best_response_search(game: ContinuousGame, after: _Attempt, tol: float) -> _Search:
    """:func:`~mechopt.solvers.sequential_br.best_response_cycle` from ``after``'s point."""
    t0 = time.perf_counter()
    assert after.certificate is not None and after.outcome is not None
    origin = after.certificate.point
    fixed, cycle = best_response_cycle(game, origin, tol=tol)
    result = "fixed point" if fixed is not None else "cycle" if cycle is not None else "no fixed point within the rounds"
    summary: dict[str, Any] = {"method": "best-response", "start": f"the point of {after.method} from {after.start}",
                               "result": result}
    attempt = None
    if fixed is not None:
        cert = nash_certificate(game, fixed, tol=tol)
        outcome = replace(after.outcome, profile=fixed, residual=_residual(game, fixed))
        attempt = _Attempt(f"{after.method}+best-response", after.start, outcome, cert, None, time.perf_counter() - t0)
        summary |= {"max_gain": cert.max_gain, "verified": cert.verified}
    summary["seconds"] = time.perf_counter() - t0
    return _Search(origin, attempt, cycle, summary)


def _pick(game: ContinuousGame, attempts: list[_Attempt]) -> _Attempt | None:
    """The first decisive attempt, else the one with the smallest max_gain (numerical failures last)."""
    done = [a for a in attempts if a.certificate is not None]
    decisive = [a for a in done if _decisive(game, a)]
    if decisive:
        return decisive[0]
    return min(done, key=lambda a: (a.failed, a.certificate.max_gain)) if done else None  # type: ignore[union-attr]


def _conclude(game: ContinuousGame, attempts: list[_Attempt], searches: list[_Search], log: list[dict[str, Any]], *,
              tol: float, seconds: float) -> NashResult:
    """The answer from the attempts made (:func:`_pick`); when none settles it, sequential best
    responses from the best point (unless already run from it) may still reach one that verifies,
    and a best-response cycle found on the way is attached to the certificate as a diagnostic."""
    t0 = time.perf_counter()
    all_failed = all(a.failed for a in attempts)
    best = _pick(game, attempts)
    if best is None:  # every method raised: certify the midpoint so that the answer carries evidence
        point = starting_point(game.lower, game.upper, None)
        best = replace(attempts[0], certificate=nash_certificate(game, point, tol=tol))
    elif (not _decisive(game, best) and not best.failed and game.n <= CYCLE_SEARCH_PLAYERS
          and not any(np.array_equal(s.origin, best.certificate.point) for s in searches)):  # type: ignore[union-attr]
        search = _best_response_search(game, best, tol)
        searches.append(search)
        log.append(search.summary)
        if search.attempt is not None:
            attempts.append(search.attempt)
            best = _pick(game, attempts)
    assert best is not None and best.certificate is not None
    cert = best.certificate
    cycles = [s.cycle for s in searches if s.cycle is not None]
    cycle = cycles[0] if cycles and not _decisive(game, best) else None  # a diagnostic only
    outcome = best.outcome
    parameters: dict[str, Any] = {}
    if outcome is not None:
        parameters = {**outcome.parameters, "residual": outcome.residual, "solve_seconds": outcome.seconds}
    parameters["residual_at_point"] = _residual(game, cert.point)
    tried = sum("skipped" not in entry for entry in log)
    parameters |= {"start": best.start, "attempts_tried": tried, "attempts": log}
    stats = SolveStats(
        method=best.method,
        termination=outcome.termination if outcome is not None else Termination.NUMERICAL_ERROR,
        iterations=outcome.iterations if outcome is not None else 0,
        seconds=seconds + time.perf_counter() - t0,
        parameters=parameters,
    )
    claimed = Status.FAILED if all_failed and not _decisive(game, best) else Status.UNVERIFIED
    with np.errstate(all="ignore"):
        utilities = game.utilities(cert.point)
    draft = NashResult("nash", claimed, "", cert.point, utilities, cert, cycle, stats)
    return draft.certified(certify_nash(game, draft, tol=tol, evidence=cert))


def _residual(game: ContinuousGame, s: np.ndarray) -> float:
    """max-norm of the natural-map residual s - proj(s + F(s)) (NaN where F is not finite)."""
    with np.errstate(all="ignore"):
        try:
            return float(np.max(np.abs(game.natural_residual(s)), initial=0.0))
        except (ArithmeticError, ValueError):
            return float("nan")


@dataclass(frozen=True)
class _Planned:
    method: str
    start: str
    run: Callable[[float], MethodOutcome]
    """Runs the method; the argument is the time left, the method's time limit."""


def fallback_plan(game: ContinuousGame, method: str, start: np.ndarray | None, *, residual_tol: float,
                  max_iter: int | None = None) -> list[_Planned]:
    """The method runs after the named method's first one, in order: Newton from the same start
    (unless it was Newton), Newton from :data:`FALLBACK_STARTS` (``max_iter`` its iteration cap
    when Newton was the named method, else 200), and BR dynamics from the same start, capped at
    ``FALLBACK_BR_ITERATIONS`` (unless it was BR dynamics); each within the time left."""
    first = "given" if start is not None and method != "pyomo-mip" else "midpoint"
    first_point = starting_point(game.lower, game.upper, start if method != "pyomo-mip" else None)
    newton_iter = max_iter if method == "newton" and max_iter is not None else 200

    def newton(point: np.ndarray | None) -> Callable[[float], MethodOutcome]:
        return lambda left: newton_solve(game, start=point, tol=residual_tol, max_iter=newton_iter,
                                         max_seconds=max(left, 0.0))

    def br(point: np.ndarray | None) -> Callable[[float], MethodOutcome]:
        return lambda left: br_dynamics_solve(game, start=point, tol=residual_tol, max_iter=FALLBACK_BR_ITERATIONS,
                                              max_seconds=max(left, 0.0))

    point = None if start is None or method == "pyomo-mip" else first_point
    plan = [_Planned("newton", first, newton(point))] if method != "newton" else []
    tried = [first_point]
    for label, fraction in FALLBACK_STARTS:
        p = game.lower + fraction * (game.upper - game.lower)
        if any(np.array_equal(p, q) for q in tried):
            continue
        tried.append(p)
        plan.append(_Planned("newton", label, newton(p)))
    if method != "br":  # last: the slowest, and it rarely settles what Newton could not
        plan.append(_Planned("br", first, br(point)))
    return plan


def _solve(game: ContinuousGame, method: str, first: Callable[[], MethodOutcome], *, tol: float,
           residual_tol: float, start: np.ndarray | None, max_iter: int | None = None) -> NashResult:
    """The named method's attempt; when its point does not verify, sequential best responses from
    it (small games), then the fallback plan within the time budget (module doc)."""
    t0 = time.perf_counter()
    if start is not None:
        start = starting_point(game.lower, game.upper, start)  # validates it before anything runs
    attempts = [_certify(game, method, "given" if start is not None else "midpoint", first, tol)]
    log = [attempts[0].summary()]
    searches: list[_Search] = []
    if _decisive(game, attempts[0]):
        return _conclude(game, attempts, searches, log, tol=tol, seconds=time.perf_counter() - t0)
    deadline = t0 + max(FALLBACK_SECONDS, FALLBACK_FACTOR * attempts[0].seconds)
    if not attempts[0].failed and game.n <= CYCLE_SEARCH_PLAYERS:
        search = _best_response_search(game, attempts[0], tol)
        searches.append(search)
        log.append(search.summary)
        if search.attempt is not None:
            attempts.append(search.attempt)
    if not any(_decisive(game, a) for a in attempts):
        for planned in fallback_plan(game, method, start, residual_tol=residual_tol, max_iter=max_iter):
            left = deadline - time.perf_counter()
            if left <= 0:
                log.append({"method": planned.method, "start": planned.start, "skipped": "time budget spent"})
                continue
            attempt = _certify(game, planned.method, planned.start, lambda p=planned, t=left: p.run(t), tol)
            attempts.append(attempt)
            log.append(attempt.summary())
            if _decisive(game, attempt):
                break
    return _conclude(game, attempts, searches, log, tol=tol, seconds=time.perf_counter() - t0)


def _check_tolerances(tol: float, residual_tol: float) -> None:
    for name, value in (("tol", tol), ("residual_tol", residual_tol)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < np.inf:
            raise ValueError(f"{name}: must be a finite number > 0, got {value!r}")


def newton_nash(game: ContinuousGame, *, tol: float = NASH_GAIN_TOL, residual_tol: float = RESIDUAL_TOL,
                start: np.ndarray | None = None, max_iter: int = 200) -> NashResult:
    """Semismooth Newton on the equilibrium complementarity problem (:mod:`.newton`), then the
    fallback attempts when its point does not verify (module doc)."""
    _check_tolerances(tol, residual_tol)
    return _solve(game, "newton", lambda: newton_solve(game, start=start, tol=residual_tol, max_iter=max_iter),
                  tol=tol, residual_tol=residual_tol, start=start, max_iter=max_iter)


def br_nash(game: ContinuousGame, *, tol: float = NASH_GAIN_TOL, residual_tol: float = RESIDUAL_TOL,
            start: np.ndarray | None = None, step: float | None = None, max_iter: int = 1_000_000) -> NashResult:
    """Projected best-response dynamics, 001 (4) (:mod:`.br_dynamics`), then the fallback
    attempts when its point does not verify (module doc)."""
    _check_tolerances(tol, residual_tol)
    return _solve(game, "br", lambda: br_dynamics_solve(game, start=start, step=step, tol=residual_tol, max_iter=max_iter),
                  tol=tol, residual_tol=residual_tol, start=start)


def stochastic_br_nash(game: ContinuousGame, *, batch: int, tol: float = NASH_GAIN_TOL,
                       residual_tol: float = RESIDUAL_TOL, start: np.ndarray | None = None, step: float | None = None,
                       seed: int = 0, max_iter: int = 1_000_000) -> NashResult:
    """Stochastic best-response dynamics, 003 (11): ``batch`` random players move per step; then
    the fallback attempts when its point does not verify (module doc)."""
    _check_tolerances(tol, residual_tol)

    def run() -> MethodOutcome:
        return br_dynamics_solve(game, start=start, step=step, batch=batch, seed=seed, tol=residual_tol,
                                 max_iter=max_iter)

    return _solve(game, "stochastic-br", run, tol=tol, residual_tol=residual_tol, start=start)


def pyomo_mip_nash(game: ContinuousGame, *, tol: float = NASH_GAIN_TOL, residual_tol: float = RESIDUAL_TOL) -> NashResult:
    """The MCP posed in Pyomo and solved exactly as a MIP with HiGHS (affine own-gradient maps
    only; other games are refused with an error), then the fallback attempts when its point does
    not verify (module doc)."""
    from mechopt.solvers.pyomo_mcp import pyomo_mip_solve

    _check_tolerances(tol, residual_tol)
    return _solve(game, "pyomo-mip", lambda: pyomo_mip_solve(game, residual_tol=residual_tol), tol=tol,
                  residual_tol=residual_tol, start=None)


def solve_nash(
    game: ContinuousGame,
    *,
    method: Method = "newton",
    tol: float = NASH_GAIN_TOL,
    residual_tol: float = RESIDUAL_TOL,
    start: np.ndarray | None = None,
    max_iter: int | None = None,
    step: float | None = None,
    batch: int | None = None,
    seed: int | None = None,
) -> NashResult:
    """Compute a certified Nash equilibrium of ``game`` with the method named.

    ``method``: ``"newton"`` (default; options ``start``, ``max_iter``), ``"br"`` (``start``,
    ``max_iter``, ``step``), ``"stochastic-br"`` (``batch`` required; ``start``, ``max_iter``,
    ``step``, ``seed``) or ``"pyomo-mip"`` (no options).  An option the method does not take is an
    error.  ``tol`` bounds the certified best-response gain; ``residual_tol`` is where the method
    stops.  When the method's point does not verify, further methods and starts are tried before
    anything else is reported (module doc; ``stats.parameters["attempts"]`` lists them).
    A generalized game (vector strategies, shared constraints) goes to
    :func:`~mechopt.solvers.gnep.solve_gnep` (methods ``newton``, ``br``, ``pyomo-mip``) and
    returns its :class:`~mechopt.certificates.gnep.GNEPResult`.
    """
    if isinstance(game, GeneralizedGame):  # vector strategies or shared constraints: docs/gnep.md
        from mechopt.solvers.gnep import solve_gnep

        if residual_tol != RESIDUAL_TOL or step is not None or batch is not None or seed is not None:
            raise ValueError("residual_tol, step, batch, seed: not options of a generalized game's methods")
        return solve_gnep(game, method=method, tol=tol, start=start, max_iter=max_iter)  # type: ignore[arg-type,return-value]
    if method not in METHOD_OPTIONS:
        raise ValueError(f"method: expected one of {sorted(METHOD_OPTIONS)}, got {method!r}")
    given = {"start": start, "max_iter": max_iter, "step": step, "batch": batch, "seed": seed}
    given = {k: v for k, v in given.items() if v is not None}
    unused = sorted(set(given) - METHOD_OPTIONS[method])
    if unused:
        allowed = ", ".join(sorted(METHOD_OPTIONS[method])) or "none"
        raise ValueError(f"{', '.join(unused)}: not an option of method {method!r} (its options: {allowed})")
    if method == "newton":
        return newton_nash(game, tol=tol, residual_tol=residual_tol, **given)
    if method == "br":
        return br_nash(game, tol=tol, residual_tol=residual_tol, **given)
    if method == "stochastic-br":
        if batch is None:
            raise ValueError(f"batch: stochastic-br needs the number of players moving per step, in [2, {game.n}]")
        return stochastic_br_nash(game, tol=tol, residual_tol=residual_tol, **given)
    return pyomo_mip_nash(game, tol=tol, residual_tol=residual_tol)


__all__ = ["METHOD_OPTIONS", "NashResult", "br_nash", "fallback_plan",
           "newton_nash", "pyomo_mip_nash", "solve_nash", "stochastic_br_nash"]
