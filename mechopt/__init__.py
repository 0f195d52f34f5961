"""mechopt: incentive mechanism design for federated and collaborative learning.

Design problems posed declaratively, solved with real solvers, answered with certificates that
can be re-checked without trusting the solver.  The layers (core, data, games, mechanisms,
programs, certificates, solvers, analyses, the paper domains, io, cli) are described in
docs/design.md.

Public names are loaded when first used (``import mechopt`` itself stays light).
"""

from __future__ import annotations

import importlib
from importlib import metadata as _metadata
from typing import Any

_PUBLIC: dict[str, str] = {
    # statuses and verdicts
    "Status": "mechopt.core.status", "Termination": "mechopt.core.status", "Verdict": "mechopt.core.verdict",
    # functions of data, payoffs, games
    "CallableFunction": "mechopt.data.functions", "PACBound": "mechopt.data.functions",
    "PowerLaw": "mechopt.data.functions", "Quadratic": "mechopt.data.functions",
    "ScalarFunction": "mechopt.data.functions", "linear_cost": "mechopt.data.functions",
    "LinearIndexPayoff": "mechopt.data.payoffs", "Payoff": "mechopt.data.payoffs",
    "RandomCoverage": "mechopt.data.payoffs",
    "CallableGame": "mechopt.games.base", "ContinuousGame": "mechopt.games.base",
    "DataSharingGame": "mechopt.games.data_sharing",
    # equilibria
    "NashCertificate": "mechopt.certificates.nash", "NashResult": "mechopt.certificates.nash",
    "nash_certificate": "mechopt.certificates.nash", "certify_nash": "mechopt.certificates.nash",
    "solve_nash": "mechopt.solvers.nash", "newton_nash": "mechopt.solvers.nash", "br_nash": "mechopt.solvers.nash",
    "stochastic_br_nash": "mechopt.solvers.nash", "pyomo_mip_nash": "mechopt.solvers.nash",
    # Shapley values
    "shapley_values": "mechopt.valuation.shapley",
    # any model, any saved result
    "solve": "mechopt.io.registry", "verify": "mechopt.io.registry",
    # files
    "envelope": "mechopt.io.envelope",
}
__all__ = sorted(_PUBLIC)


def __getattr__(name: str) -> Any:
    if name in _PUBLIC:
        value = getattr(importlib.import_module(_PUBLIC[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'mechopt' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_PUBLIC))


try:
    __version__ = _metadata.version("mechopt")
except _metadata.PackageNotFoundError:  # a source tree that was never installed
    __version__ = "unknown"
