"""Schema of ``stackelberg`` model files (004 Section 5) and the game they build.

```toml
kind = "stackelberg"
sensitivity = 0.25          # c of (18); or give it on the command line (--sensitivity)
[game]
utility = "mean_estimation" # Example 1's (36) with two users over {0, epsilon}
epsilon = "inf"             # eps' > 0, a number or "inf" (Section 5.1)
# or a table: utility = "table", levels = [0.0, 1.0], table = [[0.0, 0.6], [0.6, 1.0]] (user 1 on the rows)
```

and of ``stackelberg_levels`` model files (the natural extension of (18)-(19) to K >= 2 levels,
two users; docs/privacy.md):

```toml
kind = "stackelberg_levels"
sensitivity = 0.3           # c: a user at level k pays c * costs[k]
costs = [0.0, 0.25, 1.0]    # one relative cost per level, costs[0] = 0 (default [0, 1] for K = 2)
[game]
utility = "mean_estimation" # Example 1's (36) at any level vector (the linear-Laplace estimator)
levels = [0.0, 2.0, "inf"]  # sorted, the lowest 0; or a table as above with K levels
```
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal, Union

from pydantic import Field, field_validator, model_validator

from mechopt.io.schemas.game import NonNegative, Strict
from mechopt.privacy.game import MAX_USERS, PrivacyGame, check_sensitivity
from mechopt.privacy.mean_estimation import mean_estimation_game, mean_estimation_levels_game
from mechopt.privacy.symmetric import MAX_LEVELS, SymmetricLevelsGame, SymmetricPrivacyGame



class MeanEstimationSpec(Strict):
    """Example 1: two users, levels {0, epsilon}, U of (36)."""

    utility: Literal["mean_estimation"]
    epsilon: Union[Annotated[float, Field(gt=0, allow_inf_nan=False)], Literal["inf"]] = "inf"


class TableSpec(Strict):
    """Levels (sorted, lowest = data withheld) and U over level vectors, nested N deep."""

    utility: Literal["table"] = "table"
    levels: list[NonNegative]
    table: list[Any]


GameSpec = Annotated[Union[MeanEstimationSpec, TableSpec], Field(discriminator="utility")]


class PlatformModel(Strict):
    """What the platform's programs share: a name, the users' sensitivity c of (18) and the tolerance."""

    name: str = ""
    description: str = ""
    sensitivity: NonNegative | None = None
    tol: Annotated[float, Field(gt=0, lt=1)] | None = None
    """The certifier's tolerance (default 1e-9, relative to the instance's scales)."""

    @field_validator("sensitivity")
    @classmethod
    def _sensitivity(cls, c: float | None) -> float | None:
        """c of (18) in [0, MAX_MAGNITUDE] (the programs multiply it with utilities)."""
        return None if c is None else check_sensitivity(c)


class StackelbergModel(PlatformModel):
    kind: Literal["stackelberg"]
    game: GameSpec

    @model_validator(mode="after")
    def _check(self) -> StackelbergModel:
        symmetric_game(self)  # errors name the field
        return self


def _table(spec: TableSpec, two_levels: bool = True) -> PrivacyGame:
    import numpy as np

    k = len(spec.levels)
    if two_levels and k != 2:
        raise ValueError(f"game.levels: Section 5's game (kind 'stackelberg', Theorem 3) has two privacy levels, "
                         f"got {k}; for 2 to {MAX_LEVELS} levels use kind 'stackelberg_levels'")

    def numbers(x: Any, depth: int) -> Any:
        if isinstance(x, list):
            if depth >= MAX_USERS:
                raise ValueError(f"game.table: nested deeper than {MAX_USERS} users (the most a table may have)")
            if len(x) != k:
                raise ValueError(f"game.table: every row must have {k} entries (one per level), got {len(x)}")
            return [numbers(v, depth + 1) for v in x]
        if isinstance(x, bool) or not isinstance(x, (int, float)):
            raise ValueError(f"game.table: expected numbers, got {x!r}")
        if not math.isfinite(float(x)):
            raise ValueError(f"game.table: every utility must be finite, got {x!r}")
        return float(x)

    try:
        arr = np.array(numbers(spec.table, 0), dtype=float)
    except ValueError as err:
        if "game.table" in str(err):
            raise
        raise ValueError("game.table: rows of unequal length; the shape must be (K,) * N") from None
    try:
        return PrivacyGame(tuple(spec.levels), arr)
    except ValueError as err:
        raise ValueError(f"game.{err}") from None


def privacy_game(model: StackelbergModel) -> PrivacyGame:
    spec = model.game
    if isinstance(spec, MeanEstimationSpec):
        return mean_estimation_game(math.inf if spec.epsilon == "inf" else float(spec.epsilon))
    return _table(spec)


def symmetric_game(model: StackelbergModel) -> SymmetricPrivacyGame:
    try:
        return SymmetricPrivacyGame(privacy_game(model))
    except ValueError as err:
        msg = str(err)
        raise ValueError(msg if msg.startswith("game.") else f"game.{msg}") from None


def sensitivity(model: StackelbergModel | StackelbergLevelsModel) -> float:
    if model.sensitivity is None:
        raise ValueError("sensitivity: required (give it in the model file or with --sensitivity C)")
    return float(model.sensitivity)


# --- stackelberg_levels ------------------------------------------------------------------------------

LevelValue = Union[Annotated[float, Field(ge=0, allow_inf_nan=False)], Literal["inf"]]


class MeanEstimationLevelsSpec(Strict):
    """Example 1 over any sorted level set (the lowest 0): U of (36) extended to every level vector."""

    utility: Literal["mean_estimation"]
    levels: list[LevelValue]


LevelsGameSpec = Annotated[Union[MeanEstimationLevelsSpec, TableSpec], Field(discriminator="utility")]


class StackelbergLevelsModel(PlatformModel):
    kind: Literal["stackelberg_levels"]
    game: LevelsGameSpec
    costs: list[float] | None = None
    """Relative cost of each level (costs[0] = 0); default [0, 1] for two levels, required beyond."""

    @model_validator(mode="after")
    def _check(self) -> StackelbergLevelsModel:
        levels_game(self)  # errors name the field
        return self


def levels_game(model: StackelbergLevelsModel) -> SymmetricLevelsGame:
    """The K-level game of a ``stackelberg_levels`` model; ValueErrors name the field."""
    spec = model.game
    if isinstance(spec, MeanEstimationLevelsSpec):
        levels = [math.inf if e == "inf" else float(e) for e in spec.levels]
        if not 2 <= len(levels) <= MAX_LEVELS:
            raise ValueError(f"game.levels: 2 to {MAX_LEVELS} privacy levels, got {len(levels)}")
        try:
            game = mean_estimation_levels_game(levels)
        except ValueError as err:
            raise ValueError(f"game.{err}") from None
    else:
        game = _table(spec, two_levels=False)
    k = game.n_levels
    if model.costs is None and k != 2:
        raise ValueError(f"costs: required for K = {k} > 2 levels: one relative cost per level, costs[0] = 0")
    costs = [0.0, 1.0] if model.costs is None else model.costs
    try:
        return SymmetricLevelsGame(game, costs)
    except ValueError as err:
        msg = str(err)
        raise ValueError(msg if msg.startswith("costs") else f"game.{msg}") from None
