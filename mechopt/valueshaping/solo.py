"""Theorem I of 000: each agent's optimal amount of data alone, m_i* = argmax v(m) - c_i m.

Three regimes (000 Appendix E): *high* cost, b'(m0) <= c_i (utility non-increasing, m* = 0);
*mid* cost, b'(m0) > c_i but max u_i <= 0 (m* = 0); *low* cost, m* = alpha* with b'(alpha*) =
c_i and u_i(alpha*) > 0.  Vectorized over agents.  :func:`best_aggregate_deviation` is the exact
maximum of v(x + S) - c x over x >= lo that every certificate in this subpackage uses: on
x + S >= m0 the function is concave (b concave), below it is -c x, so the maximum is at lo or at
the clipped stationary point.
"""

from __future__ import annotations

import numpy as np

from mechopt.valueshaping.value import ValueOfData

REGIMES = ("high", "mid", "low")


def check_costs(costs: np.ndarray | list[float] | float, name: str = "cost.slope") -> np.ndarray:
    c = np.atleast_1d(np.asarray(costs, dtype=float))
    if c.ndim != 1 or c.size == 0:
        raise ValueError(f"{name}: expected one marginal cost per agent (n >= 1), got shape {c.shape}")
    if not np.all(np.isfinite(c)) or np.any(c <= 0):
        raise ValueError(f"{name}: marginal costs must be finite numbers > 0 (000 (2)), got min {np.nanmin(c):g}")
    return c


def solo_contributions(value: ValueOfData, costs: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(m*, u(m*), regime index into :data:`REGIMES`) of Theorem I, per agent."""
    c = check_costs(costs)
    alpha = value.inverse_slope(c)
    with np.errstate(all="ignore"):
        u_alpha = value.v(alpha) - c * alpha
    high = ~(value.db(value.m0) > c)  # b'(m0) <= c: utility non-increasing
    low = ~high & (u_alpha > 0)
    m = np.where(low, alpha, 0.0)
    u = np.where(low, u_alpha, 0.0)
    regime = np.where(high, 0, np.where(low, 2, 1))
    return m, u, regime


def best_aggregate_deviation(value: ValueOfData, c: np.ndarray, S: np.ndarray, lo: np.ndarray
                             ) -> tuple[np.ndarray, np.ndarray]:
    """(max, argmax) of f(x) = v(x + S) - c x over x >= lo, exactly (b concave where v > 0)."""
    c, S, lo = np.broadcast_arrays(np.asarray(c, float), np.asarray(S, float), np.asarray(lo, float))
    start = np.maximum(lo, value.m0 - S)
    x_hat = np.maximum(value.inverse_slope(c) - S, start)
    with np.errstate(all="ignore"):
        f_lo = value.v(lo + S) - c * lo
        f_hat = value.v(x_hat + S) - c * x_hat
    better = f_hat > f_lo
    return np.where(better, f_hat, f_lo), np.where(better, x_hat, lo)
