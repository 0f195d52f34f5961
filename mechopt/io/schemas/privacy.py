"""Schema of ``stackelberg`` model files (004 Section 5) and the game they build.

```toml
kind = "stackelberg"
sensitivity = 0.25          # c of (18); or give it on the command line (--sensitivity)
[game]
utility = "mean_estimation" # Example 1's (36) with two users over {0, epsilon}
epsilon = "inf"             # eps' > 0, a number or "inf" (Section 5.1)
# or a table: levels = [0.0, 1.0] and table = [[0.0, 0.6], [0.6, 1.0]] (user 1 on the rows)
```
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal, Union

from pydantic import Field, field_validator, model_validator

from mechopt.io.schemas.game import NonNegative, Strict
from mechopt.privacy.game import MAX_USERS, PrivacyGame, check_sensitivity
from mechopt.privacy.mean_estimation import mean_estimation_game
from mechopt.privacy.symmetric import SymmetricPrivacyGame



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


class StackelbergModel(Strict):
    kind: Literal["stackelberg"]
    name: str = ""
    description: str = ""
    game: GameSpec
    sensitivity: NonNegative | None = None
    tol: Annotated[float, Field(gt=0, lt=1)] | None = None
    """The certifier's tolerance (default 1e-9, relative to the instance's scales)."""

    @field_validator("sensitivity")
    @classmethod
    def _sensitivity(cls, c: float | None) -> float | None:
        """c of (18) in [0, MAX_MAGNITUDE] (the programs multiply it with utilities)."""
        return None if c is None else check_sensitivity(c)

    @model_validator(mode="after")
    def _check(self) -> StackelbergModel:
        symmetric_game(self)  # errors name the field
        return self


def _table(spec: TableSpec) -> PrivacyGame:
    import numpy as np

    k = len(spec.levels)
    if k != 2:
        raise ValueError(f"game.levels: Section 5's game has two privacy levels, got {k}")

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


def sensitivity(model: StackelbergModel) -> float:
    if model.sensitivity is None:
        raise ValueError("sensitivity: required (give it in the model file or with --sensitivity C)")
    return float(model.sensitivity)
