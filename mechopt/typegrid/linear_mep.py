"""The MEP mechanism under linear externalities (002 Example 2, Definition 10, Section 7.1).

v_i = sum_j A_ij q_j with q_j = max(x_j, Q(t_j)).  The efficient allocation gives agent j the
model trained on all participants' data, Q(sum of their types), when sum_k A_kj >= 0 (every
agent's valuation counts, Definition 5) and nothing otherwise.  The maximal exploitation payment
charges p_i = v_i(x(t), t) - v_i(x(NO, t_-i), t), so each agent's utility is v_i(x(NO, t_-i), t).
Vectorized over samples: A has shape (S, n, n) and t shape (S, n).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mechopt.core.serialization import Serializable
from mechopt.typegrid.model import Logistic, Quality


def qualities(A: np.ndarray, t: np.ndarray, joined: np.ndarray, Q: Quality) -> np.ndarray:
    """q (S, n) when the agents with ``joined`` participate truthfully."""
    pooled = Q(np.sum(np.where(joined, t, 0.0), axis=-1, keepdims=True))
    served = joined & (np.sum(A, axis=-2) >= 0)  # column sums sum_k A_kj
    return np.maximum(np.where(served, pooled, 0.0), Q(t))


def values(A: np.ndarray, q: np.ndarray) -> np.ndarray:
    return np.einsum("sij,sj->si", A, q)


@dataclass(frozen=True)
class MEPOutcome(Serializable):
    """Sample means of the Section 7.1 performance measures."""

    revenue: float
    welfare: float
    quality: float
    """Best trained model quality Q(sum of all types)."""
    utilities: np.ndarray
    """Mean utility of each agent."""


LOGISTIC = Logistic()


def mep_outcome(A: np.ndarray, t: np.ndarray, Q: Quality = LOGISTIC) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-sample payments, valuations and utilities (each (S, n)) of the MEP mechanism."""
    S, n = t.shape
    everyone = np.ones((S, n), dtype=bool)
    v = values(A, qualities(A, t, everyone, Q))
    outside = np.empty((S, n))
    for i in range(n):
        joined = everyone.copy()
        joined[:, i] = False
        outside[:, i] = values(A, qualities(A, t, joined, Q))[:, i]
    return v - outside, v, outside


def random_linear(rng: np.random.Generator, samples: int, n: int, positive_diagonal: bool = False) -> np.ndarray:
    """Every A_ij ~ U[-1, 1] as Section 7.1 states; with ``positive_diagonal`` A_ii ~ U[0, 1]
    instead (Example 2 asks for A_ii > 0, the experiment does not say)."""
    A = rng.uniform(-1.0, 1.0, size=(samples, n, n))
    if positive_diagonal:
        A[:, np.arange(n), np.arange(n)] = np.abs(A[:, np.arange(n), np.arange(n)])
    return A


def figure1_data(agents: np.ndarray, samples: int = 50, seed: int = 0, positive_diagonal: bool = False
                 ) -> list[MEPOutcome]:
    """Figure 1: types ~ U[0, 1], Q(t) = (1 - e^-t)/(1 + e^-t), means over ``samples`` draws."""
    rng = np.random.default_rng(seed)
    out = []
    for n in agents:
        A = random_linear(rng, samples, int(n), positive_diagonal)
        t = rng.uniform(0.0, 1.0, size=(samples, int(n)))
        p, v, u = mep_outcome(A, t)
        out.append(MEPOutcome(float(p.sum(1).mean()), float(v.sum(1).mean()),
                              float(Logistic()(t.sum(1)).mean()), u.mean(0)))
    return out


def figure2_data(opponent: np.ndarray, samples: int = 50, seed: int = 0, positive_diagonal: bool = False
                 ) -> list[MEPOutcome]:
    """Figure 2: 2 agents, t_1 = 1, t_2 over ``opponent``; the same ``samples`` draws of A for
    every t_2 (common random numbers), means over them."""
    A = random_linear(np.random.default_rng(seed), samples, 2, positive_diagonal)
    out = []
    for t2 in opponent:
        t = np.column_stack([np.ones(samples), np.full(samples, float(t2))])
        p, v, u = mep_outcome(A, t)
        out.append(MEPOutcome(float(p.sum(1).mean()), float(v.sum(1).mean()),
                              float(Logistic()(t.sum(1)).mean()), u.mean(0)))
    return out
