"""Privacy-level games: a finite, sorted set of levels E and a utility U over level vectors.

A game is U as a table of shape (K,) * N, indexed by the users' level *indices* in user order:
``table[k_1, ..., k_N]`` = U(eps_1 = E[k_1], ..., eps_N = E[k_N]) (user 1 on the rows of a
2 x 2 table).  The lowest level E[0] stands for "data withheld" (the paper's eps = 0): eps_S of (4)
sets every user outside S to E[0].
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class PrivacyGame:
    """Levels (strictly increasing; ``inf`` allowed) and the utility table over level vectors."""

    levels: tuple[float, ...]
    table: np.ndarray

    def __post_init__(self) -> None:
        levels = tuple(float(e) for e in self.levels)
        object.__setattr__(self, "levels", levels)
        if len(levels) < 2:
            raise ValueError(f"levels: need at least 2 privacy levels, got {len(levels)}")
        if any(math.isnan(e) or e < 0 for e in levels):
            raise ValueError(f"levels: every level must be a number >= 0, got {list(levels)}")
        if any(b <= a for a, b in zip(levels, levels[1:])):
            raise ValueError(f"levels: must be sorted strictly increasing, got {list(levels)}")
        table = np.asarray(self.table, dtype=float)
        k = len(levels)
        if table.ndim < 1 or any(d != k for d in table.shape):
            raise ValueError(f"table: shape must be ({k},) * N for {k} levels, got {table.shape}")
        if not np.all(np.isfinite(table)):
            bad = tuple(int(i) for i in np.argwhere(~np.isfinite(table))[0])
            raise ValueError(f"table: every utility must be finite, got {table[bad]} at index {bad}")
        table = table.copy()
        table.setflags(write=False)
        object.__setattr__(self, "table", table)

    @property
    def n_users(self) -> int:
        return self.table.ndim

    @property
    def n_levels(self) -> int:
        return len(self.levels)

    @classmethod
    def from_function(cls, levels: Sequence[float], n_users: int,
                      utility: Callable[[tuple[float, ...]], float]) -> "PrivacyGame":
        """Tabulate ``utility(eps)`` (eps a tuple of levels) over every level vector."""
        if n_users < 1:
            raise ValueError(f"n_users: must be >= 1, got {n_users}")
        levels = tuple(float(e) for e in levels)
        table = np.empty((len(levels),) * n_users)
        for idx in itertools.product(range(len(levels)), repeat=n_users):
            table[idx] = utility(tuple(levels[i] for i in idx))
        return cls(levels, table)

    def utility(self, index: Sequence[int]) -> float:
        """U at the level-index vector ``index``."""
        return float(self.table[tuple(index)])

    def restricted(self, index: Sequence[int], coalition: Sequence[int]) -> float:
        """U(eps_S) of (4): the users outside ``coalition`` (0-based) set to E[0]."""
        s = set(coalition)
        return float(self.table[tuple(k if i in s else 0 for i, k in enumerate(index))])


def check_sensitivity(c: float) -> float:
    c = float(c)
    if not np.isfinite(c) or c < 0:
        raise ValueError(f"sensitivity: must be a finite number >= 0, got {c}")
    return c


TIE_RTOL = 1e-12
"""Platform values within this fraction of the candidates' largest |value| are ties."""


def optimistic_choice(alphas: np.ndarray, values: np.ndarray) -> int:
    """The leader-favourable choice among candidates: the best value, and among values tied with it
    (relative to the candidates' scale), the smallest alpha (the paper's "smallest alpha such that")."""
    alphas, values = np.asarray(alphas, float), np.asarray(values, float)
    tied = np.flatnonzero(values >= values.max() - TIE_RTOL * float(np.abs(values).max()))
    return int(tied[np.argmin(alphas[tied])])
