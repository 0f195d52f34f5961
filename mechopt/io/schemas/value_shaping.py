"""Schema of ``value_shaping`` model files (000 Sections 2-4) and the objects they build.

```toml
kind = "value_shaping"
n = 4
epsilon = 0.0            # (11)'s eps; 0 is the limit eps -> 0+ of Theorem IV
tol = 1e-9               # optional: the certifier's tolerance, relative to sup v
[value]                  # b of v(m) = max(0, b(m)), shared by all agents: power_law or pac_bound
family = "power_law"
alpha = 1.0
beta = 1.0
top = 1.0
[cost]
slope = [0.01, 0.02, 0.05, 0.3]   # c_i > 0, or one number for all agents
```
"""

from __future__ import annotations

from typing import Annotated, Literal, Union

import numpy as np
from pydantic import Field, model_validator

from mechopt.io.schemas.game import (NonNegative, PACBoundSpec, PositiveOrList, PowerLawSpec, Strict,
                                     build_function)
from mechopt.valueshaping.value import ValueOfData

VALUE_SHAPING_MAX_AGENTS = 10**6
CONTRACT_MAX_AGENTS = 10**7
"""A contract's symmetric fixed point takes n as a count only (no per-agent arrays)."""
"""Largest n of a ``value_shaping`` model.  Its answer carries about 14 arrays of n numbers (solo
optima, regimes, both profiles, values, utilities, gains, ...): at n = 10^6 the result file is
about 220 MiB and solving and certifying take a few seconds (docs/valueshaping.md); at n = 10^7 the
file would be about 2.2 GiB, beyond what ``mechopt verify`` reads (:data:`mechopt.io.files.MAX_FILE_BYTES`).
The Python API (:func:`mechopt.valueshaping.equilibrium.solve_value_shaping`) takes any n."""

ValueSpec = Annotated[Union[PowerLawSpec, PACBoundSpec], Field(discriminator="family")]
Tolerance = Annotated[float, Field(gt=0, lt=1, allow_inf_nan=False)]
"""A certifier's tolerance (``tol`` of both kinds; relative to sup v and to the answer's data scale)."""


class SlopeSpec(Strict):
    """cost_i(m) = slope_i m (000 (2)); slope_i > 0."""

    slope: PositiveOrList


class ValueShapingModel(Strict):
    kind: Literal["value_shaping"]
    name: str = ""
    description: str = ""
    n: Annotated[int, Field(ge=1, le=VALUE_SHAPING_MAX_AGENTS)]
    value: ValueSpec
    cost: SlopeSpec
    epsilon: NonNegative = 0.0
    tol: Tolerance | None = None
    """The certifier's tolerance (default :data:`~mechopt.valueshaping.certify.VALUE_TOL`)."""

    @model_validator(mode="after")
    def _check(self) -> ValueShapingModel:
        if isinstance(self.cost.slope, list) and len(self.cost.slope) != self.n:
            raise ValueError(f"cost.slope: expected n = {self.n} per-agent costs, got {len(self.cost.slope)}")
        fields = ("coefficient", "exponent", "top") if isinstance(self.value, PowerLawSpec) else ("a0", "k")
        for name in fields:
            if isinstance(getattr(self.value, name), list):
                raise ValueError(f"value.{name}: one value of data is shared by all agents (000 (1)); give a number")
        value_of_data(self)  # b increasing, concave where v > 0, sup v > 0: errors name the field
        return self


def value_of_data(model: ValueShapingModel) -> ValueOfData:
    return ValueOfData(build_function(model.value))


def costs(model: ValueShapingModel) -> np.ndarray:
    return np.broadcast_to(np.asarray(model.cost.slope, dtype=float), (model.n,)).copy()


class BinaryCostSpec(Strict):
    """Appendix D: cost low with probability p_low, high otherwise (0 < low < high)."""

    low: Annotated[float, Field(gt=0, allow_inf_nan=False)]
    high: Annotated[float, Field(gt=0, allow_inf_nan=False)]
    p_low: Annotated[float, Field(gt=0, lt=1, allow_inf_nan=False)]

    @model_validator(mode="after")
    def _order(self) -> BinaryCostSpec:
        if not self.low < self.high:
            raise ValueError(f"cost.low, cost.high: need low < high, got {self.low} and {self.high}")
        return self


class ValueShapingContractModel(Strict):
    """Appendix D, (15)-(17), (22): the optimal (m_up, m_down) for one agent of unknown binary cost.
    Exactly one of ``others`` (the others' total data, the paper's reading) and ``n`` (the others are
    n - 1 agents of the same prior at the symmetric fixed point)."""

    kind: Literal["value_shaping_contract"]
    name: str = ""
    description: str = ""
    value: ValueSpec
    cost: BinaryCostSpec
    others: NonNegative | None = None
    n: Annotated[int, Field(ge=1, le=CONTRACT_MAX_AGENTS)] | None = None
    tol: Tolerance | None = None
    """The certifier's tolerance (default :data:`~mechopt.valueshaping.certify.CONTRACT_TOL`)."""

    @model_validator(mode="after")
    def _check(self) -> ValueShapingContractModel:
        if (self.others is None) == (self.n is None):
            raise ValueError("others, n: give exactly one (others' total data, or n for the symmetric fixed point)")
        fields = ("coefficient", "exponent", "top") if isinstance(self.value, PowerLawSpec) else ("a0", "k")
        for name in fields:
            if isinstance(getattr(self.value, name), list):
                raise ValueError(f"value.{name}: one value of data is shared by all agents (000 (1)); give a number")
        if not isinstance(self.value, PowerLawSpec):
            raise ValueError("value.family: the program (22) is posed in cvxpy, which needs family 'power_law'")
        value_of_data(self)  # type: ignore[arg-type]
        return self


BASELINE_MAX_AGENTS = 10**6
"""Largest n of a ``baseline_equilibrium`` model (the answer holds one number per cost type; the
limit matches ``value_shaping``'s)."""


class BaselineModel(Strict):
    """000 (12)-(14), Appendix C.2: the largest equilibrium of PD, PV or PS symmetric by cost type
    (one or two distinct costs; PS one)."""

    kind: Literal["baseline_equilibrium"]
    name: str = ""
    description: str = ""
    mechanism: Literal["PD", "PV", "PS"]
    p: Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
    n: Annotated[int, Field(ge=1, le=BASELINE_MAX_AGENTS)]
    value: ValueSpec
    cost: SlopeSpec
    tol: Tolerance | None = None
    """The certifier's tolerance (default :data:`~mechopt.valueshaping.proportional.certify.BASELINE_TOL`)."""

    @model_validator(mode="after")
    def _check(self) -> BaselineModel:
        if isinstance(self.cost.slope, list) and len(self.cost.slope) != self.n:
            raise ValueError(f"cost.slope: expected n = {self.n} per-agent costs, got {len(self.cost.slope)}")
        distinct = len(set(self.cost.slope)) if isinstance(self.cost.slope, list) else 1
        if distinct > 2:
            raise ValueError(f"cost.slope: at most two distinct costs (families are enumerated per type), got {distinct}")
        if self.mechanism == "PS" and distinct > 1:
            raise ValueError("cost.slope: PS uses C.2's Shapley value for identical others; give one cost for all agents")
        fields = ("coefficient", "exponent", "top") if isinstance(self.value, PowerLawSpec) else ("a0", "k")
        for name in fields:
            if isinstance(getattr(self.value, name), list):
                raise ValueError(f"value.{name}: one value of data is shared by all agents (000 (1)); give a number")
        value_of_data(self)  # type: ignore[arg-type]
        return self
