"""Nash equilibria: one function per method (``newton_nash``, ``br_nash``, ``stochastic_br_nash``,
``pyomo_mip_nash``), each with its own options, and ``solve_nash`` choosing one by name; every
answer carries the independent Nash certificate.

A profile is reported as an equilibrium only when its certificate verified.  A game declared
concave in the own action whose curvature at the point contradicts the declaration gets the
status ``assumption_violated`` (the certificate holds the point and its curvature).  When the chosen
method's point fails, sequential global best responses are run from it: they either reach a
profile that verifies, or cycle (the cycle is returned as evidence), or run out of rounds.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np

from mechopt.certificates.best_response import best_response_cycle
from mechopt.certificates.nash import NashCertificate, nash_certificate
from mechopt.games.base import ContinuousGame
from mechopt.core.serialization import Serializable
from mechopt.solvers.br_dynamics import br_dynamics_solve
from mechopt.solvers.outcome import MethodOutcome
from mechopt.solvers.newton import newton_solve
from mechopt.core.stats import SolveStats
from mechopt.core.status import Status, Termination
from mechopt.core.tolerances import NASH_GAIN_TOL, RESIDUAL_TOL

Method = Literal["newton", "br", "stochastic-br", "pyomo-mip"]
METHOD_OPTIONS: dict[str, frozenset[str]] = {
    "newton": frozenset({"start", "max_iter"}),
    "br": frozenset({"start", "max_iter", "step"}),
    "stochastic-br": frozenset({"start", "max_iter", "step", "batch", "seed"}),
    "pyomo-mip": frozenset(),
}
"""The options each method takes; ``solve_nash`` rejects any other."""


@dataclass(frozen=True)
class NashResult(Serializable):
    """An equilibrium query's answer; ``profile`` is None unless the certificate verified."""

    kind: str
    status: Status
    profile: np.ndarray | None
    utilities: np.ndarray | None
    certificate: NashCertificate
    stats: SolveStats


def certify_outcome(game: ContinuousGame, outcome: MethodOutcome, method: str, *, tol: float = NASH_GAIN_TOL,
                    search_cycles: bool = True) -> NashResult:
    """Wrap a method's last point in a :class:`NashResult` with its certificate."""
    t0 = time.perf_counter()
    cert = nash_certificate(game, outcome.profile, tol=tol)
    method_used, iterations = method, outcome.iterations
    if not cert.verified and search_cycles and game.n <= 64:
        fixed, cycle = best_response_cycle(game, outcome.profile, tol=tol)
        if fixed is not None:
            retry = nash_certificate(game, fixed, tol=tol)
            if retry.verified:
                cert, method_used = retry, f"{method}+best-response"
        elif cycle is not None:
            cert = replace(cert, cycle=cycle)
    if game.own_concave and not cert.concave_at_point:
        status = Status.ASSUMPTION_VIOLATED  # the declared own-action concavity fails at cert.point
    else:
        status = Status.EQUILIBRIUM if cert.verified else Status.NO_EQUILIBRIUM_FOUND
    profile = cert.point if status is Status.EQUILIBRIUM else None
    stats = SolveStats(
        method=method_used,
        termination=outcome.termination,
        iterations=iterations,
        seconds=outcome.seconds + time.perf_counter() - t0,
        parameters={**outcome.parameters, "residual": outcome.residual, "solve_seconds": outcome.seconds},
    )
    return NashResult("nash", status, profile, None if profile is None else game.utilities(profile), cert, stats)


def _check_tolerances(tol: float, residual_tol: float) -> None:
    for name, value in (("tol", tol), ("residual_tol", residual_tol)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < np.inf:
            raise ValueError(f"{name}: must be a finite number > 0, got {value!r}")


def newton_nash(game: ContinuousGame, *, tol: float = NASH_GAIN_TOL, residual_tol: float = RESIDUAL_TOL,
                start: np.ndarray | None = None, max_iter: int = 200) -> NashResult:
    """Semismooth Newton on the equilibrium complementarity problem (:mod:`.newton`)."""
    _check_tolerances(tol, residual_tol)
    return certify_outcome(game, newton_solve(game, start=start, tol=residual_tol, max_iter=max_iter), "newton", tol=tol)


def br_nash(game: ContinuousGame, *, tol: float = NASH_GAIN_TOL, residual_tol: float = RESIDUAL_TOL,
            start: np.ndarray | None = None, step: float | None = None, max_iter: int = 1_000_000) -> NashResult:
    """Projected best-response dynamics, 001 (4) (:mod:`.br_dynamics`)."""
    _check_tolerances(tol, residual_tol)
    outcome = br_dynamics_solve(game, start=start, step=step, tol=residual_tol, max_iter=max_iter)
    return certify_outcome(game, outcome, "br", tol=tol)


def stochastic_br_nash(game: ContinuousGame, *, batch: int, tol: float = NASH_GAIN_TOL,
                       residual_tol: float = RESIDUAL_TOL, start: np.ndarray | None = None, step: float | None = None,
                       seed: int = 0, max_iter: int = 1_000_000) -> NashResult:
    """Stochastic best-response dynamics, 003 (11): ``batch`` random players move per step."""
    _check_tolerances(tol, residual_tol)
    outcome = br_dynamics_solve(game, start=start, step=step, batch=batch, seed=seed, tol=residual_tol,
                                max_iter=max_iter)
    return certify_outcome(game, outcome, "stochastic-br", tol=tol)


def pyomo_mip_nash(game: ContinuousGame, *, tol: float = NASH_GAIN_TOL, residual_tol: float = RESIDUAL_TOL) -> NashResult:
    """The MCP posed in Pyomo and solved exactly as a MIP with HiGHS (affine own-gradient maps only)."""
    from mechopt.solvers.pyomo_mcp import pyomo_mip_solve

    _check_tolerances(tol, residual_tol)
    return certify_outcome(game, pyomo_mip_solve(game, residual_tol=residual_tol), "pyomo-mip", tol=tol)


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
    stops.
    """
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


__all__ = ["METHOD_OPTIONS", "NashResult", "br_nash", "certify_outcome", "newton_nash", "pyomo_mip_nash",
           "solve_nash", "stochastic_br_nash"]
