"""Variational equilibria of generalized games: ``solve_gnep`` runs the named method
(``"newton"``: semismooth Newton on the MCP of the players' KKT conditions with common
multipliers, :mod:`.gnep_newton`; ``"br"``: best-response dynamics, :mod:`.gnep_br`;
``"pyomo-mip"``: the MCP in Pyomo solved exactly by HiGHS for affine games, :mod:`.gnep_pyomo`).
When its point does not verify, Newton runs from that point and then from the box midpoint, and
best-response dynamics followed by Newton from their point, until one verifies.  The first
attempt that verifies is reported, else the one whose worst gain is smallest relative to its
allowance; its status is the verdict of :func:`~mechopt.certificates.gnep.certify_generalized_nash`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Literal

import numpy as np

from mechopt.certificates.gnep import GNEPCertificate, GNEPResult, certify_generalized_nash, gnep_certificate
from mechopt.core.stats import SolveStats
from mechopt.core.status import Status, Termination
from mechopt.core.tolerances import NASH_GAIN_TOL
from mechopt.games.generalized import GeneralizedGame
from mechopt.solvers.gnep_br import Order, gnep_br_solve
from mechopt.solvers.gnep_newton import GNEPOutcome, gnep_newton_solve
from mechopt.solvers.gnep_pyomo import gnep_pyomo_solve

GNEPMethod = Literal["newton", "br", "pyomo-mip"]
FAILURES = (ArithmeticError, np.linalg.LinAlgError)
FALLBACK_BR_ROUNDS = 50
"""Round cap of best-response dynamics run as a fallback (their point is a start for Newton)."""


def _certify(game: GeneralizedGame, outcome: GNEPOutcome, tol: float) -> GNEPCertificate:
    return gnep_certificate(game, outcome.x, outcome.mu, outcome.lam, tol=tol)


def _excess(cert: GNEPCertificate) -> float:
    """How far a certificate is from verifying: the worst of gains and KKT gaps over their allowance."""
    worst = np.maximum(cert.gains, cert.kkt_gaps) / np.maximum(cert.slack, np.finfo(float).tiny)
    value = float(np.max(worst, initial=0.0))
    return value if np.isfinite(value) else float("inf")


def solve_gnep(game: GeneralizedGame, *, method: GNEPMethod = "newton", tol: float = NASH_GAIN_TOL,
               start: list[np.ndarray] | None = None, max_iter: int | None = None,
               order: Order = "gauss-seidel") -> GNEPResult:
    """A certified variational equilibrium of ``game`` (module doc).  ``start``: one array per
    player (methods ``newton`` and ``br``); ``max_iter``: the named method's iteration cap;
    ``order``: ``"gauss-seidel"`` or ``"jacobi"`` for ``br``."""
    if method not in ("newton", "br", "pyomo-mip"):
        raise ValueError(f"method: expected one of ['br', 'newton', 'pyomo-mip'] for a generalized game, got {method!r}")
    if isinstance(tol, bool) or not isinstance(tol, (int, float)) or not 0 < tol < np.inf:
        raise ValueError(f"tol: must be a finite number > 0, got {tol!r}")
    if start is not None and method == "pyomo-mip":
        raise ValueError("start: not an option of method 'pyomo-mip'")
    x0 = None if start is None else game.join(start, "start")
    if x0 is not None and not np.all(np.isfinite(x0)):
        raise ValueError("start: must be finite numbers")
    t0 = time.perf_counter()
    runs: dict[str, Callable[[], GNEPOutcome]] = {
        "newton": lambda: gnep_newton_solve(game, start=x0, max_iter=max_iter or 200),
        "br": lambda: gnep_br_solve(game, start=x0, order=order, max_iter=max_iter or 500),
        "pyomo-mip": lambda: gnep_pyomo_solve(game),
    }
    attempts: list[tuple[str, GNEPOutcome, GNEPCertificate]] = []
    log: list[dict[str, Any]] = []

    def attempt(label: str, run: Callable[[], GNEPOutcome]) -> bool:
        t = time.perf_counter()
        try:
            outcome = run()
        except FAILURES as err:
            log.append({"method": label, "error": f"{type(err).__name__}: {err}", "seconds": time.perf_counter() - t})
            return False
        cert = _certify(game, outcome, tol)
        attempts.append((label, outcome, cert))
        log.append({"method": label, "termination": outcome.termination.value, "iterations": outcome.iterations,
                    "residual": outcome.residual, "verified": cert.verified, "seconds": time.perf_counter() - t})
        return cert.verified

    done = attempt(method, runs[method])
    if not done and attempts and method != "newton":
        last = attempts[-1][1].x
        done = attempt("newton from the method's point", lambda: gnep_newton_solve(game, start=last))
    if not done and method == "newton":
        done = attempt("newton from the midpoint", lambda: gnep_newton_solve(game)) if x0 is not None else False
        if not done and attempt("br", lambda: gnep_br_solve(game, start=x0, max_iter=FALLBACK_BR_ROUNDS)):
            done = True
        if not done and attempts and attempts[-1][0] == "br":
            last = attempts[-1][1].x
            done = attempt("newton from the br point", lambda: gnep_newton_solve(game, start=last))
    return _conclude(game, attempts, log, tol, time.perf_counter() - t0)


def _conclude(game: GeneralizedGame, attempts: list[tuple[str, GNEPOutcome, GNEPCertificate]],
              log: list[dict[str, Any]], tol: float, seconds: float) -> GNEPResult:
    claimed = Status.UNVERIFIED
    if not attempts:  # every method raised: the midpoint, so that the answer carries evidence
        x = 0.5 * (game.lower + game.upper)
        outcome = GNEPOutcome(x, np.zeros(game.m), Termination.NUMERICAL_ERROR, 0, 0.0, float("inf"),
                              lam=np.zeros(game.p))
        attempts = [("none", outcome, _certify(game, outcome, tol))]
        claimed = Status.FAILED
    verified = [a for a in attempts if a[2].verified]
    label, outcome, cert = verified[0] if verified else min(attempts, key=lambda a: _excess(a[2]))
    with np.errstate(all="ignore"):
        utilities = game.utilities(outcome.x)
    stats = SolveStats(method=label, termination=outcome.termination, iterations=outcome.iterations, seconds=seconds,
                       parameters={**outcome.parameters, "residual": outcome.residual, "solve_seconds": outcome.seconds,
                                   "attempts": log})
    draft = GNEPResult("generalized_nash", claimed, "", game.split(outcome.x), outcome.mu, game.split_own(outcome.lam),
                       utilities, cert, stats)
    return draft.certified(certify_generalized_nash(game, draft, tol=tol, evidence=cert))


__all__ = ["GNEPMethod", "solve_gnep"]
