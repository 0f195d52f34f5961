"""Jacobians with aggregate structure: J = diag(d) + U V^T with k << n columns.

Payoffs that depend on the profile through a few linear aggregates (the total data, group
totals, cost totals) give such Jacobians; a Newton system on any principal sub-block then costs
O(n k^2) through the Woodbury identity instead of O(n^3).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class DiagPlusLowRank:
    """The matrix ``diag(d) + U @ V.T`` with ``d`` of shape (n,), ``U`` and ``V`` of shape (n, k)."""

    d: np.ndarray
    U: np.ndarray
    V: np.ndarray

    @property
    def n(self) -> int:
        return self.d.shape[0]

    def matvec(self, x: np.ndarray) -> np.ndarray:
        return self.d * x + self.U @ (self.V.T @ x)

    def to_dense(self) -> np.ndarray:
        return np.diag(self.d) + self.U @ self.V.T

    def abs_row_sums(self) -> np.ndarray:
        """Upper bounds on the absolute row sums (for stable gradient step sizes)."""
        return np.abs(self.d) + np.abs(self.U) @ np.abs(self.V).sum(axis=0)

    def max_abs_entry(self) -> float:
        """max_ij |J_ij|, computed exactly when n is small and bounded above otherwise."""
        if self.n <= 2000:
            return float(np.max(np.abs(self.to_dense())))
        return float(np.max(np.abs(self.d)) + np.max(np.abs(self.U).sum(axis=1)) * np.max(np.abs(self.V)))

    def solve_block(self, idx: np.ndarray, rhs: np.ndarray, shift: float) -> np.ndarray:
        """Solve ``(J[idx, idx] - shift I) x = rhs`` by the Woodbury identity.

        Raises ``np.linalg.LinAlgError`` when the diagonal part or the capacitance matrix is
        singular.
        """
        a = self.d[idx] - shift
        if np.any(a == 0.0):
            raise np.linalg.LinAlgError("singular diagonal in Woodbury solve")
        U, V = self.U[idx], self.V[idx]
        ainv_r = rhs / a
        ainv_u = U / a[:, None]
        cap = np.eye(U.shape[1]) + V.T @ ainv_u
        return ainv_r - ainv_u @ np.linalg.solve(cap, V.T @ ainv_r)


Jacobian = DiagPlusLowRank | np.ndarray


def solve_block(J: Jacobian, idx: np.ndarray, rhs: np.ndarray, shift: float) -> np.ndarray:
    """Solve ``(J[idx, idx] - shift I) x = rhs`` for a structured or dense Jacobian."""
    if isinstance(J, DiagPlusLowRank):
        return J.solve_block(idx, rhs, shift)
    block = J[np.ix_(idx, idx)] - shift * np.eye(idx.size)
    return np.linalg.solve(block, rhs)


def block_matvec(J: Jacobian, rows: np.ndarray, cols: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``J[rows, cols] @ x`` for disjoint ``rows`` and ``cols`` (the diagonal does not enter)."""
    if isinstance(J, DiagPlusLowRank):
        return J.U[rows] @ (J.V[cols].T @ x)
    return J[np.ix_(rows, cols)] @ x


def abs_row_sums(J: Jacobian) -> np.ndarray:
    return J.abs_row_sums() if isinstance(J, DiagPlusLowRank) else np.abs(J).sum(axis=1)


def max_abs_entry(J: Jacobian) -> float:
    return J.max_abs_entry() if isinstance(J, DiagPlusLowRank) else float(np.max(np.abs(J)))


def to_dense(J: Jacobian) -> np.ndarray:
    return J.to_dense() if isinstance(J, DiagPlusLowRank) else np.asarray(J)
