"""Cross-check with pygambit (the `gambit` extra, part of the test extra: this runs in CI): the
extreme equilibria of the vertex enumeration (solvers/bimatrix_enum.py) equal those of Gambit's
vertex enumeration (`enummixed_solve`) as sets, on random games (nondegenerate with probability 1),
degenerate games (ties; a repeated row and a zero column) and the paper's 2 x 2 games; so do the
MILP's on generic random games (every equilibrium extreme) and the paper's games.  Gambit may list
an extreme equilibrium twice; sets are compared."""

from __future__ import annotations

import numpy as np
import pytest

from mechopt.privacy.mean_estimation import mean_estimation_game
from mechopt.privacy.twogroup import payoff_matrices
from mechopt.solvers.bimatrix_enum import vertex_equilibria
from mechopt.solvers.bimatrix_mip import all_equilibria_mip

gbt = pytest.importorskip("pygambit")


def _gambit(a: np.ndarray, b: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    game = gbt.StrategicGame.from_arrays(a, b)
    return [(np.array([float(v) for _, v in p["1"]]), np.array([float(v) for _, v in p["2"]]))
            for p in gbt.nash.enummixed_solve(game, rational=False).equilibria]


def _same_sets(ours: list, theirs: list, atol: float = 1e-7) -> bool:
    match = lambda p, q: np.allclose(p[0], q[0], atol=atol) and np.allclose(p[1], q[1], atol=atol)
    return all(any(match(p, q) for q in theirs) for p in ours) and all(any(match(q, p) for p in ours) for q in theirs)


def _degenerate(shape: tuple[int, int], seed: int, structured: bool) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    a, b = rng.integers(0, 3, size=shape).astype(float), rng.integers(0, 3, size=shape).astype(float)
    if structured:
        a[-1], b[-1], b[:, 0] = a[0], b[0], 0.0
    return a, b


@pytest.mark.parametrize("shape", [(2, 2), (3, 3), (3, 4), (4, 4), (5, 5)])
@pytest.mark.parametrize("seed", range(5))
def test_random_generic_games_agree_with_gambit(shape: tuple[int, int], seed: int) -> None:
    rng = np.random.default_rng(seed)
    a, b = rng.normal(size=shape), rng.normal(size=shape)
    found = all_equilibria_mip(a, b)
    assert found.complete and found.verified
    assert _same_sets(found.profiles(), _gambit(a, b))
    ours = vertex_equilibria(a, b)
    assert ours.verified and _same_sets([(e.x, e.y) for e in ours.equilibria], _gambit(a, b))


@pytest.mark.parametrize("shape", [(2, 2), (3, 3), (2, 5), (4, 4), (6, 6), (8, 7)])
@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("structured", [False, True])
def test_degenerate_games_have_gambits_extreme_equilibria(shape: tuple[int, int], seed: int, structured: bool) -> None:
    a, b = _degenerate(shape, seed, structured)
    ours = vertex_equilibria(a, b)
    assert ours.verified and _same_sets([(e.x, e.y) for e in ours.equilibria], _gambit(a, b))


@pytest.mark.parametrize("alpha, c1, c2", [(0.5, 0.1, 0.2), (0.9, 0.3, 0.35), (1.0, 0.6, 0.1), (0.7, 0.45, 0.45)])
def test_the_papers_two_group_games_agree_with_gambit(alpha: float, c1: float, c2: float) -> None:
    a, b = payoff_matrices(mean_estimation_game(), alpha, c1, c2)
    found = all_equilibria_mip(a, b)
    assert found.complete and found.verified
    assert _same_sets(found.profiles(), _gambit(a, b))
    assert _same_sets([(e.x, e.y) for e in vertex_equilibria(a, b).equilibria], _gambit(a, b))
