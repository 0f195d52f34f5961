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
    "DataSharingGame": "mechopt.games.data_sharing", "AggregativeGame": "mechopt.games.aggregative",
    # equilibria
    "NashCertificate": "mechopt.certificates.nash", "NashResult": "mechopt.certificates.nash",
    "nash_certificate": "mechopt.certificates.nash", "certify_nash": "mechopt.certificates.nash",
    "solve_nash": "mechopt.solvers.nash", "newton_nash": "mechopt.solvers.nash", "br_nash": "mechopt.solvers.nash",
    "stochastic_br_nash": "mechopt.solvers.nash", "pyomo_mip_nash": "mechopt.solvers.nash",
    # generalized equilibria: vector strategies and shared constraints
    "GeneralizedGame": "mechopt.games.generalized", "CallableGeneralizedGame": "mechopt.games.generalized",
    "QuadraticGame": "mechopt.games.gnep_families", "VectorDataSharingGame": "mechopt.games.gnep_families",
    "GNEPResult": "mechopt.certificates.gnep", "GNEPCertificate": "mechopt.certificates.gnep",
    "certify_generalized_nash": "mechopt.certificates.gnep", "solve_gnep": "mechopt.solvers.gnep",
    # M_beta and the p-mean welfare program (001)
    "BudgetUtility": "mechopt.data.utilities", "CobbDouglas": "mechopt.data.utilities",
    "QuasiLinear": "mechopt.data.utilities", "WelfareProgram": "mechopt.programs.welfare",
    "solve_welfare": "mechopt.solvers.welfare", "optimal_beta": "mechopt.mechanisms.mbeta",
    "solve_mbeta": "mechopt.analyses.theorem41",
    # mechanisms, Shapley values (003)
    "mechanism": "mechopt.mechanisms.catalog", "solve_mechanism": "mechopt.reciprocity.answer",
    "shapley_values": "mechopt.valuation.shapley",
    # type grids (002)
    "TypeGrid": "mechopt.typegrid.model", "market_growth_grid": "mechopt.typegrid.model",
    "solve_existence": "mechopt.typegrid.existence",
    # value shaping (000)
    "ValueOfData": "mechopt.valueshaping.value", "solve_value_shaping": "mechopt.valueshaping.equilibrium",
    "solve_contract": "mechopt.valueshaping.contracts",
    # privacy levels (004)
    "SymmetricPrivacyGame": "mechopt.privacy.symmetric", "solve_stackelberg": "mechopt.privacy.stackelberg",
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
