"""001's protocols with federated training in process: FedAvg's aggregation against a plain
per-agent loop, the contribution steps of FedBR / FedBR-BG checked by hand on a known curve,
M_beta's payments, and an end-to-end run on digits."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_digits

from mechopt.learning.federated import accuracies, fedavg, fedbr, mbeta_payments, split_agents


@pytest.fixture(scope="module")
def agents():
    X, y = load_digits(return_X_y=True)
    return split_agents(X / 16.0, y, 4, 30, 10, seed=1)


def test_fedavg_is_algorithm_1s_weighted_aggregation_of_per_agent_gradients(agents) -> None:
    s = np.array([30.0, 10.0, 0.0, 25.0])
    rounds, rate = 7, 0.5
    W = np.random.default_rng(0).normal(0.0, 0.01, (65, 10))
    for _ in range(rounds):  # each agent's mean gradient, weighted by |D_i| at the server
        total = np.zeros_like(W)
        for (x, y), k in zip(agents.train, s.astype(int)):
            if k == 0:
                continue
            X = np.hstack([x[:k], np.ones((k, 1))])
            Z = X @ W
            P = np.exp(Z - Z.max(axis=1, keepdims=True))
            P /= P.sum(axis=1, keepdims=True)
            total += k * X.T @ (P - np.eye(10)[y[:k]]) / k
        W = W - rate * total / s.sum()
    np.testing.assert_allclose(fedavg(agents, s, rounds, rate=rate, seed=0), W, rtol=1e-10, atol=1e-13)


def test_contribution_steps_by_hand_on_a_known_curve(agents) -> None:
    """a~(S) = 1 - 1/(S + 1), interval 1, costs (0.01, 0.02), step 100, from (2, 3):
    S = 5: a~(6) - a~(5) = 1/6 - 1/7 = 0.0238, slopes 0.0138 and 0.0038 -> (3, 3);
    S = 6: 1/7 - 1/8 = 0.0179, slopes 0.0079 and -0.0021 -> (4, 3)."""
    two = type(agents)(agents.train[:2], agents.test[:2], agents.classes)
    run = fedbr(two, [0.01, 0.02], np.array([2.0, 3.0]), steps=3, rounds=5, step_size=100.0, interval=1.0,
                curve=lambda S: 1.0 - 1.0 / (S + 1.0))
    assert [tuple(step.contributions) for step in run.steps] == [(2.0, 3.0), (3.0, 3.0), (4.0, 3.0)]
    assert run.protocol == "FedBR" and all(np.all(step.payments == 0) for step in run.steps)


def test_fedbr_bg_pays_mbeta_and_balances_the_budget(agents) -> None:
    costs = np.array([0.005, 0.01, 0.02, 0.005])
    run = fedbr(agents, costs, np.array([10.0, 20.0, 30.0, 0.0]), steps=2, rounds=5, step_size=50.0, interval=10.0,
                beta=0.5, curve=lambda S: 1.0 - 1.0 / (S + 1.0))
    first = run.steps[0]
    np.testing.assert_allclose(first.payments, 0.5 * (costs * first.contributions
                                                      - (np.sum(costs * first.contributions)
                                                         - costs * first.contributions) / 3))
    assert abs(mbeta_payments(costs, first.contributions, 0.5).sum()) < 1e-15
    np.testing.assert_allclose(first.utilities, first.accuracy - costs * first.contributions + first.payments)
    assert run.protocol == "FedBR-BG"


def test_end_to_end_on_digits(agents) -> None:
    run = fedbr(agents, np.full(4, 0.005), np.array([10.0, 20.0, 0.0, 30.0]), steps=3, rounds=20,
                step_size=200.0, interval=10.0, beta=0.8)
    last = run.steps[-1]
    assert np.all((last.accuracy >= 0) & (last.accuracy <= 1))
    assert np.all((last.contributions >= 0) & (last.contributions <= 30)) and np.all(last.contributions % 10 == 0)
    full = accuracies(agents, fedavg(agents, agents.capacity, 50))
    assert full.mean() > 0.5  # softmax regression learns digits from 120 images


def test_bad_protocol_input_is_named(agents) -> None:
    with pytest.raises(ValueError, match="beta"):
        fedbr(agents, np.full(4, 0.01), np.zeros(4), steps=1, rounds=1, step_size=1.0, interval=1.0, beta=2.0)
    with pytest.raises(ValueError, match="start"):
        fedbr(agents, np.full(4, 0.01), np.full(4, 99.0), steps=1, rounds=1, step_size=1.0, interval=1.0)
    with pytest.raises(ValueError, match="costs, start"):
        fedbr(agents, np.full(3, 0.01), np.zeros(4), steps=1, rounds=1, step_size=1.0, interval=1.0)
    with pytest.raises(ValueError, match="samples needed"):
        split_agents(np.zeros((10, 2)), np.zeros(10, dtype=int), 5, 2, 1)


def test_predicted_total_is_the_closed_form_beside_where_the_run_stopped(agents) -> None:
    """On a~(S) = 1 - 1/(S + 1) (in the fitted family), M^0's equilibrium total solves
    a~'(S) = 1/(S + 1)^2 = c: S* = 1/sqrt(c) - 1 = 9 at c = 0.01.  The run's steps stop where
    step x slope rounds to no move: there |(a~(S + 1) - a~(S)) - c| * 20 < 1/2 for some agent."""
    from mechopt.learning.prediction import predict

    def curve(S: float) -> float:
        return 1.0 - 1.0 / (S + 1.0)

    costs = np.full(4, 0.01)
    run = fedbr(agents, costs, np.array([1.0, 0.0, 0.0, 0.0]), steps=40, rounds=2, step_size=20.0, interval=1.0,
                curve=curve)
    prediction = predict(run, curve, costs, agents.capacity, sizes=[1, 2, 4, 8, 16, 30, 60, 120])
    assert prediction.answer.success
    assert prediction.predicted_total == pytest.approx(9.0, rel=1e-6)
    S = prediction.realized_total
    np.testing.assert_array_equal(prediction.realized, run.steps[-1].contributions)
    assert abs((curve(S + 1) - curve(S)) - 0.01) * 20.0 < 0.5  # the dead zone of the rounded steps
