"""Schema of M_beta and welfare-program model files (001 Section 4)."""

from __future__ import annotations

from typing import Any, Annotated, Literal, Union

import numpy as np
from pydantic import Field, model_validator

from mechopt.data.utilities import BudgetUtility, CobbDouglas, QuasiLinear
from mechopt.mechanisms.mbeta import BudgetGame, MBeta
from mechopt.programs.welfare import WelfareProgram
from mechopt.io.schemas.game import (
    renamed,
    CostSpec,
    NonNegativeOrList,
    PositiveOrList,
    PowerLawSpec,
    Strict,
    _check_length,
    build_cost,
    build_function,
)

MAX_BUDGET_AGENTS = 1000
"""Largest n of M_beta and welfare models (program (19) has 2n variables; its KKT check is dense)."""
WelfareP = Annotated[float, Field(le=1, allow_inf_nan=True)]


class QuasiLinearSpec(Strict):
    """u_i = b_i + a_i(S) with a concave power-law payoff of the total data."""

    form: Literal["quasi_linear"]
    payoff: PowerLawSpec


class CobbDouglasSpec(Strict):
    """u_i = b_i^theta_i S^(1 - theta_i)."""

    form: Literal["cobb_douglas"]
    theta: Union[Annotated[float, Field(gt=0, lt=1)], list[Annotated[float, Field(gt=0, lt=1)]]]


UtilitySpec = Annotated[Union[QuasiLinearSpec, CobbDouglasSpec], Field(discriminator="form")]


class BudgetModelBase(Strict):
    name: str = ""
    description: str = ""
    tol: Annotated[float, Field(gt=0, lt=1)] | None = None
    """The certifier's tolerance (default: the Nash gain tolerance for mbeta, the KKT one for welfare)."""
    n: Annotated[int, Field(ge=2, le=MAX_BUDGET_AGENTS)]
    budgets: NonNegativeOrList
    utility: UtilitySpec
    cost: CostSpec

    @model_validator(mode="after")
    def _lengths(self):
        _check_length("budgets", self.budgets, self.n)
        for field in ("slope", "intercept", "curvature"):
            _check_length(f"cost.{field}", getattr(self.cost, field), self.n)
        if isinstance(self.utility, CobbDouglasSpec):
            _check_length("utility.theta", self.utility.theta, self.n)
        else:
            for field in ("coefficient", "exponent", "top"):
                _check_length(f"utility.payoff.{field}", getattr(self.utility.payoff, field), self.n)
        if np.any(np.asarray(self.cost.slope) <= 0):
            raise ValueError("cost.slope: M_beta needs cost slopes c_i > 0")
        return self


class MBetaModel(BudgetModelBase):
    """NE of M_beta (beta = "optimal" for beta* of (6)) and, for each p, the welfare comparison."""

    kind: Literal["mbeta"]
    tau: PositiveOrList
    beta: Union[Literal["optimal"], Annotated[float, Field(ge=0, le=1)]] = "optimal"
    welfare_p: list[WelfareP] = []
    """The exponents p of the p-mean welfare (19) to compare the equilibrium with."""

    @model_validator(mode="before")
    @classmethod
    def _former_names(cls, data: Any) -> Any:
        return renamed(data, {"p": "welfare_p"}, "the exponents of the p-mean welfare")

    @model_validator(mode="after")
    def _tau(self):
        _check_length("tau", self.tau, self.n)
        return self


class WelfareModel(BudgetModelBase):
    """Program (19) for one beta and one p."""

    kind: Literal["welfare"]
    beta: Annotated[float, Field(ge=0, le=1)]
    welfare_p: WelfareP
    """The exponent p of the p-mean welfare (19)."""

    @model_validator(mode="before")
    @classmethod
    def _former_names(cls, data: Any) -> Any:
        return renamed(data, {"p": "welfare_p"}, "the exponent of the p-mean welfare")

def build_utility(spec: QuasiLinearSpec | CobbDouglasSpec) -> BudgetUtility:
    if isinstance(spec, QuasiLinearSpec):
        return QuasiLinear(build_function(spec.payoff))
    return CobbDouglas(np.asarray(spec.theta, dtype=float))


def budgets_of(model: BudgetModelBase) -> np.ndarray:
    return np.broadcast_to(np.asarray(model.budgets, dtype=float), (model.n,)).copy()


def welfare_program(model: BudgetModelBase, beta: float, p: float) -> WelfareProgram:
    """Program (19) of a budget model at ``beta`` and ``p``."""
    return WelfareProgram(build_utility(model.utility), build_cost(model.cost), budgets_of(model), beta, p)


def budget_game(model: MBetaModel, beta: float) -> BudgetGame:
    """The game under M_beta of an ``mbeta`` model."""
    tau = np.broadcast_to(np.asarray(model.tau, dtype=float), (model.n,)).copy()
    return BudgetGame(build_utility(model.utility), MBeta(build_cost(model.cost), beta, model.n), budgets_of(model), tau)


__all__ = ["MBetaModel", "WelfareModel", "budget_game", "build_cost", "build_utility", "budgets_of", "welfare_program"]
