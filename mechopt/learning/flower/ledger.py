"""The server's account of a federation run under a mechanism, and the rule that counts what a
client contributed (no Flower here).

Clients are not trusted: an agent may misreport what it contributed, which is why the mechanism
exists.  The server asks agent i for s_i samples and counts

    counted_i = min(s_i, claimed_i)  if agent i's reply is valid (a model update of the global
                                     model's shapes, finite, with a number of examples >= 0),
    counted_i = 0                    otherwise (no reply, an error, a malformed reply).

A claim can lower the count, never raise it above what the server asked for; aggregation weights
and payments (the mechanism's p(counted)) both use the count.  A client that does not answer is
therefore treated as having chosen s_i = 0, a deviation the mechanism's equilibrium already makes
unprofitable.  What a client trained on is not observable: an update from fewer samples than it
was asked for still counts s_i (the limit of any protocol without proofs of training).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

Schedule = Callable[[int, "Ledger"], np.ndarray]
"""Round r (from 1) and the ledger so far -> the contributions s asked for in round r."""


def counted(assigned: np.ndarray, claimed: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """What the server counts for each client (module doc): min(assigned, claimed) where the reply
    is valid and the claim a finite number >= 0, else 0."""
    assigned, claimed = np.asarray(assigned, dtype=float), np.asarray(claimed, dtype=float)
    ok = np.asarray(valid, dtype=bool) & np.isfinite(claimed) & (claimed >= 0)
    return np.where(ok, np.minimum(assigned, np.where(ok, claimed, 0.0)), 0.0)


def requested(s: np.ndarray, capacity: np.ndarray) -> np.ndarray:
    """The sample counts asked for: floor(s_i) (agent i uses its first s_i samples, as the
    in-process engine does); ``s`` must lie in [0, tau_i]."""
    s = np.asarray(s, dtype=float)
    if s.shape != capacity.shape or not np.all(np.isfinite(s)) or np.any((s < 0) | (s > capacity)):
        raise ValueError(f"contributions: expected {capacity.size} numbers in [0, tau_i] (tau = {capacity.tolist()}), "
                         f"got {np.asarray(s).tolist()}")
    return np.floor(s)


@dataclass(frozen=True)
class RoundRecord:
    """One round, indexed by partition (agent): what the server asked for, what came back, what
    it counted and paid, and the accuracy the clients reported on their own test data."""

    round: int
    assigned: np.ndarray
    claimed: np.ndarray
    """The num-examples each reply claimed (nan: no valid reply)."""
    accepted: np.ndarray
    """Whether agent i's reply was a valid update."""
    counted: np.ndarray
    """The aggregation weights (module doc)."""
    payments: np.ndarray
    """p(counted) of the mechanism (zeros without one)."""
    accuracy: np.ndarray
    """Reported by the clients (nan: none); recorded, never used to pay or weigh."""
    seconds: float
    """Wall time from sending the round's training messages to the aggregated model."""


@dataclass
class Ledger:
    """Every round of a run, and the map from Flower's node ids to partitions made before the
    first round (``nodes``); ``rejected``: nodes that gave no valid or a duplicate partition."""

    n: int
    nodes: dict[int, int] = field(default_factory=dict)
    rejected: list[int] = field(default_factory=list)
    rounds: list[RoundRecord] = field(default_factory=list)

    def total_payments(self) -> np.ndarray:
        """Each agent's payments summed over the rounds."""
        return np.sum([r.payments for r in self.rounds], axis=0) if self.rounds else np.zeros(self.n)
