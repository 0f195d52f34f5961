"""What an equilibrium method hands back before any certificate is computed."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from mechopt.core.status import Termination
from mechopt.core.structured import DiagPlusLowRank, Jacobian
from mechopt.games.base import ContinuousGame


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
    if not np.all(np.isfinite(start)):
        raise ValueError("start: must be finite numbers (it is clipped into the players' action boxes)")
    return np.clip(start, lower, upper)


DOMAIN_ERRORS = (ArithmeticError, ValueError, np.linalg.LinAlgError)
"""What evaluating a utility outside its domain may raise (``math.log(-1)`` raises ValueError,
``1 / 0.0`` ZeroDivisionError); while probing for a start these mean "not in the domain"."""
TOWARDS_MIDPOINT = 30
"""Moves of a start outside the domain halfway towards the box midpoint (the last is within
2^-30 of the box of it)."""
LOWER_LADDER = 52
"""Rungs lower + 2^-k (midpoint - lower), k = 1 .. LOWER_LADDER, tried after the midpoint."""


def jacobian_finite(J: Jacobian) -> bool:
    """Whether every entry of a dense or structured Jacobian is finite."""
    if isinstance(J, DiagPlusLowRank):
        return bool(np.all(np.isfinite(J.d)) and np.all(np.isfinite(J.U)) and np.all(np.isfinite(J.V)))
    return bool(np.all(np.isfinite(J)))


def finite_gradient(game: ContinuousGame, s: np.ndarray, *, jacobian: bool = False) -> np.ndarray | None:
    """F(s) when u(s) and F(s) (and G(s), with ``jacobian``) are finite at s; None when one is
    not or evaluating it raised one of :data:`DOMAIN_ERRORS`."""
    try:
        with np.errstate(all="ignore"):
            F = np.asarray(game.own_gradient(s), dtype=float)
            if not (np.all(np.isfinite(F)) and np.all(np.isfinite(game.utilities(s)))):
                return None
            if jacobian and not jacobian_finite(game.own_jacobian(s)):
                return None
    except DOMAIN_ERRORS:
        return None
    return F


def domain_candidates(game: ContinuousGame, start: np.ndarray | None) -> Iterator[tuple[np.ndarray, str]]:
    """Starts in order of preference, each with how it was obtained: the user's start (clipped
    into the box) or the box midpoint; a given start then moved halfway towards the midpoint
    (payoffs singular at a bound, 1 - alpha S^-beta at S = 0); then the midpoint moved towards the
    lower bounds, lower + 2^-k (midpoint - lower) (budget utilities are defined only where the
    unspent budgets are >= 0, near the lower bounds when the boxes are large)."""
    lo, mid = game.lower, 0.5 * (game.lower + game.upper)
    s0 = starting_point(game.lower, game.upper, start)
    yield s0, ("given" if start is not None else "midpoint")
    if start is not None:
        for k in range(1, TOWARDS_MIDPOINT + 1):
            yield mid + 0.5**k * (s0 - mid), f"start + (1 - 2^-{k}) (midpoint - start)"
        yield mid, "midpoint"
    for k in range(1, LOWER_LADDER + 1):
        yield lo + 0.5**k * (mid - lo), f"lower + 2^-{k} (midpoint - lower)"


def domain_start(game: ContinuousGame, start: np.ndarray | None, *,
                 jacobian: bool = False) -> tuple[np.ndarray, np.ndarray | None, str]:
    """The first of :func:`domain_candidates` where u and F (and G, with ``jacobian``) are
    finite: (point, F there, how it was obtained).  When there is none, (the user's start or the
    midpoint, None, "no point with finite values found"): a method started there reports a
    numerical error.  The common case costs one evaluation of u, F (and G)."""
    first = None
    for s, how in domain_candidates(game, start):
        first = s if first is None else first
        F = finite_gradient(game, s, jacobian=jacobian)
        if F is not None:
            return s, F, how
    return first, None, "no point with finite values found"


def max_norm(r: np.ndarray) -> float:
    return float(np.max(np.abs(r))) if r.size else 0.0
