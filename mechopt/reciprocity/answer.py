"""The answer to a ``kind = "mechanism"`` model: a mechanism's equilibrium with its payments and
003's measures (4)-(6) at it (:class:`~mechopt.reciprocity.certify.MechanismResult`).

``solve_mechanism`` solves the mechanism's game and M^0's with the same method and evaluates the
measures at the two profiles found (one each, not a min/max over all equilibria: use
:func:`~mechopt.reciprocity.metrics.evaluate` for the multi-start search), whatever their status;
the status is :func:`~mechopt.reciprocity.certify.certify_mechanism`'s verdict.
"""

from __future__ import annotations

import time

from mechopt.core.stats import SolveStats
from mechopt.core.status import Status
from mechopt.core.tolerances import NASH_GAIN_TOL
from mechopt.mechanisms.quasilinear import QuasiLinearMechanism
from mechopt.reciprocity.certify import MechanismResult, certify_mechanism
from mechopt.reciprocity.measures import mechanism_metrics
from mechopt.solvers.nash import solve_nash


def solve_mechanism(mechanism: QuasiLinearMechanism, *, method: str = "newton", tol: float = NASH_GAIN_TOL,
                    batch: int | None = None, step: float | None = None) -> MechanismResult:
    """The mechanism's equilibrium and M^0's, the measures at them, certified."""
    t0 = time.perf_counter()
    options = {"method": method, "tol": tol, "batch": batch, "step": step}
    eq = solve_nash(mechanism.game(), **options)
    base = eq if mechanism.name == "none" else solve_nash(mechanism.baseline().game(), **options)
    m = mechanism_metrics(mechanism, eq.profile, base.profile)
    stats = SolveStats(method=eq.stats.method, termination=eq.stats.termination, iterations=eq.stats.iterations,
                       seconds=time.perf_counter() - t0,
                       parameters={"mechanism": mechanism.name, **mechanism.parameters, "engine": mechanism.engine})
    draft = MechanismResult("mechanism", Status.UNVERIFIED, "", mechanism.name, mechanism.parameters.get("beta"), eq,
                            base, m.payments, m.shapley, m.payoffs, m.budget_balance, m.reciprocity, m.data_share,
                            m.data_gain, m.accuracy_gain, stats)
    verdict = certify_mechanism(mechanism, draft, tol=tol, evidence=(eq.certificate, base.certificate))
    return draft.certified(verdict)
