"""The engine's models: the MLP's update is a gradient step on the mean cross-entropy (checked against
central differences), and it learns digits through the same federated rounds as softmax regression."""

from __future__ import annotations

import numpy as np
from sklearn.datasets import load_digits

from mechopt.learning.federated import accuracies, fedavg, split_agents
from mechopt.learning.models import MLP


def _loss(model: MLP, params: tuple[np.ndarray, np.ndarray], X: np.ndarray, onehot: np.ndarray) -> float:
    W1, W2 = params
    H = np.maximum(np.hstack([X, np.ones((X.shape[0], 1))]) @ W1, 0.0)
    Z = np.hstack([H, np.ones((H.shape[0], 1))]) @ W2
    Z = Z - Z.max(axis=1, keepdims=True)
    return float(np.mean(np.log(np.exp(Z).sum(axis=1)) - np.sum(Z * onehot, axis=1)))


def test_mlp_round_is_a_gradient_step_on_the_mean_cross_entropy() -> None:
    rng = np.random.default_rng(4)
    model = MLP(hidden=3)
    X, onehot = rng.normal(size=(6, 4)), np.eye(3)[rng.integers(0, 3, 6)]
    params = model.init(4, 3, rng)
    rate = 1e-3
    after = model.train(params, X, onehot, 1, rate)
    for k in range(2):
        step = (params[k] - after[k]) / rate
        numeric = np.zeros_like(params[k])
        for idx in np.ndindex(params[k].shape):
            plus = [p.copy() for p in params]
            minus = [p.copy() for p in params]
            plus[k][idx] += 1e-6
            minus[k][idx] -= 1e-6
            numeric[idx] = (_loss(model, tuple(plus), X, onehot) - _loss(model, tuple(minus), X, onehot)) / 2e-6
        np.testing.assert_allclose(step, numeric, atol=1e-7)


def test_mlp_learns_digits_in_federated_rounds() -> None:
    X, y = load_digits(return_X_y=True)
    agents = split_agents(X / 16.0, y, 4, 100, 25, seed=2)
    params = fedavg(agents, agents.capacity, 100, model=MLP())
    assert accuracies(agents, params, model=MLP()).mean() > 0.8
