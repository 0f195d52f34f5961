"""Mechanisms of 000 that return model values, not money: standard FL (8) and value shaping (11).

A mechanism maps contributions m to the value [M(m)]_i of the model agent i receives.  Both are
objects whose value curves (agent i's value as a function of its own contribution, the others
fixed) can be evaluated and plotted; feasibility (Definition A: [M(m)]_i <= v(sum m)) and
individual rationality (Definition B: [M(m)]_i >= v(m_i)) are checked on curves, not assumed.

:class:`ValueShaping` is a :class:`~mechopt.mechanisms.base.Mechanism`: its payments are in the
model's value units, [M(m)]_i - v(sum m), the value of the full model withheld from agent i (<= 0
by Definition A; 0 at m^max, where every agent receives the full model).  ``eps = 0`` is the limit
eps -> 0+ of Theorem IV: the middle piece of (11) is then flat in utility (Theorem V) and m^max is
a weak best response.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from mechopt.valueshaping.curve import first_crossing, piecewise_value
from mechopt.valueshaping.game import ValueShapingGame
from mechopt.valueshaping.solo import check_costs, solo_contributions
from mechopt.valueshaping.value import ValueOfData


@dataclass(frozen=True)
class StandardFL:
    """(8): every agent receives the model trained on all the data, v(sum_j m_j)."""

    value: ValueOfData

    def values(self, m: np.ndarray) -> np.ndarray:
        m = np.asarray(m, float)
        return np.full(m.shape, float(self.value.v(m.sum())))

    def curve(self, x: np.ndarray, others: float) -> np.ndarray:
        """Agent's value for own contributions x when the others contribute ``others`` in total."""
        return self.value.v(np.asarray(x, float) + others)


@dataclass(frozen=True)
class ValueShaping:
    """(11) for known costs ``costs`` and ``eps >= 0`` (0 = the limit eps -> 0+)."""

    name: ClassVar[str] = "value_shaping"
    value: ValueOfData
    costs: np.ndarray
    eps: float = 0.0
    solo: np.ndarray = field(init=False)
    solo_utilities: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "costs", check_costs(self.costs))
        if not (np.isfinite(self.eps) and self.eps >= 0):
            raise ValueError(f"epsilon: must be a finite number >= 0, got {self.eps!r}")
        m, u, _ = solo_contributions(self.value, self.costs)
        object.__setattr__(self, "solo", m)
        object.__setattr__(self, "solo_utilities", u)

    @property
    def parameters(self) -> dict[str, Any]:
        return {"epsilon": float(self.eps)}

    def game(self) -> ValueShapingGame:
        """u_i(m) = [M(m)]_i - c_i m_i on [0, sup v / c_i]."""
        return ValueShapingGame(self.value, self.costs, self.eps)

    def m_max(self, others: np.ndarray, guess: np.ndarray | None = None) -> np.ndarray:
        """m_i^max for others' totals S_-i (one per agent)."""
        return first_crossing(self.value, self.solo, self.costs + self.eps, np.asarray(others, float), guess)

    def curve(self, i: int, x: np.ndarray, others: float) -> np.ndarray:
        """Value agent i receives for own contributions x, the others contributing ``others``."""
        x = np.asarray(x, float)
        ms, c = float(self.solo[i]), float(self.costs[i]) + self.eps
        top = float(first_crossing(self.value, np.array([ms]), np.array([c]), np.array([float(others)]))[0])
        return piecewise_value(self.value, x, ms, c, top, others)

    def values(self, m: np.ndarray) -> np.ndarray:
        """[M(m)]_i for every agent at the profile m."""
        m = self._profile(m)
        S = m.sum() - m
        top = self.m_max(S, guess=m)
        return piecewise_value(self.value, m, self.solo, self.costs + self.eps, top, S)

    def payments(self, m: np.ndarray) -> np.ndarray:
        """[M(m)]_i - v(sum m), in the model's value units: minus the value withheld from agent i."""
        m = self._profile(m)
        return self.values(m) - float(self.value.v(m.sum()))

    def _profile(self, m: np.ndarray) -> np.ndarray:
        m = np.asarray(m, float)
        if m.shape != self.costs.shape or not np.all(np.isfinite(m)) or np.any(m < 0):
            raise ValueError(f"m: expected {self.costs.size} finite contributions >= 0, got shape {m.shape}")
        return m


def feasibility_and_ir(mech: ValueShaping | StandardFL, i: int, x: np.ndarray, others: float
                       ) -> tuple[float, float]:
    """(max of [M]_i - v(x + S), max of v(x) - [M]_i) over own contributions x: Definition A holds
    on x iff the first is <= 0, Definition B iff the second is."""
    x = np.asarray(x, float)
    got = mech.curve(i, x, others) if isinstance(mech, ValueShaping) else mech.curve(x, others)
    v = mech.value
    return float(np.max(got - v.v(x + others))), float(np.max(v.v(x) - got))
