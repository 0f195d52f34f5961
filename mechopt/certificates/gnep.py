"""The generalized Nash kind: the answer type :class:`GNEPResult`, its evidence
:class:`GNEPCertificate`, and its one certifier :func:`certify_generalized_nash`.

The answer claims a *variational* equilibrium (x*, mu*): a profile and one multiplier per shared
constraint, common to all players (docs/gnep.md).  Its evidence, recomputed from x* and mu* alone
(utility and constraint values and derivatives; no solver output):

- **the Lagrangian bound** (the KKT residual in utility units).  For player i, any mu >= 0 and
  any anchor y in its box, with L(z) = u_i(z, x_-i) - mu^T g(z, x_-i) concave in z (u_i concave
  in x_i, g jointly convex) and r = grad L(y):  for every z feasible for player i,
      u_i(z, x_-i) - u_i(y, x_-i) <= -mu^T g(y, x_-i) + max_{z in box_i} r^T (z - y)      (B)
  Player i's own constraints h_i(z, x_-i) <= 0 (convex in z) enter L with player i's own
  multipliers lambda_i >= 0: L(z) = u_i - mu^T g - lambda_i^T h_i, and (B) gains -lambda_i^T h_i(y, x_-i)
  (Facchinei and Kanzow 2010, Theorem 3.9: a GNE whose players' KKT conditions hold with common
  multipliers is a variational equilibrium; (B) at y = x*_i with mu = mu* is the quantitative
  form: zero exactly at such a point).  The max over a box is exact coordinate by coordinate;
  a difference-quotient gradient adds its estimated error times the box width.  ``kkt_gaps`` is
  (B) at (x*_i, mu*): it bounds every player's gain with the *common* multipliers.
- **each player's best response**, computed independently: as a convex program (cvxpy, Clarabel)
  where the game's families make the player's problem concave and DCP-expressible, the
  program's own dual multipliers then giving (B) at the best response y_i (a bound on the gain
  that does not depend on mu*); by SLSQP from x*_i (and from the box midpoint) otherwise.  A
  found response is moved back along the segment from x*_i until feasible, so ``found_gains``
  are gains actually reached by feasible deviations.

``gains`` are upper bounds: the smaller of (B) at x* and at the best response where concavity is
proven in closed form (basis ``proof``), (B) at x* under declared concavity (basis
``declared_assumption``: checked at the point's own-coordinate curvature and against every found
gain, which may not exceed its bound), the found gains otherwise (``sampling``, never verified).
The tolerance is relative to the smaller of each player's utility variation over its box with
x*_-i fixed (:meth:`~mechopt.games.generalized.GeneralizedGame.utility_variation`, unchanged by
adding constants to u_i or translating the boxes) and the magnitude of u_i at x* itself
(:meth:`~mechopt.games.generalized.GeneralizedGame.answer_magnitudes`, free of the boxes): so
neither a wider box, nor a translation, nor an added constant loosens it.  The rounding allowance
is 128 eps times the magnitude of the terms the gains are computed from at the deviations actually
evaluated (:meth:`~mechopt.games.generalized.GeneralizedGame.gain_magnitude`; for a quadratic,
|r| |e| + |e|^T |Q_ii| |e| / 2 with e = y - x*_i), plus mu*^T the constraints' terms at x*: never
a term over the whole box.  In (B), each coordinate of r is taken towards zero by its own rounding
(:func:`stationarity`) rather than the rounding being multiplied by the box and added to the
allowance, which would let the complementarity term of a point 0.01 off pass in a box 1e10 wide.  Shared-constraint
violations are relative to the constraints' own magnitude: multiplying every utility by a
constant changes no verdict; they are relative to each constraint's variation over the boxes
where that is smaller than its terms at x* (:meth:`~mechopt.games.generalized.GeneralizedGame.violations`),
so that translating the game does not loosen them either.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any

import numpy as np

from mechopt.core.result import Answer, verdict_field
from mechopt.core.serialization import MalformedAnswer, Serializable
from mechopt.core.stats import SolveStats
from mechopt.core.status import Status
from mechopt.core.tolerances import CONCAVITY_TOL, NASH_GAIN_TOL
from mechopt.core.verdict import Basis, Check, Verdict, bind, equal, judge, shown, tolerance, witness
from mechopt.games.generalized import ROUNDING, GeneralizedGame, scale_of
SEGMENT_STEPS = 60
"""Bisection steps moving a found best response back towards x*_i until it is feasible."""


class GNEPBasis(str, Enum):
    """What a generalized Nash certificate's gain bounds rest on."""

    CLOSED_FORM_CONCAVITY = "closed_form_concavity"
    """Every u_i concave in x_i and g convex in closed form (built-in families): (B) is a proof."""
    DECLARED_CONCAVITY = "declared_concavity"
    """Concavity declared by the model, taken on trust (checked on samples): (B) under it."""
    SAMPLING = "sampling"
    """Found gains only: evidence, not proof; never verified."""


@dataclass(frozen=True)
class GNEPCertificate(Serializable):
    kind: str
    gains: np.ndarray
    """Per-player bounds on the best-response gain under the shared constraints (found gains on
    the sampling basis)."""
    found_gains: np.ndarray
    """Gains reached by feasible deviations (lower bounds; 0 with x*_i itself as the response
    when no better deviation was found)."""
    kkt_gaps: np.ndarray
    """(B) at x*_i with the answer's common multipliers: the KKT residual in utility units."""
    scales: np.ndarray
    rounding: np.ndarray
    best_responses: list[np.ndarray]
    """The feasible deviation reaching each found gain."""
    violations: np.ndarray
    """Each constraint's violation at x*, shared ones then player-specific ones, relative to its
    translation-free scale (:meth:`~mechopt.games.generalized.GeneralizedGame.violations`)."""
    slackness: np.ndarray
    """mu*_k max(-g_k(x*), 0), then lambda*_l max(-h_l(x*), 0): complementarity, in utility units."""
    max_own_curvature: float
    """Largest second difference of u_i in one of its own coordinates at x* beyond rounding
    (declared concavity only; NaN otherwise)."""
    concavity_contradicted: bool
    """Declared concavity contradicted at the point or by a found gain above its bound."""
    search: str
    """How best responses were found: "convex_program" or "slsqp"."""
    tol: float
    verified: bool
    basis: GNEPBasis

    @property
    def slack(self) -> np.ndarray:
        return self.tol * self.scales + self.rounding

    @property
    def refuted(self) -> bool:
        return bool(not np.all(np.isfinite(self.found_gains)) or np.any(self.found_gains > self.slack))


def lagrangian_bound(game: GeneralizedGame, x: np.ndarray, i: int, y: np.ndarray, mu: np.ndarray,
                     lam: np.ndarray | None = None) -> float:
    """(B): an upper bound on max u_i(z, x_-i) - u_i(y, x_-i) over player i's feasible set, for
    mu >= 0 and player i's own multipliers lam >= 0 (zero by default), valid when u_i is concave
    in x_i, g convex and h_i convex in x_i (module doc), with each coordinate of r = grad L(y)
    taken towards zero by its rounding (:func:`stationarity`)."""
    t = np.array(x, dtype=float)
    b = game.block(i)
    t[b] = y
    rows = game.rows(i)
    own = np.zeros(rows.size - game.m) if lam is None else np.asarray(lam, dtype=float)
    mu = np.concatenate([np.asarray(mu, dtype=float), own])
    with np.errstate(all="ignore"):
        r = stationarity(game, t, i, mu)
        err = game.pseudo_gradient_error(t)[b]
        g = game.all_constraints(t)[rows]
    lo, hi = game.lower[b], game.upper[b]
    box = np.maximum(r * (hi - y), r * (lo - y)).sum() + (err * (hi - lo)).sum()
    value = float(box - mu @ g) if g.size else float(box)
    return value if np.isfinite(value) else float("inf")


def stationarity(game: GeneralizedGame, t: np.ndarray, i: int, nu: np.ndarray) -> np.ndarray:
    """r = grad_{x_i} u_i(t) - J_c(t)^T nu over player i's rows of c (nu: shared then player i's own
    multipliers), each coordinate moved towards zero by its rounding, ROUNDING times the magnitude
    of the terms it is computed from (the gradient's terms and |J_c|^T |nu|).  A coordinate zero up
    to the rounding of its own terms is zero: that is judged on the answer's own scale, where
    multiplying r by the distances to the box's bounds, as (B) does, would grow the allowance with
    the box."""
    b, rows = game.block(i), game.rows(i)
    r = game.pseudo_gradient(t)[b]
    terms = game.gradient_magnitudes(t)[b]
    if rows.size:
        J = game.all_jacobian(t)[rows][:, b]
        r = r - J.T @ nu
        terms = terms + np.abs(J).T @ np.abs(nu)
    return np.sign(r) * np.maximum(np.abs(r) - ROUNDING * terms, 0.0)


def _feasible_towards(game: GeneralizedGame, x: np.ndarray, i: int, y: np.ndarray, tol: float) -> np.ndarray:
    """The point of the segment from x*_i to y farthest from x*_i whose profile satisfies the
    constraints binding player i to ``tol`` (:meth:`~GeneralizedGame.violations`; y itself when feasible)."""
    b, rows = game.block(i), game.rows(i)

    def feasible(theta: float) -> bool:
        t = np.array(x, dtype=float)
        t[b] = x[b] + theta * (y - x[b])
        return bool(np.all(game.violations(t)[rows] <= tol))

    if not rows.size or feasible(1.0):
        return y
    lo, hi = 0.0, 1.0
    for _ in range(SEGMENT_STEPS):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if feasible(mid) else (lo, mid)
    return x[b] + lo * (y - x[b])


def _convex_program_response(game: GeneralizedGame, x: np.ndarray, i: int,
                             scale: float) -> tuple[np.ndarray, np.ndarray, np.ndarray | None] | None:
    """Player i's best response and the multipliers of its shared constraints and of its own
    from its cvxpy program (:meth:`~GeneralizedGame.response_program`), its objective divided by
    the player's utility variation (None when the game has no program for this player or the
    solver fails).  An inaccurate solution is still a deviation to evaluate and a point to bound
    at: both are rigorous whatever its accuracy."""
    program = game.response_program(i)
    y = None if program is None else program.solve(x, scale)
    if y is None:
        return None
    b = game.block(i)
    shared, own = program.duals(scale)  # own None: zeros, as lagrangian_bound takes it
    return np.clip(y, game.lower[b], game.upper[b]), np.zeros(game.m) if shared is None else shared, own


def _local_response(game: GeneralizedGame, x: np.ndarray, i: int, scale: float) -> np.ndarray:
    """Player i's best response by SLSQP (gain divided by the player's utility variation) from
    x*_i, its box midpoint and its box's two extreme corners; the best of them."""
    from scipy.optimize import minimize

    b = game.block(i)
    lo, hi = game.lower[b], game.upper[b]

    def profile(y: np.ndarray) -> np.ndarray:
        t = np.array(x, dtype=float)
        t[b] = np.clip(y, lo, hi)
        return t

    def value(y: np.ndarray) -> float:
        with np.errstate(all="ignore"):
            v = game.gain(i, x, np.clip(y, lo, hi)) / scale
        return -v if np.isfinite(v) else 1e300

    rows = game.rows(i)
    unit = game.constraint_scales(x)[rows]
    cons = [{"type": "ineq", "fun": lambda y: -game.all_constraints(profile(y))[rows] / unit}] if rows.size else []
    best, best_value = x[b].copy(), value(x[b])
    for start in (x[b], 0.5 * (lo + hi), lo, hi):
        try:
            res = minimize(value, start, bounds=list(zip(lo, hi)), constraints=cons, method="SLSQP",
                           options={"maxiter": 300, "ftol": 1e-15})
        except (ValueError, ArithmeticError):
            continue
        y = np.clip(res.x, lo, hi)
        if value(y) < best_value:
            best, best_value = y, value(y)
    return best


def own_curvature(game: GeneralizedGame, x: np.ndarray, variation: np.ndarray, rel_step: float = 1e-3) -> float:
    """Largest second difference of u_i in one of its own coordinates at x, minus the rounding
    noise of that difference (64 eps |u| / h^2) and CONCAVITY_TOL of the curvature that would move
    u_i by its variation over the box (variation_i / w_j^2): > 0 contradicts concavity in x_i, at
    every scale of the utilities."""
    h = rel_step * scale_of(game.lower, game.upper, x)
    w = game.upper - game.lower
    worst = -np.inf
    for i in range(game.n):
        for j in range(*game.block(i).indices(game.size)):
            c = float(np.clip(x[j], game.lower[j] + h[j], game.upper[j] - h[j]))
            v = []
            for o in (-1.0, 0.0, 1.0):
                t = np.array(x, dtype=float)
                t[j] = c + o * h[j]
                with np.errstate(all="ignore"):
                    v.append(float(game.utilities(t)[i]))
            noise = 64.0 * np.finfo(float).eps * max(abs(a) for a in v) / h[j] ** 2
            second = (v[0] - 2.0 * v[1] + v[2]) / h[j] ** 2
            worst = max(worst, second - noise - CONCAVITY_TOL * float(variation[i]) / w[j] ** 2)
    return float(worst) if np.isfinite(worst) else float("nan")


def multipliers_signed(game: GeneralizedGame, x: np.ndarray, mu: np.ndarray, scales: np.ndarray, tol: float) -> bool:
    """The multipliers (shared then player-specific, flat) are finite and >= 0 up to rounding: a
    negative part, times the magnitude of its constraint's terms (the utility it can account for),
    within tol of the largest utility scale.  (B) uses max(mu, 0) in any case, so the bounds stay
    rigorous."""
    if not np.all(np.isfinite(mu)):
        return False
    if not mu.size:
        return True
    with np.errstate(all="ignore"):
        magnitude = game.all_magnitudes(x)
    return bool(np.all(np.maximum(-mu, 0.0) * magnitude <= tol * float(np.max(scales, initial=0.0))))


def gnep_certificate(game: GeneralizedGame, x: np.ndarray, mu: np.ndarray, lam: np.ndarray | None = None, *,
                     tol: float = NASH_GAIN_TOL) -> GNEPCertificate:
    """The evidence at a flat profile x with common multipliers mu and the players' own
    multipliers lam (flat in player order, zero by default) (module doc)."""
    x, mu = np.asarray(x, dtype=float), np.asarray(mu, dtype=float)
    lam = np.zeros(game.p) if lam is None else np.asarray(lam, dtype=float)
    own = game.split_own(np.maximum(lam, 0.0))
    nu = np.concatenate([mu, lam])
    nu_plus = np.maximum(nu, 0.0)
    mu_plus = nu_plus[:game.m]
    with np.errstate(all="ignore"):
        current = game.utilities(x)
        variation = game.utility_variation(x)
        g = game.all_constraints(x)
        g_terms = game.all_magnitudes(x)
        violations = game.violations(x)
    variation = np.where(np.isfinite(variation), variation, np.inf)
    declared = game.own_concave and not game.concavity_proven
    curvature = own_curvature(game, x, variation) if declared else float("nan")
    kkt = np.array([lagrangian_bound(game, x, i, x[game.block(i)], mu_plus, own[i]) for i in range(game.n)])
    gains, found, responses = np.empty(game.n), np.empty(game.n), []
    beyond, reached_terms = np.zeros(game.n), np.zeros(game.n)
    search = "convex_program"
    for i in range(game.n):
        b = game.block(i)
        unit = float(variation[i]) if 0.0 < variation[i] < np.inf else max(abs(float(current[i])), 1.0)
        program = _convex_program_response(game, x, i, unit) if game.concavity_proven else None
        evaluated = []
        if program is None:
            search = "slsqp"
            y, bound = _local_response(game, x, i, unit), kkt[i]
        else:
            y, mu_i, lam_i = program
            evaluated.append(y)
            with np.errstate(all="ignore"):
                at_y = game.gain(i, x, y)
            bound = min(kkt[i], float(at_y + lagrangian_bound(game, x, i, y, mu_i, lam_i)))
        y = _feasible_towards(game, x, i, y, tol)
        with np.errstate(all="ignore"):
            gain = game.gain(i, x, y)
        if not gain > 0:  # nothing better found: x*_i itself, gain 0
            y, gain = x[b].copy(), 0.0
        found[i] = float(gain) if np.isfinite(gain) else float("inf")
        t = np.array(x)
        t[b] = y
        with np.errstate(all="ignore"):
            magnitudes = [game.gain_magnitude(i, x, z) for z in [*evaluated, y]]
            reached_terms[i] = max((v for v in magnitudes if np.isfinite(v)), default=0.0)
            # (B) bounds the gains of feasible deviations; a response feasible to tol may gain up
            # to mu^T c(response) more
            rows = game.rows(i)
            beyond[i] = float(nu_plus[rows] @ np.maximum(game.all_constraints(t)[rows], 0.0)) if rows.size else 0.0
        responses.append(y)
        gains[i] = bound
    with np.errstate(all="ignore"):
        scales = np.minimum(variation, np.abs(game.answer_magnitudes(x)))
    scales = np.where(np.isfinite(scales), scales, variation)
    rounding = ROUNDING * (reached_terms + scales
                           + np.array([nu_plus[game.rows(i)] @ g_terms[game.rows(i)] for i in range(game.n)]))
    slack = tol * scales + rounding
    contradicted = bool(declared and ((np.isfinite(curvature) and curvature > 0)
                                      or np.any(found > gains + beyond + slack)))
    if game.concavity_proven:
        basis = GNEPBasis.CLOSED_FORM_CONCAVITY
    elif game.own_concave and not contradicted:
        basis = GNEPBasis.DECLARED_CONCAVITY
    else:
        basis, gains = GNEPBasis.SAMPLING, found.copy()
    finite = bool(np.all(np.isfinite(current)) and np.all(np.isfinite(gains)) and np.all(np.isfinite(slack)))
    verified = bool(basis is not GNEPBasis.SAMPLING and finite and multipliers_signed(game, x, nu, scales, tol)
                    and np.all(violations <= tol) and np.all(gains <= slack) and np.all(kkt <= slack))
    slackness = nu * np.maximum(-g, 0.0) if g.size else np.zeros(0)
    return GNEPCertificate("gnep_gap", gains, found, kkt, scales, rounding, responses, violations, slackness,
                           curvature, contradicted, search, tol, verified, basis)


def gnep_status(game: GeneralizedGame, cert: GNEPCertificate, utilities: np.ndarray) -> Status:
    """The status the evidence supports (the one place it is decided): ``failed`` where the
    utilities are not finite; ``assumption_violated`` where declared concavity is contradicted;
    ``equilibrium`` where the certificate verified (a variational equilibrium at tol);
    ``no_equilibrium_found`` where a feasible deviation gains beyond the tolerance in a game not
    known to be concave; ``unverified`` otherwise (a concave game with compact boxes and a
    nonempty convex shared set has a variational equilibrium, Facchinei and Kanzow 2010,
    Theorem 3.9 with Rosen 1965: a refuted point there means the methods missed it)."""
    if not np.all(np.isfinite(utilities)):
        return Status.FAILED
    if cert.concavity_contradicted:
        return Status.ASSUMPTION_VIOLATED
    if cert.verified:
        return Status.EQUILIBRIUM
    return Status.NO_EQUILIBRIUM_FOUND if cert.refuted and not game.own_concave else Status.UNVERIFIED


_SENTENCES = {
    GNEPBasis.CLOSED_FORM_CONCAVITY:
        "every u_i is concave in x_i and the shared constraints convex in closed form (the game's families): each "
        "best response solved as a convex program, the gains bounded by the Lagrangian bound (B) with the common "
        "multipliers and with the program's own (rounding modelled as 128 eps per scale)",
    GNEPBasis.DECLARED_CONCAVITY:
        "declared assumption, taken on trust: every u_i concave in x_i and every shared constraint convex (checked "
        "at the point's own-coordinate curvature and against every found gain); under it the Lagrangian bound (B) "
        "with the common multipliers bounds the gains",
    GNEPBasis.SAMPLING:
        "sampling only: best responses found by SLSQP from two starts (gains found, not bounded; not verified)",
}
_BASES = {GNEPBasis.CLOSED_FORM_CONCAVITY: Basis.PROOF, GNEPBasis.DECLARED_CONCAVITY: Basis.DECLARED_ASSUMPTION,
          GNEPBasis.SAMPLING: Basis.SAMPLING}


@dataclass(frozen=True)
class GNEPResult(Answer):
    """A generalized Nash query's answer: the profile (one array per player), one multiplier per
    shared constraint (common to all players: a variational equilibrium), each player's own
    multipliers of its player-specific constraints (one array per player), the utilities, the
    certificate; ``status`` and ``message`` are :func:`certify_generalized_nash`'s verdict."""

    kind: str
    status: Status
    message: str
    profile: list[np.ndarray]
    multipliers: np.ndarray
    player_multipliers: list[np.ndarray]
    utilities: np.ndarray
    certificate: GNEPCertificate
    stats: SolveStats
    verdict: Verdict | None = verdict_field()


GNEP_UNCHECKED = ("message", "stats")


def flat_profile(game: GeneralizedGame, profile: Any, field: str = "profile") -> np.ndarray:
    """An answer's profile as a flat array: one finite array per player of its dimension, in its
    box; else a :class:`MalformedAnswer` naming the field."""
    try:
        x = game.join(profile, field)
    except ValueError as err:
        raise MalformedAnswer(str(err)) from None
    if not np.all(np.isfinite(x)) or np.any(x < game.lower) or np.any(x > game.upper):
        raise MalformedAnswer(f"{field}: must be finite and lie in the players' boxes")
    return x


def _response_check(game: GeneralizedGame, x: np.ndarray, claimed: list[np.ndarray], found: np.ndarray,
                    cert: GNEPCertificate, field: str) -> Check:
    """The claimed best responses lie in the boxes, satisfy the shared constraints (or are x*_i
    itself) and reach the claimed found gains."""
    ok = len(claimed) == game.n
    for i in range(game.n if ok else 0):
        b = game.block(i)
        y = np.asarray(claimed[i], dtype=float)
        if y.shape != (game.dims[i],) or not np.all(np.isfinite(y)) or np.any(y < game.lower[b]) \
                or np.any(y > game.upper[b]):
            ok = False
            break
        t = np.array(x)
        t[b] = y
        with np.errstate(all="ignore"):
            feasible = np.all(game.violations(t)[game.rows(i)] <= cert.tol)
            gain = game.gain(i, x, y)
        stays = bool(np.array_equal(y, x[b]))  # "no better deviation found": x*_i itself, feasible or not
        ok = ok and (bool(feasible) or stays) and abs(gain - float(found[i])) <= 1e-9 * max(cert.scales[i], 1e-300)
    return Check(field, [shown(np.asarray(y)) for y in claimed[:4]], "feasible, reaching the found gains", ok)


def certify_generalized_nash(game: GeneralizedGame, answer: GNEPResult, *, tol: float = NASH_GAIN_TOL,
                             evidence: GNEPCertificate | None = None) -> Verdict:
    """The verdict on a claimed variational equilibrium (the one judge of the generalized_nash
    kind): the certificate recomputed at the answer's profile and multipliers with ``tol``, the
    status it supports (:func:`gnep_status`), every other field bound to the recomputation.
    ``evidence``: the certificate :func:`gnep_certificate` computed at this profile and these
    multipliers with this ``tol`` in the same process (a solver's), used instead of computing it
    again."""
    x = flat_profile(game, answer.profile)
    mu = np.asarray(answer.multipliers, dtype=float)
    if mu.shape != (game.m,):
        raise MalformedAnswer(f"multipliers: expected {game.m} values (one per shared constraint), got shape {mu.shape}")
    own = list(answer.player_multipliers) if isinstance(answer.player_multipliers, (list, tuple)) else []
    counts = [int(np.sum(game.owners == i)) for i in range(game.n)]
    if len(own) != game.n or any(np.shape(v) != (c,) for v, c in zip(own, counts)):
        raise MalformedAnswer(f"player_multipliers: expected one array per player of lengths {counts} (one per "
                              f"player-specific constraint)")
    lam = np.concatenate([np.asarray(v, dtype=float) for v in own]) if own else np.zeros(0)
    cert = evidence if evidence is not None and evidence.tol == tol else gnep_certificate(game, x, mu, lam, tol=tol)
    with np.errstate(all="ignore"):
        utilities = game.utilities(x)
    supported = Status.FAILED if answer.status is Status.FAILED else gnep_status(game, cert, utilities)
    claimed = answer.certificate
    n, scale = game.n, float(np.max(cert.scales, initial=0.0))
    for name in ("gains", "found_gains", "kkt_gaps", "scales", "rounding"):
        if np.shape(getattr(claimed, name)) != (n,):
            raise MalformedAnswer(f"certificate.{name}: expected {n} values (one per player), got shape "
                                  f"{np.shape(getattr(claimed, name))}")
    signs = multipliers_signed(game, x, np.concatenate([mu, np.zeros(game.p)]), cert.scales, tol)
    own_signs = multipliers_signed(game, x, np.concatenate([np.zeros(game.m), lam]), cert.scales, tol)
    checks = [
        equal("kind", answer.kind, "generalized_nash"),
        witness("profile", x),
        Check("multipliers", shown(mu), "finite and >= 0 up to rounding (the KKT gaps are computed with them)", signs),
        Check("player_multipliers", shown(lam), "finite and >= 0 up to rounding (each player's KKT gap is computed "
              "with its own)", own_signs),
        bind("utilities", answer.utilities, utilities, scale=scale),
        equal("certificate.kind", claimed.kind, cert.kind),
        bind("certificate.gains", claimed.gains, cert.gains, scale=scale),
        bind("certificate.found_gains", claimed.found_gains, cert.found_gains, scale=scale),
        bind("certificate.kkt_gaps", claimed.kkt_gaps, cert.kkt_gaps, scale=scale),
        bind("certificate.scales", claimed.scales, cert.scales),
        bind("certificate.rounding", claimed.rounding, cert.rounding),
        _response_check(game, x, claimed.best_responses, claimed.found_gains, cert, "certificate.best_responses"),
        bind("certificate.violations", claimed.violations, cert.violations, rtol=1e-6, scale=max(tol, 1e-300)),
        bind("certificate.slackness", claimed.slackness, cert.slackness, scale=scale),
        bind("certificate.max_own_curvature", claimed.max_own_curvature, cert.max_own_curvature, rtol=1e-6),
        equal("certificate.concavity_contradicted", claimed.concavity_contradicted, cert.concavity_contradicted),
        equal("certificate.search", claimed.search, cert.search),
        tolerance("certificate.tol", claimed.tol, tol),
        equal("certificate.verified", claimed.verified, cert.verified),
        equal("certificate.basis", claimed.basis.value, cert.basis.value),
    ]
    basis, text = _BASES[cert.basis], _SENTENCES[cert.basis]
    if supported is Status.ASSUMPTION_VIOLATED:
        basis, text = Basis.PROOF, ("the declared concavity fails: a second difference of some u_i in its own "
                                    "coordinates is positive at the point, or a feasible deviation gains more than "
                                    "the bound concavity implies")
    return judge("generalized_nash", answer.status, supported, checks, basis, text, tol, GNEP_UNCHECKED)
