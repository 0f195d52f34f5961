"""Theorem I of 000: each agent's optimal amount of data alone, m_i* = argmax v(m) - c_i m.

Three regimes (000 Appendix E): *high* cost, b'(m0) <= c_i (utility non-increasing, m* = 0);
*mid* cost, b'(m0) > c_i but max u_i <= u_i(0) (m* = 0); *low* cost, m* = alpha* with b'(alpha*) =
c_i and u_i(alpha*) > u_i(0) = v(0).  The solo utility at m* = 0 is v(0): 0 when b(0) <= 0 (the
paper's case), b(0) for a power law whose shift makes b(0) > 0.  Vectorized over agents.  :func:`best_aggregate_deviation` is the exact
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


def solo_contributions(value: ValueOfData, costs: np.ndarray, stationary: np.ndarray | None = None
                       ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(m*, u(m*), regime index into :data:`REGIMES`) of Theorem I, per agent.  ``stationary``:
    b'^-1(c) when already computed."""
    c = check_costs(costs)
    alpha = value.inverse_slope(c) if stationary is None else stationary
    with np.errstate(all="ignore"):
        u_alpha = value.v(alpha) - c * alpha
    high = ~(value.db(value.m0) > c)  # b'(m0) <= c: utility non-increasing
    alone = float(value.v(0.0))  # u_i(0) = v(0)
    low = ~high & (u_alpha > alone)
    m = np.where(low, alpha, 0.0)
    u = np.where(low, u_alpha, alone)
    regime = np.where(high, 0, np.where(low, 2, 1))
    return m, u, regime


def best_aggregate_deviation(value: ValueOfData, c: np.ndarray, S: np.ndarray, lo: np.ndarray,
                             stationary: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(max, argmax) of f(x) = v(x + S) - c x over x >= lo, exactly (b concave where v > 0).
    ``stationary``: b'^-1(c) (:meth:`~.value.ValueOfData.inverse_slope`) when already computed."""
    c, S, lo = np.broadcast_arrays(np.asarray(c, float), np.asarray(S, float), np.asarray(lo, float))
    start = np.maximum(lo, value.m0 - S)
    peak = value.inverse_slope(c) if stationary is None else stationary
    x_hat = np.maximum(peak - S, start)
    with np.errstate(all="ignore"):
        f_lo = value.v(lo + S) - c * lo
        f_hat = value.v(x_hat + S) - c * x_hat
    better = f_hat > f_lo
    return np.where(better, f_hat, f_lo), np.where(better, x_hat, lo)
