"""The Flower strategy: an honest run is the in-process engine's FedAvg (same weights, same
accuracy) with the payments of 001 (5); lying clients (an inflated num-examples, an update trained
on more data than asked for, a missing or malformed reply, a claimed partition another node also
claims) gain neither weight nor payment and every round completes; a missing reply is the
deviation s_i = 0 exactly.  The strategy runs without the engine over a LocalGrid (fast) and once
through Flower's simulation engine (Ray, 2 CPUs, under a temporary path longer than a unix socket
allows), which must give the LocalGrid's ledger and model."""

from __future__ import annotations

import tempfile
from collections.abc import Callable

import numpy as np
import pytest
from flwr.app import Array, ArrayRecord, ConfigRecord, Context, Message, MessageType, RecordDict
from sklearn.datasets import load_digits

from mechopt.data.functions import PowerLaw, linear_cost
from mechopt.data.payoffs import LinearIndexPayoff
from mechopt.learning.federated import Agents, accuracies, fedavg, mbeta_payments, split_agents
from mechopt.learning.flower import (Ledger, MechanismFedAvg, counted, initial_weights, run_local, simulate,
                                     softmax_client_app)
from mechopt.mechanisms.catalog import mechanism
from mechopt.mechanisms.mbeta import MBeta
from mechopt.valueshaping.mechanisms import ValueShaping
from mechopt.valueshaping.value import ValueOfData

COSTS = np.array([0.004, 0.005, 0.006, 0.008])
BETA = 0.5
S = np.array([30.0, 60.0, 45.0, 80.0])
ROUNDS = 4

Mod = Callable[[Message, Context, Callable[[Message, Context], Message]], Message]


@pytest.fixture(scope="module")
def agents() -> Agents:
    X, y = load_digits(return_X_y=True)
    return split_agents(X / 16.0, y, 4, 100, 10, seed=3)


def _strategy(agents: Agents, s: np.ndarray = S) -> MechanismFedAvg:
    return MechanismFedAvg(s, agents.capacity, MBeta(linear_cost(COSTS), BETA, agents.n))


def _liar(kind: str, partition: int, tau: int = 100) -> Mod:
    """A Flower mod by which ``partition`` lies in training: ``inflate`` claims 10^6 examples,
    ``overtrain`` trains on all its ``tau`` samples and claims them, ``underclaim`` claims 10,
    ``missing`` raises, ``malformed`` returns weights of the wrong shape, ``duplicate``
    registers as partition 0."""

    def mod(message: Message, context: Context, call_next: Callable[[Message, Context], Message]) -> Message:
        mine = int(context.node_config["partition-id"]) == partition
        kind_ = message.metadata.message_type
        if mine and kind == "duplicate" and kind_ == MessageType.QUERY:
            return Message(RecordDict({"partition": ConfigRecord({"partition-id": 0})}), reply_to=message)
        if not mine or kind_ != MessageType.TRAIN or kind == "duplicate":
            return call_next(message, context)
        if kind == "missing":
            raise RuntimeError("no reply")
        if kind == "overtrain":
            message.content["config"]["contribution"] = tau
        reply = call_next(message, context)
        metrics = reply.content["metrics"]
        if kind in ("inflate", "overtrain", "underclaim"):
            metrics["num-examples"] = {"inflate": 10**6, "overtrain": tau, "underclaim": 10}[kind]
        if kind == "malformed":
            return Message(RecordDict({"arrays": ArrayRecord({"W": Array(np.zeros((3, 3)))}), "metrics": metrics}),
                           reply_to=message)
        return reply

    return mod


def test_the_count_is_the_claim_bounded_by_the_request() -> None:
    """min(asked, claim) for a valid reply with a claim >= 0; 0 for anything else."""
    got = counted(np.array([10.0, 20.0, 30.0, 40.0, 50.0]), np.array([5.0, 1e6, np.nan, -1.0, 50.0]),
                  np.array([True, True, True, True, False]))
    np.testing.assert_array_equal(got, [5.0, 20.0, 0.0, 0.0, 0.0])


def test_an_honest_run_is_the_in_process_engine_with_001s_payments(agents: Agents) -> None:
    """Weighted by s_i, the clients' one-step updates average to Algorithm 1's step on the union
    of the samples, so the model after T rounds is fedavg's (to rounding); payments are (5)."""
    run = run_local(_strategy(agents), softmax_client_app(agents), initial_weights(agents), ROUNDS)
    W = fedavg(agents, S, ROUNDS)
    np.testing.assert_allclose(run.weights, W, rtol=1e-12, atol=1e-14)
    assert len(run.ledger.rounds) == ROUNDS
    for record in run.ledger.rounds:
        np.testing.assert_array_equal(record.counted, S)
        assert record.accepted.all()
        np.testing.assert_allclose(record.payments, mbeta_payments(COSTS, S, BETA), rtol=1e-12)
        assert abs(record.payments.sum()) < 1e-15  # budget balanced (001 Section 4)
    np.testing.assert_array_equal(run.ledger.rounds[-1].accuracy, accuracies(agents, W))
    assert sorted(run.ledger.nodes.values()) == [0, 1, 2, 3] and not run.ledger.rejected


def test_each_client_is_sent_its_own_contribution(agents: Agents) -> None:
    """A round's messages carry different s_i (the base FedAvg sends one config to all)."""
    seen: dict[int, list[int]] = {}

    def record(message: Message, context: Context, call_next: Callable[[Message, Context], Message]) -> Message:
        if message.metadata.message_type == MessageType.TRAIN:
            seen.setdefault(int(context.node_config["partition-id"]), []).append(
                int(message.content["config"]["contribution"]))
        return call_next(message, context)

    schedule = lambda r, ledger: np.minimum(S + 5 * (r - 1), agents.capacity)  # noqa: E731
    strategy = MechanismFedAvg(schedule, agents.capacity, None)
    run = run_local(strategy, softmax_client_app(agents, mods=[record]), initial_weights(agents), 3)
    assert seen == {i: [int(S[i]) + 5 * r for r in range(3)] for i in range(4)}
    np.testing.assert_array_equal(run.ledger.rounds[2].counted, S + 10)
    np.testing.assert_array_equal(run.ledger.total_payments(), np.zeros(4))


@pytest.mark.parametrize("kind", ["inflate", "overtrain", "underclaim", "missing", "malformed"])
def test_a_lying_client_gains_neither_weight_nor_payment(agents: Agents, kind: str) -> None:
    liar = 1
    honest = run_local(_strategy(agents), softmax_client_app(agents), initial_weights(agents), ROUNDS)
    lying = run_local(_strategy(agents), softmax_client_app(agents, mods=[_liar(kind, liar)]), initial_weights(agents),
                      ROUNDS)
    assert len(lying.ledger.rounds) == ROUNDS  # every round completes
    for h, r in zip(honest.ledger.rounds, lying.ledger.rounds):
        assert r.counted[liar] <= h.counted[liar] and r.payments[liar] <= h.payments[liar] + 1e-15
        others = np.arange(4) != liar
        np.testing.assert_array_equal(r.counted[others], S[others])
        assert r.accepted[others].all()
    expected = {"inflate": S[liar], "overtrain": S[liar], "underclaim": 10.0, "missing": 0.0, "malformed": 0.0}[kind]
    assert lying.ledger.rounds[-1].counted[liar] == expected
    if kind == "inflate":  # the claim changes nothing at all
        np.testing.assert_array_equal(lying.weights, honest.weights)
    if kind in ("missing", "malformed"):  # exactly the run where agent 1 chose s_1 = 0
        zero = S.copy()
        zero[liar] = 0.0
        dropped = run_local(_strategy(agents, zero), softmax_client_app(agents), initial_weights(agents), ROUNDS)
        np.testing.assert_array_equal(lying.weights, dropped.weights)
        np.testing.assert_array_equal(lying.ledger.total_payments(), dropped.ledger.total_payments())


def test_a_duplicate_partition_claim_excludes_both_nodes(agents: Agents) -> None:
    """Nodes of partitions 0 and 2 both claim 0: neither is trusted, both agents count 0."""
    run = run_local(_strategy(agents), softmax_client_app(agents, mods=[_liar("duplicate", 2)]),
                    initial_weights(agents), 2)
    assert sorted(run.ledger.nodes.values()) == [1, 3] and len(run.ledger.rejected) == 2
    np.testing.assert_array_equal(run.ledger.rounds[-1].counted, [0.0, S[1], 0.0, S[3]])


def test_other_mechanisms_pay_through_the_strategy(agents: Agents) -> None:
    """M^Shap's payments sum to zero at every counted profile (003 Lemma 4.2); value shaping's
    are minus the value withheld, <= 0 (000 Definition A)."""
    payoff = LinearIndexPayoff.aggregate(PowerLaw(alpha=1.0, beta=0.5, shift=1.0, top=1.0), n=4)
    shap = mechanism("shapley", payoff, linear_cost(COSTS), agents.capacity)
    shaping = ValueShaping(ValueOfData(PowerLaw(alpha=1.0, beta=0.5, top=1.0)), COSTS)
    for mech in (shap, shaping):
        strategy = MechanismFedAvg(S, agents.capacity, mech, evaluate=False)
        run = run_local(strategy, softmax_client_app(agents, mods=[_liar("missing", 0)]), initial_weights(agents), 2)
        counted = np.array([0.0, *S[1:]])
        for record in run.ledger.rounds:
            np.testing.assert_array_equal(record.counted, counted)
            np.testing.assert_allclose(record.payments, mech.payments(counted), rtol=1e-12)
            if mech is shap:
                assert abs(record.payments.sum()) <= 1e-12 * np.abs(record.payments).sum()
            else:
                assert np.all(record.payments <= 0.0)


def test_contributions_outside_the_capacity_are_refused(agents: Agents) -> None:
    with pytest.raises(ValueError, match=r"contributions: .*\[0, tau_i\]"):
        MechanismFedAvg(np.array([10.0, 20.0, 30.0, 101.0]), agents.capacity)
    strategy = MechanismFedAvg(lambda r, ledger: np.full(4, -1.0), agents.capacity)
    with pytest.raises(ValueError, match="contributions"):
        run_local(strategy, softmax_client_app(agents), initial_weights(agents), 1)


def test_flower_simulation_gives_the_local_grids_run(agents: Agents, tmp_path, monkeypatch) -> None:
    """Ray on 2 CPUs under a temporary folder whose socket paths would exceed 107 bytes: the
    engine completes every round with lying clients and gives the LocalGrid's ledger and model."""
    long = tmp_path / ("t" * 100)
    long.mkdir()
    monkeypatch.setenv("TMPDIR", str(long))
    monkeypatch.setattr(tempfile, "tempdir", str(long))
    monkeypatch.setenv("FLWR_TELEMETRY_ENABLED", "0")
    mods = [_liar("inflate", 1), _liar("overtrain", 2), _liar("missing", 3)]
    local = run_local(_strategy(agents), softmax_client_app(agents, mods=mods), initial_weights(agents), 3)
    ray = simulate(_strategy(agents), softmax_client_app(agents, mods=mods), initial_weights(agents), 3)
    assert len(ray.ledger.rounds) == 3 and len(ray.ledger.nodes) == 4
    for a, b in zip(local.ledger.rounds, ray.ledger.rounds):
        np.testing.assert_array_equal(b.counted, [S[0], S[1], S[2], 0.0])
        np.testing.assert_array_equal(b.counted, a.counted)
        np.testing.assert_array_equal(b.claimed, a.claimed)
        np.testing.assert_allclose(b.payments, mbeta_payments(COSTS, b.counted, BETA), rtol=1e-12)
        np.testing.assert_array_equal(b.accuracy, a.accuracy)
    np.testing.assert_allclose(ray.weights, local.weights, rtol=1e-12, atol=1e-14)
    assert isinstance(ray.ledger, Ledger)
