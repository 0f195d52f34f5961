"""Schema of ``generalized_nash`` model files (docs/gnep.md) and the games they build: vector
data-sharing games with a shared capacity, and quadratic games with linear shared constraints."""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

import numpy as np
from pydantic import Field, model_validator

from mechopt.games.generalized import GeneralizedGame
from mechopt.games.gnep_families import QuadraticGame, VectorDataSharingGame
from mechopt.io.schemas.game import Finite, NonNegative, Positive, Strict

MAX_COORDINATES = 10_000
"""Largest number of strategy coordinates (agents x types) of a model: Newton's system is dense."""

PerType = Union[float, list[float], list[list[float]]]
"""One number for every agent and type, one per type, or one per agent and type (n lists of T)."""


def per_agent_type(name: str, value: Any, n: int, T: int) -> np.ndarray:
    """A parameter as an (n, T) array, with an error naming the field when its shape is neither."""
    a = np.asarray(value, dtype=float)
    if a.ndim == 0:
        return np.full((n, T), float(a))
    if a.ndim == 1 and a.size == T:
        return np.broadcast_to(a, (n, T)).copy()
    if a.shape == (n, T):
        return a
    raise ValueError(f"{name}: expected one number, {T} (one per type) or {n} lists of {T} (one per agent and "
                     f"type), got shape {a.shape}")


class VectorPowerLawSpec(Strict):
    """a_it(S_t) = top - coefficient (S_t + shift)^-exponent per data type (001 (3))."""

    family: Literal["power_law"] = "power_law"
    coefficient: PerType
    exponent: PerType
    shift: NonNegative = 0.0
    top: PerType = 1.0


class VectorCostSpec(Strict):
    """c_it(x_it) = slope x + curvature x^2 / 2 + intercept per agent and type (convex)."""

    slope: PerType
    curvature: PerType = 0.0
    intercept: PerType = 0.0


class DataSharingSpec(Strict):
    """n agents, T data types: agent i contributes x_it in [0, tau_it]; the federation's capacity
    bounds the sum of all contributions (``capacity``, optional)."""

    family: Literal["data_sharing"]
    n: Annotated[int, Field(ge=1)]
    types: Annotated[int, Field(ge=1)] = 1
    tau: PerType
    capacity: Positive | None = None
    payoff: VectorPowerLawSpec
    cost: VectorCostSpec

    @model_validator(mode="after")
    def _shapes(self) -> DataSharingSpec:
        if self.n * self.types > MAX_COORDINATES:
            raise ValueError(f"n, types: n * types must be at most {MAX_COORDINATES}, got {self.n * self.types}")
        arrays(self)
        return self


def arrays(spec: DataSharingSpec) -> dict[str, np.ndarray]:
    n, T = spec.n, spec.types
    out = {"tau": per_agent_type("tau", spec.tau, n, T)}
    for name in ("coefficient", "exponent", "top"):
        out[name] = per_agent_type(f"payoff.{name}", getattr(spec.payoff, name), n, T)
    for name in ("slope", "curvature", "intercept"):
        out[name] = per_agent_type(f"cost.{name}", getattr(spec.cost, name), n, T)
    for name, value in out.items():
        if not np.all(np.isfinite(value)):
            raise ValueError(f"{name}: must be finite numbers")
    if np.any(out["tau"] <= 0):
        raise ValueError("tau: every bound must be > 0")
    for name in ("coefficient", "exponent"):
        if np.any(out[name] <= 0):
            raise ValueError(f"payoff.{name}: must be > 0")
    for name in ("slope", "curvature", "intercept"):
        if np.any(out[name] < 0):
            raise ValueError(f"cost.{name}: must be >= 0")
    return out


class QuadraticSpec(Strict):
    """Player i minimizes x^T Q_i x / 2 + c_i^T x + d_i over its box subject to the shared
    constraints A x <= b and its own player_A[i] x <= player_b[i] (rows over the whole profile)."""

    family: Literal["quadratic"]
    bounds: list[list[list[Finite]]]
    """bounds[i]: one (lower, upper) pair per coordinate of player i."""
    Q: list[list[list[Finite]]]
    c: list[list[Finite]]
    d: list[Finite] | None = None
    A: list[list[Finite]] | None = None
    b: list[Finite] | None = None
    player_A: list[list[list[Finite]]] | None = None
    """player_A[i]: player i's own constraint rows (each over the whole profile; [] for none)."""
    player_b: list[list[Finite]] | None = None

    @model_validator(mode="after")
    def _shapes(self) -> QuadraticSpec:
        n = len(self.bounds)
        if n < 1:
            raise ValueError("bounds: expected one list of (lower, upper) pairs per player, got no players")
        for i, b in enumerate(self.bounds):
            if not b or any(len(pair) != 2 or pair[1] <= pair[0] for pair in b):
                raise ValueError(f"bounds[{i}]: expected one or more (lower, upper) pairs with lower < upper")
        N = sum(len(b) for b in self.bounds)
        if N > MAX_COORDINATES:
            raise ValueError(f"bounds: at most {MAX_COORDINATES} coordinates in all, got {N}")
        for name, rows in (("Q", [r for m in self.Q for r in m]), ("Q", self.Q), ("c", self.c), ("A", self.A or [])):
            if len({len(r) for r in rows}) > 1:
                raise ValueError(f"{name}: rows of different lengths (expected {N} numbers in each)")
        if np.shape(self.Q) != (n, N, N):
            raise ValueError(f"Q: expected {n} matrices (one per player) of {N} x {N}, got shape {np.shape(self.Q)}")
        if np.shape(self.c) != (n, N):
            raise ValueError(f"c: expected {n} vectors (one per player) of {N}, got shape {np.shape(self.c)}")
        if self.d is not None and len(self.d) != n:
            raise ValueError(f"d: expected {n} numbers (one per player), got {len(self.d)}")
        if (self.A is None) != (self.b is None):
            raise ValueError("A, b: give both (the shared constraints A x <= b) or neither")
        if self.A is not None and self.b is not None:
            if len(self.b) == 0:
                raise ValueError("A, b: empty; give at least one shared constraint or omit both")
            if len(self.A) == 0 or np.shape(self.A) != (len(self.b), N):
                raise ValueError(f"A: expected {len(self.b)} rows (one per entry of b) of {N} numbers, got shape "
                                 f"{np.shape(self.A)}")
        if (self.player_A is None) != (self.player_b is None):
            raise ValueError("player_A, player_b: give both (player i's own constraints player_A[i] x <= player_b[i]) "
                             "or neither")
        if self.player_A is not None and self.player_b is not None:
            for name, given in (("player_A", self.player_A), ("player_b", self.player_b)):
                if len(given) != n:
                    raise ValueError(f"{name}: expected {n} lists (one per player, [] for a player without own "
                                     f"constraints), got {len(given)}")
            for i, (rows, rhs) in enumerate(zip(self.player_A, self.player_b)):
                if len(rows) != len(rhs) or any(len(r) != N for r in rows):
                    raise ValueError(f"player_A[{i}]: expected {len(rhs)} rows (one per entry of player_b[{i}]) of {N} "
                                     f"numbers, got {[len(r) for r in rows]}")
        return self


GNEPGameSpec = Annotated[Union[DataSharingSpec, QuadraticSpec], Field(discriminator="family")]


MAX_TOL = 1e-3
"""Largest tolerance a model file may ask for: a gain of 0.1% of a player's utility variation over
its box (beyond it "equilibrium" would say little; ``--tol`` is refused outside (0, 1) too)."""


class GNEPSolverSpec(Strict):
    method: Literal["newton", "br", "pyomo-mip"] = "newton"
    tol: Annotated[float, Field(gt=0, le=MAX_TOL)] = 1e-9
    """The certifier's tolerance, relative to each player's utility variation over its box."""


class GNEPModel(Strict):
    kind: Literal["generalized_nash"]
    name: str = ""
    description: str = ""
    game: GNEPGameSpec
    solver: GNEPSolverSpec = GNEPSolverSpec()


def build_generalized_game(spec: DataSharingSpec | QuadraticSpec) -> GeneralizedGame:
    """The game a validated ``[game]`` table describes (a shared set that no profile in the boxes
    satisfies is a ValueError naming ``shared_constraints``, a player's own set ``player_A[i],
    player_b[i]``)."""
    if isinstance(spec, DataSharingSpec):
        a = arrays(spec)
        return VectorDataSharingGame(a["tau"], a["coefficient"], a["exponent"], a["top"], a["slope"], a["curvature"],
                                     a["intercept"], shift=spec.payoff.shift, capacity=spec.capacity)
    return QuadraticGame(spec.Q, spec.c, [list(b) for b in spec.bounds], A=spec.A, b=spec.b, d=spec.d,
                         player_A=spec.player_A, player_b=spec.player_b)
