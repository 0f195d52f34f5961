"""Optional cross-check (runs when pygambit is installed: `pip install -e '.[gambit]'`): every
equilibrium the MILP enumerates equals an extreme equilibrium found by Gambit's vertex enumeration
(`enummixed_solve`), and the other way round, on generic random games (nondegenerate with
probability 1, so every equilibrium is extreme) and on the paper's 2 x 2 games."""

from __future__ import annotations

import numpy as np
import pytest

from mechopt.privacy.mean_estimation import mean_estimation_game
from mechopt.privacy.twogroup import payoff_matrices
from mechopt.solvers.bimatrix_mip import all_equilibria_mip

gbt = pytest.importorskip("pygambit")


def _gambit(a: np.ndarray, b: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    game = gbt.Game.from_arrays(a, b)
    out = []
    for profile in gbt.nash.enummixed_solve(game, rational=False).equilibria:
        row, col = list(game.players)
        out.append((np.array([float(profile[s]) for s in row.strategies]),
                    np.array([float(profile[s]) for s in col.strategies])))
    return out


def _same_sets(ours: list, theirs: list, atol: float = 1e-7) -> bool:
    match = lambda p, q: np.allclose(p[0], q[0], atol=atol) and np.allclose(p[1], q[1], atol=atol)
    return all(any(match(p, q) for q in theirs) for p in ours) and all(any(match(q, p) for p in ours) for q in theirs)


@pytest.mark.parametrize("shape", [(2, 2), (3, 3), (3, 4), (4, 4), (5, 5)])
@pytest.mark.parametrize("seed", range(5))
def test_random_generic_games_agree_with_gambit(shape: tuple[int, int], seed: int) -> None:
    rng = np.random.default_rng(seed)
    a, b = rng.normal(size=shape), rng.normal(size=shape)
    found = all_equilibria_mip(a, b)
    assert found.complete and found.verified
    assert _same_sets(found.profiles(), _gambit(a, b))


@pytest.mark.parametrize("alpha, c1, c2", [(0.5, 0.1, 0.2), (0.9, 0.3, 0.35), (1.0, 0.6, 0.1), (0.7, 0.45, 0.45)])
def test_the_papers_two_group_games_agree_with_gambit(alpha: float, c1: float, c2: float) -> None:
    a, b = payoff_matrices(mean_estimation_game(), alpha, c1, c2)
    found = all_equilibria_mip(a, b)
    assert found.complete and found.verified
    assert _same_sets(found.profiles(), _gambit(a, b))
