"""003's measures of a mechanism at a profile, computed without a solver: payments, Shapley values,
payoffs, budget balance (Definition 3.2), reciprocity (4) at one profile, data share, and data gain
(5) and accuracy gain (6) of one profile against one of M^0.

The min/max over equilibria of (4)-(6) are taken by the caller over the equilibria it has
(:func:`mechopt.reciprocity.metrics.evaluate`); here every measure is at given profiles, which is
what the ``mechanism`` kind's answer reports and its certifier recomputes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mechopt.core.verdict import Verdict
from mechopt.mechanisms.quasilinear import QuasiLinearMechanism


def reciprocity_ratio(a: np.ndarray, p: np.ndarray, phi: np.ndarray) -> float:
    """min_i (a_i + p_i) / phi_i of (4).  A null player (phi_i = 0, e.g. s_i = 0) has no ratio: +inf
    when it receives a_i + p_i > 0, left out when a_i + p_i = 0 (and -inf when it pays); NaN when
    every agent is left out."""
    gets = a + p
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(phi == 0.0, np.where(gets > 0, np.inf, np.where(gets < 0, -np.inf, np.nan)), gets / phi)
    return float(np.nanmin(ratio)) if np.any(~np.isnan(ratio)) else float("nan")


def ratio(numerator: float, denominator: float) -> float:
    """numerator / denominator as IEEE division (inf or NaN for a zero denominator, no error)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(np.float64(numerator) / np.float64(denominator))


@dataclass(frozen=True)
class MechanismMetrics:
    """A mechanism's measures at a profile s, against M^0's profile s0."""

    payments: np.ndarray
    shapley: np.ndarray
    shapley_verdict: Verdict | None
    """The Shapley engine's verdict on ``shapley`` (efficiency, Lemma 2.3)."""
    payoffs: np.ndarray
    payment_scale: float
    """The magnitude of the terms the payments are computed from (their sum's rounding scale)."""
    budget_balance: float
    """sum_i p_i(s) (0 for a budget-balanced mechanism, up to rounding)."""
    reciprocity: float
    """min_i (a_i(s) + p_i(s)) / phi_i(s) (:func:`reciprocity_ratio`)."""
    data_share: float
    """||s||_1."""
    data_gain: float
    """||s||_1 / ||s0||_1."""
    accuracy_gain: float
    """sum_i a_i(s) / sum_i a_i(s0)."""


def mechanism_metrics(mechanism: QuasiLinearMechanism, s: np.ndarray, s0: np.ndarray) -> MechanismMetrics:
    """The measures of ``mechanism`` at s against M^0's profile s0 (Shapley values from the
    mechanism's exact engine)."""
    s, s0 = np.asarray(s, dtype=float), np.asarray(s0, dtype=float)
    phi = mechanism.shapley(s)
    p = mechanism.payments(s)
    with np.errstate(all="ignore"):
        a = np.asarray(mechanism.payoff.values(s), dtype=float)
        accuracy0 = float(np.sum(mechanism.payoff.values(s0)))
    return MechanismMetrics(p, phi.values, phi.verdict, a, mechanism.payment_scale(s), float(np.sum(p)),
                            reciprocity_ratio(a, p, phi.values), float(np.sum(s)), ratio(np.sum(s), np.sum(s0)),
                            ratio(np.sum(a), accuracy0))
