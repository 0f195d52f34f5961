"""Verifier of ``kind = "mechanism"`` answers: both equilibria re-certified from the model with the
verifier's own tolerance (:func:`~mechopt.certificates.answers.verify_nash_answer` on the
mechanism's game and on M^0's), then payments, Shapley values, payoffs, budget balance,
reciprocity, data share, data gain and accuracy gain recomputed at the claimed (now certified)
profiles and bound to the claimed fields."""

from __future__ import annotations

import numpy as np

from mechopt.certificates.answers import verify_nash_answer
from mechopt.certificates.verification import Check, ClaimReader, Verification, close
from mechopt.core.status import Status
from mechopt.data.functions import Quadratic
from mechopt.data.payoffs import LinearIndexPayoff
from mechopt.reciprocity.answer import mechanism_metrics
from mechopt.reciprocity.metrics import mbeta_parameter, mechanism_game

METRIC_FIELDS = ("payments", "shapley", "payoffs", "budget_balance", "reciprocity", "data_share", "data_gain",
                 "accuracy_gain")


def _prefixed(prefix: str, v: Verification) -> list[Check]:
    return [Check(f"{prefix}.{c.field}", c.claimed, c.recomputed, c.ok) for c in v.checks]


def verify_mechanism_answer(mechanism: str, payoff: LinearIndexPayoff, cost: Quadratic, tau: np.ndarray,
                            beta: float | None, claim: ClaimReader, *, tol: float) -> Verification:
    """``beta``: the model's M^BG parameter (None = beta* of 001 (6))."""
    status = claim.enum("status", Status)
    n = payoff.n
    checks = [Check("mechanism", claim.string("mechanism"), mechanism, claim.string("mechanism") == mechanism)]
    b = mbeta_parameter(cost, n, beta) if mechanism == "budget_balanced" else None
    claimed_beta = claim.number("beta", optional=True)
    checks.append(Check("beta", claimed_beta, b, close(claimed_beta, b)))
    eq_claim, base_claim = claim.sub("equilibrium"), claim.sub("baseline")
    v_eq = verify_nash_answer(mechanism_game(mechanism, payoff, cost, tau, beta=b), eq_claim, tol=tol)
    v_base = verify_nash_answer(mechanism_game("none", payoff, cost, tau), base_claim, tol=tol)
    checks += _prefixed("equilibrium", v_eq) + _prefixed("baseline", v_base)
    both = (v_eq.established and v_base.established and eq_claim.string("status") == "equilibrium"
            and base_claim.string("status") == "equilibrium")
    if status is Status.EQUILIBRIUM:
        checks.append(Check("status", status.value, "both equilibria certified" if both else "not certified", both))
        if both:
            s = eq_claim.array("profile", (n,))
            s0 = base_claim.array("profile", (n,))
            m = mechanism_metrics(mechanism, payoff, cost, s, s0, beta=b)
            shapes = {"payments": (n,), "shapley": (n,), "payoffs": (n,)}
            for name in METRIC_FIELDS:
                claimed = claim.array(name, shapes[name]) if name in shapes else claim.number(name)
                recomputed = getattr(m, name)
                scale = float(np.sum(np.abs(m.payments)) + np.sum(np.abs(m.shapley))) if name == "budget_balance" else None
                checks.append(Check(name, np.asarray(claimed).tolist(), np.asarray(recomputed).tolist(),
                                    close(claimed, recomputed, scale=scale)))
            if mechanism != "none":  # Definition 3.2 / Lemma 4.2 at the verifier's tolerance
                bound = tol * float(np.sum(np.abs(m.shapley)) + np.sum(np.abs(m.payments)))
                checks.append(Check("budget balanced", m.budget_balance, f"|sum p| <= {bound:.3g}",
                                    abs(m.budget_balance) <= bound))
            if mechanism == "shapley":  # Theorem 4.7
                checks.append(Check("reciprocity = 1", m.reciprocity, 1.0, abs(m.reciprocity - 1.0) <= tol))
    else:
        for name in METRIC_FIELDS:
            value = claim.raw(name)
            checks.append(Check(name, value, None, value is None))
    established = status is Status.EQUILIBRIUM and all(c.ok for c in checks)
    basis = v_eq.basis if v_eq.basis == v_base.basis else f"{v_eq.basis}; baseline: {v_base.basis}"
    return Verification("mechanism", status.value, established, basis, tol, tuple(checks),
                        ("equilibrium.stats", "baseline.stats", "stats"))


__all__ = ["verify_mechanism_answer"]
