"""The Mechanism protocol: a payment rule on contribution profiles and the game it induces.

A mechanism of the incentive literature pays (or charges) each agent p_i(s) at the profile s of
contributions; agents then play the game whose utilities include those payments.  Every mechanism
of the five papers is a small class with:

- ``name``: a short identifier ("none", "budget_balanced", "shapley", "value_shaping");
- ``payments(s)``: the vector p(s) (positive: paid to the agent);
- ``game()``: the induced :class:`~mechopt.games.base.ContinuousGame`, whose equilibria are the
  mechanism's;
- ``parameters``: what fixes the mechanism beyond the setting (beta of M_beta, epsilon of value
  shaping), as plain data.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

import numpy as np

from mechopt.games.base import ContinuousGame


@runtime_checkable
class Mechanism(Protocol):
    """A payment rule and the game it induces (module doc)."""

    name: str

    def payments(self, s: np.ndarray) -> np.ndarray:
        """p(s): what each agent is paid at the profile s (negative: charged)."""

    def game(self) -> ContinuousGame:
        """The game whose equilibria are the mechanism's."""

    @property
    def parameters(self) -> dict[str, Any]:
        """The mechanism's own parameters, as plain data."""
