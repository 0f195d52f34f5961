"""The mechanisms of 003 by the names a ``kind = "mechanism"`` model file gives them: the one
place a name becomes a class."""

from __future__ import annotations

import numpy as np

from mechopt.data.functions import Quadratic
from mechopt.data.payoffs import LinearIndexPayoff
from mechopt.mechanisms.mshap import ShapleyMechanism
from mechopt.mechanisms.quasilinear import BudgetBalanced, NoPayments, QuasiLinearMechanism

MECHANISMS: dict[str, type[QuasiLinearMechanism]] = {"none": NoPayments, "budget_balanced": BudgetBalanced,
                                                     "shapley": ShapleyMechanism}
"""M^0, M^BG (001's M_beta) and M^Shap (7) by name."""


def mechanism(name: str, payoff: LinearIndexPayoff, cost: Quadratic, tau: np.ndarray | float, *,
              beta: float | None = None, engine: str = "auto") -> QuasiLinearMechanism:
    """The mechanism called ``name`` on the setting (payoff, cost, tau); ``beta``: M^BG's parameter
    (None: beta* of 001 (6)); ``engine``: the exact Shapley engine."""
    if name not in MECHANISMS:
        raise ValueError(f"mechanism: expected one of {tuple(MECHANISMS)}, got {name!r}")
    return MECHANISMS[name].build(payoff, cost, tau, beta=beta, engine=engine)
