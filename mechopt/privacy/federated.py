"""Section 4: federated mean estimation with optional federation, (14)-(17), Propositions 4-5.

Levels {0, 1, 2}: 0 withholds, 1 federates (the platform sees only the mean theta^f of the
federating users' local estimates, (15)), 2 sends the local estimate.  For user i the platform uses
theta_i^p = w_i0 theta^f + sum_{j: eps_j = 2} w_ij theta_j with the weights summing to 1 (16);
as weights v on every user (v_j = w_ij for direct users, w_i0 / N_1 for federating ones), (55)
(Donahue & Kleinberg, Theorem 4.2) gives
    EMSE_i = t^2 sum_j v_j^2 / n_j + s^2 (sum_{j != i} v_j^2 + (sum_{j != i} v_j)^2).
The optimal weights minimize this quadratic over the free parameters (w_i0 and the w_ij) subject
to their sum being 1: x = Q^-1 1 / (1' Q^-1 1) (:meth:`FederatedPopulation.optimal_weights`, exact).  Proposition 5's
closed forms (58)-(63) are :func:`proposition5_weights`; tests compare the two.  EMSE_i(0) :=
t^2 + 2 s^2 and U of (17) is sum_i a_i log((t^2 + 2 s^2) / EMSE_i).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from mechopt.privacy.game import PrivacyGame


@dataclass(frozen=True)
class FederatedPopulation:
    """N users with samples n_i > 0 and importances a_i >= 0; s^2 = Var(theta_i), t^2 = E[sigma_i^2]."""

    samples: np.ndarray
    importance: np.ndarray
    s2: float
    t2: float

    def __post_init__(self) -> None:
        n = np.asarray(self.samples, dtype=float)
        a = np.broadcast_to(np.asarray(self.importance, dtype=float), n.shape).copy()
        if n.ndim != 1 or n.size < 1 or not np.all(np.isfinite(n)) or np.any(n <= 0):
            raise ValueError("samples: need one number n_i > 0 per user")
        if not np.all(np.isfinite(a)) or np.any(a < 0):
            raise ValueError("importance: a_i must be finite and >= 0")
        for name in ("s2", "t2"):
            v = float(getattr(self, name))
            if not math.isfinite(v) or v < 0:
                raise ValueError(f"{name}: must be a finite number >= 0, got {v}")
        if self.s2 == 0 and self.t2 == 0:
            raise ValueError("s2, t2: at least one must be > 0")
        object.__setattr__(self, "samples", n)
        object.__setattr__(self, "importance", a)

    @property
    def n_users(self) -> int:
        return self.samples.size

    def _parameters(self, eps: Sequence[int]) -> np.ndarray:
        """M (N x P): per-user weights v = M x of the free parameters x = (w_i0?, w_ij for direct j)."""
        eps = np.asarray(eps)
        fed, direct = np.flatnonzero(eps == 1), np.flatnonzero(eps == 2)
        cols = []
        if fed.size:
            col = np.zeros(self.n_users)
            col[fed] = 1.0 / fed.size
            cols.append(col)
        for j in direct:
            col = np.zeros(self.n_users)
            col[j] = 1.0
            cols.append(col)
        return np.array(cols).T if cols else np.zeros((self.n_users, 0))

    def emse(self, i: int, v: np.ndarray) -> float:
        """(55) for user i with weights v over all users."""
        others = np.ones(self.n_users, bool)
        others[i] = False
        return float(self.t2 * np.sum(v**2 / self.samples)
                     + self.s2 * (np.sum(v[others] ** 2) + np.sum(v[others]) ** 2))

    def optimal_weights(self, i: int, eps: Sequence[int]) -> np.ndarray | None:
        """Weights v over all users minimizing (55) under (16); None when nobody shares."""
        m = self._parameters(eps)
        if m.shape[1] == 0:
            return None
        others = np.ones(self.n_users)
        others[i] = 0.0
        a = self.t2 * np.diag(1.0 / self.samples) + self.s2 * (np.diag(others) + np.outer(others, others))
        q = m.T @ a @ m
        y = np.linalg.solve(q, np.ones(q.shape[0]))
        return m @ (y / y.sum())

    def optimal_emse(self, i: int, eps: Sequence[int]) -> float:
        v = self.optimal_weights(i, eps)
        return self.t2 + 2 * self.s2 if v is None else self.emse(i, v)

    def utility(self, eps: Sequence[int]) -> float:
        """(17), every user's optimal EMSE at once (:meth:`optimal_emses`)."""
        base = self.t2 + 2 * self.s2
        a = self.importance
        return float(np.sum(a[a > 0] * np.log(base / self.optimal_emses(eps)[a > 0])))

    def optimal_emses(self, eps: Sequence[int]) -> np.ndarray:
        """Every user's optimal (55), batched: user i's matrix M' A_i M is t^2 M'DM + s^2 (M'M -
        m_i m_i' + g_i g_i') with m_i row i of M and g_i = M'1 - m_i (the same as :meth:`optimal_emse`)."""
        m = self._parameters(eps)
        n = self.n_users
        if m.shape[1] == 0:
            return np.full(n, self.t2 + 2 * self.s2)
        g = m.sum(axis=0)[None, :] - m
        base = self.t2 * (m.T / self.samples) @ m + self.s2 * (m.T @ m)
        q = base[None] + self.s2 * (np.einsum("ip,iq->ipq", g, g) - np.einsum("ip,iq->ipq", m, m))
        y = np.linalg.solve(q, np.ones((n, m.shape[1], 1)))[..., 0]
        v = (y / y.sum(axis=1, keepdims=True)) @ m.T  # row i: user i's weights over all users
        own = v[np.arange(n), np.arange(n)]
        others_sq = np.sum(v**2, axis=1) - own**2
        others_sum = v.sum(axis=1) - own
        return self.t2 * np.sum(v**2 / self.samples, axis=1) + self.s2 * (others_sq + others_sum**2)

    def game(self) -> PrivacyGame:
        """The privacy game over {0, 1, 2}^N with U of (17) (3^N entries)."""
        return PrivacyGame.from_function((0.0, 1.0, 2.0), self.n_users, lambda e: self.utility([int(x) for x in e]))


def proposition5_weights(pop: FederatedPopulation, i: int, eps: Sequence[int]) -> tuple[float, np.ndarray]:
    """(w_i0, w_ij for the direct users j in order) by (58)-(63) as printed."""
    eps = np.asarray(eps)
    fed, direct = np.flatnonzero(eps == 1), np.flatnonzero(eps == 2)
    n1, n2, s2, t2 = fed.size, direct.size, pop.s2, pop.t2
    nbar = 1.0 / np.mean(1.0 / pop.samples[fed])
    v = t2 / pop.samples[direct] + s2
    v0 = t2 / nbar + s2
    vbar = 1.0 / np.mean(1.0 / v)
    den = n1 + n2 * v0 / vbar
    if eps[i] == 0:
        return n1 / den, (v0 / v) / den
    if eps[i] == 1:
        return n1 / den + n2 / den * s2 / vbar, (v0 / v) / den - s2 / v / den
    vi = t2 / pop.samples[i] + s2
    w0 = n1 / den - n1 / den * s2 / vi
    w = (v0 / v) / den - (v0 / v) / den * s2 / vi
    k = int(np.flatnonzero(direct == i)[0])
    w[k] = (v0 / vi) / den + (den - v0 / vi) / den * s2 / vi
    return w0, w
