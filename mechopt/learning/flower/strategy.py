"""A Flower strategy (flwr >= 1.42, Message API) that runs FedAvg under a mechanism: each round
every agent is asked for the contribution s_i the schedule gives, in its own ConfigRecord; the
update is the average of the valid replies weighted by what the server counts (ledger module
doc: never more than it asked for), and the mechanism's payments p(counted) are entered in the
ledger with the replies and the accuracy the clients report.

Flower's node ids are random: before the first round every node is asked for its partition
(agent index) and the map is kept in the ledger; a node that gives no valid partition, or one
another node also claims, is left out (and every agent it could be is counted 0 each round).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any

import numpy as np
from flwr.app import Array, ArrayRecord, ConfigRecord, Message, MessageType, MetricRecord, RecordDict
from flwr.serverapp import Grid
from flwr.serverapp.strategy import FedAvg, Result
from flwr.serverapp.strategy.strategy_utils import sample_nodes

from mechopt.learning.flower.ledger import Ledger, RoundRecord, Schedule, counted, requested
from mechopt.mechanisms.base import Mechanism


def _partition(reply: Message, n: int) -> int | None:
    """The partition a registration reply names, if it is an int in [0, n)."""
    try:
        value = reply.content["partition"]["partition-id"]
    except (KeyError, TypeError, ValueError):
        return None
    return value if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < n else None


class MechanismFedAvg(FedAvg):
    """FedAvg whose contributions a mechanism decides (module doc).

    ``contributions``: the profile s asked for every round, or a :data:`Schedule` giving it per
    round from the ledger (a best-response dynamic, for instance); every s must lie in [0, tau_i].
    ``capacity``: tau_i, each agent's number of samples.  ``mechanism``: any object with the
    package's :class:`~mechopt.mechanisms.base.Mechanism` ``payments(s)`` (M^0, M_beta, M^Shap,
    value shaping), evaluated at the counted profile; None pays nothing.  ``evaluate``: ask the
    clients for their accuracy after every round.
    """

    def __init__(self, contributions: np.ndarray | Schedule, capacity: np.ndarray, mechanism: Mechanism | None = None,
                 *, evaluate: bool = True) -> None:
        self.capacity = np.asarray(capacity, dtype=float)
        n = self.capacity.size
        if self.capacity.ndim != 1 or n < 1 or np.any(self.capacity < 0) or not np.all(np.isfinite(self.capacity)):
            raise ValueError(f"capacity: expected each agent's number of samples (>= 0), got {capacity!r}")
        super().__init__(fraction_evaluate=1.0 if evaluate else 0.0, min_train_nodes=n, min_evaluate_nodes=n,
                         min_available_nodes=n)
        if callable(contributions):
            self.schedule: Schedule = contributions
        else:
            fixed = requested(np.asarray(contributions, dtype=float), self.capacity)
            self.schedule = lambda _round, _ledger: fixed
        self.mechanism = mechanism
        self.ledger = Ledger(n)
        self._pending: tuple[np.ndarray, dict[str, np.ndarray], float] | None = None

    @property
    def n(self) -> int:
        return self.capacity.size

    def start(self, grid: Grid, initial_arrays: ArrayRecord, num_rounds: int = 3, timeout: float = 3600,
              train_config: ConfigRecord | None = None, evaluate_config: ConfigRecord | None = None,
              evaluate_fn: Callable[[int, ArrayRecord], MetricRecord | None] | None = None) -> Result:
        """Map the nodes to partitions, then run the rounds (Flower's ``Strategy.start``)."""
        self.register(grid, timeout)
        return super().start(grid, initial_arrays, num_rounds, timeout, train_config, evaluate_config, evaluate_fn)

    def register(self, grid: Grid, timeout: float = 3600) -> None:
        """Ask every node for its partition once ``n`` nodes are connected (module doc)."""
        nodes, _ = sample_nodes(grid, self.n, self.n)
        query = [Message(RecordDict({"config": ConfigRecord({"ask": "partition-id"})}), dst_node_id=node,
                         message_type=MessageType.QUERY) for node in nodes]
        claims: dict[int, int | None] = {}
        for reply in grid.send_and_receive(query, timeout=timeout):
            node = reply.metadata.src_node_id
            if node in nodes and node not in claims:
                claims[node] = None if reply.has_error() else _partition(reply, self.n)
        taken = [p for p in claims.values() if p is not None]
        self.ledger.nodes = {node: p for node, p in claims.items() if p is not None and taken.count(p) == 1}
        self.ledger.rejected = sorted(set(nodes) - set(self.ledger.nodes))

    def configure_train(self, server_round: int, arrays: ArrayRecord, config: ConfigRecord,
                        grid: Grid) -> Iterable[Message]:
        """One message per registered node, carrying its own s_i."""
        assigned = requested(self.schedule(server_round, self.ledger), self.capacity)
        self._pending = (assigned, {key: arrays[key].numpy() for key in arrays}, time.perf_counter())
        return [Message(RecordDict({self.arrayrecord_key: arrays,
                                    self.configrecord_key: ConfigRecord({**dict(config), "server-round": server_round,
                                                                         "contribution": int(assigned[i])})}),
                        dst_node_id=node, message_type=MessageType.TRAIN) for node, i in self.ledger.nodes.items()]

    def _update(self, reply: Message, model: dict[str, np.ndarray]) -> tuple[dict[str, np.ndarray], Any] | None:
        """The reply's arrays and claimed num-examples, if the arrays have the model's keys and
        shapes and are finite (else None: the reply does not count)."""
        if reply.has_error():
            return None
        try:
            (record,) = reply.content.array_records.values()
            (metrics,) = reply.content.metric_records.values()
            update = {key: record[key].numpy() for key in record}
            claim = metrics[self.weighted_by_key]
        except (KeyError, TypeError, ValueError):
            return None
        if set(update) != set(model) or any(update[k].shape != model[k].shape or not np.all(np.isfinite(update[k]))
                                           for k in model):
            return None
        return update, claim

    def aggregate_train(self, server_round: int,
                        replies: Iterable[Message]) -> tuple[ArrayRecord | None, MetricRecord | None]:
        """The counted-weighted average of the valid updates (the global model if none counts)."""
        if self._pending is None:
            raise RuntimeError("aggregate_train before configure_train")
        assigned, model, started = self._pending
        claimed, valid = np.full(self.n, np.nan), np.zeros(self.n, dtype=bool)
        updates: dict[int, dict[str, np.ndarray]] = {}
        seen: set[int] = set()
        for reply in replies:
            i = self.ledger.nodes.get(reply.metadata.src_node_id)
            if i is None or i in seen:
                continue
            seen.add(i)
            if (got := self._update(reply, model)) is None:
                continue
            updates[i], claim = got
            valid[i] = isinstance(claim, (int, float)) and not isinstance(claim, bool)
            claimed[i] = float(claim) if valid[i] else np.nan
        weights = counted(assigned, claimed, valid)
        total = float(weights.sum())
        merged = model if total == 0 else {
            key: sum(weights[i] / total * updates[i][key] for i in sorted(updates) if weights[i] > 0) for key in model}
        payments = (np.zeros(self.n) if self.mechanism is None
                    else np.asarray(self.mechanism.payments(weights.copy()), dtype=float))
        self.ledger.rounds.append(RoundRecord(server_round, assigned, claimed, valid, weights, payments,
                                              np.full(self.n, np.nan), time.perf_counter() - started))
        return (ArrayRecord({key: Array(np.asarray(value)) for key, value in merged.items()}),
                MetricRecord({"counted-examples": total}))

    def configure_evaluate(self, server_round: int, arrays: ArrayRecord, config: ConfigRecord,
                           grid: Grid) -> Iterable[Message]:
        """The global model to every registered node."""
        if self.fraction_evaluate == 0.0:
            return []
        record = RecordDict({self.arrayrecord_key: arrays,
                             self.configrecord_key: ConfigRecord({**dict(config), "server-round": server_round})})
        return self._construct_messages(record, list(self.ledger.nodes), MessageType.EVALUATE)

    def aggregate_evaluate(self, server_round: int, replies: Iterable[Message]) -> MetricRecord | None:
        """Enter each client's reported accuracy in the round's record; their mean."""
        accuracy = np.full(self.n, np.nan)
        for reply in replies:
            i = self.ledger.nodes.get(reply.metadata.src_node_id)
            if i is None or reply.has_error():
                continue
            value = next(iter(reply.content.metric_records.values()), {}).get("accuracy")
            if isinstance(value, (int, float)) and not isinstance(value, bool) and 0.0 <= value <= 1.0:
                accuracy[i] = value
        if self.ledger.rounds and self.ledger.rounds[-1].round == server_round:
            self.ledger.rounds[-1] = replace(self.ledger.rounds[-1], accuracy=accuracy)
        reported = accuracy[np.isfinite(accuracy)]
        return MetricRecord({"accuracy": float(reported.mean())}) if reported.size else None
