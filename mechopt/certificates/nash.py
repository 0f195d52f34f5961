"""The Nash-gap certificate: every player's best-response gain, computed independently.

For a profile s the certificate holds every player's best-response gain
max_x u_i(x, s_-i) - u_i(s) from the global own-action search of :mod:`mechopt.best_response`
(utility values only, no solver output): a rigorous upper bound for games declared concave in
the own action (search "ladder" or "ladder+golden"), the gain found by a grid refined by golden
section otherwise (search "grid+golden"); the natural-map complementarity residual; and the
own-action curvature at s, which shows whether the declared concavity holds there.  A declaration
that the curvature contradicts is not relied on: the search then falls back to the grid.
``verified`` is ``gains_i <= tol * R + rounding_i`` for every player: R = max_i range_i is the
game's utility scale, range_i the spread of u_i(., s_-i) between the point, the box's ends and the
best response found, and rounding_i the 128 eps |u_i| that rounding alone puts into a bound.  So
the verdict does not change when every utility is multiplied by a constant or shifted by one.  It
is computed here and nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mechopt.certificates.best_response import BestResponseCycle, global_best_responses
from mechopt.games.base import ContinuousGame
from mechopt.core.serialization import Serializable
from mechopt.core.tolerances import CONCAVITY_TOL, NASH_GAIN_TOL


@dataclass(frozen=True)
class NashCertificate(Serializable):
    kind: str
    point: np.ndarray
    """The profile the evidence is about."""
    max_gain: float
    """max_i gains_i."""
    gains: np.ndarray
    """Per-player best-response gains (upper bounds for the ladder searches, see module doc)."""
    found_gains: np.ndarray
    """Per-player gains actually found (values reached by a deviation: lower bounds)."""
    utility_ranges: np.ndarray
    """Per-player utility spread (see :attr:`BestResponses.ranges`); tol is relative to their max."""
    rounding: np.ndarray
    """Per-player rounding allowance of the gain bounds (128 eps |u_i|)."""
    best_responses: np.ndarray
    """The best own action found for each player."""
    residual: float
    """max-norm of s - proj(s + F(s)) (complementarity residual of the KKT system)."""
    max_own_curvature: float
    """max_i of the second difference of u_i in s_i at the point (<= 0 means concave there)."""
    concave_at_point: bool
    search: str
    """"ladder", "ladder+golden" (declared concave) or "grid+golden"."""
    grid_points: int
    tol: float
    verified: bool
    cycle: BestResponseCycle | None = None
    """Best-response cycle, when the search for an equilibrium found one (a diagnostic)."""

    @property
    def utility_scale(self) -> float:
        """The game's utility scale R the tolerance is relative to."""
        return float(np.max(self.utility_ranges, initial=0.0))


def own_curvature(game: ContinuousGame, s: np.ndarray, rel_step: float = 1e-3) -> tuple[np.ndarray, np.ndarray]:
    """Second difference of u_i(., s_-i) at s_i on three points inside [lower_i, upper_i], and
    the rounding noise of that difference (64 eps |u| / h^2)."""
    h = rel_step * (game.upper - game.lower)
    centre = np.clip(s, game.lower + h, game.upper - h)
    x = centre[:, None] + h[:, None] * np.array([-1.0, 0.0, 1.0])[None, :]
    with np.errstate(all="ignore"):
        v = game.deviation_utilities(s, x)
        noise = 64.0 * np.finfo(float).eps * np.max(np.abs(v), axis=1) / h**2
    return (v[:, 0] - 2.0 * v[:, 1] + v[:, 2]) / h**2, noise


def nash_certificate(
    game: ContinuousGame,
    s: np.ndarray,
    *,
    tol: float = NASH_GAIN_TOL,
    concavity_tol: float = CONCAVITY_TOL,
    cycle: BestResponseCycle | None = None,
) -> NashCertificate:
    """Check a profile: verified iff every player's best-response gain is at most ``tol``."""
    s = np.asarray(s, dtype=float)
    if s.shape != (game.n,):
        raise ValueError(f"profile: expected shape ({game.n},), got {s.shape}")
    if np.any(s < game.lower) or np.any(s > game.upper):
        raise ValueError("profile: lies outside the players' action boxes")
    curvature, noise = own_curvature(game, s)
    concave_here = bool(np.all(curvature <= concavity_tol * np.maximum(1.0, np.abs(game.utilities(s))) + noise))
    br = global_best_responses(game, s, tol=tol, concave=game.own_concave and concave_here)
    gains = br.gain_bounds
    ranges = br.ranges
    with np.errstate(all="ignore"):
        residual = float(np.max(np.abs(game.natural_residual(s))))
    max_curv = float(np.max(curvature))
    max_gain = float(np.max(gains)) if np.all(np.isfinite(br.current)) else float("inf")
    return NashCertificate(
        kind="nash_gap",
        point=s,
        max_gain=max_gain,
        gains=gains,
        found_gains=br.gains,
        utility_ranges=ranges,
        rounding=br.rounding,
        best_responses=br.actions,
        residual=residual,
        max_own_curvature=max_curv,
        concave_at_point=concave_here,
        search=br.search,
        grid_points=br.grid_points,
        tol=tol,
        verified=bool(np.isfinite(max_gain) and np.all(gains <= tol * float(np.max(ranges, initial=0.0)) + br.rounding)),
        cycle=cycle,
    )


def nash_basis(game: ContinuousGame, cert: NashCertificate) -> str:
    """What the certificate's gain bounds rest on."""
    if cert.search.startswith("ladder"):
        return ("declared assumption: every u_i concave in s_i (declared by the model, checked at the point); "
                "under it the chord bounds on the gains are rigorous")
    return f"sampling: a {cert.grid_points}-point grid refined by golden section (gains found, not bounded)"
