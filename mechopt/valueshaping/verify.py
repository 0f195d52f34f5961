"""Verifier of claimed ``value_shaping`` answers (000), from the model alone.

Recomputed with the verifier's own tolerance and bound to every answer field: the solo optima and
regimes (Theorem I), the standard-FL profile (its gap certificate recomputed at the claimed
profile, and equality with Theorem III's closed form), the equilibrium of (11) (its certificate
recomputed at the claimed point: gains, m = m^max, feasibility, IR, Theorem V, largest fixed
point), the total, every fixed point listed, the viability threshold and the number of agents
needed.
"""

from __future__ import annotations

import numpy as np

from mechopt.certificates.verification import Check, ClaimReader, MalformedClaim, Verification, close
from mechopt.core.status import Status
from mechopt.valueshaping.equilibrium import (VALUE_TOL, fixed_point_totals, free_riding_certificate,
                                              free_riding_profile, min_viable_agents, profile_from_total,
                                              value_shaping_certificate, viability_threshold)
from mechopt.valueshaping.solo import REGIMES, solo_contributions
from mechopt.valueshaping.value import ValueOfData

BASIS = ("proof, under b concave and increasing where v > 0 ({}): each agent's utility is piecewise "
         "(solo piece peaking at m* by Theorem I, a linear piece, a concave piece), so the piece maxima are exact "
         "best-response gains; a grid search on a subset of agents cross-checks them; the total is the largest root "
         "of a concave scalar equation (g'(M) <= 0)")


def _head(a: np.ndarray | None) -> list[float] | None:
    """The first values of an array, for the printed check."""
    return None if a is None else np.asarray(a, float)[:8].tolist()


def _point(claim: ClaimReader, name: str, n: int) -> np.ndarray:
    arr = claim.array(name, (n,))
    if not np.all(np.isfinite(arr)) or np.any(arr < 0):
        raise MalformedClaim(f"{claim.where}.{name}: contributions must be finite numbers >= 0")
    return arr


def verify_value_shaping_answer(value: ValueOfData, costs: np.ndarray, eps: float, claim: ClaimReader, *,
                                tol: float = VALUE_TOL) -> Verification:
    c = np.asarray(costs, float)
    n, R = c.size, value.sup
    status = claim.enum("status", Status)
    m_star, u_star, regime = solo_contributions(value, c)
    regimes = claim.raw("regimes")
    checks = [Check("epsilon", claim.number("epsilon"), eps, claim.number("epsilon") == eps),
              Check("solo", claim.array("solo", (n,)).tolist()[:8], m_star.tolist()[:8],
                    close(claim.array("solo", (n,)), m_star, scale=float(np.max(m_star, initial=0.0)) + R / c.max())),
              Check("solo_utilities", _head(claim.array("solo_utilities", (n,))), _head(u_star),
                    close(claim.array("solo_utilities", (n,)), u_star, scale=R)),
              Check("regimes", regimes[:8] if isinstance(regimes, list) else regimes, [REGIMES[r] for r in regime[:8]],
                    regimes == [REGIMES[r] for r in regime])]
    # standard FL: the claimed profile's own certificate, and Theorem III's closed form
    fr = _point(claim, "free_riding", n)
    fr_cert = free_riding_certificate(value, c, fr, tol=tol)
    fr_claim = claim.sub("free_riding_certificate")
    checks += [Check("free_riding (Theorem III)", fr.tolist()[:8], free_riding_profile(value, c).tolist()[:8],
                     fr_cert.verified and close(fr, free_riding_profile(value, c), scale=R / c.min())),
               Check("free_riding_certificate.point", _head(_point(fr_claim, "point", n)), _head(fr),
                     bool(np.array_equal(_point(fr_claim, "point", n), fr))),
               Check("free_riding_certificate.verified", fr_claim.boolean("verified"), fr_cert.verified,
                     fr_claim.boolean("verified") == fr_cert.verified),
               Check("free_riding_total", claim.number("free_riding_total"), float(fr.sum()),
                     close(claim.number("free_riding_total"), float(fr.sum()), scale=R / c.min()))]
    # the data-maximizing equilibrium of (11)
    eq = claim.sub("equilibrium")
    eq_status = eq.enum("status", Status)
    cert_claim = eq.sub("certificate")
    point = _point(cert_claim, "point", n)
    cert = value_shaping_certificate(value, c, point, eps=eps, tol=tol)
    profile = eq.array("profile", (n,), optional=True)
    checks += [Check("equilibrium.certificate.verified", cert_claim.boolean("verified"), cert.verified,
                     cert_claim.boolean("verified") == cert.verified),
               Check("equilibrium.certificate.max_gain", cert_claim.number("max_gain"), cert.max_gain,
                     cert_claim.number("max_gain") >= cert.max_gain - tol * R)]
    total = claim.number("total_data", optional=True)
    if eq_status is Status.EQUILIBRIUM:
        vals = np.full(n, float(value.v(point.sum())))
        utilities, claimed_vals = eq.array("utilities", (n,), optional=True), eq.array("values", (n,), optional=True)
        checks += [Check("equilibrium.status", eq_status.value, "verified" if cert.verified else "not verified",
                         cert.verified),
                   Check("equilibrium.profile", _head(profile), _head(point),
                         profile is not None and bool(np.array_equal(profile, point))),
                   Check("equilibrium.utilities", _head(utilities), _head(vals - c * point),
                         close(utilities, vals - c * point, scale=R)),
                   Check("equilibrium.values", _head(claimed_vals), _head(vals), close(claimed_vals, vals, scale=R)),
                   Check("total_data", total, float(point.sum()), close(total, float(point.sum())))]
    else:
        checks += [Check("equilibrium.profile", _head(profile), None, profile is None),
                   Check("total_data", total, None, total is None)]
    checks.append(Check("status", status.value, eq_status.value, status is eq_status))
    # every fixed point listed, re-derived
    totals, _, _ = fixed_point_totals(value, c, eps, m_star)
    listed = claim.items("equilibria")
    ok = len(listed) == len(totals)
    if ok:
        for item, M in zip(listed, totals):
            prof = profile_from_total(value, c, eps, m_star, M) if M > 0 else np.zeros_like(c)
            redo = value_shaping_certificate(value, c, prof, eps=eps, tol=tol)
            ok &= close(item.number("total"), M, scale=max(M, R / c.max())) and item.boolean("verified") == redo.nash_verified
    checks.append(Check("equilibria", [i.number("total") for i in listed], totals, bool(ok)))
    kappa = viability_threshold(value)
    k = min_viable_agents(value, c, eps)
    checks += [Check("viability_threshold", claim.number("viability_threshold"), kappa,
                     close(claim.number("viability_threshold"), kappa)),
               Check("min_viable_agents", claim.integer("min_viable_agents", optional=True), k,
                     claim.integer("min_viable_agents", optional=True) == k)]
    established = status is Status.EQUILIBRIUM and all(ch.ok for ch in checks)
    return Verification("value_shaping", status.value, established, BASIS.format(value.proof), tol, tuple(checks),
                        ("stats", "equilibrium.certificate.gains", "equilibrium.certificate.found_gains",
                         "free_riding_certificate.gains"))


def verify_contract_answer(value: ValueOfData, c_lo: float, c_hi: float, p: float, others: float | None,
                           n: int | None, claim: ClaimReader, *, tol: float | None = None) -> Verification:
    """A claimed optimum of (22) is established iff the concavity gap bound recomputed at the claimed
    m_down verifies, both types' best-response gains under (15) are within tol, (15) is feasible and IR,
    and m_up (17), the expected data, the utilities and the information rent agree; assumption_violated iff
    (15) is infeasible for every m_down (re-derived)."""
    from mechopt.valueshaping.contracts import CONTRACT_TOL, contract_certificate, derive

    tol = CONTRACT_TOL if tol is None else tol
    status = claim.enum("status", Status)
    d = derive(value, c_lo, c_hi, p, others, n)
    s, lower = d.setting, d.lower
    scale = max(d.m_max_low, 1e-300)
    checks = [Check(name, claim.number(name, optional=True), ref, close(claim.number(name, optional=True), ref,
                                                                        rtol=1e-9, scale=scale))
              for name, ref in (("others", s.delta), ("m_max_low", d.m_max_low), ("m_max_high", d.m_max_high),
                                ("solo_low", d.solo_low), ("solo_high", d.solo_high), ("feasible_lower", lower),
                                ("closed_form_derived", d.derived), ("closed_form_paper", d.paper))]
    checks += [Check("p_low", claim.number("p_low"), p, claim.number("p_low") == p),
               Check("cost_low", claim.number("cost_low"), c_lo, claim.number("cost_low") == c_lo),
               Check("cost_high", claim.number("cost_high"), c_hi, claim.number("cost_high") == c_hi)]
    fields = ("m_up", "expected_data", "high_utility", "low_utility", "information_rent")
    if status is Status.OPTIMAL:
        m_down = claim.number("m_down")
        cert = contract_certificate(s, float(m_down), tol=tol)
        cert_claim = claim.sub("certificate")
        R = value.sup
        high_u, low_u, rent = s.utilities(m_down)
        refs = {"m_up": (s.m_up(m_down), scale), "expected_data": (s.expected(m_down), scale),
                "high_utility": (high_u, R), "low_utility": (low_u, R), "information_rent": (rent, R)}
        checks += [Check("status", status.value, f"gap bound {cert.gap_bound:.3g}, gains {cert.gains}", cert.verified),
                   Check("certificate.verified", cert_claim.boolean("verified"), cert.verified,
                         cert_claim.boolean("verified") == cert.verified),
                   Check("certificate.m_down", cert_claim.number("m_down"), m_down, cert_claim.number("m_down") == m_down)]
        for name in fields:
            ref, sc = refs[name]
            got = claim.number(name, optional=True)
            checks.append(Check(name, got, ref, close(got, ref, rtol=1e-9, scale=sc)))
    elif status is Status.ASSUMPTION_VIOLATED:
        checks.append(Check("status", status.value, "(15) infeasible for every m_down" if lower is None else
                            f"feasible from m_down = {lower:.6g}", lower is None))
        for name in ("m_down", *fields):
            checks.append(Check(name, claim.raw(name), None, claim.raw(name) is None))
    established = status in (Status.OPTIMAL, Status.ASSUMPTION_VIOLATED) and all(ch.ok for ch in checks)
    basis = ("proof: E(m_down) = (1 - p) m_up + p m_down is concave (b concave), so E'(m_down) bounds the gap to "
             "the optimum over [L, m_lo^max]; each type's gain under (15) from exact piece maxima and a grid")
    return Verification("value_shaping_contract", status.value, established, basis, tol, tuple(checks),
                        ("stats", "m_down_cvxpy", "certificate.derivative"))
