"""The equilibrium complementarity problem posed declaratively in Pyomo (``pyomo.mpec``).

For games whose own-gradient map is affine, F(s) = M s + q (linear-quadratic utilities, e.g.
Cournot competition, linear discovery with quadratic costs), the mixed complementarity problem

    l_i <= s_i <= u_i  _|_  -F_i(s)        (i = 1..n)

is reformulated exactly as a mixed-integer linear feasibility problem (``mpec.simple_disjunction``
then ``gdp.bigm``) and solved with HiGHS.  This is an exact method independent of the Newton
solver, used to cross-check it.  Non-affine games are refused with an error naming the check.
"""

from __future__ import annotations

import time

from typing import TYPE_CHECKING

import numpy as np

from mechopt.games.base import ContinuousGame
from mechopt.core.status import Termination
from mechopt.core.structured import to_dense
from mechopt.core.tolerances import RESIDUAL_TOL
from mechopt.solvers.outcome import MethodOutcome, max_norm

if TYPE_CHECKING:
    import pyomo.environ as pyo


def affine_gradient(game: ContinuousGame, *, samples: int = 3, seed: int = 0, rtol: float = 1e-5) -> tuple[np.ndarray, np.ndarray]:
    """(M, q) with F(s) = M s + q, checked at random points of the action box.

    Raises ``ValueError`` when the Jacobian varies or F is not affine at the sampled points;
    ``rtol`` allows for Jacobians that are difference quotients (games given by callables).
    """
    rng = np.random.default_rng(seed)
    lo, hi = game.lower, game.upper
    points = [lo + (hi - lo) * rng.uniform(size=game.n) for _ in range(samples)]
    M = to_dense(game.own_jacobian(points[0]))
    q = game.own_gradient(points[0]) - M @ points[0]
    scale = max(1.0, float(np.max(np.abs(M))), float(np.max(np.abs(q))))
    for p in points[1:]:
        if np.max(np.abs(to_dense(game.own_jacobian(p)) - M)) > rtol * scale or \
                np.max(np.abs(game.own_gradient(p) - (M @ p + q))) > rtol * scale * max(1.0, float(np.max(hi))):
            raise ValueError("game: the own-gradient map is not affine, so the MIP reformulation does not apply")
    return M, q


def mcp_model(M: np.ndarray, q: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> pyo.ConcreteModel:
    """The Pyomo model  l <= s <= u  _|_  -(M s + q)  of the equilibrium conditions."""
    import pyomo.environ as pyo
    from pyomo.mpec import Complementarity, complements

    n = q.size
    m = pyo.ConcreteModel(name="nash_mcp")
    m.I = pyo.RangeSet(0, n - 1)
    m.s = pyo.Var(m.I, bounds=lambda _, i: (float(lower[i]), float(upper[i])))

    def player(model: pyo.ConcreteModel, i: int):
        gradient = sum(float(M[i, j]) * model.s[j] for j in range(n) if M[i, j] != 0.0) + float(q[i])
        return complements(pyo.inequality(float(lower[i]), model.s[i], float(upper[i])), -gradient)

    m.equilibrium = Complementarity(m.I, rule=player)
    m.feasibility = pyo.Objective(expr=0.0)
    return m


def pyomo_mip_solve(game: ContinuousGame, *, residual_tol: float = RESIDUAL_TOL, bound_tol: float = 1e-6,
                    refinements: int = 3) -> MethodOutcome:
    """Solve an affine game's MCP exactly: MIP (big-M disjunctions) with HiGHS for the active set,
    then the linear system of the free players, M_II s_I = -(q_I + M_IA s_A), for the values.
    Converged only when the natural residual of the final point is at most ``residual_tol``."""
    import pyomo.environ as pyo
    from pyomo.contrib.appsi.solvers import Highs

    t0 = time.perf_counter()
    M, q = affine_gradient(game)
    model = mcp_model(M, q, game.lower, game.upper)
    pyo.TransformationFactory("mpec.simple_disjunction").apply_to(model)
    pyo.TransformationFactory("gdp.bigm").apply_to(model)
    solver = Highs()
    solver.config.load_solution = False
    results = solver.solve(model)
    params = {"mip_termination": results.termination_condition.name}
    if results.termination_condition.name != "optimal":
        s = 0.5 * (game.lower + game.upper)
        return MethodOutcome(s, Termination.SOLVER_ERROR, 0, time.perf_counter() - t0, float("inf"), params)
    results.solution_loader.load_vars()
    s = game.project(np.array([pyo.value(model.s[i]) for i in range(game.n)]))
    width = game.upper - game.lower
    at_lo, at_hi = s <= game.lower + bound_tol * width, s >= game.upper - bound_tol * width
    s[at_lo], s[at_hi] = game.lower[at_lo], game.upper[at_hi]
    free, fixed = np.flatnonzero(~(at_lo | at_hi)), np.flatnonzero(at_lo | at_hi)
    if free.size:
        block = M[np.ix_(free, free)]
        s[free] = np.linalg.lstsq(block, -(q[free] + M[np.ix_(free, fixed)] @ s[fixed]), rcond=None)[0]
        for _ in range(refinements):  # chord steps on the model's own F (M may be a difference quotient)
            s[free] -= np.linalg.lstsq(block, game.own_gradient(s)[free], rcond=None)[0]
        s = game.project(s)
    residual = max_norm(game.natural_residual(s))
    term = Termination.CONVERGED if residual <= residual_tol else Termination.NUMERICAL_ERROR
    return MethodOutcome(s, term, 1, time.perf_counter() - t0, residual, params)
