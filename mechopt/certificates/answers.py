"""Verifiers of whole answers: Nash equilibria, optima of (19), and the M_beta / Theorem 4.1 study.

Each takes the model's objects, the claimed answer as plain data and the verifier's own
tolerances, recomputes the evidence at the claimed point, and binds every answer field to it
(see :mod:`.verification`).
"""

from __future__ import annotations

import numpy as np

from mechopt.certificates.infeasibility import budget_infeasibility
from mechopt.certificates.kkt import kkt_certificate
from mechopt.certificates.nash import nash_basis, nash_certificate, nash_status
from mechopt.certificates.verification import Check, ClaimReader, MalformedClaim, Verification, close
from mechopt.core.status import Status
from mechopt.core.tolerances import KKT_TOL, NASH_GAIN_TOL
from mechopt.games.base import ContinuousGame
from mechopt.mechanisms.mbeta import BudgetGame, optimal_beta_for
from mechopt.programs.welfare import WelfareProgram

UNCHECKED_STATS = ("stats",)


def _in_box(game: ContinuousGame, s: np.ndarray, where: str) -> None:
    if not np.all(np.isfinite(s)) or np.any(s < game.lower) or np.any(s > game.upper):
        raise MalformedClaim(f"{where}: must be finite and lie in the players' action boxes")


def verify_nash_answer(game: ContinuousGame, claim: ClaimReader, *, tol: float = NASH_GAIN_TOL) -> Verification:
    """A claimed equilibrium is established iff the Nash certificate recomputed at the claimed
    profile verifies at ``tol`` (relative to the game's utility scale) and profile, utilities,
    status and certificate fields agree with it; ``assumption_violated`` iff the recomputed
    own-action curvature contradicts the game's concavity declaration."""
    status = claim.enum("status", Status)
    cert_claim = claim.sub("certificate")
    point = cert_claim.array("point", (game.n,))
    _in_box(game, point, f"{cert_claim.where}.point")
    profile = claim.array("profile", (game.n,), optional=True)
    utilities = claim.array("utilities", (game.n,), optional=True)
    cert = nash_certificate(game, point, tol=tol)
    checks = [Check("certificate.verified", cert_claim.boolean("verified"), cert.verified,
                    cert_claim.boolean("verified") == cert.verified)]
    claimed_gains = cert_claim.array("gains", (game.n,))
    # a claimed gain bound below a gain actually found (beyond the tolerance) is false
    slack = cert.slack
    checks.append(Check("certificate.gains", claimed_gains.tolist(), cert.gains.tolist(),
                        bool(np.all(claimed_gains >= cert.found_gains - slack))))
    claimed_max = cert_claim.number("max_gain")
    checks.append(Check("certificate.max_gain", claimed_max, cert.max_gain,
                        bool(claimed_max >= float(np.max(cert.found_gains - slack, initial=0.0))
                             and claimed_max >= float(np.max(claimed_gains, initial=0.0)))))
    if status is Status.EQUILIBRIUM:
        checks.append(Check("status", status.value, "equilibrium" if cert.verified else "not an equilibrium",
                            nash_status(game, cert) is Status.EQUILIBRIUM))
        supports = float(np.max(claimed_gains - slack, initial=0.0)) <= 0.0 and claimed_max <= float(np.max(slack))
        checks.append(Check("certificate.max_gain supports the claim", claimed_max, f"<= {float(np.max(slack)):.3g}",
                            supports))
        checks.append(Check("profile", None if profile is None else profile.tolist(), point.tolist(),
                            profile is not None and bool(np.array_equal(profile, point))))
        checks.append(Check("utilities", None if utilities is None else utilities.tolist(),
                            game.utilities(point).tolist(), close(utilities, game.utilities(point))))
    elif status is Status.ASSUMPTION_VIOLATED:
        checks.append(Check("status", status.value, f"max own curvature {cert.max_own_curvature:.3g}",
                            nash_status(game, cert) is Status.ASSUMPTION_VIOLATED))
        checks.append(Check("profile", None if profile is None else profile.tolist(), None, profile is None))
    else:
        checks.append(Check("profile", None if profile is None else profile.tolist(), None, profile is None))
        checks.append(Check("utilities", None if utilities is None else utilities.tolist(), None, utilities is None))
    established = status in (Status.EQUILIBRIUM, Status.ASSUMPTION_VIOLATED) and all(c.ok for c in checks)
    return Verification("nash", status.value, established, nash_basis(game, cert), tol, tuple(checks),
                        ("certificate.best_responses", "certificate.cycle", *UNCHECKED_STATS))


def verify_welfare_answer(program: WelfareProgram, claim: ClaimReader, *, tol: float = KKT_TOL) -> Verification:
    """An optimum of (19) is established iff the KKT certificate recomputed at the claimed (b, s)
    verifies and p, beta, welfare and utilities agree; ``infeasible`` iff the budget evidence
    recomputed from the model verifies."""
    n = program.n
    status = claim.enum("status", Status)
    checks = [Check("p", claim.number("p"), program.p, claim.number("p") == program.p),
              Check("beta", claim.number("beta"), program.beta, claim.number("beta") == program.beta)]
    b, s = claim.array("b", (n,), optional=True), claim.array("s", (n,), optional=True)
    welfare, utilities = claim.number("welfare", optional=True), claim.array("utilities", (n,), optional=True)
    cert_claim = claim.sub("certificate", optional=True)
    basis = "proof: Lagrangian bound of a concave program with fitted multipliers"
    if status is Status.OPTIMAL:
        if b is None or s is None or cert_claim is None:
            raise MalformedClaim(f"{claim.where}: an optimal result needs fields 'b', 's' and 'certificate'")
        x = np.concatenate([b, s])
        if not np.all(np.isfinite(x)):
            raise MalformedClaim(f"{claim.where}.b, {claim.where}.s: must be finite")
        point = cert_claim.array("point", (2 * n,))
        cert = kkt_certificate(program, x, tol=tol)
        checks += [Check("certificate.point", point.tolist(), x.tolist(), bool(np.array_equal(point, x))),
                   Check("status", status.value, f"gap bound {cert.gap_bound:.3g}, infeasibility "
                         f"{cert.primal_infeasibility:.3g}", cert.verified),
                   Check("certificate.verified", cert_claim.boolean("verified"), cert.verified,
                         cert_claim.boolean("verified") == cert.verified),
                   Check("welfare", welfare, program.welfare(b, s), close(welfare, program.welfare(b, s))),
                   Check("utilities", None if utilities is None else utilities.tolist(),
                         program.utilities(b, s).tolist(), close(utilities, program.utilities(b, s)))]
    elif status is Status.INFEASIBLE:
        if cert_claim is None:
            raise MalformedClaim(f"{claim.where}.certificate: an infeasible result needs its evidence")
        evidence = budget_infeasibility(program, tol=tol)
        basis = "proof: a budget below the agent's minimum spending"
        checks += [Check("status", status.value, f"agent {evidence.agent}: minimum spending "
                         f"{evidence.minimum_spending:.6g} vs budget {evidence.budget:.6g}", evidence.verified),
                   Check("b, s, welfare", [b, s, welfare], [None, None, None], b is None and s is None and welfare is None)]
    established = status in (Status.OPTIMAL, Status.INFEASIBLE) and all(c.ok for c in checks)
    return Verification("welfare", status.value, established, basis, tol, tuple(checks),
                        ("solver_duals", *UNCHECKED_STATS))


def verify_mbeta_answer(game: BudgetGame, ps: tuple[float, ...], beta_optimal: bool, claim: ClaimReader, *,
                        nash_tol: float = NASH_GAIN_TOL, kkt_tol: float = KKT_TOL) -> Verification:
    """The M_beta study: beta (and beta* of (6)), the equilibrium, unspent budgets, payments,
    budget balance, and one welfare comparison per p of the model, each bound to its evidence."""
    mech, budgets, n = game.mechanism, game.budgets, game.n
    status = claim.enum("status", Status)
    checks = []
    beta = claim.number("beta")
    checks.append(Check("beta", beta, mech.beta, beta == mech.beta))
    star = claim.sub("beta_star", optional=True)
    if beta_optimal:
        expected = optimal_beta_for(mech.cost, n)
        checks.append(Check("beta_star.beta", None if star is None else star.number("beta"), expected.beta,
                            star is not None and star.number("beta") == expected.beta))
    ne = verify_nash_answer(game, claim.sub("equilibrium"), tol=nash_tol)
    checks += [Check(f"equilibrium.{c.field}", c.claimed, c.recomputed, c.ok) for c in ne.checks]
    profile = claim.sub("equilibrium").array("profile", (n,), optional=True)
    derived = {"unspent": claim.array("unspent", (n,), optional=True),
               "payments": claim.array("payments", (n,), optional=True)}
    if profile is None:
        checks += [Check(name, None if v is None else v.tolist(), None, v is None) for name, v in derived.items()]
        checks.append(Check("comparisons", len(claim.items("comparisons")), 0, not claim.items("comparisons")))
        return Verification("mbeta", status.value, False, ne.basis, nash_tol, tuple(checks), UNCHECKED_STATS)
    unspent, payments = budgets - mech.spending(profile), mech.payments(profile)
    scale = np.maximum(np.abs(budgets), np.abs(mech.spending(profile)))
    respected = bool(np.all(unspent >= -nash_tol * scale))
    checks += [Check("unspent", _list(derived["unspent"]), unspent.tolist(), close(derived["unspent"], unspent)),
               Check("payments", _list(derived["payments"]), payments.tolist(), close(derived["payments"], payments)),
               Check("budgets_respected", claim.boolean("budgets_respected", optional=True), respected,
                     claim.boolean("budgets_respected", optional=True) == respected),
               Check("ne_positive", claim.boolean("ne_positive", optional=True), bool(np.all(profile > 0)),
                     claim.boolean("ne_positive", optional=True) == bool(np.all(profile > 0))),
               Check("status", status.value, "equilibrium" if respected else "assumption_violated",
                     status is (Status.EQUILIBRIUM if respected else Status.ASSUMPTION_VIOLATED))]
    comparisons = claim.items("comparisons")
    checks.append(Check("comparisons.p", [c.number("p") for c in comparisons], list(ps),
                        [c.number("p") for c in comparisons] == list(ps)))
    x_ne = np.concatenate([np.maximum(unspent, 0.0), profile])
    for k, (p, c) in enumerate(zip(ps, comparisons)):
        program = WelfareProgram(game.utility, mech.cost, budgets, mech.beta, p)
        opt = verify_welfare_answer(program, c.sub("optimum"), tol=kkt_tol)
        checks += [Check(f"comparisons[{k}].optimum.{f.field}", f.claimed, f.recomputed, f.ok) for f in opt.checks]
        ne_w = program.objective(x_ne)
        ne_kkt = kkt_certificate(program, x_ne, tol=kkt_tol)
        opt_w = c.sub("optimum").number("welfare", optional=True)
        gap = (opt_w - ne_w) if opt_w is not None else float("nan")
        gap_scale = max(abs(ne_w), abs(opt_w or 0.0), np.finfo(float).tiny)
        maximizes = True if ne_kkt.verified else (False if opt.established and gap > kkt_tol * gap_scale else None)
        claimed_max = c.boolean("ne_maximizes", optional=True)
        checks += [Check(f"comparisons[{k}].ne_welfare", c.number("ne_welfare"), ne_w, close(c.number("ne_welfare"), ne_w)),
                   Check(f"comparisons[{k}].welfare_gap", c.number("welfare_gap"), gap,
                         close(c.number("welfare_gap"), gap, scale=gap_scale)
                         if np.isfinite(gap) else np.isnan(c.number("welfare_gap"))),
                   Check(f"comparisons[{k}].ne_kkt.verified", c.sub("ne_kkt").boolean("verified"), ne_kkt.verified,
                         c.sub("ne_kkt").boolean("verified") == ne_kkt.verified),
                   Check(f"comparisons[{k}].ne_maximizes", claimed_max, maximizes, claimed_max == maximizes)]
    established = status in (Status.EQUILIBRIUM, Status.ASSUMPTION_VIOLATED) and all(c.ok for c in checks)
    return Verification("mbeta", status.value, established, ne.basis + "; welfare comparisons: KKT Lagrangian bounds",
                        nash_tol, tuple(checks), ("comparisons[*].optimum.solver_duals", *UNCHECKED_STATS))


def _list(x: np.ndarray | None) -> list[float] | None:
    return None if x is None else x.tolist()
