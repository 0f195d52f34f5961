"""Verifier of claimed ``stackelberg`` answers (004 (19)), from the model alone.

Recomputed with the verifier's own tolerance and bound to every answer field: every user's regret
against each pure level at the claimed (alpha, p) (from the Theorem-2 value table, enumerating the
others' level vectors), the platform's value at the claimed point and the optimum of (19) by the
candidate enumeration (optimistic selection) and by an alpha grid, the equilibrium, the users'
utilities and payments, U(p), Theorem 3's gamma_min, gamma_max and c_th, and the regime.
"""

from __future__ import annotations

import numpy as np

from mechopt.certificates.verification import Check, ClaimReader, MalformedClaim, Verification, close
from mechopt.core.status import Status
from mechopt.privacy.stackelberg import (STACKELBERG_TOL, _optimum, regime_of, stackelberg_certificate, threshold_c,
                                         user_payoffs)
from mechopt.privacy.symmetric import SymmetricPrivacyGame

BASIS = ("proof: the symmetric equilibria of (18) are the roots of alpha gamma(p) - c and the pure ends, so (19) "
         "with optimistic selection is the best of finitely many polynomial-root candidates; regrets recomputed "
         "from the Theorem-2 values by enumeration; an alpha grid cross-checks the optimum")


def _unit(claim: ClaimReader, name: str) -> float:
    x = claim.number(name)
    if not 0.0 <= x <= 1.0:
        raise MalformedClaim(f"{claim.where}.{name}: must lie in [0, 1], got {x}")
    return x


def verify_stackelberg_answer(game: SymmetricPrivacyGame, c: float, claim: ClaimReader, *,
                              tol: float = STACKELBERG_TOL) -> Verification:
    n = game.n
    status = claim.enum("status", Status)
    alpha, p = _unit(claim, "alpha"), _unit(claim, "p")
    cert_claim = claim.sub("certificate")
    if cert_claim.string("kind") != "stackelberg":
        raise MalformedClaim(f"{cert_claim.where}.kind: expected 'stackelberg', got {cert_claim.string('kind')!r}")
    cert = stackelberg_certificate(game, c, alpha, p, tol=tol)
    scale = cert.scale
    a_opt, p_opt, v_opt = _optimum(game, c)
    payoffs = user_payoffs(game, alpha, p, c)
    users = p * payoffs[:, 0] + (1.0 - p) * payoffs[:, 1]
    payments = users + c * (1.0 - p)
    total = float(game.utility_poly()(p))
    gmin, gmax = game.gamma_range()
    cth = threshold_c(game)
    regime = regime_of(p)
    claimed_value = claim.number("platform_utility")
    eq = claim.array("equilibrium", (n, 2))
    checks = [
        Check("sensitivity", claim.number("sensitivity"), c, claim.number("sensitivity") == c),
        Check("selection", claim.string("selection"), "optimistic", claim.string("selection") == "optimistic"),
        Check("certificate.alpha, certificate.p", [cert_claim.number("alpha"), cert_claim.number("p")], [alpha, p],
              cert_claim.number("alpha") == alpha and cert_claim.number("p") == p),
        Check("regrets (every user, every pure level)", cert_claim.number("max_regret"), cert.max_regret,
              cert.max_regret <= tol * scale and abs(cert_claim.number("max_regret") - cert.max_regret) <= tol * scale),
        Check("platform_utility = (1 - alpha) U(p)", claimed_value, cert.value,
              close(claimed_value, cert.value, scale=scale)),
        Check("platform_utility is the optimum of (19)", claimed_value, v_opt,
              cert.value >= v_opt - tol * scale and cert.grid_value <= cert.value + tol * scale),
        Check("alpha (smallest optimal share)", alpha, a_opt, close(alpha, a_opt, scale=1.0)),
        Check("equilibrium", eq[:4].tolist(), [[p, 1.0 - p]] * min(n, 4),
              bool(np.array_equal(eq, np.tile([p, 1.0 - p], (n, 1))))),
        Check("user_utilities", claim.array("user_utilities", (n,)).tolist()[:8], users.tolist()[:8],
              close(claim.array("user_utilities", (n,)), users, scale=scale)),
        Check("payments", claim.array("payments", (n,)).tolist()[:8], payments.tolist()[:8],
              close(claim.array("payments", (n,)), payments, scale=scale)),
        Check("total_utility", claim.number("total_utility"), total, close(claim.number("total_utility"), total, scale=scale)),
        Check("gamma_min", claim.number("gamma_min"), gmin, close(claim.number("gamma_min"), gmin, scale=scale)),
        Check("gamma_max", claim.number("gamma_max"), gmax, close(claim.number("gamma_max"), gmax, scale=scale)),
        Check("c_th", claim.number("c_th"), cth, close(claim.number("c_th"), cth, scale=scale)),
        Check("regime", claim.string("regime"), regime, claim.string("regime") == regime),
        Check("certificate.verified", cert_claim.boolean("verified"), cert.verified,
              cert_claim.boolean("verified") == cert.verified),
        Check("status", status.value, "optimal" if cert.verified else "unverified",
              status is (Status.OPTIMAL if cert.verified else Status.UNVERIFIED)),
    ]
    established = status is Status.OPTIMAL and all(ch.ok for ch in checks)
    return Verification("stackelberg", status.value, established, BASIS, tol, tuple(checks),
                        ("stats", "certificate.regrets", "certificate.grid_value", "certificate.grid_alpha",
                         "certificate.value", "certificate.scale", "certificate.grid_points"))
