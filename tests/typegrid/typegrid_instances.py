"""Shared instances for the type-grid tests (paper 002)."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from mechopt.typegrid.model import LinearExternality, MarketGrowth, QuasiMonotone, TypeGrid


@st.composite
def small_grids(draw: st.DrawFn) -> TypeGrid:
    """Random small grids over the valuation families of 002 (Example 2, Definition 9, Section 7.2)."""
    n = draw(st.integers(1, 3))
    K = draw(st.integers(1, {1: 8, 2: 6, 3: 3}[n]))
    family = draw(st.sampled_from(["market_growth", "linear", "quasi_monotone"]))
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    if family == "market_growth":
        valuation = MarketGrowth(float(rng.uniform(-1.0, 0.0)))
    elif family == "linear":
        valuation = LinearExternality(rng.uniform(-1.0, 1.0, size=(n, n)))
    else:
        valuation = random_quasi_monotone(rng, n)
    served = None
    if family == "linear" and draw(st.booleans()):  # Example 2's efficient allocation
        served = tuple(bool(x) for x in valuation.A.sum(axis=0) >= 0)
    return TypeGrid(n, K, valuation, eps=float(rng.uniform(0.05, 1.0)), served=served)


def random_quasi_monotone(rng: np.random.Generator, n: int) -> QuasiMonotone:
    """F_i(s) = a_i s^b_i (monotone) plus an arbitrary theta_i (Definition 9)."""
    return QuasiMonotone(rng.uniform(0.0, 2.0, n), rng.uniform(0.3, 2.0, n), rng.uniform(-1.0, 1.0, (n, n)),
                         rng.uniform(-3.0, 3.0, (n, n)))
