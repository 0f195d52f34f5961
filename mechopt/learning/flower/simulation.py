"""Running the strategy: through Flower's simulation engine (:func:`simulate`, Ray backend), or
in this process with every node's ClientApp called directly (:class:`LocalGrid`, no engine: the
strategy's and the clients' logic, fast and deterministic).

The Ray configuration :func:`simulate` uses, and why (docs/flower.md):

- ``_temp_dir``: Ray puts its session, with unix sockets, under the temporary folder; a socket
  path may not exceed 107 bytes, so a long TMPDIR makes ``ray.init`` fail.  The session goes to
  a fresh short folder (under TMPDIR when it is short enough, else under /tmp), removed after.
- ``num_cpus``: Ray's CPUs (default 2); each client task takes one, so at most ``num_cpus``
  clients train at once.
- ``object_store_memory``: 128 MB instead of Ray's 30% of the machine's memory (the models are
  kilobytes).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from flwr.app import Array, ArrayRecord, Context, Error, Message, RecordDict
from flwr.clientapp import ClientApp
from flwr.serverapp import Grid, ServerApp
from flwr.simulation import run_simulation
from flwr.supercore.run import Run
from flwr.supercore.task_identity import TaskIdentity

from mechopt.learning.flower.client import WEIGHTS
from mechopt.learning.flower.ledger import Ledger
from mechopt.learning.flower.strategy import MechanismFedAvg

SOCKET_PATH_MAX = 107
"""AF_UNIX path limit (bytes) on Linux."""
RAY_SESSION_TAIL = len("/session_2025-01-01_00-00-00_000000_4194304/sockets/plasma_store")
"""The longest path Ray puts under its temporary folder."""


@dataclass(frozen=True)
class FlowerRun:
    """The ledger of a run, the final global weights and the run's wall time (engine start included)."""

    ledger: Ledger
    weights: np.ndarray
    seconds: float


class LocalGrid(Grid):
    """A Flower Grid that delivers each message by calling the node's ClientApp in this process
    (an exception becomes an error reply, as in the engine).  Node ids are random, as Flower's."""

    def __init__(self, client_app: ClientApp, nodes: int, *, seed: int = 0) -> None:
        rng = np.random.default_rng(seed)
        self.client_app = client_app
        self.contexts = {int(node): Context(run_id=1, node_id=int(node), node_config={"partition-id": i},
                                            state=RecordDict(), run_config={})
                         for i, node in enumerate(rng.choice(2**62, size=nodes, replace=False))}
        TaskIdentity.run_id, TaskIdentity.task_id, TaskIdentity.node_id = 1, 1, 0
        self._run = Run.create_empty(1)
        self._replies: dict[str, Message] = {}

    def set_run(self, run: Run) -> None:
        self._run = run

    @property
    def run(self) -> Run:
        return self._run

    def create_message(self, content: RecordDict, message_type: str, dst_node_id: int, group_id: str,
                       ttl: float | None = None) -> Message:
        return Message(content, dst_node_id=dst_node_id, message_type=message_type, group_id=group_id, ttl=ttl)

    def get_node_ids(self) -> Iterable[int]:
        return list(self.contexts)

    def push_messages(self, messages: Iterable[Message]) -> Iterable[str]:
        ids = []
        for message in messages:
            key = str(len(self._replies))
            try:
                self._replies[key] = self.client_app(message, self.contexts[message.metadata.dst_node_id])
            except Exception as error:  # noqa: BLE001 - a client's failure is its reply, as in the engine
                self._replies[key] = message.create_error_reply(Error(code=1, reason=repr(error)))
            ids.append(key)
        return ids

    def pull_messages(self, message_ids: Iterable[str]) -> Iterable[Message]:
        return [self._replies.pop(key) for key in message_ids]

    def send_and_receive(self, messages: Iterable[Message], *, timeout: float | None = None) -> Iterable[Message]:
        return self.pull_messages(self.push_messages(messages))


def _run_rounds(strategy: MechanismFedAvg, grid: Grid, initial: np.ndarray, rounds: int) -> np.ndarray:
    result = strategy.start(grid, ArrayRecord({WEIGHTS: Array(np.asarray(initial, dtype=float))}), num_rounds=rounds)
    return result.arrays[WEIGHTS].numpy() if result.arrays is not None else np.asarray(initial, dtype=float)


def run_local(strategy: MechanismFedAvg, client_app: ClientApp, initial: np.ndarray, rounds: int, *,
              seed: int = 0) -> FlowerRun:
    """``rounds`` rounds of the strategy over a :class:`LocalGrid` of ``strategy.n`` nodes."""
    started = time.perf_counter()
    weights = _run_rounds(strategy, LocalGrid(client_app, strategy.n, seed=seed), initial, rounds)
    return FlowerRun(strategy.ledger, weights, time.perf_counter() - started)


def _short_temp_parent() -> str:
    here = tempfile.gettempdir()
    return here if len(os.fsencode(here)) + len("/ray-XXXXXXXX") + RAY_SESSION_TAIL <= SOCKET_PATH_MAX else "/tmp"


def simulate(strategy: MechanismFedAvg, client_app: ClientApp, initial: np.ndarray, rounds: int, *,
             num_cpus: int = 2) -> FlowerRun:
    """``rounds`` rounds of the strategy in Flower's simulation engine (Ray backend) with
    ``strategy.n`` virtual nodes, configured as the module doc says."""
    weights: list[np.ndarray] = []
    server = ServerApp()

    @server.main()
    def main(grid: Grid, context: Context) -> None:
        weights.append(_run_rounds(strategy, grid, initial, rounds))

    folder = tempfile.mkdtemp(prefix="ray-", dir=_short_temp_parent())
    started = time.perf_counter()
    try:
        run_simulation(server, client_app, num_supernodes=strategy.n, backend_config={
            "init_args": {"num_cpus": num_cpus, "_temp_dir": folder, "object_store_memory": 128 * 2**20},
            "client_resources": {"num_cpus": 1, "num_gpus": 0.0}})
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    if not weights:
        raise RuntimeError("the Flower simulation ended without running the strategy")
    return FlowerRun(strategy.ledger, weights[0], time.perf_counter() - started)
