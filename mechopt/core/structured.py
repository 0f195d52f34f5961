"""Jacobians with aggregate structure: J = diag(d) + U V^T with k << n columns.

Payoffs that depend on the profile through a few linear aggregates (the total data, group
totals, cost totals) give such Jacobians; a Newton system on any principal sub-block then costs
O(n k^2) through the Woodbury identity instead of O(n^3).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def tall_matmul(U: np.ndarray, y: np.ndarray) -> np.ndarray:
    """U @ y for a tall U with few columns (a column scaling when there is one: much faster)."""
    return U[:, 0] * y[0] if U.shape[1] == 1 and y.ndim == 1 else U @ y


@dataclass(frozen=True)
class DiagPlusLowRank:
    """The matrix ``diag(d) + U @ V.T`` with ``d`` of shape (n,), ``U`` and ``V`` of shape (n, k)."""

    d: np.ndarray
    U: np.ndarray
    V: np.ndarray

    @property
    def n(self) -> int:
        return self.d.shape[0]

    def to_dense(self) -> np.ndarray:
        return np.diag(self.d) + self.U @ self.V.T

    def abs_row_sums(self) -> np.ndarray:
        """Upper bounds on the absolute row sums (for stable gradient step sizes)."""
        return np.abs(self.d) + np.abs(self.U) @ np.abs(self.V).sum(axis=0)


Jacobian = DiagPlusLowRank | np.ndarray

SMALL_PIVOTS = 64
"""Most rows with a negligible diagonal that :func:`solve_diag_plus_low_rank` eliminates densely."""


def _woodbury(a: np.ndarray, W: np.ndarray, V: np.ndarray, rhs: np.ndarray) -> np.ndarray:
    """(diag(a) + W V^T)^{-1} rhs for nonzero ``a``; ``rhs`` of shape (m,) or (m, p)."""
    ainv = 1.0 / a if rhs.ndim == 1 else (1.0 / a)[:, None]
    ainv_r, ainv_w = rhs * ainv, W / a[:, None]
    cap = np.eye(W.shape[1]) + V.T @ ainv_w
    return ainv_r - tall_matmul(ainv_w, np.linalg.solve(cap, V.T @ ainv_r))


def solve_diag_plus_low_rank(a: np.ndarray, W: np.ndarray, V: np.ndarray, rhs: np.ndarray,
                             rel_small: float = 1e-8) -> np.ndarray:
    """Solve (diag(a) + W V^T) x = rhs in O(n k^2 + m^3), m the number of rows with |a_i| small.

    Woodbury needs a nonzero diagonal; rows with |a_i| <= rel_small * max|a| (players whose own
    curvature sits entirely in the low-rank part, e.g. linear costs) are split off and solved
    through their dense Schur complement (least squares if it is singular).  Beyond
    ``SMALL_PIVOTS`` such rows their diagonal is floored instead.
    """
    scale = float(np.max(np.abs(a))) if a.size else 0.0
    small = np.abs(a) <= rel_small * scale
    if not small.any():
        return _woodbury(a, W, V, rhs)
    if small.sum() > SMALL_PIVOTS:
        floor = rel_small * max(scale, float(np.max(np.abs(W) @ np.abs(V).sum(axis=0))), 1e-300)
        return _woodbury(np.where(small, np.where(a < 0, -floor, floor), a), W, V, rhs)
    S, B = np.flatnonzero(small), np.flatnonzero(~small)
    WS, VS = W[S], V[S]
    if B.size:
        WB, VB = W[B], V[B]
        # H_BB^{-1} [rhs_B, W_B]: one Woodbury solve with k + 1 right-hand sides
        sol = _woodbury(a[B], WB, VB, np.concatenate([rhs[B][:, None], WB], axis=1))
        yB, M = sol[:, 0], sol[:, 1:]
        K = VB.T @ M  # V_B^T H_BB^{-1} W_B
        schur = np.diag(a[S]) + WS @ (np.eye(W.shape[1]) - K) @ VS.T
        xS = np.linalg.lstsq(schur, rhs[S] - WS @ (VB.T @ yB), rcond=None)[0]
        x = np.empty_like(rhs)
        x[S] = xS
        x[B] = yB - M @ (VS.T @ xS)
        return x
    return np.linalg.lstsq(np.diag(a) + W @ V.T, rhs, rcond=None)[0]


def block_matvec(J: Jacobian, rows: np.ndarray, cols: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``J[rows, cols] @ x``, leaving out the diagonal part ``d`` of a :class:`DiagPlusLowRank`
    (all of J enters when it is dense)."""
    if isinstance(J, DiagPlusLowRank):
        return tall_matmul(J.U[rows], J.V[cols].T @ x)
    return J[np.ix_(rows, cols)] @ x


def abs_row_sums(J: Jacobian) -> np.ndarray:
    return J.abs_row_sums() if isinstance(J, DiagPlusLowRank) else np.abs(J).sum(axis=1)


def to_dense(J: Jacobian) -> np.ndarray:
    return J.to_dense() if isinstance(J, DiagPlusLowRank) else np.asarray(J)
