"""001 Theorems A.2, 3.2 and A.1 in the report, pinned to the paper's closed forms and to
independent computations (a float grid search of the best responses, a root of the equilibrium
condition, finite-difference Jacobians)."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from scipy.optimize import brentq

from mechopt.reproductions import p001_claims as claims

EPS = 1 / 32


def _e(x: np.ndarray) -> np.ndarray:
    """(8) in floats."""
    return np.clip(0.5 + (x - 0.5) / (2 * EPS), 0.0, 1.0)


def test_theorem_a2_values_are_the_papers() -> None:
    """Case 1: best response 1/2 + eps with utility 7/8 - eps/4; Case 2: 0 with utility 1; the middle piece
    turns flat at e(s_3) = 1 - eps/2 (the proof's slope-zero case)."""
    eps = Fraction(1, 32)
    assert claims.best_responses(Fraction(0))[0] == (Fraction(1, 2) + eps,)
    assert claims.utility(Fraction(1, 2) + eps, Fraction(0)) == Fraction(7, 8) - eps / 4
    assert claims.best_responses(Fraction(1))[0] == (Fraction(0),)
    assert claims.utility(Fraction(0), Fraction(1)) == 1
    assert 1 - eps / 2 in claims.critical_values()
    r = claims.no_equilibrium()
    assert r["equilibria"] == 0 and len(r["profiles"]) == 8 and r["actions"] == ["0", "17/32"]
    gains = {tuple(p["profile"]): p["gains"] for p in r["profiles"]}
    assert gains["0", "0", "0"] == [str(Fraction(7, 8) - eps / 4)] * 3  # each agent moves to 1/2 + eps


def test_theorem_a2_no_equilibrium_on_a_fine_grid() -> None:
    """Independent of the exact analysis: best responses by grid argmax (step 1/2048, which holds every
    breakpoint) at every grid action of the agent before; following them around the cycle never closes."""
    grid = np.linspace(0.0, 1.0, 2049)
    E = _e(grid)[:, None]
    u = _e(grid)[None, :] * (1 - E) + E - grid[None, :] / 4  # u[k, m]: before = grid[k], own = grid[m]
    best = u.max(axis=1, keepdims=True)
    br = [np.flatnonzero(row >= b - 1e-12) for row, b in zip(u, best)]
    assert set(np.concatenate(br).tolist()) <= {0, 1088}  # grid index of 17/32
    for s3 in range(len(grid)):
        for s1 in br[s3]:
            for s2 in br[s1]:
                assert s3 not in br[s2]


def _gradient(s: np.ndarray) -> np.ndarray:
    """du_i/ds_i for a(S) = 1 - (S + 1)^-1/2, c_i = c_i s + kappa s^2 / 2, written from the formulas."""
    return 0.5 * (s.sum() + 1) ** -1.5 - np.array(claims.SLOPES) - claims.KAPPA * s


def test_theorem32_constants_against_finite_differences() -> None:
    """lambda = kappa: the largest eigenvalue of the (symmetric) Jacobian G is -kappa everywhere; L: the
    largest |G_ij| over the box, reached at s = 0."""
    lam, L = claims.constants()
    rng = np.random.default_rng(0)
    h, top, biggest = 1e-6, -np.inf, 0.0
    for s in [np.zeros(3)] + [rng.uniform(0, claims.TAU, 3) for _ in range(50)]:
        G = np.column_stack([(_gradient(s + h * np.eye(3)[j]) - _gradient(s - h * np.eye(3)[j])) / (2 * h)
                             if s[j] >= h else (_gradient(s + h * np.eye(3)[j]) - _gradient(s)) / h for j in range(3)])
        top = max(top, np.linalg.eigvalsh((G + G.T) / 2).max())
        biggest = max(biggest, np.abs(G).max())
    assert top == pytest.approx(-lam, abs=1e-5)
    assert biggest == pytest.approx(L, rel=1e-4)


def test_theorem32_rate_and_end_point() -> None:
    """The measured squared step ratio is within the theorem's bound, the iterations within T, and the end
    point is the equilibrium: s_i = max(0, (a'(S) - c_i) / kappa) with S their sum (root by brentq)."""
    r = claims.theorem32_point(1e-8)
    assert r["verified"]
    assert r["rate_worst"] <= r["rate_bound"] == pytest.approx(1 - 0.25 / (9 * 1.25**2))
    assert r["iterations"] <= r["T_bound"]

    def share(S: float) -> np.ndarray:
        return np.maximum(0.0, (0.5 * (S + 1) ** -1.5 - np.array(claims.SLOPES)) / claims.KAPPA)

    S = brentq(lambda S: share(S).sum() - S, 0.0, 3 * claims.TAU)
    assert np.allclose(r["end"], share(S), atol=1e-7)
    assert np.allclose(r["envelope"]["result"]["profile"], share(S), atol=1e-7)
    # the dynamics contract like 1 - delta kappa per step at the end (the interior block of I + delta G)
    assert r["rate_last"] == pytest.approx((1 - r["step"] * claims.KAPPA) ** 2, rel=1e-4)


def test_theorem_a1_separable_game() -> None:
    """a = W s is separable: s_i = tau where W_ii > c_i, else 0."""
    r = claims.theorem_a1_point()
    W, c = np.array(claims.SEPARABLE["payoff"]["W"]), np.array(claims.SEPARABLE["cost"]["slope"])
    assert r["verified"]
    assert np.allclose(r["envelope"]["result"]["profile"], np.where(np.diag(W) > c, 1.0, 0.0), atol=1e-9)
