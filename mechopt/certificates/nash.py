"""The Nash kind: the answer type :class:`NashResult`, its evidence :class:`NashCertificate`, and
its one certifier :func:`certify_nash`.

For a profile s the certificate holds every player's best-response gain
max_x u_i(x, s_-i) - u_i(s) from the global own-action search of
:mod:`mechopt.certificates.best_response` (utility values only, no solver output, no
derivatives), the own-action curvature at s, and the *basis* the gain bounds rest on
(:class:`CertificateBasis`):

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
``gains_i <= tol * scale_i + rounding_i`` for every player, on a basis other than sampling, where
scale_i = max(|u_i(s)|, |u_i(best response)|, the magnitude of u_i's terms at s) and rounding_i is
128 eps scale_i.  The tolerance is thus relative to the utilities where the answer lives: it does
not change when every utility is multiplied by a constant, nor when the action box is widened
beyond the point and its best responses.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import numpy as np

from mechopt.certificates.best_response import (BestResponseCycle, Counterexample, Evaluate, global_best_responses,
                                                in_block_order, length_scale, player_blocks, player_deviations,
                                                row_max)
from mechopt.core.result import Answer, verdict_field
from mechopt.core.serialization import MalformedAnswer, Serializable
from mechopt.core.stats import SolveStats
from mechopt.core.status import Status
from mechopt.core.tolerances import CONCAVITY_TOL, NASH_GAIN_TOL
from mechopt.core.verdict import Basis, Check, Verdict, bind, equal, judge, shown, tolerance, witness
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
    scales: np.ndarray
    """Per-player utility scale the tolerance is relative to
    (:attr:`~mechopt.certificates.best_response.BestResponses.scales`)."""
    rounding: np.ndarray
    """Per-player rounding allowance of the gain bounds (128 eps scale_i)."""
    best_responses: np.ndarray
    """The best own action found for each player."""
    max_own_curvature: float
    """max_i of the second difference of u_i in s_i at the point (<= 0 means concave there)."""
    concave_at_point: bool
    search: str
    """"ladder", "ladder+golden" (concavity), "lipschitz" or "grid+golden" (sampling)."""
    grid_points: int
    tol: float
    verified: bool
    basis: CertificateBasis
    """What the gain bounds rest on; ``verified`` is False on ``sampling``."""
    counterexample: Counterexample | None
    """Samples that contradict the game's declared concavity or Lipschitz constant."""

    @property
    def slack(self) -> np.ndarray:
        """Per-player allowance tol * scale_i + rounding_i a gain is compared with."""
        return self.tol * self.scales + self.rounding

    @property
    def refuted(self) -> bool:
        """A deviation was found whose gain exceeds the allowance: not an equilibrium at tol."""
        return bool(not np.isfinite(self.max_gain) or np.any(self.found_gains > self.slack))


def own_curvature(game: ContinuousGame, s: np.ndarray, rel_step: float = 1e-3) -> tuple[np.ndarray, np.ndarray]:
    """Second difference of u_i(., s_-i) at s_i on three points inside [lower_i, upper_i], and
    the rounding noise of that difference (64 eps |u| / h^2).  Where a centred difference is not
    finite (a neighbour outside the utilities' domain, e.g. a negative unspent budget next to a
    bound), one-sided stencils and steps down to 1e-8 of the player's length scale
    (:func:`~mechopt.certificates.best_response.length_scale`) are tried before giving NaN.
    Players are taken in blocks where the game evaluates some alone
    (:func:`~mechopt.certificates.best_response.player_deviations`)."""
    s = np.asarray(s, dtype=float)
    width = length_scale(game.lower, game.upper, s)
    evaluate, by_player = player_deviations(game, s)
    curvature, noise = np.full(game.n, np.nan), np.full(game.n, np.nan)
    blocks = player_blocks(game.n, by_player)

    def block(b: slice) -> tuple[np.ndarray, np.ndarray]:
        return _second_differences(evaluate, b, game.lower[b], game.upper[b], s[b], width[b], rel_step)

    for b, (k, e) in zip(blocks, in_block_order(block, blocks)):
        curvature[b], noise[b] = k, e
    return curvature, noise


def _second_differences(evaluate: Evaluate, b: slice, lo: np.ndarray, hi: np.ndarray, s: np.ndarray,
                        width: np.ndarray, rel_step: float) -> tuple[np.ndarray, np.ndarray]:
    """:func:`own_curvature` on block b: steps rel_step 10^-k (k < 6) times the length scales
    ``width``, centred then one-sided, each tried on the players whose difference is not yet
    finite."""
    curvature, noise = np.full(s.size, np.nan), np.full(s.size, np.nan)
    for step in rel_step * 10.0 ** -np.arange(6):
        for offsets in ((-1.0, 0.0, 1.0), (-2.0, -1.0, 0.0), (0.0, 1.0, 2.0)):
            missing = ~np.isfinite(curvature)
            if not missing.any():
                return curvature, noise
            todo = slice(None) if missing.all() else np.flatnonzero(missing)  # a view when all are
            o, h = np.array(offsets), step * width[todo]
            centre = np.clip(s[todo] - o[1] * h, lo[todo] - o[0] * h, hi[todo] - o[2] * h)
            x = centre[:, None] + h[:, None] * o[None, :]
            with np.errstate(all="ignore"):
                v = np.asarray(evaluate(b if isinstance(todo, slice) else b.start + todo)(x), dtype=float)
                curvature[todo] = (v[:, 0] - 2.0 * v[:, 1] + v[:, 2]) / h**2
                noise[todo] = 64.0 * np.finfo(float).eps * row_max(np.abs(v)) / h**2
    return curvature, noise


def nash_certificate(
    game: ContinuousGame,
    s: np.ndarray,
    *,
    tol: float = NASH_GAIN_TOL,
    concavity_tol: float = CONCAVITY_TOL,
) -> NashCertificate:
    """Check a profile: verified iff every player's best-response gain is bounded by ``tol``
    times its utility scale (plus rounding) on a basis other than sampling."""
    s = np.asarray(s, dtype=float)
    if s.shape != (game.n,):
        raise ValueError(f"profile: expected shape ({game.n},), got {s.shape}")
    if not np.all(np.isfinite(s)) or np.any(s < game.lower) or np.any(s > game.upper):
        raise ValueError("profile: must be finite and lie in the players' action boxes")
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
    max_gain = float(np.max(gains)) if np.all(np.isfinite(br.current)) else float("inf")
    within = bool(np.isfinite(max_gain) and np.all(gains <= tol * br.scales + br.rounding))
    return NashCertificate(
        kind="nash_gap",
        point=s,
        max_gain=max_gain,
        gains=gains,
        found_gains=br.gains,
        scales=br.scales,
        rounding=br.rounding,
        best_responses=br.actions,
        max_own_curvature=float(np.max(curvature)),
        concave_at_point=concave_here,
        search=br.search,
        grid_points=br.grid_points,
        tol=tol,
        verified=within and basis.rigorous,
        basis=basis,
        counterexample=br.counterexample,
    )


def nash_status(game: ContinuousGame, cert: NashCertificate) -> Status:
    """The status the evidence at a point supports (the one place it is decided):

    - ``failed``: the utilities are not finite at the point (nothing can be claimed);
    - ``assumption_violated``: the game declares every u_i concave in s_i, and the curvature at
      the point contradicts it (a curvature that is not a number contradicts nothing);
    - ``equilibrium``: the certificate verified;
    - ``no_equilibrium_found``: a deviation gains more than the tolerance (the point is refuted),
      in a game not declared concave;
    - ``unverified`` otherwise: no gain beyond the tolerance was found but the basis or the bound
      reached does not prove an equilibrium; or the point is refuted in a game declared concave,
      whose compact boxes hold an equilibrium (Rosen 1965; 001 Theorem 3.1) that the methods
      missed: saying none was found would suggest otherwise."""
    if not np.isfinite(cert.max_gain):
        return Status.FAILED
    if game.own_concave and not cert.concave_at_point and not np.isnan(cert.max_own_curvature):
        return Status.ASSUMPTION_VIOLATED
    if cert.verified:
        return Status.EQUILIBRIUM
    return Status.NO_EQUILIBRIUM_FOUND if cert.refuted and not game.own_concave else Status.UNVERIFIED


_BASIS_SENTENCES = {
    CertificateBasis.CLOSED_FORM_CONCAVITY:
        "every u_i is concave in s_i in closed form (the game's built-in families), so the chord "
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
_BASES = {CertificateBasis.CLOSED_FORM_CONCAVITY: Basis.PROOF, CertificateBasis.DECLARED_CONCAVITY:
          Basis.DECLARED_ASSUMPTION, CertificateBasis.LIPSCHITZ: Basis.DECLARED_ASSUMPTION,
          CertificateBasis.SAMPLING: Basis.SAMPLING}


def nash_basis(cert: NashCertificate) -> tuple[Basis, str]:
    """What the certificate's gain bounds rest on: the kind of basis and a sentence."""
    sentence = _BASIS_SENTENCES[cert.basis]
    if cert.basis is CertificateBasis.SAMPLING and cert.grid_points:
        sentence = sentence.replace("a grid", f"a {cert.grid_points}-point grid")
    ce = cert.counterexample
    if ce is not None:
        declared = "concavity" if ce.claim == "concave" else "Lipschitz constant"
        points = ", ".join(f"u({x:.6g}) = {v:.6g}" for x, v in zip(ce.x, ce.values))
        sentence += f"; the declared {declared} of player {ce.player} is contradicted by samples ({points}) and not relied on"
    return _BASES[cert.basis], sentence


# --- the answer and its certifier ------------------------------------------------------------------

@dataclass(frozen=True)
class NashResult(Answer):
    """An equilibrium query's answer.  ``profile`` is the best profile found whatever the status
    (``x`` is its alias); ``status`` and ``message`` are :func:`certify_nash`'s verdict on it."""

    kind: str
    status: Status
    message: str
    profile: np.ndarray
    utilities: np.ndarray
    certificate: NashCertificate
    cycle: BestResponseCycle | None
    """A best-response cycle met while searching, when no equilibrium was certified (a diagnostic,
    never evidence that none exists)."""
    stats: SolveStats
    verdict: Verdict | None = verdict_field()

    @property
    def x(self) -> np.ndarray:
        return self.profile


NASH_UNCHECKED = ("message", "cycle", "stats")
"""Nash answer fields no evidence binds: free text, the solver's diagnostics and statistics."""


def in_box(game: ContinuousGame, s: np.ndarray, field: str) -> np.ndarray:
    """``s`` as a profile of ``game``: shape (n,), finite, in the action boxes; else a clear error."""
    s = np.asarray(s, dtype=float)
    if s.shape != (game.n,):
        raise MalformedAnswer(f"{field}: expected {game.n} actions (one per player), got shape {s.shape}")
    if not np.all(np.isfinite(s)) or np.any(s < game.lower) or np.any(s > game.upper):
        raise MalformedAnswer(f"{field}: must be finite and lie in the players' action boxes")
    return s


def certificate_checks(game: ContinuousGame, claimed: NashCertificate, cert: NashCertificate, verifier_tol: float,
                       prefix: str = "certificate") -> list[Check]:
    """Every field of a claimed Nash certificate against the one recomputed at the same point:
    numbers to :data:`~mechopt.core.verdict.BIND_RTOL` of the players' utility scale, flags and
    descriptors exactly, the claimed tolerance no looser than the verifier's, and the claimed best
    responses by the gains they reach."""
    scale = float(np.max(cert.scales, initial=0.0))
    n = game.n
    for name in ("point", "gains", "found_gains", "scales", "rounding", "best_responses"):
        if np.shape(getattr(claimed, name)) != (n,):
            raise MalformedAnswer(f"{prefix}.{name}: expected {n} values (one per player), got shape "
                                  f"{np.shape(getattr(claimed, name))}")
    br = np.clip(claimed.best_responses, game.lower, game.upper)
    with np.errstate(all="ignore"):
        reached = game.deviation_utilities(cert.point, br[:, None])[:, 0] - game.utilities(cert.point)
    in_boxes = bool(np.all(np.isfinite(claimed.best_responses)) and np.array_equal(br, claimed.best_responses))
    ce, rce = claimed.counterexample, cert.counterexample
    same_ce = (ce is None and rce is None) or (ce is not None and rce is not None and ce.claim == rce.claim
                                               and ce.player == rce.player and np.shape(ce.x) == np.shape(rce.x))
    return [
        equal(f"{prefix}.kind", claimed.kind, cert.kind),
        equal(f"{prefix}.point", claimed.point, cert.point),
        tolerance(f"{prefix}.tol", claimed.tol, verifier_tol),
        equal(f"{prefix}.verified", claimed.verified, cert.verified),
        equal(f"{prefix}.basis", claimed.basis.value, cert.basis.value),
        bind(f"{prefix}.max_gain", claimed.max_gain, cert.max_gain, scale=scale),
        bind(f"{prefix}.gains", claimed.gains, cert.gains, scale=scale),
        bind(f"{prefix}.found_gains", claimed.found_gains, cert.found_gains, scale=scale),
        bind(f"{prefix}.scales", claimed.scales, cert.scales),
        bind(f"{prefix}.rounding", claimed.rounding, cert.rounding),
        Check(f"{prefix}.best_responses", shown(claimed.best_responses), "in the boxes, reaching the found gains",
              in_boxes and bool(np.all(np.abs(reached - claimed.found_gains)
                                       <= 1e-9 * np.maximum(cert.scales, np.finfo(float).tiny)))),
        bind(f"{prefix}.max_own_curvature", claimed.max_own_curvature, cert.max_own_curvature, rtol=1e-6),
        equal(f"{prefix}.concave_at_point", claimed.concave_at_point, cert.concave_at_point),
        equal(f"{prefix}.search", claimed.search, cert.search),
        equal(f"{prefix}.grid_points", claimed.grid_points, cert.grid_points),
        Check(f"{prefix}.counterexample", None if ce is None else ce.to_dict(), None if rce is None else rce.to_dict(),
              same_ce and (ce is None or (bool(np.allclose(ce.x, rce.x, rtol=1e-9, atol=0.0))
                                          and bool(np.allclose(ce.values, rce.values, rtol=1e-9, atol=0.0))))),
    ]


def certify_nash(game: ContinuousGame, answer: NashResult, *, tol: float = NASH_GAIN_TOL,
                 evidence: NashCertificate | None = None) -> Verdict:
    """The verdict on a claimed equilibrium answer (the one judge of the nash kind).

    The Nash certificate is recomputed at the answer's profile with ``tol``; the status it
    supports is :func:`nash_status`'s (``failed`` when the answer itself says its method failed:
    a failure claims nothing); utilities and every certificate field are bound to the
    recomputation; message, cycle and stats are listed as unchecked.  ``evidence``: the
    certificate :func:`nash_certificate` already computed at this profile with this ``tol`` in
    the same process (a solver's), used instead of computing it again."""
    profile = in_box(game, answer.profile, "profile")
    fresh = evidence is not None and evidence.tol == tol and np.array_equal(evidence.point, profile)
    cert = evidence if fresh else nash_certificate(game, profile, tol=tol)
    supported = Status.FAILED if answer.status is Status.FAILED else nash_status(game, cert)
    with np.errstate(all="ignore"):
        utilities = game.utilities(profile)
    checks = [equal("kind", answer.kind, "nash"), witness("profile", profile),
              bind("utilities", answer.utilities, utilities, scale=float(np.max(cert.scales, initial=0.0))),
              *certificate_checks(game, answer.certificate, cert, tol)]
    basis, text = nash_basis(cert)
    if supported is Status.ASSUMPTION_VIOLATED:
        basis, text = Basis.PROOF, (f"the declared concavity fails at the point: the second difference of some u_i in "
                                    f"s_i there is {cert.max_own_curvature:.6g} > 0 beyond rounding")
    return judge("nash", answer.status, supported, checks, basis, text, tol, NASH_UNCHECKED)
