"""The ``nash`` kind: an equilibrium of a data-sharing game (001 Section 2); the
``generalized_nash`` kind: a variational equilibrium of a game with vector strategies and shared
constraints (docs/gnep.md)."""

from __future__ import annotations

from mechopt.certificates.gnep import GNEPResult, certify_generalized_nash
from mechopt.certificates.nash import NashResult, certify_nash
from mechopt.core.tolerances import NASH_GAIN_TOL
from mechopt.core.verdict import Verdict
from mechopt.io.kind import Kind
from mechopt.io.kinds.rows import short
from mechopt.io.schemas.game import NashModel, build_game
from mechopt.io.schemas.gnep import GNEPModel, build_generalized_game
from mechopt.solvers.gnep import solve_gnep
from mechopt.solvers.nash import solve_nash


def _solve(model: NashModel, tol: float) -> NashResult:
    s = model.solver
    return solve_nash(build_game(model.game), method=s.method, tol=tol, batch=s.batch, step=s.step)


def _certify(model: NashModel, answer: NashResult, tol: float):  # type: ignore[no-untyped-def]
    return certify_nash(build_game(model.game), answer, tol=tol)


def nash_summary(r: NashResult) -> str:
    return f"s = {short(r.profile)}, max gain {r.certificate.max_gain:.3g}"


def _solve_gnep(model: GNEPModel, tol: float) -> GNEPResult:
    return solve_gnep(build_generalized_game(model.game), method=model.solver.method, tol=tol)


def _certify_gnep(model: GNEPModel, answer: GNEPResult, tol: float) -> Verdict:
    return certify_generalized_nash(build_generalized_game(model.game), answer, tol=tol)


def gnep_summary(r: GNEPResult) -> str:
    flat = [v for x in r.profile for v in x]
    return f"x = {short(flat)}, mu = {short(r.multipliers)}, max gain {max(r.certificate.gains, default=0.0):.3g}"


KINDS = (Kind("nash", NashModel, NashResult, _solve, _certify, NASH_GAIN_TOL, nash_summary,
              tol_path=("solver", "tol"), method_path=("solver", "method")),
         Kind("generalized_nash", GNEPModel, GNEPResult, _solve_gnep, _certify_gnep, NASH_GAIN_TOL, gnep_summary,
              tol_path=("solver", "tol"), method_path=("solver", "method")))
