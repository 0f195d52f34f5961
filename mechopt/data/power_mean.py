"""The p-mean welfare W_p(u) = (1/n sum u_i^p)^(1/p) of 001 (7) and its gradient."""

from __future__ import annotations

import numpy as np


def power_mean(u: np.ndarray, p: float) -> float:
    """(1/n sum u_i^p)^(1/p) for p <= 1; geometric mean at p = 0, minimum at p = -inf."""
    u = np.asarray(u, dtype=float)
    if p == -np.inf:
        return float(np.min(u))
    if p == 1:
        return float(np.mean(u))
    if np.any(u < 0):
        return -np.inf  # outside the domain of W_p for p < 1
    if p <= 0 and np.any(u == 0):
        return 0.0
    if p == 0:
        return float(np.exp(np.mean(np.log(u))))
    return float(np.mean(u**p) ** (1.0 / p))


def power_mean_gradient(u: np.ndarray, p: float) -> np.ndarray:
    """dW_p/du for finite p (the minimum at p = -inf has no gradient; see the KKT certificate)."""
    n = u.size
    if p == 1:
        return np.full(n, 1.0 / n)
    W = power_mean(u, p)
    if p == 0:
        return W / (n * u)
    return u ** (p - 1) * W ** (1 - p) / n
