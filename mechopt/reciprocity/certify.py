"""The ``mechanism`` kind (003 Sections 3-4): the answer type :class:`MechanismResult` and its one
certifier :func:`certify_mechanism`.

An answer holds a mechanism's equilibrium and M^0's (two Nash answers, the best profiles found
whatever their status), and the payments, Shapley values, payoffs, budget balance, reciprocity (4),
data share, data gain (5) and accuracy gain (6) at those two profiles.  The certifier:

1. judges both Nash answers with :func:`~mechopt.certificates.nash.certify_nash` (the mechanism's
   game, M^0's game), their checks under ``equilibrium.`` and ``baseline.``; the status the
   evidence supports is ``equilibrium`` when both are, else the first other status (the
   mechanism's before M^0's);
2. recomputes every measure at the two profiles (:func:`~mechopt.reciprocity.measures.mechanism_metrics`,
   Shapley values from the mechanism's exact engine, whose efficiency verdict must hold) and binds
   each answer field to it;
3. checks the mechanism's promises at the profile: budget balance (Definition 3.2, |sum_i p_i| <=
   tol times the payments' terms) and, for M^Shap, a_i + p_i = phi_i (Theorem 4.7, to rounding).

003's premise A(s[empty]) = 0 is checked when the mechanism is built
(:func:`~mechopt.mechanisms.quasilinear.check_empty_coalition`): a model that violates it is
refused before any answer exists.  The certifier imports no solver.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mechopt.certificates.nash import NashCertificate, NashResult, certify_nash
from mechopt.core.result import Answer, verdict_field
from mechopt.core.stats import SolveStats
from mechopt.core.status import Status
from mechopt.core.tolerances import NASH_GAIN_TOL
from mechopt.core.verdict import Basis, Check, Verdict, bind, equal, judge, prefixed, shown
from mechopt.mechanisms.quasilinear import QuasiLinearMechanism
from mechopt.reciprocity.measures import mechanism_metrics

THEOREM_47_ROUNDING = 64.0 * np.finfo(float).eps
"""a_i + p_i = phi_i holds to this fraction of |a_i| + |phi_i| (p_i = phi_i - a_i in floating point)."""


@dataclass(frozen=True)
class MechanismResult(Answer):
    """A mechanism's equilibrium with its payments and 003's measures (module doc).  The profiles
    are the best found whatever the status; ``status`` and ``message`` are
    :func:`certify_mechanism`'s verdict."""

    kind: str
    status: Status
    message: str
    mechanism: str
    beta: float | None
    """M^BG's parameter (None for the other mechanisms)."""
    equilibrium: NashResult
    """The mechanism's equilibrium (a Nash answer on its game)."""
    baseline: NashResult
    """M^0's equilibrium: the denominator of (5) and (6)."""
    payments: np.ndarray
    shapley: np.ndarray
    payoffs: np.ndarray
    budget_balance: float
    """sum_i p_i at the equilibrium."""
    reciprocity: float
    """min_i (a_i + p_i) / phi_i at the equilibrium (agents with phi_i = 0 left out when a_i + p_i = 0,
    +inf when it is positive)."""
    data_share: float
    """||s||_1."""
    data_gain: float
    """||s||_1 / ||s0||_1."""
    accuracy_gain: float
    """sum_i a_i(s) / sum_i a_i(s0)."""
    stats: SolveStats
    verdict: Verdict | None = verdict_field()

    @property
    def profile(self) -> np.ndarray:
        """The mechanism's equilibrium profile."""
        return self.equilibrium.profile

    @property
    def x(self) -> np.ndarray:
        return self.profile

    @property
    def certificate(self) -> NashCertificate:
        """The evidence of the mechanism's equilibrium."""
        return self.equilibrium.certificate


MECHANISM_UNCHECKED = ("message", "stats", "equilibrium.message", "equilibrium.cycle", "equilibrium.stats",
                       "baseline.message", "baseline.cycle", "baseline.stats")
"""Fields no evidence binds: free text, the solvers' diagnostics and statistics."""
_WEAKEST_FIRST = (Basis.SAMPLING, Basis.REDERIVATION, Basis.DECLARED_ASSUMPTION, Basis.PROOF)


def _supported(equilibrium: Status, baseline: Status) -> Status:
    """``equilibrium`` when both are, else the mechanism's status, else M^0's."""
    if equilibrium is Status.EQUILIBRIUM:
        return baseline
    return equilibrium


def certify_mechanism(mechanism: QuasiLinearMechanism, answer: MechanismResult, *, tol: float = NASH_GAIN_TOL,
                      evidence: tuple[NashCertificate, NashCertificate] | None = None) -> Verdict:
    """The verdict on a mechanism answer (module doc); ``evidence``: the Nash certificates a solver
    computed at the two profiles with ``tol`` in the same process, used instead of recomputing
    them."""
    eq_evidence, base_evidence = evidence if evidence is not None else (None, None)
    v_eq = certify_nash(mechanism.game(), answer.equilibrium, tol=tol, evidence=eq_evidence)
    v_base = certify_nash(mechanism.baseline().game(), answer.baseline, tol=tol, evidence=base_evidence)
    m = mechanism_metrics(mechanism, answer.equilibrium.profile, answer.baseline.profile)
    phi_ok = m.shapley_verdict is not None and m.shapley_verdict.established
    checks = [equal("kind", answer.kind, "mechanism"), equal("mechanism", answer.mechanism, mechanism.name),
              bind("beta", answer.beta, mechanism.parameters.get("beta")),
              *prefixed("equilibrium", v_eq), *prefixed("baseline", v_base),
              bind("payments", answer.payments, m.payments, scale=m.payment_scale),
              bind("shapley", answer.shapley, m.shapley),
              Check("shapley", shown(m.shapley), "efficiency (Lemma 2.3) verified by the exact engine", phi_ok),
              bind("payoffs", answer.payoffs, m.payoffs),
              bind("budget_balance", answer.budget_balance, m.budget_balance, scale=m.payment_scale),
              bind("reciprocity", answer.reciprocity, m.reciprocity),
              bind("data_share", answer.data_share, m.data_share),
              bind("data_gain", answer.data_gain, m.data_gain),
              bind("accuracy_gain", answer.accuracy_gain, m.accuracy_gain)]
    if mechanism.budget_balanced:  # Definition 3.2 (Lemma 4.2 for M^Shap)
        allowance = tol * m.payment_scale
        checks.append(Check("budget_balance", m.budget_balance, f"|sum p| <= {allowance:.3g} (Definition 3.2)",
                            bool(abs(m.budget_balance) <= allowance)))
    if mechanism.reciprocal:  # Theorem 4.7: every agent gets exactly its Shapley value
        gap = np.abs(m.payoffs + m.payments - m.shapley)
        ok = bool(np.all(gap <= THEOREM_47_ROUNDING * (np.abs(m.payoffs) + np.abs(m.shapley))))
        checks.append(Check("reciprocity", shown(gap), "a_i + p_i = phi_i for every agent (Theorem 4.7)", ok))
    basis = min(v_eq.basis, v_base.basis, key=_WEAKEST_FIRST.index)
    shapley_text = m.shapley_verdict.rests_on if m.shapley_verdict is not None else "no Shapley verdict"
    equilibria = (f"both equilibria: {v_eq.rests_on}" if v_eq.rests_on == v_base.rests_on else
                  f"the mechanism's equilibrium: {v_eq.rests_on}; M^0's equilibrium: {v_base.rests_on}")
    rests_on = (f"{equilibria}; payments, payoffs and the measures (4)-(6) recomputed at both profiles, Shapley values "
                f"from {shapley_text}; budget balance (Definition 3.2) checked to tol of the payments' terms; 003's "
                "premise A(s[empty]) = 0 checked when the mechanism was built")
    return judge("mechanism", answer.status, _supported(v_eq.status, v_base.status), checks, basis, rests_on, tol,
                 MECHANISM_UNCHECKED)
