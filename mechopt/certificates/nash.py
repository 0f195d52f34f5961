"""The Nash-gap certificate: every player's best-response gain, computed independently.

For a profile s the certificate holds every player's best-response gain
max_x u_i(x, s_-i) - u_i(s) from the global own-action search of
:mod:`mechopt.certificates.best_response` (utility values only, no solver output, no
derivatives), the natural-map complementarity residual, the own-action curvature at s, and the
*basis* the gain bounds rest on (:class:`CertificateBasis`):

- ``closed_form_concavity``: the game's families make every u_i concave in s_i in closed form
  (``game.concavity_proven``); the chord bounds are rigorous (rounding modelled);
- ``declared_concavity``: the model declares concavity; it is taken on trust, checked at the
  point's curvature and on every value sampled (ladders and a 257-point grid), and named in the
  result; under it the chord bounds are rigorous;
- ``lipschitz``: a declared Lipschitz constant of u_i in s_i, checked on every pair of samples;
  under it the refined grid's bound is rigorous;
- ``sampling``: none of these; the gains are the ones a grid refined by golden section found.
  Evidence, not proof: such a certificate is never ``verified``.

A declaration that the samples contradict (curvature at s, or a counterexample in
``counterexample``) is not relied on: the search falls back to the next basis.  ``verified`` is
``gains_i <= tol * R + rounding_i`` for every player, on a basis other than sampling: R = max_i
range_i is the game's utility scale, range_i the median of |u_i(x, s_-i) - u_i(s)| over x at the
box's ends and quartiles (or the gain found, if larger: a singular end does not inflate it), and
rounding_i the 128 eps |u_i| that rounding alone puts into a bound.  So the verdict does not change when every utility is multiplied by a constant or
shifted by one.  It is computed here and nowhere else; :func:`nash_status` maps it to a status.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import numpy as np

from mechopt.certificates.best_response import BestResponseCycle, Counterexample, global_best_responses
from mechopt.core.serialization import Serializable
from mechopt.core.status import Status
from mechopt.core.tolerances import CONCAVITY_TOL, NASH_GAIN_TOL
from mechopt.games.base import ContinuousGame


class CertificateBasis(str, Enum):
    """What a Nash certificate's gain bounds rest on (docs/certificates.md)."""

    CLOSED_FORM_CONCAVITY = "closed_form_concavity"
    """Own-action concavity known in closed form for the game's built-in families: a proof."""
    DECLARED_CONCAVITY = "declared_concavity"
    """Own-action concavity declared by the model, taken on trust (checked on samples only)."""
    LIPSCHITZ = "lipschitz"
    """A declared Lipschitz constant of u_i in s_i, checked on every sample: a proof under it."""
    SAMPLING = "sampling"
    """A sampled search only: evidence, not proof; never verified."""

    @property
    def rigorous(self) -> bool:
        """Whether gain bounds on this basis are upper bounds (under the assumption it names)."""
        return self is not CertificateBasis.SAMPLING


@dataclass(frozen=True)
class NashCertificate(Serializable):
    kind: str
    point: np.ndarray
    """The profile the evidence is about."""
    max_gain: float
    """max_i gains_i."""
    gains: np.ndarray
    """Per-player best-response gains: upper bounds on a basis other than sampling, the gains
    found on sampling."""
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
    """"ladder", "ladder+golden" (concavity), "lipschitz" or "grid+golden" (sampling)."""
    grid_points: int
    tol: float
    verified: bool
    cycle: BestResponseCycle | None = None
    """Best-response cycle, when the search for an equilibrium found one (a diagnostic)."""
    basis: CertificateBasis = CertificateBasis.SAMPLING
    """What the gain bounds rest on; ``verified`` is False on ``sampling``."""
    counterexample: Counterexample | None = None
    """Samples that contradict the game's declared concavity or Lipschitz constant."""

    @property
    def utility_scale(self) -> float:
        """The game's utility scale R the tolerance is relative to."""
        return float(np.max(self.utility_ranges, initial=0.0))

    @property
    def slack(self) -> np.ndarray:
        """Per-player allowance tol * R + rounding_i a gain is compared with."""
        return self.tol * self.utility_scale + self.rounding

    @property
    def gains_within_tol(self) -> bool:
        """Every gain (bound, or found on sampling) within the allowance, whatever the basis."""
        return bool(np.isfinite(self.max_gain) and np.all(self.gains <= self.slack))

    @property
    def refuted(self) -> bool:
        """A deviation was found whose gain exceeds the allowance: not an equilibrium at tol."""
        return bool(not np.isfinite(self.max_gain) or np.any(self.found_gains > self.slack))


def own_curvature(game: ContinuousGame, s: np.ndarray, rel_step: float = 1e-3) -> tuple[np.ndarray, np.ndarray]:
    """Second difference of u_i(., s_-i) at s_i on three points inside [lower_i, upper_i], and
    the rounding noise of that difference (64 eps |u| / h^2).  Where a centred difference is not
    finite (a neighbour outside the utilities' domain, e.g. a negative unspent budget next to a
    bound), one-sided stencils and steps down to 1e-8 of the box are tried before giving NaN."""
    width = game.upper - game.lower
    curvature, noise = np.full(game.n, np.nan), np.full(game.n, np.nan)
    for step in rel_step * 10.0 ** -np.arange(6):
        h = step * width
        for offsets in ((-1.0, 0.0, 1.0), (-2.0, -1.0, 0.0), (0.0, 1.0, 2.0)):
            todo = ~np.isfinite(curvature)
            if not todo.any():
                return curvature, noise
            o = np.array(offsets)
            centre = np.clip(s - o[1] * h, game.lower - o[0] * h, game.upper - o[2] * h)
            x = centre[:, None] + h[:, None] * o[None, :]
            with np.errstate(all="ignore"):
                v = game.deviation_utilities(s, x)
                second = (v[:, 0] - 2.0 * v[:, 1] + v[:, 2]) / h**2
                rounding = 64.0 * np.finfo(float).eps * np.max(np.abs(v), axis=1) / h**2
            curvature = np.where(todo, second, curvature)
            noise = np.where(todo, rounding, noise)
    return curvature, noise


def nash_certificate(
    game: ContinuousGame,
    s: np.ndarray,
    *,
    tol: float = NASH_GAIN_TOL,
    concavity_tol: float = CONCAVITY_TOL,
    cycle: BestResponseCycle | None = None,
) -> NashCertificate:
    """Check a profile: verified iff every player's best-response gain is bounded by ``tol``
    times the utility scale (plus rounding) on a basis other than sampling."""
    s = np.asarray(s, dtype=float)
    if s.shape != (game.n,):
        raise ValueError(f"profile: expected shape ({game.n},), got {s.shape}")
    if np.any(s < game.lower) or np.any(s > game.upper):
        raise ValueError("profile: lies outside the players' action boxes")
    curvature, noise = own_curvature(game, s)
    with np.errstate(all="ignore"):
        values = game.utilities(s)
    concave_here = bool(np.all(curvature <= concavity_tol * np.maximum(1.0, np.abs(values)) + noise))
    br = global_best_responses(game, s, tol=tol, concave=game.own_concave and concave_here,
                               curvature=np.where(np.isfinite(curvature), curvature, 0.0),
                               check_concavity=not game.concavity_proven, lipschitz=game.own_lipschitz)
    if br.search.startswith("ladder"):
        basis = CertificateBasis.CLOSED_FORM_CONCAVITY if game.concavity_proven else CertificateBasis.DECLARED_CONCAVITY
    elif br.search == "lipschitz":
        basis = CertificateBasis.LIPSCHITZ
    else:
        basis = CertificateBasis.SAMPLING
    gains = br.gain_bounds
    with np.errstate(all="ignore"):
        residual = float(np.max(np.abs(game.natural_residual(s))))
    max_gain = float(np.max(gains)) if np.all(np.isfinite(br.current)) else float("inf")
    within = bool(np.isfinite(max_gain) and np.all(gains <= tol * float(np.max(br.ranges, initial=0.0)) + br.rounding))
    return NashCertificate(
        kind="nash_gap",
        point=s,
        max_gain=max_gain,
        gains=gains,
        found_gains=br.gains,
        utility_ranges=br.ranges,
        rounding=br.rounding,
        best_responses=br.actions,
        residual=residual,
        max_own_curvature=float(np.max(curvature)),
        concave_at_point=concave_here,
        search=br.search,
        grid_points=br.grid_points,
        tol=tol,
        verified=within and basis.rigorous,
        cycle=cycle,
        basis=basis,
        counterexample=br.counterexample,
    )


def nash_status(game: ContinuousGame, cert: NashCertificate) -> Status:
    """The status a certificate supports: ``assumption_violated`` when the declared concavity
    fails at the point's curvature; ``equilibrium`` when it verified; ``no_equilibrium_found``
    when a deviation gains more than the tolerance (the point is refuted); otherwise
    ``unverified``: no gain beyond the tolerance was found, but the basis (sampling) or the bound
    it reached does not prove the point an equilibrium at this tolerance."""
    if game.own_concave and not cert.concave_at_point:
        return Status.ASSUMPTION_VIOLATED
    if cert.verified:
        return Status.EQUILIBRIUM
    return Status.NO_EQUILIBRIUM_FOUND if cert.refuted else Status.UNVERIFIED


_BASIS_SENTENCES = {
    CertificateBasis.CLOSED_FORM_CONCAVITY:
        "proof: every u_i is concave in s_i in closed form (the game's built-in families), so the chord "
        "bounds on the gains are rigorous (rounding modelled as 64 eps |u| per value)",
    CertificateBasis.DECLARED_CONCAVITY:
        "declared assumption, taken on trust: every u_i concave in s_i (declared by the model; checked at the "
        "point's curvature and on every value sampled); under it the chord bounds on the gains are rigorous",
    CertificateBasis.LIPSCHITZ:
        "declared assumption: |u_i(x, s_-i) - u_i(y, s_-i)| <= L_i |x - y| (declared by the model; checked on "
        "every pair of samples); under it the refined grid's bounds on the gains are rigorous",
    CertificateBasis.SAMPLING:
        "sampling only: a grid refined by golden section (gains found, not bounded; evidence, not proof, "
        "so not verified)",
}


def nash_basis(game: ContinuousGame, cert: NashCertificate) -> str:
    """What the certificate's gain bounds rest on, as a sentence built from ``cert.basis``."""
    sentence = _BASIS_SENTENCES[CertificateBasis(cert.basis)]
    if cert.basis is CertificateBasis.SAMPLING and cert.grid_points:
        sentence = sentence.replace("a grid", f"a {cert.grid_points}-point grid")
    ce = cert.counterexample
    if ce is not None:
        declared = "concavity" if ce.claim == "concave" else "Lipschitz constant"
        points = ", ".join(f"u({x:.6g}) = {v:.6g}" for x, v in zip(ce.x, ce.values))
        sentence += f"; the declared {declared} of player {ce.player} is contradicted by samples ({points}) and not relied on"
    return sentence
