"""The protocols beside FedBR (FedAvg as 001 evaluates it, MWFed, FedBR-Shap) checked by hand on two
agents with a known accuracy curve or a known outcome of the accuracy test; non-iid partitions inside
the protocols; the unbiased rounding; predictions for every protocol's mechanism."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_digits

from mechopt.learning.federated import Agents, best_response_move, fedbr, split_agents
from mechopt.learning.prediction import predict
from mechopt.learning.protocols import fedavg_protocol, fedbr_shap, mwfed, served_coalitions


@pytest.fixture(scope="module")
def digits() -> tuple[np.ndarray, np.ndarray]:
    X, y = load_digits(return_X_y=True)
    return X / 16.0, y


@pytest.fixture(scope="module")
def two(digits) -> Agents:
    return split_agents(*digits, 2, 32, 10, seed=3)


def curve(S: float) -> float:
    """a(S) = 1 - 1/(S + 1): a(0) = 0."""
    return 1.0 - 1.0 / (S + 1.0)


def test_fedavg_contributes_everything_and_pays_nothing(two) -> None:
    run = fedavg_protocol(two, [0.01, 0.02], rounds=5)
    (step,) = run.steps
    np.testing.assert_array_equal(step.contributions, [32.0, 32.0])
    np.testing.assert_array_equal(step.payments, [0.0, 0.0])
    np.testing.assert_allclose(step.utilities, step.accuracy - np.array([0.32, 0.64]))


def test_mwfed_halves_the_loads_of_agents_that_meet_the_target_and_doubles_the_others(two) -> None:
    """eta = ln 2, tau = 32, start (16, 8): weights (1/2, 1/4).  Target 0 is always met: the weights
    halve, s = (8, 4), (4, 2), (2, 1), (1, 0.5 -> 0, half to even), and never fall below
    w_min = 1/(2 x 32): s = round(1/2) = 0.  Target 1 is never met by an untrained model (rounds = 0):
    the weights double up to 1, s = (32, 16), (32, 32)."""
    start = np.array([16.0, 8.0])
    met = mwfed(two, [0.01, 0.01], start, steps=7, rounds=3, interval=1.0, target=0.0, eta=np.log(2.0))
    assert [tuple(s.contributions) for s in met.steps] == [(16, 8), (8, 4), (4, 2), (2, 1), (1, 0), (0, 0), (0, 0)]
    missed = mwfed(two, [0.01, 0.01], start, steps=3, rounds=0, interval=1.0, target=1.0, eta=np.log(2.0))
    assert all(np.all(s.accuracy < 1.0) for s in missed.steps)
    assert [tuple(s.contributions) for s in missed.steps] == [(16, 8), (32, 16), (32, 32)]
    assert met.protocol == "MWFed" and all(np.all(s.payments == 0) for s in met.steps)


def test_fedbr_shap_by_hand_on_a_known_curve(two) -> None:
    """A(s[X]) = 2 a(S_X).  At s = (2, 3): A(2) = 4/3, A(3) = 3/2, A(5) = 5/3, so
    phi = (1/2 A(2) + 1/2 (A(5) - A(3)), ...) = (3/4, 11/12) and p = phi - a(5) = (-1/12, 1/12).
    One interval up: phi_1(3, 3) = 6/7 and phi_2(2, 4) = 4/5 + 4/21; costs (0.05, 0.1), step 10:
    s_1 = 2 + 10 (3/28 - 0.05) = 2.57 -> 3, s_2 = 3 + 10 (0.0738 - 0.1) = 2.74 -> 3."""
    run = fedbr_shap(two, [0.05, 0.1], np.array([2.0, 3.0]), steps=2, rounds=3, step_size=10.0, interval=1.0,
                     curve=curve)
    first = run.steps[0]
    np.testing.assert_allclose(first.payments, [-1 / 12, 1 / 12], atol=1e-12)
    np.testing.assert_allclose(first.utilities, first.accuracy - np.array([0.1, 0.3]) + first.payments)
    assert tuple(run.steps[1].contributions) == (3.0, 3.0)
    assert run.protocol == "FedBR-Shap"


def test_served_coalitions_vanish_on_the_empty_coalition() -> None:
    A = served_coalitions(lambda S: 0.1 + S / 100.0, 3)  # a(0) = 0.1, the untrained model's accuracy
    np.testing.assert_allclose(A(np.array([[0.0, 0.0, 0.0], [10.0, 0.0, 20.0]])), [0.0, 3 * 0.3])


@pytest.mark.parametrize("partition", ["label_skew", "dirichlet"])
def test_non_iid_partitions_are_disjoint_skewed_and_run_in_every_protocol(digits, partition) -> None:
    X, y = digits
    ids = split_agents(np.arange(y.size)[:, None], y, 5, 40, 10, seed=0, partition=partition, concentration=0.1)
    drawn = np.concatenate([x[:, 0] for x, _ in ids.train + ids.test])
    assert drawn.size == 250 and np.unique(drawn).size == 250  # every agent's samples its own
    assert all(np.array_equal(y[x[:, 0].astype(int)], t) for x, t in ids.train + ids.test)
    agents = split_agents(X, y, 5, 40, 10, seed=0, partition=partition, concentration=0.1)
    iid = split_agents(X, y, 5, 40, 10, seed=0)

    def spread(ag: Agents) -> float:  # mean share of an agent's 5 most common classes in its training data
        return float(np.mean([np.sort(np.bincount(t, minlength=10))[5:].sum() / t.size for _, t in ag.train]))
    assert spread(agents) > spread(iid) + 0.08  # iid 0.67 here; label skew 0.80, Dirichlet(0.1) 1.0
    costs, start = np.full(5, 0.005), np.full(5, 20.0)
    for run in (fedbr(agents, costs, start, steps=2, rounds=5, step_size=100.0, interval=10.0),
                mwfed(agents, costs, start, steps=2, rounds=5, interval=10.0, target=0.5),
                fedbr_shap(agents, costs, start, steps=2, rounds=5, step_size=100.0, interval=10.0)):
        assert len(run.steps) == 2 and np.all(np.isfinite(run.steps[-1].utilities))


def test_non_iid_split_names_bad_input(digits) -> None:
    with pytest.raises(ValueError, match="partition"):
        split_agents(*digits, 2, 10, 5, partition="skewed")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="concentration"):
        split_agents(*digits, 2, 10, 5, partition="dirichlet", concentration=0.0)


def test_stochastic_rounding_is_unbiased_where_nearest_rounding_stalls() -> None:
    """s = 50, slope -0.003, step 1000, interval 10: the step is -3, nearest rounding keeps 50 (the
    dead zone); rounding up with probability 0.7 gives 40 w.p. 0.3: mean 47."""
    s, slope, tau = np.full(20_000, 50.0), np.full(20_000, -0.003), np.full(20_000, 100.0)
    rng = np.random.default_rng(0)
    assert np.all(best_response_move(s, slope, tau, 1000.0, 10.0, "nearest", rng) == 50.0)
    moved = best_response_move(s, slope, tau, 1000.0, 10.0, "stochastic", rng)
    assert set(np.unique(moved)) == {40.0, 50.0} and abs(moved.mean() - 47.0) < 0.1


def test_predictions_name_each_protocols_mechanism(two) -> None:
    """FedBR-Shap's prediction is M^Shap's certified equilibrium, with at least M^0's total (003:
    M^Shap's data gain >= 1); MWFed's is M^0's, the closed form 1/sqrt(c) - 1 = 9 on a(S) = 1 - 1/(S+1)."""
    costs = np.full(2, 0.01)
    sizes = [1, 2, 4, 8, 16, 32, 64]
    shap = fedbr_shap(two, costs, np.array([5.0, 5.0]), steps=2, rounds=2, step_size=10.0, interval=1.0, curve=curve)
    mw = mwfed(two, costs, np.array([5.0, 5.0]), steps=2, rounds=2, interval=1.0, target=0.5)
    p_shap, p_mw = (predict(run, curve, costs, two.capacity, sizes) for run in (shap, mw))
    assert p_shap.answer.success and p_mw.answer.success
    assert p_mw.predicted_total == pytest.approx(9.0, rel=1e-6)
    assert p_shap.predicted_total >= p_mw.predicted_total
    assert p_shap.gap == pytest.approx(p_shap.realized_total - p_shap.predicted_total)
    from mechopt.io.registry import solve_model
    from mechopt.learning.prediction import prediction_model

    filed = solve_model(prediction_model(p_shap.fitted, costs, two.capacity, "shapley"))  # the same problem as a file
    assert filed.success and filed.equilibrium.profile.sum() == pytest.approx(p_shap.predicted_total, rel=1e-6)
    with pytest.raises(ValueError, match="no contribution game"):
        predict(fedavg_protocol(two, costs, rounds=1), curve, costs, two.capacity, sizes)
