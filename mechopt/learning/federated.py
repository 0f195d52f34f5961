"""Federated training in process and 001's contribution protocols on top of it (Section 5,
Appendix C): FedAvg over agents who each use the first s_i of their samples, and FedBR /
FedBR-BG (Algorithms 2 and 1), which interleave best-response steps of the contributions with
federated training.  The model is softmax regression in numpy, deterministic under a seed.

Algorithm 1's round: every agent computes the gradient of its loss on its |D_i| = s_i samples,
the server averages them weighted by |D_i| and takes a step; the weighted mean of per-agent mean
gradients is the mean gradient over the union of the samples, which is how it is computed here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from mechopt.data.power_mean import power_mean


@dataclass(frozen=True)
class Agents:
    """Each agent's training and test data: ``train[i] = (X, y)``, ``test[i] = (X, y)``."""

    train: tuple[tuple[np.ndarray, np.ndarray], ...]
    test: tuple[tuple[np.ndarray, np.ndarray], ...]
    classes: int

    @property
    def n(self) -> int:
        return len(self.train)

    @property
    def capacity(self) -> np.ndarray:
        """tau_i: how many training samples agent i holds."""
        return np.array([y.size for _, y in self.train], dtype=float)


def split_agents(X: np.ndarray, y: np.ndarray, n: int, train: int, test: int, *, seed: int = 0) -> Agents:
    """``n`` agents with ``train`` training and ``test`` test samples each, drawn iid without
    replacement (001 Section 5.2: 10 agents x 100 training and 10 test images)."""
    X, y = np.asarray(X, dtype=float), np.asarray(y)
    if n < 1 or train < 1 or test < 1:
        raise ValueError(f"n, train, test: must each be >= 1, got {n}, {train}, {test}")
    if n * (train + test) > y.size:
        raise ValueError(f"n, train, test: {n} x ({train} + {test}) samples needed, the data hold {y.size}")
    order = np.random.default_rng(seed).permutation(y.size)
    parts = [order[k * (train + test):(k + 1) * (train + test)] for k in range(n)]
    return Agents(tuple((X[p[:train]], y[p[:train]]) for p in parts),
                  tuple((X[p[train:]], y[p[train:]]) for p in parts), int(np.max(y)) + 1)


def _softmax(Z: np.ndarray) -> np.ndarray:
    Z = Z - Z.max(axis=1, keepdims=True)
    E = np.exp(Z)
    return E / E.sum(axis=1, keepdims=True)


def _features(X: np.ndarray) -> np.ndarray:
    return np.hstack([X, np.ones((X.shape[0], 1))])


def fedavg(agents: Agents, contributions: np.ndarray, rounds: int, *, rate: float = 0.5, seed: int = 0) -> np.ndarray:
    """Softmax-regression weights after ``rounds`` rounds of Algorithm 1's federated gradient
    steps from a fresh initialization, agent i using its first ``contributions[i]`` samples."""
    s = np.floor(np.asarray(contributions, dtype=float)).astype(int)
    X = _features(np.vstack([x[:k] for (x, _), k in zip(agents.train, s)]))
    y = np.concatenate([t[:k] for (_, t), k in zip(agents.train, s)])
    W = np.random.default_rng(seed).normal(0.0, 0.01, (X.shape[1], agents.classes))
    if y.size == 0:
        return W
    onehot = np.eye(agents.classes)[y]
    for _ in range(rounds):
        W -= rate * X.T @ (_softmax(X @ W) - onehot) / y.size
    return W


def accuracies(agents: Agents, W: np.ndarray) -> np.ndarray:
    """a_i(theta): the model's accuracy on each agent's own test data (001 Section 5.1)."""
    return np.array([float(np.mean(np.argmax(_features(x) @ W, axis=1) == t)) for x, t in agents.test])


@dataclass
class ServerCurve:
    """a~(S) of 001 Section 5.1: the accuracy of a model trained on S samples of the server's
    pool (multiples of the interval), on the pooled test data; computed once per S."""

    agents: Agents
    rounds: int
    rate: float = 0.5
    seed: int = 0
    cache: dict[int, float] = field(default_factory=dict)
    pool: Agents = field(init=False)
    """Every agent's data as one: the server's pool."""

    def __post_init__(self) -> None:
        def joined(parts: tuple[tuple[np.ndarray, np.ndarray], ...]) -> tuple[np.ndarray, np.ndarray]:
            return np.vstack([x for x, _ in parts]), np.concatenate([t for _, t in parts])

        self.pool = Agents((joined(self.agents.train),), (joined(self.agents.test),), self.agents.classes)

    def __call__(self, total: float) -> float:
        S = int(round(total))
        if S not in self.cache:
            W = fedavg(self.pool, np.array([min(S, self.pool.capacity[0])]), self.rounds, rate=self.rate, seed=self.seed)
            self.cache[S] = float(accuracies(self.pool, W)[0])
        return self.cache[S]


@dataclass(frozen=True)
class Step:
    """One contribution step: the contributions trained on, and what they gave."""

    contributions: np.ndarray
    payments: np.ndarray
    accuracy: np.ndarray
    utilities: np.ndarray


@dataclass(frozen=True)
class ProtocolRun:
    protocol: str
    steps: tuple[Step, ...]

    def welfare(self, p: float) -> float:
        """p-mean welfare of the last step's utilities (001 (7))."""
        return power_mean(self.steps[-1].utilities, p)


def mbeta_payments(costs: np.ndarray, s: np.ndarray, beta: float) -> np.ndarray:
    """M_beta's payments beta (c_i s_i - 1/(n-1) sum_{j != i} c_j s_j) (001 (5))."""
    spent = costs * s
    return beta * (spent - (spent.sum() - spent) / (s.size - 1))


def fedbr(agents: Agents, costs: Sequence[float] | np.ndarray, start: np.ndarray, *, steps: int, rounds: int,
          step_size: float, interval: float, beta: float = 0.0, curve: Callable[[float], float] | None = None,
          rate: float = 0.5, seed: int = 0) -> ProtocolRun:
    """FedBR (``beta = 0``, Algorithm 2) or FedBR-BG (M_beta's ``beta``, Algorithm 1): ``steps``
    contribution steps, each training a fresh model for ``rounds`` rounds on the contributions and
    then moving every s_i by ``step_size`` times (a~(S + interval) - a~(S))/interval - (1 - beta) c_i,
    held at 0 or tau_i where the step points outside, rounded to a multiple of ``interval``.
    ``curve`` is a~ (default: the server's trained curve, :class:`ServerCurve`)."""
    c = np.asarray(costs, dtype=float)
    s = np.asarray(start, dtype=float).copy()
    tau = agents.capacity
    if c.shape != (agents.n,) or s.shape != (agents.n,):
        raise ValueError(f"costs, start: expected {agents.n} values each, got {c.shape} and {s.shape}")
    if not 0 <= beta <= 1:
        raise ValueError(f"beta: must be in [0, 1], got {beta!r}")
    if interval <= 0 or step_size <= 0 or steps < 1 or rounds < 0:
        raise ValueError("interval, step_size, steps: must be > 0 (rounds >= 0)")
    if np.any((s < 0) | (s > tau)):
        raise ValueError(f"start: contributions must lie in [0, tau_i] = [0, {tau.max():g}]")
    a = curve if curve is not None else ServerCurve(agents, rounds, rate, seed)
    history = []
    for _ in range(steps):
        acc = accuracies(agents, fedavg(agents, s, rounds, rate=rate, seed=seed))
        pay = mbeta_payments(c, s, beta) if beta > 0 else np.zeros(agents.n)
        history.append(Step(s.copy(), pay, acc, acc - c * s + pay))
        S = float(s.sum())
        slope = (a(S + interval) - a(S)) / interval - (1.0 - beta) * c
        stuck = ((s <= 0) & (slope < 0)) | ((s >= tau) & (slope > 0))
        moved = np.clip(np.round((s + step_size * slope) / interval) * interval, 0.0, tau)
        s = np.where(stuck, s, moved)
    return ProtocolRun("FedBR-BG" if beta > 0 else "FedBR", tuple(history))
