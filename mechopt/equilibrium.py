"""``solve_nash``: an equilibrium method, then the independent Nash certificate.

A profile is reported as an equilibrium only when its certificate verified.  A game declared
concave in the own action whose curvature at the point contradicts the declaration gets the
status ``assumption_violated`` (the certificate holds the point and its curvature).  When the chosen
method's point fails, sequential global best responses are run from it: they either reach a
profile that verifies, or cycle (the cycle is returned as evidence), or run out of rounds.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import Any, Literal

import numpy as np

from .best_response import best_response_cycle
from .certificates.nash import NashCertificate, nash_certificate
from .games.base import ConcaveGame
from .serialization import Serializable
from .solvers.br_dynamics import br_dynamics_solve
from .solvers.common import Iterate
from .solvers.newton import newton_solve
from .solvers.pyomo_mcp import pyomo_mip_solve
from .stats import SolveStats
from .status import Status, Termination
from .tolerances import NASH_GAIN_TOL, RESIDUAL_TOL

Method = Literal["newton", "br", "stochastic-br", "pyomo-mip"]


@dataclass(frozen=True)
class NashResult(Serializable):
    """An equilibrium query's answer; ``profile`` is None unless the certificate verified."""

    kind: str
    status: Status
    profile: np.ndarray | None
    utilities: np.ndarray | None
    certificate: NashCertificate
    stats: SolveStats
    model: dict[str, Any] | None = None
    """The model the result is about (set when it came from a model file), for ``verify``."""


def certify_iterate(game: ConcaveGame, iterate: Iterate, method: str, *, tol: float = NASH_GAIN_TOL,
                    search_cycles: bool = True) -> NashResult:
    """Wrap a method's last point in a :class:`NashResult` with its certificate."""
    t0 = time.perf_counter()
    cert = nash_certificate(game, iterate.profile, tol=tol)
    method_used, iterations = method, iterate.iterations
    if not cert.verified and search_cycles and game.n <= 64:
        fixed, cycle = best_response_cycle(game, iterate.profile, tol=tol)
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
        termination=iterate.termination,
        iterations=iterations,
        seconds=iterate.seconds + time.perf_counter() - t0,
        parameters={**iterate.parameters, "residual": iterate.residual, "solve_seconds": iterate.seconds},
    )
    return NashResult("nash", status, profile, None if profile is None else game.utilities(profile), cert, stats)


def solve_nash(
    game: ConcaveGame,
    *,
    method: Method = "newton",
    tol: float = NASH_GAIN_TOL,
    residual_tol: float = RESIDUAL_TOL,
    start: np.ndarray | None = None,
    max_iter: int | None = None,
    step: float | None = None,
    batch: int | None = None,
    seed: int | None = 0,
) -> NashResult:
    """Compute a certified Nash equilibrium of ``game``.

    ``method``: ``"newton"`` (semismooth Newton on the complementarity problem, default),
    ``"br"`` (projected best-response dynamics, 001 (4)), ``"stochastic-br"`` (003 (11) with
    ``batch`` players per step) or ``"pyomo-mip"`` (the MCP in Pyomo, solved exactly as a MIP
    with HiGHS; games with an affine own-gradient map only).  ``tol`` bounds the certified best-response gain;
    ``residual_tol`` is where the method stops.
    """
    if tol <= 0 or residual_tol <= 0:
        raise ValueError("tol, residual_tol: must be > 0")
    if method == "newton":
        it = newton_solve(game, start=start, tol=residual_tol, max_iter=max_iter or 200)
    elif method in ("br", "stochastic-br"):
        if method == "stochastic-br" and batch is None:
            raise ValueError("batch: stochastic-br needs the number of players moving per step")
        it = br_dynamics_solve(game, start=start, step=step, batch=batch if method == "stochastic-br" else None,
                               seed=seed, tol=residual_tol, max_iter=max_iter or 1_000_000)
    elif method == "pyomo-mip":
        it = pyomo_mip_solve(game)
    else:
        raise ValueError(f"method: expected one of 'newton', 'br', 'stochastic-br', 'pyomo-mip', got {method!r}")
    return certify_iterate(game, it, method, tol=tol)


__all__ = ["NashResult", "Termination", "certify_iterate", "solve_nash"]
