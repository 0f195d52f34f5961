"""mechopt: incentive mechanism design for federated and collaborative learning.

Design problems posed declaratively, solved with real solvers, answered with certificates that
can be re-checked without trusting the solver.  The layers (core, data, games, mechanisms,
programs, certificates, solvers, analyses, typegrid, io, cli) are described in docs/design.md.
"""

from mechopt.certificates.nash import NashCertificate, nash_certificate
from mechopt.core.status import Status, Termination
from mechopt.data.functions import CallableFunction, PACBound, PowerLaw, Quadratic, ScalarFunction, linear_cost
from mechopt.data.payoffs import LinearIndexPayoff, Payoff, RandomCoverage
from mechopt.games import CallableGame, ContinuousGame, DataSharingGame
from mechopt.solvers.nash import NashResult, br_nash, newton_nash, pyomo_mip_nash, solve_nash, stochastic_br_nash
from mechopt.valuation.shapley import shapley_values

ConcaveGame = ContinuousGame
"""Former name of :class:`ContinuousGame` (it also holds games not concave in the own action)."""
IndexPayoff = LinearIndexPayoff
"""Former name of :class:`LinearIndexPayoff`."""
Linear = linear_cost
"""Former name of :func:`linear_cost`."""

__all__ = [
    "CallableFunction", "CallableGame", "ConcaveGame", "ContinuousGame", "DataSharingGame", "IndexPayoff", "Linear",
    "LinearIndexPayoff", "NashCertificate", "NashResult", "PACBound", "Payoff", "PowerLaw", "Quadratic",
    "RandomCoverage", "ScalarFunction", "Status", "Termination", "br_nash", "linear_cost", "nash_certificate",
    "newton_nash", "pyomo_mip_nash", "shapley_values", "solve_nash", "stochastic_br_nash",
]
__version__ = "0.2.0"
