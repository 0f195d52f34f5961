"""What an equilibrium method hands back before any certificate is computed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from mechopt.core.status import Termination


@dataclass(frozen=True)
class MethodOutcome:
    """The last point of a method, why it stopped, and how long it took."""

    profile: np.ndarray
    termination: Termination
    iterations: int
    seconds: float
    residual: float
    """max-norm of the natural-map residual s - proj(s + F(s)) at ``profile``."""
    parameters: dict[str, Any] = field(default_factory=dict)


def starting_point(lower: np.ndarray, upper: np.ndarray, start: np.ndarray | None) -> np.ndarray:
    """The user's start, clipped into the box, or the box midpoint."""
    if start is None:
        return 0.5 * (lower + upper)
    start = np.asarray(start, dtype=float)
    if start.shape != lower.shape:
        raise ValueError(f"start: expected shape {lower.shape}, got {start.shape}")
    return np.clip(start, lower, upper)


def max_norm(r: np.ndarray) -> float:
    return float(np.max(np.abs(r))) if r.size else 0.0
