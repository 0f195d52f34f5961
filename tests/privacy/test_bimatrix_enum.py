"""Every extreme equilibrium of a bimatrix game by vertex enumeration (solvers/bimatrix_enum.py):
hand-known games (matching pennies, battle of the sexes, rock-paper-scissors, a continuum and the
all-zero game, whose extreme equilibria are listed by hand), the same sets as the MILP's
declarative cross-check (``method="mip"``), the plain-Python and batched searches against each
other, units, and bad input.  pygambit's ``enummixed`` is compared in test_bimatrix_gambit.py."""

from __future__ import annotations

import numpy as np
import pytest

from mechopt.solvers.bimatrix_enum import (_equilibria, _equilibria_small, _unit_range, all_equilibria,
                                           polytope_vertices, polytope_vertices_small, vertex_equilibria)

E0, E1, HALF = np.array([1.0, 0.0]), np.array([0.0, 1.0]), np.array([0.5, 0.5])


def _profiles(r) -> list[tuple[np.ndarray, np.ndarray]]:
    return [(e.x, e.y) for e in r.equilibria]


def _same(found, expected, atol=1e-12) -> bool:
    """Equal as sets, each listed once."""
    match = lambda p, q: np.allclose(p[0], q[0], atol=atol) and np.allclose(p[1], q[1], atol=atol)
    return len(found) == len(expected) and all(any(match(p, q) for q in expected) for p in found) and \
        all(any(match(q, p) for p in found) for q in expected)


def test_matching_pennies_has_one_mixed_equilibrium():
    a = np.array([[1.0, -1.0], [-1.0, 1.0]])
    r = vertex_equilibria(a, -a)
    assert r.complete and r.verified and _same(_profiles(r), [(HALF, HALF)])


def test_battle_of_the_sexes_has_three():
    r = vertex_equilibria(np.array([[2.0, 0], [0, 1]]), np.array([[1.0, 0], [0, 2]]))
    assert r.verified
    assert _same(_profiles(r), [(E0, E0), (E1, E1), (np.array([2 / 3, 1 / 3]), np.array([1 / 3, 2 / 3]))])


def test_rock_paper_scissors_is_unique_and_uniform():
    rps = np.array([[0, -1, 1], [1, 0, -1], [-1, 1, 0]], float)
    r = vertex_equilibria(rps, -rps)
    assert _same(_profiles(r), [(np.full(3, 1 / 3), np.full(3, 1 / 3))])


def test_a_continuum_is_returned_by_its_extreme_points():
    """The row player is indifferent everywhere; the column player coordinates.  The equilibria are
    {x_1 >= 1/2} x {e0}, {x_1 <= 1/2} x {e1} and {(1/2, 1/2)} x (every y): three segments whose
    extreme points are (e0, e0), (1/2, e0), (e1, e1), (1/2, e1); the best response of each is listed."""
    a, b = np.array([[1.0, 0.0], [1.0, 0.0]]), np.array([[1.0, 0.0], [0.0, 1.0]])
    r = vertex_equilibria(a, b)
    assert r.verified and _same(_profiles(r), [(E0, E0), (HALF, E0), (E1, E1), (HALF, E1)])
    for e in r.equilibria:
        assert e.rows == (0, 1)  # both rows are best responses to every y
        assert e.cols == ((0, 1) if np.allclose(e.x, HALF) else (int(e.x[1] > 0.5),))


def test_the_all_zero_game_has_every_pure_pair_as_extreme_equilibria():
    r = vertex_equilibria(np.zeros((2, 3)), np.zeros((2, 3)))
    expected = [(np.eye(2)[i], np.eye(3)[j]) for i in range(2) for j in range(3)]
    assert r.verified and _same(_profiles(r), expected)


def _game(kind: str, shape: tuple[int, int], seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    if kind == "random":
        return rng.normal(size=shape), rng.normal(size=shape)
    a, b = rng.integers(0, 3, size=shape).astype(float), rng.integers(0, 3, size=shape).astype(float)
    if kind == "structured":  # a repeated row and a zero column
        a[-1], b[-1], b[:, 0] = a[0], b[0], 0.0
    return a, b


@pytest.mark.parametrize("kind, shape, seed", [("random", (2, 2), 0), ("random", (3, 3), 3), ("random", (2, 4), 1),
                                               ("ties", (2, 2), 0), ("ties", (3, 3), 1), ("ties", (2, 3), 2),
                                               ("structured", (3, 3), 0), ("structured", (3, 2), 4)])
def test_same_sets_as_the_milp(kind, shape, seed):
    """The MILP's patterns, each pattern's vertices (method="mip"), equal the vertex enumeration."""
    a, b = _game(kind, shape, seed)
    ours, milp = all_equilibria(a, b), all_equilibria(a, b, method="mip")
    assert milp.complete and milp.verified and ours.verified
    assert _same(_profiles(ours), _profiles(milp), atol=1e-8)


@pytest.mark.parametrize("kind", ["random", "ties", "structured"])
def test_plain_python_and_batched_searches_find_the_same_vertices(kind):
    a, _ = _game(kind, (6, 5), 7)
    m, n = a.shape
    full = np.concatenate([np.eye(m), _unit_range(a)], axis=1)
    batched = polytope_vertices(full, np.arange(m))
    small = np.array(list(polytope_vertices_small(full.tolist(), list(range(m))).values()))
    key = lambda v: sorted(map(tuple, np.round(v, 9)))
    assert len(batched) == len(small) and np.allclose(key(batched), key(small), atol=1e-9)


@pytest.mark.parametrize("kind", ["random", "ties", "structured"])
@pytest.mark.parametrize("shape", [(1, 3), (2, 2), (3, 2), (4, 4), (5, 5)])
def test_plain_python_and_batched_paths_give_the_same_equilibria_and_regrets(kind, shape):
    """Small games take plain Python floats end to end; the batched numpy path agrees on them."""
    a, b = _game(kind, shape, 3)
    small, batched = _equilibria_small(a, b), _equilibria(a, b)
    key = lambda e: (tuple(np.round(e.x, 9)), tuple(np.round(e.y, 9)))
    small, batched = sorted(small, key=key), sorted(batched, key=key)
    assert len(small) == len(batched) >= 1
    for p, q in zip(small, batched, strict=True):
        assert np.allclose(p.x, q.x, atol=1e-12) and np.allclose(p.y, q.y, atol=1e-12)
        assert (p.rows, p.cols) == (q.rows, q.cols)
        assert abs(p.max_regret - q.max_regret) <= 1e-12 * max(np.abs(a).max(), np.abs(b).max(), 1.0)


def test_regrets_that_overflow_are_nan_and_not_verified():
    """Payoffs a few ulps below the largest double overflow in the regrets: NaN, never hidden by
    the small games' plain-Python max (which skips a NaN that is not first)."""
    top = np.finfo(float).max
    ulp = top - np.nextafter(top, 0)
    a = top - np.array([[1, 3, 3], [2, 3, 1], [3, 2, 2]]) * ulp
    b = top - np.array([[3, 0, 3], [1, 0, 0], [0, 1, 1]]) * ulp
    with np.errstate(all="ignore"):
        r = vertex_equilibria(a, b)
    assert not r.verified and any(np.isnan(e.max_regret) for e in r.equilibria)


def test_any_units_and_shifts_give_the_same_equilibria():
    a, b = _game("ties", (4, 4), 5)
    ref = _profiles(vertex_equilibria(a, b))
    for s, t in ((1e-9, 0.0), (1e9, -3.0), (2.5, 7.0)):
        r = vertex_equilibria(s * (a + t), (b - t) / s)
        assert r.verified and _same(_profiles(r), ref, atol=1e-9)


def test_large_games_take_the_batched_path_and_verify():
    a, b = _game("ties", (7, 6), 11)
    r = vertex_equilibria(a, b)
    assert r.verified and r.equilibria
    for e in r.equilibria:  # every reported best response is one, every played strategy is one
        assert set(np.flatnonzero(e.x > 0)) <= set(e.rows) and set(np.flatnonzero(e.y > 0)) <= set(e.cols)


def test_bad_input_is_refused_with_the_field_named():
    with pytest.raises(ValueError, match="b: must have the shape"):
        vertex_equilibria(np.zeros((2, 2)), np.zeros((2, 3)))
    with pytest.raises(ValueError, match="a: payoffs must be finite"):
        vertex_equilibria(np.array([[np.nan, 0.0], [0.0, 1.0]]), np.zeros((2, 2)))
    with pytest.raises(ValueError, match="a: must be an m x n"):
        vertex_equilibria(np.zeros(3), np.zeros(3))
    with pytest.raises(ValueError, match="method"):
        all_equilibria(np.zeros((2, 2)), np.zeros((2, 2)), method="lemke")
