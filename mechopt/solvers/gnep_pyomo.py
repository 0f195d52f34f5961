"""The variational-equilibrium MCP of an affine generalized game posed declaratively in Pyomo
(``pyomo.mpec``), the cross-check of the Newton method.

With F(x) = M x + q and c(x) = A x - b (quadratic games with linear shared and player-specific
constraints, :class:`~mechopt.games.gnep_families.QuadraticGame`), the players' KKT conditions with
common multipliers of the shared rows and each player's own of its rows are the box MCP in z = (x, mu):

    lower <= x <= upper  _|_  -(M x + q - S^T mu),      0 <= mu <= mu_max  _|_  -(A x - b)

with S = A masked so that a player-specific row enters its owner's coordinates only
(:meth:`~mechopt.games.generalized.GeneralizedGame.multiplier_mask`): the same ascent convention
as :func:`mechopt.solvers.pyomo_mcp.mcp_model`, whose model it reuses.  ``mpec.simple_disjunction`` and ``gdp.bigm`` make it a mixed-integer feasibility problem
solved by HiGHS, then the linear KKT system of the active set gives the values.  mu_max is a
bound the multipliers must stay below (an answer reaching it is a solver error).  Games whose
derivatives are not affine in closed form (data-sharing payoffs, callables) are refused: no
complementarity solver for nonlinear MCPs (PATH, or Ipopt for an MPEC reformulation) is
installed with mechopt.
"""

from __future__ import annotations

import time

import numpy as np

from mechopt.core.status import Termination
from mechopt.games.generalized import GeneralizedGame
from mechopt.solvers.gnep_newton import GNEPOutcome
from mechopt.solvers.pyomo_mcp import mcp_model

MU_MAX_FACTOR = 1e3


def gnep_pyomo_solve(game: GeneralizedGame, *, bound_rtol: float = 1e-7) -> GNEPOutcome:
    """Solve an affine game's variational-equilibrium MCP exactly (module doc)."""
    import pyomo.environ as pyo
    from pyomo.contrib.appsi.solvers import Highs

    form = game.affine_form()
    if form is None:
        raise ValueError("method 'pyomo-mip': needs a game whose pseudo-gradient and shared constraints are affine in "
                         "closed form (a quadratic game with linear shared constraints)")
    t0 = time.perf_counter()
    M, q, A, b = form
    N, m = q.size, b.size
    S = A * game.multiplier_mask()  # a player-specific row enters its owner's stationarity only
    reach = float(np.max(np.abs(q)) + np.max(np.abs(M)) * np.max(np.maximum(np.abs(game.lower), np.abs(game.upper))))
    a_min = float(np.min(np.abs(A[A != 0]))) if np.any(A != 0) else 1.0
    mu_max = MU_MAX_FACTOR * max(reach, 1.0) / a_min
    Mz = np.block([[M, -S.T], [A, np.zeros((m, m))]])
    qz = np.concatenate([q, -b])
    model = mcp_model(Mz, qz, np.concatenate([game.lower, np.zeros(m)]), np.concatenate([game.upper, np.full(m, mu_max)]))
    pyo.TransformationFactory("mpec.simple_disjunction").apply_to(model)
    pyo.TransformationFactory("gdp.bigm").apply_to(model)
    solver = Highs()
    solver.config.load_solution = False
    results = solver.solve(model)
    params = {"mip_termination": results.termination_condition.name, "mu_max": mu_max}
    if results.termination_condition.name != "optimal":
        return GNEPOutcome(0.5 * (game.lower + game.upper), np.zeros(game.m), Termination.SOLVER_ERROR, 0,
                           time.perf_counter() - t0, float("inf"), params, np.zeros(game.p))
    results.solution_loader.load_vars()
    z = np.array([pyo.value(model.s[i]) for i in range(N + m)])
    x, mu = np.clip(z[:N], game.lower, game.upper), np.maximum(z[N:], 0.0)
    w = game.upper - game.lower
    at_lo, at_hi = x <= game.lower + bound_rtol * w, x >= game.upper - bound_rtol * w
    x[at_lo], x[at_hi] = game.lower[at_lo], game.upper[at_hi]
    active = np.flatnonzero(mu > bound_rtol * mu_max)
    if np.any(mu >= mu_max * (1 - bound_rtol)):
        return GNEPOutcome(x, mu[:game.m], Termination.SOLVER_ERROR, 1, time.perf_counter() - t0, float("inf"),
                           params | {"error": "a multiplier reached mu_max"}, mu[game.m:])
    free = np.flatnonzero(~(at_lo | at_hi))
    fixed = np.flatnonzero(at_lo | at_hi)
    # the active set's linear KKT system: M_free x + q_free - S_act,free^T mu_act = 0, A_act x = b_act
    K = np.block([[M[np.ix_(free, free)], -S[np.ix_(active, free)].T],
                  [A[np.ix_(active, free)], np.zeros((active.size, active.size))]])
    rhs = np.concatenate([-(q[free] + M[np.ix_(free, fixed)] @ x[fixed]), b[active] - A[np.ix_(active, fixed)] @ x[fixed]])
    if K.size:
        sol = np.linalg.lstsq(K, rhs, rcond=None)[0]
        x[free], mu[active] = sol[:free.size], np.maximum(sol[free.size:], 0.0)
    x = np.clip(x, game.lower, game.upper)
    lagrangian = M @ x + q - S.T @ mu
    residual = float(np.max(np.abs(x - np.clip(x + lagrangian, game.lower, game.upper)), initial=0.0))
    return GNEPOutcome(x, mu[:game.m], Termination.CONVERGED, 1, time.perf_counter() - t0, residual, params,
                       mu[game.m:])
