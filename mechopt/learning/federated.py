"""Federated training in process and 001's contribution protocols on top of it (Section 5,
Appendix C): FedAvg over agents who each use the first s_i of their samples, and FedBR /
FedBR-BG (Algorithms 2 and 1), which interleave best-response steps of the contributions with
federated training.  The model is softmax regression in numpy (or another of
:mod:`mechopt.learning.models`), deterministic under a seed.

Algorithm 1's round: every agent computes the gradient of its loss on its |D_i| = s_i samples,
the server averages them weighted by |D_i| and takes a step; the weighted mean of per-agent mean
gradients is the mean gradient over the union of the samples, which is how it is computed here.
The products are small (at most 1 000 x 65 here), so training runs BLAS on one thread: on 2 shared
cores two BLAS threads made a 1 000-sample training 10-15 times slower (measured 0.72 s against
0.045 s), and the sweep runner's workers already use the cores.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from threadpoolctl import threadpool_limits

from mechopt.data.power_mean import power_mean
from mechopt.learning.curves import PARTITIONS, Partition, pool_order
from mechopt.learning.models import SOFTMAX, Model


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


def split_agents(X: np.ndarray, y: np.ndarray, n: int, train: int, test: int, *, seed: int = 0,
                 partition: Partition = "iid", concentration: float = 0.5) -> Agents:
    """``n`` agents with ``train`` training and ``test`` test samples each, drawn without
    replacement: iid (001 Section 5.2: 10 agents x 100 training and 10 test images), or non-iid,
    each agent drawing its training and test samples from its own class weights (``"label_skew"``:
    a random half of the classes weigh 4 times the others; ``"dirichlet"``: weights drawn from
    Dirichlet(``concentration``)), as :func:`~mechopt.learning.curves.pool_order` orders a pool."""
    X, y = np.asarray(X, dtype=float), np.asarray(y)
    if n < 1 or train < 1 or test < 1:
        raise ValueError(f"n, train, test: must each be >= 1, got {n}, {train}, {test}")
    if n * (train + test) > y.size:
        raise ValueError(f"n, train, test: {n} x ({train} + {test}) samples needed, the data hold {y.size}")
    if partition not in PARTITIONS:
        raise ValueError(f"partition: expected one of {', '.join(PARTITIONS)}, got {partition!r}")
    if not concentration > 0:
        raise ValueError(f"concentration: must be > 0, got {concentration!r}")
    rng = np.random.default_rng(seed)
    order = rng.permutation(y.size)
    if partition == "iid":
        parts = [order[k * (train + test):(k + 1) * (train + test)] for k in range(n)]
    else:
        parts, left = [], order
        for _ in range(n):  # each agent draws from what the ones before it left
            mine = left[pool_order(y[left], partition, rng, concentration)[:train + test]]
            parts.append(rng.permutation(mine))  # its train and test samples from the same class weights
            left = np.setdiff1d(left, mine, assume_unique=True)
    return Agents(tuple((X[p[:train]], y[p[:train]]) for p in parts),
                  tuple((X[p[train:]], y[p[train:]]) for p in parts), int(np.max(y)) + 1)


def fedavg(agents: Agents, contributions: np.ndarray, rounds: int, *, rate: float = 0.5, seed: int = 0,
           model: Model = SOFTMAX) -> Any:
    """The model's parameters (softmax regression: its weights) after ``rounds`` rounds of
    Algorithm 1's federated gradient steps from a fresh initialization, agent i using its first
    ``contributions[i]`` samples."""
    s = np.floor(np.asarray(contributions, dtype=float)).astype(int)
    X = np.vstack([x[:k] for (x, _), k in zip(agents.train, s)])
    y = np.concatenate([t[:k] for (_, t), k in zip(agents.train, s)])
    params = model.init(X.shape[1], agents.classes, np.random.default_rng(seed))
    if y.size == 0:
        return params
    with threadpool_limits(limits=1, user_api="blas"):  # small products: BLAS threads only contend (module doc)
        return model.train(params, X, np.eye(agents.classes)[y], rounds, rate)


def accuracies(agents: Agents, params: Any, *, model: Model = SOFTMAX) -> np.ndarray:
    """a_i(theta): the model's accuracy on each agent's own test data (001 Section 5.1)."""
    return np.array([float(np.mean(model.predict(params, x) == t)) for x, t in agents.test])


@dataclass
class ServerCurve:
    """a~(S) of 001 Section 5.1: the accuracy of a model trained on S samples of the server's
    pool (multiples of the interval), on the pooled test data; computed once per S."""

    agents: Agents
    rounds: int
    rate: float = 0.5
    seed: int = 0
    cache: dict[int, float] = field(default_factory=dict)
    model: Model = SOFTMAX
    pool: Agents = field(init=False)
    """Every agent's data as one: the server's pool."""

    def __post_init__(self) -> None:
        def joined(parts: tuple[tuple[np.ndarray, np.ndarray], ...]) -> tuple[np.ndarray, np.ndarray]:
            return np.vstack([x for x, _ in parts]), np.concatenate([t for _, t in parts])

        self.pool = Agents((joined(self.agents.train),), (joined(self.agents.test),), self.agents.classes)

    def __call__(self, total: float) -> float:
        S = int(round(total))
        if S not in self.cache:
            params = fedavg(self.pool, np.array([min(S, self.pool.capacity[0])]), self.rounds, rate=self.rate,
                            seed=self.seed, model=self.model)
            self.cache[S] = float(accuracies(self.pool, params, model=self.model)[0])
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

    def welfare_per_step(self, p: float) -> np.ndarray:
        """p-mean welfare of every step's utilities."""
        return np.array([power_mean(step.utilities, p) for step in self.steps])

    @property
    def totals(self) -> np.ndarray:
        """Total contributed data at every step."""
        return np.array([step.contributions.sum() for step in self.steps])


def mbeta_payments(costs: np.ndarray, s: np.ndarray, beta: float) -> np.ndarray:
    """M_beta's payments beta (c_i s_i - 1/(n-1) sum_{j != i} c_j s_j) (001 (5))."""
    spent = costs * s
    return beta * (spent - (spent.sum() - spent) / (s.size - 1))


Rounding = Literal["nearest", "stochastic"]
ROUNDINGS = ("nearest", "stochastic")


def record_step(agents: Agents, s: np.ndarray, costs: np.ndarray, payments: np.ndarray, rounds: int, rate: float,
                seed: int, trained: dict[bytes, np.ndarray] | None = None, model: Model = SOFTMAX) -> Step:
    """Train a fresh model for ``rounds`` rounds on the contributions ``s``; every agent's accuracy on
    its own test data, its payment and its utility a_i - c_i s_i + p_i.  Training from the seed's
    initialization is deterministic, so the accuracies of contributions already trained in this run
    are taken from ``trained`` (a run that stays put trains once)."""
    key = s.tobytes()
    if trained is None or key not in trained:
        acc = accuracies(agents, fedavg(agents, s, rounds, rate=rate, seed=seed, model=model), model=model)
        if trained is not None:
            trained[key] = acc
    else:
        acc = trained[key]
    return Step(s.copy(), payments, acc.copy(), acc - costs * s + payments)


def check_protocol(agents: Agents, costs: Sequence[float] | np.ndarray, start: np.ndarray, *, steps: int, rounds: int,
                   interval: float, rounding: str = "nearest") -> tuple[np.ndarray, np.ndarray]:
    """Costs and start as arrays, each input's range checked with a message naming it."""
    c = np.asarray(costs, dtype=float)
    s = np.asarray(start, dtype=float).copy()
    if c.shape != (agents.n,) or s.shape != (agents.n,):
        raise ValueError(f"costs, start: expected {agents.n} values each, got {c.shape} and {s.shape}")
    if interval <= 0 or steps < 1 or rounds < 0:
        raise ValueError("interval, step_size, steps: must be > 0 (rounds >= 0)")
    if np.any((s < 0) | (s > agents.capacity)):
        raise ValueError(f"start: contributions must lie in [0, tau_i] = [0, {agents.capacity.max():g}]")
    if rounding not in ROUNDINGS:
        raise ValueError(f"rounding: expected one of {', '.join(ROUNDINGS)}, got {rounding!r}")
    return c, s


def best_response_move(s: np.ndarray, slope: np.ndarray, tau: np.ndarray, step_size: float, interval: float,
                       rounding: str, rng: np.random.Generator) -> np.ndarray:
    """001 Algorithm 1 lines 13-18: s_i + step_size x slope_i, held where s_i = 0 and the slope is
    negative or s_i = tau_i and it is positive, clipped to [0, tau_i], and kept a multiple of the
    interval (Section 5.1).  ``"nearest"`` rounds to the nearest multiple (so a move smaller than
    half an interval is lost: the dead zone); ``"stochastic"`` rounds up with probability the
    fraction of an interval, an unbiased rounding whose expected move is the step itself."""
    stuck = ((s <= 0) & (slope < 0)) | ((s >= tau) & (slope > 0))
    target = (s + step_size * slope) / interval
    if rounding == "stochastic":
        whole = np.floor(target)
        target = whole + (rng.random(s.size) < target - whole)
    else:
        target = np.round(target)
    return np.where(stuck, s, np.clip(target * interval, 0.0, tau))


def fedbr(agents: Agents, costs: Sequence[float] | np.ndarray, start: np.ndarray, *, steps: int, rounds: int,
          step_size: float, interval: float, beta: float = 0.0, curve: Callable[[float], float] | None = None,
          rate: float = 0.5, seed: int = 0, rounding: Rounding = "nearest", model: Model = SOFTMAX) -> ProtocolRun:
    """FedBR (``beta = 0``, Algorithm 2) or FedBR-BG (M_beta's ``beta``, Algorithm 1): ``steps``
    contribution steps, each training a fresh model for ``rounds`` rounds on the contributions and
    then moving every s_i by ``step_size`` times (a~(S + interval) - a~(S))/interval - (1 - beta) c_i,
    held at 0 or tau_i where the step points outside, rounded to a multiple of ``interval``
    (``rounding``: :func:`best_response_move`).  ``curve`` is a~ (default: the server's trained
    curve, :class:`ServerCurve`); ``model`` what is trained (:mod:`mechopt.learning.models`)."""
    if not 0 <= beta <= 1:
        raise ValueError(f"beta: must be in [0, 1], got {beta!r}")
    if step_size <= 0:
        raise ValueError("interval, step_size, steps: must be > 0 (rounds >= 0)")
    c, s = check_protocol(agents, costs, start, steps=steps, rounds=rounds, interval=interval, rounding=rounding)
    a = curve if curve is not None else ServerCurve(agents, rounds, rate, seed, model=model)
    rng = np.random.default_rng(seed)
    history, trained = [], {}
    for _ in range(steps):
        pay = mbeta_payments(c, s, beta) if beta > 0 else np.zeros(agents.n)
        history.append(record_step(agents, s, c, pay, rounds, rate, seed, trained, model))
        S = float(s.sum())
        slope = (a(S + interval) - a(S)) / interval - (1.0 - beta) * c
        s = best_response_move(s, slope, agents.capacity, step_size, interval, rounding, rng)
    return ProtocolRun("FedBR-BG" if beta > 0 else "FedBR", tuple(history))
