"""The ``nash`` kind: an equilibrium of a data-sharing game (001 Section 2)."""

from __future__ import annotations

from mechopt.certificates.nash import NashResult, certify_nash
from mechopt.core.tolerances import NASH_GAIN_TOL
from mechopt.io.kind import Kind
from mechopt.io.kinds.rows import short
from mechopt.io.schemas.game import NashModel, build_game
from mechopt.solvers.nash import solve_nash


def _solve(model: NashModel, tol: float) -> NashResult:
    s = model.solver
    return solve_nash(build_game(model.game), method=s.method, tol=tol, batch=s.batch, step=s.step)


def _certify(model: NashModel, answer: NashResult, tol: float):  # type: ignore[no-untyped-def]
    return certify_nash(build_game(model.game), answer, tol=tol)


def nash_summary(r: NashResult) -> str:
    return f"s = {short(r.profile)}, max gain {r.certificate.max_gain:.3g}"


KINDS = (Kind("nash", NashModel, NashResult, _solve, _certify, NASH_GAIN_TOL, nash_summary,
              tol_path=("solver", "tol"), method_path=("solver", "method")),)
