"""mechopt: incentive mechanism design for federated and collaborative learning.

Design problems posed declaratively, solved with real solvers, answered with certificates that
can be re-checked without trusting the solver.  The layers (core, data, games, mechanisms,
programs, certificates, solvers, analyses, typegrid, io, cli) are described in docs/design.md.
"""

from importlib import metadata as _metadata

from mechopt.certificates.nash import NashCertificate, nash_certificate
from mechopt.core.status import Status, Termination
from mechopt.data.functions import CallableFunction, PACBound, PowerLaw, Quadratic, ScalarFunction, linear_cost
from mechopt.data.payoffs import LinearIndexPayoff, Payoff, RandomCoverage
from mechopt.games import CallableGame, ContinuousGame, DataSharingGame
from mechopt.certificates.nash import NashResult
from mechopt.solvers.nash import br_nash, newton_nash, pyomo_mip_nash, solve_nash, stochastic_br_nash
from mechopt.valuation.shapley import shapley_values



def envelope(result: object, model: object) -> dict:
    """The result envelope of a result computed in Python, for ``mechopt verify``: ``model`` is the
    model it answers, as a model file's data or the path of the TOML file (see
    :func:`mechopt.io.envelope.envelope`)."""
    from mechopt.io.envelope import envelope as build

    return build(result, model)  # type: ignore[arg-type]


__all__ = [
    "CallableFunction", "CallableGame", "ContinuousGame", "DataSharingGame", "LinearIndexPayoff", "NashCertificate",
    "NashResult", "PACBound", "Payoff", "PowerLaw", "Quadratic", "RandomCoverage", "ScalarFunction", "Status",
    "Termination", "br_nash", "envelope", "linear_cost", "nash_certificate", "newton_nash", "pyomo_mip_nash", "shapley_values",
    "solve_nash", "stochastic_br_nash",
]
try:
    __version__ = _metadata.version("mechopt")
except _metadata.PackageNotFoundError:  # a source tree that was never installed
    __version__ = "unknown"
