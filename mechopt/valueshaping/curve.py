"""The value curve of value shaping (000 (11)) for one agent facing the others' total S:

    v(x)                              for x <= m_i*,
    v(m_i*) + (c_i + eps)(x - m_i*)   for x in [m_i*, m_i^max],
    v(x + S)                          for x >= m_i^max,

with m_i^max the *first* x >= m_i* where the line meets v(x + S) (the first crossing keeps the
mechanism feasible; the line minus v(. + S) is convex where v > 0, so the crossing is unique once
m_i* + S >= m0).  Vectorized over agents; the mechanism itself is :mod:`.mechanisms`.
"""

from __future__ import annotations

import numpy as np

from mechopt.valueshaping.value import ValueOfData

NEWTON_STEPS = 100


def first_crossing(value: ValueOfData, m_star: np.ndarray, slope: np.ndarray, S: np.ndarray,
                   guess: np.ndarray | None = None, v_star: np.ndarray | None = None) -> np.ndarray:
    """m^max of (11): the first x >= m* with v(m*) + slope (x - m*) = v(x + S), per agent.

    h(x) = v(m*) + slope (x - m*) - v(x + S) is convex on [m*, inf) when m* + S >= m0, with
    h(m*) <= 0 and h -> inf; Newton from the right of the root decreases monotonically to it (a
    guess left of the root overshoots to the right in one step).  When m* + S < m0, h(m*) = 0 and
    h > 0 just after: the crossing is m* itself.  ``v_star``: v(m*) when already computed.
    """
    m_star, slope, S = np.broadcast_arrays(*(np.asarray(a, float) for a in (m_star, slope, S)))
    v_star = value.v(m_star) if v_star is None else v_star
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


def piecewise_value(value: ValueOfData, x: np.ndarray, m_star, slope, top, S, v_star=None) -> np.ndarray:  # type: ignore[no-untyped-def]
    """The three pieces of (11) at own contributions x (broadcast); ``v_star``: v(m*) when known."""
    line = (value.v(m_star) if v_star is None else v_star) + slope * (x - m_star)
    return np.where(x <= m_star, value.v(x), np.where(x <= top, line, value.v(x + S)))
