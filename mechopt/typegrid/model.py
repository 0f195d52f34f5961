"""Type grids, model quality, valuations and the outcome of a report profile (002 Sections 2, 7.2).

Grid convention (002 Section 7.2, docs/typegrid.md): agent i's true type is t_i = k eps with
k in {1, ..., K} (K = D / eps is the data disparity); it reports k' eps with k' in {0, ..., k}, or
does not participate (encoded as report ``NO = -1``).  The allocation gives every participant
x_i = Q(eps * sum of the participants' reports); a non-participant gets x_i = 0 and its data is not
used (optionally only the ``served`` participants get the pooled model).  Agent i serves its
customers with q_i = max(x_i, Q(t_i)) (Definition 2) and values the outcome v_i(q).  Types and reports are integers (units of eps) throughout.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from itertools import product

import numpy as np

NO = -1
"""The report 'does not participate' (written as the empty set in the paper)."""
ALPHA_RANGE = (-1.0, 1.0)
"""Growth rates of the market-growth family accepted: a growing market (Assumption 4) needs alpha >= -1."""


@dataclass(frozen=True)
class Identity:
    """Q(t) = t (Example 1, Section 7.2)."""

    name: str = "identity"

    def __call__(self, t: np.ndarray) -> np.ndarray:
        return np.asarray(t, dtype=float)


@dataclass(frozen=True)
class Logistic:
    """Q(t) = (1 - e^-t) / (1 + e^-t) = tanh(t / 2) (Section 7.1)."""

    name: str = "logistic"

    def __call__(self, t: np.ndarray) -> np.ndarray:
        return np.tanh(np.asarray(t, dtype=float) / 2.0)


Quality = Callable[[np.ndarray], np.ndarray]
Valuation = Callable[[np.ndarray], np.ndarray]
"""Maps qualities q of shape (..., n) to the values v(q) of shape (..., n)."""


@dataclass(frozen=True)
class MarketGrowth:
    """v_i(q) = (sum_j q_j)^alpha q_i, the Section 7.2 family with Q(t) = t (alpha: growth rate)."""

    alpha: float

    def __call__(self, q: np.ndarray) -> np.ndarray:
        return q * np.sum(q, axis=-1, keepdims=True) ** self.alpha


@dataclass(frozen=True)
class LinearExternality:
    """v_i(q) = sum_j A_ij q_j (Example 2); quasi-monotone when A_ii >= 0."""

    A: np.ndarray

    def __call__(self, q: np.ndarray) -> np.ndarray:
        return q @ np.asarray(self.A, dtype=float).T


@dataclass(frozen=True)
class FixedMarket:
    """v_i(q) = q_i / sum_j q_j: a fixed market of total value 1 (Example 1)."""

    def __call__(self, q: np.ndarray) -> np.ndarray:
        return q / np.sum(q, axis=-1, keepdims=True)


@dataclass(frozen=True)
class QuasiMonotone:
    """v_i(q) = F_i(q_i) + theta_i(q_-i) (Definition 9) with F_i(s) = a_i s^b_i (monotone,
    a_i >= 0, b_i > 0) and the arbitrary theta_i(q_-i) = sum_j C_ij sin(w_ij q_j), C_ii = 0."""

    a: np.ndarray
    b: np.ndarray
    C: np.ndarray
    w: np.ndarray

    def __call__(self, q: np.ndarray) -> np.ndarray:
        C = np.asarray(self.C, dtype=float) * (1.0 - np.eye(len(self.a)))
        own = np.asarray(self.a) * q ** np.asarray(self.b)
        return own + np.einsum("ij,...ij->...i", C, np.sin(np.asarray(self.w) * q[..., None, :]))


@dataclass(frozen=True)
class TypeGrid:
    """n agents with types {eps, ..., K eps}, quality Q and valuations v (Section 7.2 grid)."""

    n: int
    K: int
    valuation: Valuation
    eps: float = 1.0
    quality: Quality = Identity()
    served: tuple[bool, ...] | None = None
    """Participants that receive the pooled model (default: all).  For linear externalities the
    efficient allocation serves agent j iff sum_k A_kj >= 0 (Example 2)."""

    def __post_init__(self) -> None:
        if self.n < 1:
            raise ValueError(f"n: number of agents must be >= 1, got {self.n}")
        if self.K < 1:
            raise ValueError(f"K: data disparity must be an integer >= 1, got {self.K}")
        if not (np.isfinite(self.eps) and self.eps > 0):
            raise ValueError(f"eps: grid step must be finite and > 0, got {self.eps}")
        if self.served is not None and len(self.served) != self.n:
            raise ValueError(f"served: expected {self.n} flags (one per agent), got {len(self.served)}")

    @property
    def others(self) -> np.ndarray:
        """All profiles t_-i of the other n - 1 agents (types 1..K), shape (K^(n-1), n-1)."""
        rows = list(product(range(1, self.K + 1), repeat=self.n - 1))
        return np.array(rows, dtype=np.int64).reshape(len(rows), self.n - 1)

    def others_at(self, g: np.ndarray) -> np.ndarray:
        """Rows g of :attr:`others` (the profiles t_-i of index g), without building the rest."""
        g = np.asarray(g, dtype=np.int64).reshape(-1)
        if self.n == 1:
            return np.zeros((len(g), 0), dtype=np.int64)
        return np.stack(np.unravel_index(g, (self.K,) * (self.n - 1)), axis=1).astype(np.int64) + 1

    def qualities(self, reports: np.ndarray, types: np.ndarray) -> np.ndarray:
        """q_j = max(x_j, Q(eps t_j)) for report profiles (..., n) (NO = -1 is non-participation)."""
        reports = np.asarray(reports)
        joined = reports >= 0
        pooled = self.quality(self.eps * np.sum(np.where(joined, reports, 0), axis=-1, keepdims=True))
        served = joined if self.served is None else joined & np.asarray(self.served, dtype=bool)
        x = np.where(served, pooled, 0.0)
        return np.maximum(x, self.quality(self.eps * np.asarray(types, dtype=float)))

    def values(self, reports: np.ndarray, types: np.ndarray) -> np.ndarray:
        """v(q) for report and true-type profiles of shape (..., n)."""
        return np.asarray(self.valuation(self.qualities(reports, types)), dtype=float)

    def deviation_values(self, agent: int, others: np.ndarray) -> np.ndarray:
        """W[g, r + 1, t - 1] = v_agent when the agent of true type t reports r (NO = -1 first) and the
        others truthfully report their types others[g]; shape (G, K + 2, K).  Entries with r > t are
        computed but meaningless (a report never exceeds the type, Assumption 2)."""
        others = np.asarray(others, dtype=np.int64)
        others = others.reshape(len(others) if others.ndim > 1 else 1, self.n - 1)
        G, K = len(others), self.K
        r = np.arange(-1, K + 1)[None, :, None]
        t = np.arange(1, K + 1)[None, None, :]
        shape = (G, K + 2, K)
        rep = np.empty(shape + (self.n,), dtype=np.int64)
        typ = np.empty(shape + (self.n,), dtype=np.int64)
        rest = [j for j in range(self.n) if j != agent]
        for col, j in enumerate(rest):
            rep[..., j] = others[:, col, None, None]
            typ[..., j] = others[:, col, None, None]
        rep[..., agent] = np.broadcast_to(r, shape)
        typ[..., agent] = np.broadcast_to(t, shape)
        return self.values(rep, typ)[..., agent]

    @cached_property
    def value_scale(self) -> float:
        """The scale tolerances on payments and budgets are relative to: the largest |v_i| at the
        truthful profiles with every type 1 or every type K, and with one agent's type raised
        to K (tiny when all are 0).  Payments are differences of such values."""
        ones, tops = np.ones(self.n, dtype=np.int64), np.full(self.n, self.K, dtype=np.int64)
        profiles = [ones, tops] + [np.where(np.arange(self.n) == i, self.K, 1) for i in range(self.n)]
        with np.errstate(all="ignore"):
            values = np.abs(self.values(np.array(profiles), np.array(profiles)))
        finite = values[np.isfinite(values)]
        return float(max(finite.max() if finite.size else 0.0, np.finfo(float).tiny))

    def profile_index(self, others: np.ndarray) -> np.ndarray:
        """Row of ``self.others`` holding each profile t_-i (types 1..K), vectorized."""
        others = np.asarray(others, dtype=np.int64)
        others = others.reshape(len(others) if others.ndim > 1 else 1, self.n - 1)
        weights = self.K ** np.arange(self.n - 2, -1, -1)
        return (others - 1) @ weights if self.n > 1 else np.zeros(len(others), dtype=np.int64)



def market_growth_grid(alpha: float, K: int, n: int = 2) -> TypeGrid:
    """The Section 7.2 grid with D = 1 (eps = 1 / K); existence does not depend on eps."""
    lo, hi = ALPHA_RANGE
    if not (np.isfinite(alpha) and lo <= alpha <= hi):
        raise ValueError(f"alpha: market growth rate must lie in [{lo}, {hi}], got {alpha}")
    if not (isinstance(K, (int, np.integer)) and K >= 1):
        raise ValueError(f"disparity: K must be an integer >= 1, got {K}")
    if not (isinstance(n, (int, np.integer)) and n >= 1):
        raise ValueError(f"agents: n must be an integer >= 1, got {n}")
    return TypeGrid(n=int(n), K=int(K), valuation=MarketGrowth(float(alpha)), eps=1.0 / K)


def is_market_growth(grid: TypeGrid) -> bool:
    """The Section 7.2 family on the standard grid, where the symmetric tables of
    :mod:`.symmetric` apply (one difference-constraint graph per others' sum B)."""
    return (isinstance(grid.valuation, MarketGrowth) and isinstance(grid.quality, Identity)
            and (grid.served is None or all(grid.served)))
