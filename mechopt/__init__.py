"""mechopt: incentive mechanism design for federated and collaborative learning.

Design problems posed declaratively, solved with real solvers, answered with certificates that
can be re-checked without trusting the solver.
"""

from .certificates.nash import NashCertificate, nash_certificate
from .equilibrium import NashResult, solve_nash
from .functions import CallableFunction, Linear, PACBound, PowerLaw, Quadratic, ScalarFunction
from .games import CallableGame, ConcaveGame, DataSharingGame
from .payoffs import IndexPayoff, Payoff, RandomCoverage
from .status import Status, Termination

__all__ = [
    "CallableFunction", "CallableGame", "ConcaveGame", "DataSharingGame", "IndexPayoff", "Linear",
    "NashCertificate", "NashResult", "PACBound", "Payoff", "PowerLaw", "Quadratic", "RandomCoverage",
    "ScalarFunction", "Status", "Termination", "nash_certificate", "solve_nash",
]
__version__ = "0.1.0"
