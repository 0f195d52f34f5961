"""Mechanisms of 000 that return model values, not payments: standard FL (8) and value shaping (11).

A mechanism maps contributions m to the value [M(m)]_i of the model agent i receives.  Both are
objects whose value curves (agent i's value as a function of its own contribution, the others
fixed) can be evaluated and plotted; feasibility (Definition A: [M(m)]_i <= v(sum m)) and
individual rationality (Definition B: [M(m)]_i >= v(m_i)) are checked on curves, not assumed.

Value shaping (11) for agent i facing others' total S:
    v(x)                              for x <= m_i*,
    v(m_i*) + (c_i + eps)(x - m_i*)   for x in [m_i*, m_i^max],
    v(x + S)                          for x >= m_i^max,
with m_i^max the *first* x >= m_i* where the line meets v(x + S) (the first crossing keeps the
mechanism feasible; the line minus v(. + S) is convex where v > 0, so the crossing is unique once
m_i* + S >= m0).  ``eps = 0`` is the limit eps -> 0+ of Theorem IV: the middle piece is then flat
in utility (Theorem V) and m^max is a weak best response.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from mechopt.valueshaping.solo import check_costs, solo_contributions
from mechopt.valueshaping.value import ValueOfData

NEWTON_STEPS = 100


def first_crossing(value: ValueOfData, m_star: np.ndarray, slope: np.ndarray, S: np.ndarray,
                   guess: np.ndarray | None = None) -> np.ndarray:
    """m^max of (11): the first x >= m* with v(m*) + slope (x - m*) = v(x + S), per agent.

    h(x) = v(m*) + slope (x - m*) - v(x + S) is convex on [m*, inf) when m* + S >= m0, with
    h(m*) <= 0 and h -> inf; Newton from the right of the root decreases monotonically to it (a
    guess left of the root overshoots to the right in one step).  When m* + S < m0, h(m*) = 0 and
    h > 0 just after: the crossing is m* itself.
    """
    m_star, slope, S = np.broadcast_arrays(*(np.asarray(a, float) for a in (m_star, slope, S)))
    v_star = value.v(m_star)
    hi = m_star + (value.sup - v_star) / slope  # h(hi) >= 0
    degenerate = m_star + S < value.m0

    def h(x: np.ndarray) -> np.ndarray:
        return v_star + slope * (x - m_star) - value.v(x + S)

    x = hi.copy() if guess is None else np.clip(np.asarray(guess, float), m_star, hi)
    hx = h(x)
    left = hx < 0
    if left.any():  # one Newton step from the left overshoots to the right (h convex), else restart at hi
        dh = slope - value.dv(x + S)
        step = np.where(left & (dh > 0), x - hx / np.where(dh > 0, dh, 1.0), hi)
        x = np.where(left, np.minimum(step, hi), x)
    for _ in range(NEWTON_STEPS):
        hx = h(x)
        dh = slope - value.dv(x + S)
        with np.errstate(all="ignore"):
            new = np.where((hx > 0) & (dh > 0), x - hx / dh, x)
        new = np.maximum(new, m_star)
        moved = np.abs(new - x) > 4 * np.finfo(float).eps * np.maximum(np.abs(x), 1e-300)
        x = new
        if not moved.any():
            break
    return np.where(degenerate, m_star, x)


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
        m = np.asarray(m, float)
        S = m.sum() - m
        top = self.m_max(S, guess=m)
        return piecewise_value(self.value, m, self.solo, self.costs + self.eps, top, S)


def piecewise_value(value: ValueOfData, x: np.ndarray, m_star, slope, top, S) -> np.ndarray:  # type: ignore[no-untyped-def]
    """The three pieces of (11) at own contributions x (broadcast)."""
    line = value.v(m_star) + slope * (x - m_star)
    return np.where(x <= m_star, value.v(x), np.where(x <= top, line, value.v(x + S)))


def feasibility_and_ir(mech: ValueShaping | StandardFL, i: int, x: np.ndarray, others: float
                       ) -> tuple[float, float]:
    """(max of [M]_i - v(x + S), max of v(x) - [M]_i) over own contributions x: Definition A holds
    on x iff the first is <= 0, Definition B iff the second is."""
    x = np.asarray(x, float)
    got = mech.curve(i, x, others) if isinstance(mech, ValueShaping) else mech.curve(x, others)
    v = mech.value
    return float(np.max(got - v.v(x + others))), float(np.max(v.v(x) - got))
