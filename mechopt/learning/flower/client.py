"""The Flower client of 001's protocols: agent i trains softmax regression on the first s_i of
its samples, s_i being what the server asked for in the round's configuration.

Each training round is Algorithm 1's client step: one gradient step of rate ``rate`` on the mean
cross-entropy of its s_i samples from the global weights; the server's average of these updates
weighted by s_i is the in-process engine's step (:func:`mechopt.learning.federated.fedavg`), whose
gradient is the mean over the union of the samples.  Evaluation reports the accuracy on the
agent's own test data, a_i(theta) of 001 Section 5.1.

A client reads its partition (agent index) from ``context.node_config["partition-id"]``, which
Flower's simulation sets and a deployed SuperNode is given with ``--node-config``.
"""

from __future__ import annotations

import numpy as np
from flwr.app import Array, ArrayRecord, ConfigRecord, Context, Message, MetricRecord, RecordDict
from flwr.clientapp import ClientApp
from flwr.clientapp.typing import Mod

from mechopt.learning.federated import Agents, accuracies

WEIGHTS = "W"
"""The key of the weight matrix in the model's ArrayRecord."""


def initial_weights(agents: Agents, seed: int = 0) -> np.ndarray:
    """The in-process engine's initialization: N(0, 0.01^2) weights (features + bias, classes)."""
    features = agents.train[0][0].shape[1] + 1
    return np.random.default_rng(seed).normal(0.0, 0.01, (features, agents.classes))


def local_step(W: np.ndarray, X: np.ndarray, y: np.ndarray, classes: int, rate: float) -> np.ndarray:
    """W - rate * grad of the mean cross-entropy of softmax regression on (X, y) (W unchanged
    without samples)."""
    if y.size == 0:
        return W.copy()
    Z = np.hstack([X, np.ones((X.shape[0], 1))])
    logits = Z @ W
    P = np.exp(logits - logits.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    return W - rate * Z.T @ (P - np.eye(classes)[y]) / y.size


def softmax_client_app(agents: Agents, *, rate: float = 0.5, mods: list[Mod] | None = None) -> ClientApp:
    """A ClientApp for the agents' data: ``query`` answers the partition, ``train`` takes one
    local step on the first ``config["contribution"]`` samples, ``evaluate`` reports the accuracy
    on the agent's test data.  ``mods``: Flower mods wrapped around every handler."""
    app = ClientApp(mods=mods)

    @app.query()
    def partition(message: Message, context: Context) -> Message:
        return Message(RecordDict({"partition": ConfigRecord({"partition-id": int(context.node_config["partition-id"])})}),
                       reply_to=message)

    @app.train()
    def train(message: Message, context: Context) -> Message:
        i = int(context.node_config["partition-id"])
        s = int(message.content["config"]["contribution"])
        X, y = agents.train[i]
        W = local_step(message.content["arrays"][WEIGHTS].numpy(), X[:s], y[:s], agents.classes, rate)
        return Message(RecordDict({"arrays": ArrayRecord({WEIGHTS: Array(W)}),
                                   "metrics": MetricRecord({"num-examples": s})}), reply_to=message)

    @app.evaluate()
    def evaluate(message: Message, context: Context) -> Message:
        i = int(context.node_config["partition-id"])
        mine = Agents((agents.train[i],), (agents.test[i],), agents.classes)
        accuracy = float(accuracies(mine, message.content["arrays"][WEIGHTS].numpy())[0])
        return Message(RecordDict({"metrics": MetricRecord({"accuracy": accuracy,
                                                            "num-examples": int(agents.test[i][1].size)})}),
                       reply_to=message)

    return app
