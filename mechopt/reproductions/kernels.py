"""The compiled kernels the reproductions use, made ready before the grid points: one group per
task, so that on a fresh install each worker compiles a different group and the other workers on
the same machine load it from numba's on-disk cache, instead of every worker compiling every kernel
at its first point.

Each group solves a small instance through the public API (the same calls, so the same compiled
signatures, as the points'); with the cache present a group only loads it (under a second).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from distributed import Client, Future


def _type_grid() -> None:
    """The market-growth DAG solver, the table a witness defines and the exhaustive IR/IC check (002)."""
    from mechopt.typegrid.existence import solve_existence
    from mechopt.typegrid.model import market_growth_grid

    solve_existence(market_growth_grid(-0.69, 16))


def _power_law_game():  # type: ignore[no-untyped-def]
    from mechopt.data.functions import PowerLaw, linear_cost
    from mechopt.data.payoffs import LinearIndexPayoff
    from mechopt.games.data_sharing import DataSharingGame

    n = 8
    payoff = LinearIndexPayoff.aggregate(PowerLaw(np.linspace(0.5, 2.0, n), np.linspace(0.3, 1.0, n), shift=1.0), n)
    return DataSharingGame(payoff, linear_cost(np.linspace(0.01, 0.1, n)), 5.0)


def _newton() -> None:
    """Semismooth Newton's linearized aggregate step and merit (000, 001, 003)."""
    from mechopt.solvers.newton import newton_solve

    newton_solve(_power_law_game())


def _best_response_bound() -> None:
    """The Nash certificate's concave chord bound on each player's best response, at the box
    midpoint (any profile runs the bound; solving for one would compile Newton's group here too)."""
    from mechopt.certificates.nash import nash_certificate

    game = _power_law_game()
    nash_certificate(game, 0.5 * (game.lower + game.upper))


GROUPS: tuple[tuple[frozenset[str], Callable[[], None]], ...] = (
    (frozenset({"002"}), _type_grid),
    (frozenset({"000", "001", "003"}), _newton),
    (frozenset({"000", "001", "003"}), _best_response_bound),
)
"""Each group with the papers whose points use it; longest compilation first (about 17, 12 and
2 s on one core of the reference machine)."""


def prepare_kernels(client: Client, papers: Collection[str]) -> list[Future]:
    """Submit the groups ``papers`` use to ``client``, ahead of anything submitted later; their
    futures.  A group's failure changes no result (the points run the same code and report their
    own errors), so the caller only waits for them."""
    return [client.submit(group, pure=False, priority=1) for used_by, group in GROUPS if used_by & set(papers)]
