"""Schemas of the ``existence`` and ``disparity_boundary`` model files (002) and the grids they build.

An ``existence`` model is data only: the grid (agents, disparity K, eps, quality) and a valuation
family by name with its parameters; nothing in it is evaluated.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

import numpy as np
from pydantic import Field, model_validator

from mechopt.io.schemas.game import renamed, Finite, NonNegative, Positive, Strict
from mechopt.core.tolerances import FEASIBILITY_TOL
from mechopt.typegrid.model import ALPHA_RANGE, FixedMarket, Identity, LinearExternality, Logistic, MarketGrowth, QuasiMonotone, TypeGrid

GENERIC_WORK_LIMIT = 10**10
"""Largest n K^(n+1) (deviation values the generic methods evaluate) accepted from a model file."""
PROFILE_LIMIT = 10**8
"""Largest K^n (true profiles whose budget is checked) accepted from a model file."""

Alpha = Annotated[float, Field(ge=ALPHA_RANGE[0], le=ALPHA_RANGE[1], allow_inf_nan=False)]


class MarketGrowthSpec(Strict):
    """v_i(q) = (sum_j q_j)^growth_rate q_i (Section 7.2, where the growth rate is alpha)."""

    family: Literal["market_growth"]
    growth_rate: Alpha

    @model_validator(mode="before")
    @classmethod
    def _former_names(cls, data: Any) -> Any:
        return renamed(data, {"alpha": "growth_rate"}, "the market's growth rate alpha of Section 7.2")


class LinearSpec(Strict):
    """v_i(q) = sum_j A_ij q_j (Example 2)."""

    family: Literal["linear"]
    A: list[list[Finite]]


class FixedMarketSpec(Strict):
    """v_i(q) = q_i / sum_j q_j (Example 1)."""

    family: Literal["fixed_market"]


class QuasiMonotoneSpec(Strict):
    """v_i(q) = a_i q_i^b_i + sum_j C_ij sin(w_ij q_j) (Definition 9)."""

    family: Literal["quasi_monotone"]
    a: list[NonNegative]
    b: list[Positive]
    C: list[list[Finite]]
    w: list[list[Finite]]


ValuationSpec = Annotated[Union[MarketGrowthSpec, LinearSpec, FixedMarketSpec, QuasiMonotoneSpec],
                          Field(discriminator="family")]


class GridSpec(Strict):
    n: Annotated[int, Field(ge=1, le=6)]
    """The number of agents."""
    disparity: Annotated[int, Field(ge=1, le=10**6)]
    """K = D / eps: true types are eps, 2 eps, ..., K eps."""
    eps: Positive | None = None
    """Grid step; default 1 / disparity (D = 1)."""
    quality: Literal["identity", "logistic"] = "identity"
    served: list[bool] | None = None
    """Participants that receive the pooled model (default: all)."""


class ExistenceSolverSpec(Strict):
    method: Literal["auto", "dag", "dag-aggregate", "bellman-ford", "lp"] = "auto"
    tol: Positive = FEASIBILITY_TOL
    allow_large: bool = False
    """Run grids whose estimated time exceeds ``SECONDS_LIMIT``."""


SECONDS_LIMIT = 60.0
"""Longest estimated run accepted from a model file without ``solver.allow_large``."""


def estimated_seconds(n: int, K: int, fast: bool) -> float:
    """A rough estimate of an existence solve on this 2-core machine (docs/typegrid.md,
    Performance): the compiled solver and its check cost about 1 microsecond per entry of the
    (K+1) x ((n-1)(K-1)+1) table plus 0.1 microsecond per true profile; the generic methods about
    0.1 microsecond per deviation value n K^(n+1)."""
    if fast:
        return 1e-6 * (K + 1) * ((n - 1) * (K - 1) + 1) + 1e-7 * K**n
    return 1e-7 * n * K ** (n + 1)


class ExistenceModel(Strict):
    kind: Literal["existence"]
    name: str = ""
    description: str = ""
    grid: GridSpec
    valuation: ValuationSpec
    solver: ExistenceSolverSpec = ExistenceSolverSpec()

    @model_validator(mode="after")
    def _consistent(self) -> ExistenceModel:
        n, v = self.grid.n, self.valuation
        if self.grid.served is not None and len(self.grid.served) != n:
            raise ValueError(f"grid.served: expected {n} flags (grid.n), got {len(self.grid.served)}")
        if isinstance(v, LinearSpec) and (len(v.A) != n or any(len(r) != n for r in v.A)):
            raise ValueError(f"valuation.A: expected an n x n matrix (n = grid.n = {n})")
        if isinstance(v, QuasiMonotoneSpec):
            if len(v.a) != n or len(v.b) != n:
                raise ValueError(f"valuation.a, valuation.b: expected {n} values (grid.n)")
            if any(len(m) != n or any(len(r) != n for r in m) for m in (v.C, v.w)):
                raise ValueError(f"valuation.C, valuation.w: expected n x n matrices (n = {n})")
        fast = isinstance(v, MarketGrowthSpec) and self.grid.quality == "identity" and self.grid.served in (None, [True] * n) \
            and self.solver.method in ("auto", "dag-aggregate")
        check_profiles("grid.disparity", "disparity", self.grid.disparity, n)
        seconds = estimated_seconds(n, self.grid.disparity, fast)
        if seconds > SECONDS_LIMIT and not self.solver.allow_large:
            raise ValueError(f"grid.disparity: about {seconds:.0f} s estimated for {n} agents at disparity "
                             f"{self.grid.disparity}, over the {SECONDS_LIMIT:.0f} s limit; set solver.allow_large = "
                             "true to run it anyway")
        work = n * self.grid.disparity ** (n + 1)
        if not fast and work > GENERIC_WORK_LIMIT:
            raise ValueError(f"grid: agents * disparity^(agents+1) = {work:.3g} exceeds {GENERIC_WORK_LIMIT:.0e} for "
                             f"the generic methods; use a smaller grid.disparity (the market_growth family with "
                             f"method 'auto' or 'dag-aggregate' has no such limit)")
        return self


def check_profiles(where: str, name: str, K: int, n: int) -> None:
    if K**n > PROFILE_LIMIT:
        raise ValueError(f"{where}: {name}^agents = {K}^{n} exceeds {PROFILE_LIMIT:.0e} true profiles; "
                         f"use {name} <= {int(PROFILE_LIMIT ** (1 / n))}")


def build_grid(model: ExistenceModel) -> TypeGrid:
    v = model.valuation
    if isinstance(v, MarketGrowthSpec):
        valuation: Any = MarketGrowth(v.growth_rate)
    elif isinstance(v, LinearSpec):
        valuation = LinearExternality(np.asarray(v.A, dtype=float))
    elif isinstance(v, FixedMarketSpec):
        valuation = FixedMarket()
    else:
        valuation = QuasiMonotone(np.asarray(v.a), np.asarray(v.b), np.asarray(v.C), np.asarray(v.w))
    g = model.grid
    quality = Identity() if g.quality == "identity" else Logistic()
    served = None if g.served is None else tuple(bool(x) for x in g.served)
    return TypeGrid(g.n, g.disparity, valuation, g.eps if g.eps is not None else 1.0 / g.disparity, quality,
                    served)


def market_growth_model(alpha: float, K: int, n: int = 2) -> dict[str, Any]:
    """The raw ``existence`` model of the market-growth family (what ``mechopt exists
    --market-growth`` solves and stores in its result); validated like a model file."""
    return {"kind": "existence", "name": f"market growth alpha={alpha} K={K}",
            "grid": {"n": n, "disparity": K}, "valuation": {"family": "market_growth", "growth_rate": alpha}}


# --- disparity_boundary ------------------------------------------------------------------------


class BoundaryModel(Strict):
    kind: Literal["disparity_boundary"]
    name: str = ""
    description: str = ""
    growth_rate: Alpha
    """alpha of Section 7.2."""
    n: Annotated[int, Field(ge=1, le=4)] = 2
    """The number of agents."""
    full_limit: Annotated[int, Field(ge=2, le=8192)] | None = None
    line_limit: Annotated[int, Field(ge=2, le=2**20)] = 2**17
    tol: Positive = FEASIBILITY_TOL

    @model_validator(mode="after")
    def _size(self) -> BoundaryModel:
        if self.full_limit is not None:
            check_profiles("full_limit", "full_limit", self.full_limit, self.n)
        return self

    @model_validator(mode="before")
    @classmethod
    def _former_names(cls, data: Any) -> Any:
        return renamed(data, {"alpha": "growth_rate", "agents": "n"}, "one name per idea in model files")
