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


MAX_MAGNITUDE = 1e50
"""Largest |U| and sensitivity of Section 5's programs, and the reciprocal of the smallest nonzero
max |U|: they multiply utilities and sensitivities up to three times, so beyond these the products
overflow or underflow double precision."""


MAX_USERS = 14
"""Most users of Section 5's programs: their certificates enumerate the 2^N level vectors (fair
values of every user at every vector, N 2^N numbers)."""


def check_users(n: int) -> None:
    if n > MAX_USERS:
        raise ValueError(f"table: Section 5's programs are certified for at most {MAX_USERS} users (their "
                         f"certificates enumerate the 2^N level vectors), got {n}")


def check_sensitivity(c: float) -> float:
    """c of (18): a number in [0, MAX_MAGNITUDE]; else a ValueError naming ``sensitivity``."""
    try:
        c = float(c)
    except (TypeError, ValueError, OverflowError):
        raise ValueError(f"sensitivity: must be a number in [0, {MAX_MAGNITUDE:g}], got {c!r}") from None
    if not 0.0 <= c <= MAX_MAGNITUDE:
        raise ValueError(f"sensitivity: must be a finite number in [0, {MAX_MAGNITUDE:g}], got {c:g}")
    return c


def check_magnitudes(table: np.ndarray) -> None:
    """Section 5's utilities: every |U| at most MAX_MAGNITUDE, and the largest 0 or at least
    1 / MAX_MAGNITUDE; else a ValueError naming ``table``."""
    top = float(np.max(np.abs(table), initial=0.0))
    if top > MAX_MAGNITUDE or 0.0 < top < 1.0 / MAX_MAGNITUDE:
        raise ValueError(f"table: the largest |U| must be 0 or in [{1.0 / MAX_MAGNITUDE:g}, {MAX_MAGNITUDE:g}] "
                         f"(the programs multiply utilities up to three times), got {top:g}")


def table_scale(game: PrivacyGame) -> float:
    """The magnitude of the platform's values: the table's largest |U|."""
    return float(np.max(np.abs(game.table), initial=0.0))


TIE_RTOL = 1e-12
"""Platform values within this fraction of the table's largest |U| are ties."""


def optimistic_choice(alphas: np.ndarray, values: np.ndarray, scale: float) -> int:
    """The leader-favourable choice among candidates: the best value, and among values tied with it
    (within TIE_RTOL of ``scale``, the magnitude of the platform's values: the table's largest
    |U|), the smallest alpha (the paper's "smallest alpha such that").  The scale is the game's,
    not the candidates': where every candidate is worth 0 up to rounding (no payment pays), the
    polynomial's -1e-16 at alpha = 0 still ties with the 0 of alpha = 1."""
    alphas, values = np.asarray(alphas, float), np.asarray(values, float)
    tied = np.flatnonzero(values >= values.max() - TIE_RTOL * scale)
    return int(tied[np.argmin(alphas[tied])])
