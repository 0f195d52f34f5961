"""Schema of the ``[game]`` table of model files and the game it builds (001 Section 2)."""

from __future__ import annotations

from typing import Any, Annotated, Literal, Union

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from mechopt.data.functions import PACBound, PowerLaw, Quadratic, ScalarFunction
from mechopt.games import DataSharingGame
from mechopt.data.payoffs import LinearIndexPayoff, Payoff, RandomCoverage

Positive = Annotated[float, Field(gt=0, allow_inf_nan=False)]
NonNegative = Annotated[float, Field(ge=0, allow_inf_nan=False)]
Finite = Annotated[float, Field(allow_inf_nan=False)]
PositiveOrList = Union[Positive, list[Positive]]
NonNegativeOrList = Union[NonNegative, list[NonNegative]]
FiniteOrList = Union[Finite, list[Finite]]


MAX_AGENTS = 10**6
"""Largest number of agents of a game model.  A ``nash`` answer carries 8 arrays of n numbers
(the profile, the utilities and 6 in its certificate): at n = 10^6 its result file is about
190 MB and solving takes a few seconds; at n = 10^7 the file would be about 1.9 GB, beyond what
``mechopt verify`` reads (:data:`mechopt.io.files.MAX_FILE_BYTES`), so ``solve`` could write an
answer ``verify`` cannot judge.  Beyond 10^6, near ties among millions of agents' costs can also
make Newton stall and the fallbacks run for minutes.  The Python API
(:func:`mechopt.solvers.nash.solve_nash`) takes any n (docs/solvers.md, "Many agents")."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


def renamed(data: Any, names: dict[str, str], why: str) -> Any:
    """Before validation: a field spelled as before mechopt 0.3 is an error giving its new name
    (in a model file every field name means one thing)."""
    if isinstance(data, dict):
        for old, new in names.items():
            if old in data:
                raise ValueError(f"field '{old}' is now '{new}' ({why})")
    return data


class PowerLawSpec(Strict):
    """top - coefficient (S + shift)^-exponent of the total data S (001 (3) and 003 (12), where
    the coefficient is alpha and the exponent beta)."""

    family: Literal["power_law"]
    coefficient: PositiveOrList
    exponent: PositiveOrList
    shift: NonNegative = 0.0
    top: FiniteOrList = 1.0

    @model_validator(mode="before")
    @classmethod
    def _former_names(cls, data: Any) -> Any:
        return renamed(data, {"alpha": "coefficient", "beta": "exponent"},
                       "a = top - coefficient (S + shift)^-exponent; alpha and beta name other things in model files")

    @model_validator(mode="after")
    def _finite_curvature(self) -> PowerLawSpec:
        c, e = np.asarray(self.coefficient, dtype=float), np.asarray(self.exponent, dtype=float)
        with np.errstate(over="ignore"):
            if not np.all(np.isfinite(c * e * (e + 1.0))):
                raise ValueError("coefficient, exponent: coefficient * exponent * (exponent + 1) overflows; the "
                                 "power law's curvature is not a finite number")
        return self


class PACBoundSpec(Strict):
    """max(0, a0 - (4 + sqrt(2k(2 + log(S/k)))) / sqrt(S)) (001 (2))."""

    family: Literal["pac_bound"]
    a0: FiniteOrList
    k: PositiveOrList


class LinearDiscoverySpec(Strict):
    """a(s) = W s (001 Section 2.1)."""

    family: Literal["linear"]
    W: list[list[Finite]]


class RandomCoverageSpec(Strict):
    """001 (1); q[i][x] in [0, 1)."""

    family: Literal["random_coverage"]
    q: list[list[Annotated[float, Field(ge=0, lt=1)]]]


class GroupedSpec(Strict):
    """003 Section 5.1: a_i = 1 - 1 / (1 + sum_t w[g(i)][t] * (data of group t))."""

    family: Literal["grouped"]
    groups: list[Annotated[int, Field(ge=0)]]
    weights: list[list[NonNegative]]


PayoffSpec = Annotated[
    Union[PowerLawSpec, PACBoundSpec, LinearDiscoverySpec, RandomCoverageSpec, GroupedSpec],
    Field(discriminator="family"),
]


class CostSpec(Strict):
    """c_i(s_i) = slope_i s_i + curvature_i s_i^2 / 2 + intercept_i (convex)."""

    slope: NonNegativeOrList
    intercept: NonNegativeOrList = 0.0
    curvature: NonNegativeOrList = 0.0


def _check_length(name: str, value: object, n: int) -> None:
    if isinstance(value, list) and len(value) != n:
        raise ValueError(f"{name}: expected {n} per-agent values (n = {n}), got {len(value)}")


class GameSpec(Strict):
    """Agents 0..n-1 choose s_i in [0, tau_i] and get payoff a_i(s) - c_i(s_i).

    ``concave = true`` declares every u_i concave in s_i where the families do not prove it (a PAC
    bound's floor makes it non-concave near 0); ``lipschitz`` declares |u_i(x, s_-i) -
    u_i(y, s_-i)| <= L_i |x - y| (one constant or one per agent).  Certificates rest on a
    declaration as docs/certificates.md says (taken on trust, checked on every sample)."""

    n: Annotated[int, Field(ge=1, le=MAX_AGENTS)]
    tau: PositiveOrList
    payoff: PayoffSpec
    cost: CostSpec
    concave: bool | None = None
    lipschitz: PositiveOrList | None = None

    @model_validator(mode="after")
    def _lengths(self) -> GameSpec:
        n = self.n
        _check_length("tau", self.tau, n)
        if self.lipschitz is not None:
            _check_length("lipschitz", self.lipschitz, n)
        for field in ("slope", "intercept", "curvature"):
            _check_length(f"cost.{field}", getattr(self.cost, field), n)
        p = self.payoff
        if isinstance(p, PowerLawSpec):
            for field in ("coefficient", "exponent", "top"):
                _check_length(f"payoff.{field}", getattr(p, field), n)
        elif isinstance(p, PACBoundSpec):
            for field in ("a0", "k"):
                _check_length(f"payoff.{field}", getattr(p, field), n)
        elif isinstance(p, LinearDiscoverySpec):
            if len(p.W) != n or any(len(r) != n for r in p.W):
                raise ValueError(f"payoff.W: expected an n x n matrix (n = {n})")
        elif isinstance(p, RandomCoverageSpec):
            if len(p.q) != n or len({len(r) for r in p.q}) != 1:
                raise ValueError(f"payoff.q: expected n = {n} rows of equal length")
        elif isinstance(p, GroupedSpec):
            T = len(p.weights)
            if len(p.groups) != n or any(len(r) != T for r in p.weights):
                raise ValueError(f"payoff: expected n = {n} group indices and a square weights matrix")
            if max(p.groups) >= T:
                raise ValueError(f"payoff.groups: group indices must lie in 0..{T - 1}")
        return self


def build_function(spec: PowerLawSpec | PACBoundSpec) -> ScalarFunction:
    if isinstance(spec, PowerLawSpec):
        return PowerLaw(alpha=np.asarray(spec.coefficient), beta=np.asarray(spec.exponent), shift=spec.shift,
                        top=np.asarray(spec.top))
    return PACBound(a0=np.asarray(spec.a0), k=np.asarray(spec.k))


def build_payoff(spec: GameSpec) -> Payoff:
    p = spec.payoff
    if isinstance(p, (PowerLawSpec, PACBoundSpec)):
        return LinearIndexPayoff.aggregate(build_function(p), spec.n)
    if isinstance(p, LinearDiscoverySpec):
        return LinearIndexPayoff.linear(np.asarray(p.W))
    if isinstance(p, RandomCoverageSpec):
        return RandomCoverage(np.asarray(p.q))
    return LinearIndexPayoff.grouped(np.asarray(p.groups), np.asarray(p.weights))


def build_cost(spec: CostSpec) -> Quadratic:
    return Quadratic(slope=np.asarray(spec.slope), intercept=np.asarray(spec.intercept), curvature=np.asarray(spec.curvature))


def build_game(spec: GameSpec) -> DataSharingGame:
    return DataSharingGame(build_payoff(spec), build_cost(spec.cost), tau=np.asarray(spec.tau, dtype=float),
                           concave=spec.concave,
                           lipschitz=None if spec.lipschitz is None else np.asarray(spec.lipschitz, dtype=float))


class NashSolverSpec(Strict):
    method: Literal["newton", "br", "stochastic-br", "pyomo-mip"] = "newton"
    tol: Positive = 1e-9
    batch: int | None = Field(default=None, ge=2)
    step: Positive | None = None

    @model_validator(mode="after")
    def _options(self) -> NashSolverSpec:
        if self.method == "stochastic-br" and self.batch is None:
            raise ValueError("solver.batch: method 'stochastic-br' needs the number of players moving per step")
        if self.batch is not None and self.method != "stochastic-br":
            raise ValueError(f"solver.batch: only method 'stochastic-br' takes it, not {self.method!r}")
        if self.step is not None and self.method not in ("br", "stochastic-br"):
            raise ValueError(f"solver.step: only methods 'br' and 'stochastic-br' take it, not {self.method!r}")
        return self


class NashModel(Strict):
    kind: Literal["nash"]
    name: str = ""
    description: str = ""
    game: GameSpec
    solver: NashSolverSpec = NashSolverSpec()

    @model_validator(mode="after")
    def _batch(self) -> NashModel:
        if self.solver.batch is not None and self.solver.batch > self.game.n:
            raise ValueError(f"solver.batch: must be at most game.n = {self.game.n}, got {self.solver.batch}")
        return self
