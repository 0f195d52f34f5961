"""Statistics attached to every result."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mechopt.core.serialization import Serializable
from mechopt.core.status import Termination


@dataclass(frozen=True)
class SolveStats(Serializable):
    """How an answer was obtained: method, why it stopped, iterations, wall time, parameters."""

    method: str
    termination: Termination
    iterations: int = 0
    seconds: float = 0.0
    parameters: dict[str, Any] = field(default_factory=dict)
