"""The models the in-process engine trains (:mod:`mechopt.learning.federated`): full-batch gradient
steps on the cross-entropy loss, numpy only, deterministic under a seed.

A model gives ``init(features, classes, rng)`` (its parameters), ``train(params, X, onehot, rounds,
rate)`` (``rounds`` of Algorithm 1's server steps on the mean gradient over the contributed samples,
which is the |D_i|-weighted average of the agents' mean gradients) and ``predict(params, X)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np


class Model(Protocol):
    def init(self, features: int, classes: int, rng: np.random.Generator) -> Any: ...

    def train(self, params: Any, X: np.ndarray, onehot: np.ndarray, rounds: int, rate: float) -> Any: ...

    def predict(self, params: Any, X: np.ndarray) -> np.ndarray: ...


def _softmax(Z: np.ndarray) -> np.ndarray:
    Z = Z - Z.max(axis=1, keepdims=True)
    E = np.exp(Z)
    return E / E.sum(axis=1, keepdims=True)


def _features(X: np.ndarray) -> np.ndarray:
    return np.hstack([X, np.ones((X.shape[0], 1))])


@dataclass(frozen=True)
class SoftmaxRegression:
    """Multinomial logistic regression: weights W of shape (features + 1, classes), from N(0, 0.01^2)."""

    def init(self, features: int, classes: int, rng: np.random.Generator) -> np.ndarray:
        return rng.normal(0.0, 0.01, (features + 1, classes))

    def train(self, params: np.ndarray, X: np.ndarray, onehot: np.ndarray, rounds: int, rate: float) -> np.ndarray:
        W, Xf = params.copy(), _features(X)
        for _ in range(rounds):
            W -= rate * Xf.T @ (_softmax(Xf @ W) - onehot) / X.shape[0]
        return W

    def predict(self, params: np.ndarray, X: np.ndarray) -> np.ndarray:
        return np.argmax(_features(X) @ params, axis=1)


@dataclass(frozen=True)
class MLP:
    """One hidden ReLU layer of ``hidden`` units (He initialization), softmax output."""

    hidden: int = 32

    def init(self, features: int, classes: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        return (rng.normal(0.0, np.sqrt(2.0 / (features + 1)), (features + 1, self.hidden)),
                rng.normal(0.0, np.sqrt(1.0 / (self.hidden + 1)), (self.hidden + 1, classes)))

    def train(self, params: tuple[np.ndarray, np.ndarray], X: np.ndarray, onehot: np.ndarray, rounds: int,
              rate: float) -> tuple[np.ndarray, np.ndarray]:
        (W1, W2), Xf, m = (p.copy() for p in params), _features(X), X.shape[0]
        for _ in range(rounds):
            H = np.maximum(Xf @ W1, 0.0)
            Hf = _features(H)
            G = (_softmax(Hf @ W2) - onehot) / m
            back = (G @ W2[:-1].T) * (H > 0)
            W2 -= rate * Hf.T @ G
            W1 -= rate * Xf.T @ back
        return W1, W2

    def predict(self, params: tuple[np.ndarray, np.ndarray], X: np.ndarray) -> np.ndarray:
        W1, W2 = params
        return np.argmax(_features(np.maximum(_features(X) @ W1, 0.0)) @ W2, axis=1)


SOFTMAX = SoftmaxRegression()
