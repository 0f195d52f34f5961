"""Schema of ``kind = "mechanism"`` model files (003 Sections 3-4): a mechanism's certified
equilibrium, its payments, and reciprocity (4), data gain (5), accuracy gain (6) against M^0.

```toml
kind = "mechanism"
mechanism = "shapley"          # "none" (M^0) | "budget_balanced" (M^BG, 001's M_beta) | "shapley" (M^Shap (7))
beta = "optimal"               # M^BG only: beta* of 001 (6), or a number in [0, 1]
[game]                         # exactly as in kind = "nash"
n = 2
tau = 100.0
[game.payoff]
family = "power_law"           # power_law, pac_bound, linear or grouped (payoffs of a linear index)
alpha = 1.0
beta = 1.0
shift = 1.0
[game.cost]
slope = [0.1, 0.25]
[solver]                       # as in kind = "nash"
method = "newton"
```
"""

from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import Field, model_validator

from mechopt.data.payoffs import LinearIndexPayoff
from mechopt.io.schemas.game import (GameSpec, GroupedSpec, NashSolverSpec, PowerLawSpec, RandomCoverageSpec, Strict,
                                     build_cost, build_payoff)
from mechopt.valuation.shapley import EXACT_MAX_PLAYERS


def _exact_beyond_enumeration(game: GameSpec) -> bool:
    """The multilinear engine applies: 003's grouped payoff, or a power law with one alpha, beta, top
    for all agents and shift > 0."""
    p = game.payoff
    if isinstance(p, GroupedSpec):
        return True
    return isinstance(p, PowerLawSpec) and p.shift > 0 and not any(isinstance(v, list) for v in (p.alpha, p.beta, p.top))


class MechanismModel(Strict):
    kind: Literal["mechanism"]
    name: str = ""
    description: str = ""
    mechanism: Literal["none", "budget_balanced", "shapley"]
    beta: Union[Literal["optimal"], Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]] = "optimal"
    game: GameSpec
    solver: NashSolverSpec = NashSolverSpec()

    @model_validator(mode="after")
    def _check(self) -> MechanismModel:
        if isinstance(self.game.payoff, RandomCoverageSpec):
            raise ValueError("game.payoff: the mechanism kind needs a payoff of a linear index (power_law, pac_bound, "
                             "linear or grouped); random_coverage has no exact Shapley engine here")
        if self.beta != "optimal" and self.mechanism != "budget_balanced":
            raise ValueError(f"beta: only mechanism 'budget_balanced' takes it, not {self.mechanism!r}")
        if self.game.n > EXACT_MAX_PLAYERS and not _exact_beyond_enumeration(self.game):
            raise ValueError(f"game.n: exact Shapley values by enumeration take n <= {EXACT_MAX_PLAYERS}, got "
                             f"{self.game.n}; larger games need the multilinear engine: a grouped payoff, or a "
                             "power law with scalar alpha, beta, top and shift > 0")
        if self.solver.batch is not None and self.solver.batch > self.game.n:
            raise ValueError(f"solver.batch: must be at most game.n = {self.game.n}, got {self.solver.batch}")
        return self


def mechanism_beta(model: MechanismModel) -> float | None:
    return None if model.beta == "optimal" else float(model.beta)


def mechanism_parts(model: MechanismModel) -> tuple[LinearIndexPayoff, object, object]:
    """(payoff, cost, tau) of the model's game."""
    import numpy as np

    payoff = build_payoff(model.game)
    return payoff, build_cost(model.game.cost), np.broadcast_to(np.asarray(model.game.tau, dtype=float),
                                                               (model.game.n,)).copy()
