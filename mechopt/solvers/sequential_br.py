"""Sequential (Gauss-Seidel) global best responses: a search for an equilibrium from a point that
no method certified, which either reaches a fixed point, meets a cycle (a diagnostic, never a
proof that no equilibrium exists), or runs out of rounds."""

from __future__ import annotations

import numpy as np

from mechopt.certificates.best_response import BestResponseCycle, global_best_responses
from mechopt.games.base import ContinuousGame

SHRINK = 0.5
"""A revisited rounded profile is a cycle only if the mover's gain is at least this fraction of
its gain on the first visit."""


def best_response_cycle(
    game: ContinuousGame,
    start: np.ndarray,
    *,
    tol: float,
    max_rounds: int = 200,
    decimals: int = 7,
) -> tuple[np.ndarray | None, BestResponseCycle | None]:
    """Sequential global best responses from ``start``.

    Returns ``(fixed_point, None)`` when a full round moves no player whose gain exceeds ``tol``
    times its utility scale, ``(None, cycle)`` when a profile recurs (to ``decimals``) with the same
    player to move and a gain that has not shrunk (a sequence converging to a kinked equilibrium
    revisits rounded profiles with ever smaller gains: that is progress, not a cycle), and
    ``(None, None)`` when neither happens within ``max_rounds``.
    """
    s = game.project(np.asarray(start, dtype=float))
    seen: dict[tuple, int] = {}
    history: list[tuple[np.ndarray, int, float]] = []
    br = None  # the search depends on s only: redone after a move
    for _ in range(max_rounds):
        moved = False
        for i in range(game.n):
            key = (i, tuple(np.round(s, decimals)))
            if br is None:
                br = global_best_responses(game, s)
            gain = float(br.gains[i])
            if key in seen and gain >= SHRINK * history[seen[key]][2]:
                cyc = history[seen[key]:]
                profiles = np.array([p for p, _, _ in cyc] + [s])
                return None, BestResponseCycle(profiles, tuple(m for _, m, _ in cyc), np.array([g for _, _, g in cyc]))
            if gain > tol * float(br.scales[i]) + float(br.rounding[i]):
                seen[key] = len(history)
                history.append((s.copy(), i, gain))
                s = s.copy()
                s[i] = br.actions[i]
                br, moved = None, True
        if not moved:
            return s, None
    return None, None
