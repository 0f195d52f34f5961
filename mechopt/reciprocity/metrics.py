"""Equilibria of M^0, M^BG and M^Shap (003 Sections 3-4) and the paper's metrics at them.

The mechanisms are the classes of :mod:`mechopt.mechanisms.catalog` (M^0, M^BG = 001's M_beta
with quasi-linear utilities, whose equilibria are those of the data-sharing game with cost
(1 - beta) c, and M^Shap, whose game is u_i = phi_i(s) - c_i(s_i)); each induces the game solved
and certified here.

The min/max over equilibria in (4)-(6) run over the distinct certified equilibria that a
multi-start search found (``starts``, reported as ``equilibria``).  For M^Shap a closed-form proof
of strict monotonicity (:func:`~mechopt.mechanisms.mshap.strict_monotonicity`, ``uniqueness``)
shows, where it verifies, that the equilibrium is unique, so the min/max are exact (the search's
certified points then approximate the one equilibrium, and the first is kept: with a small modulus,
certified approximate equilibria may lie further apart than ``DISTINCT_TOL``); otherwise the number
found is stated, never claimed to be all of them.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from mechopt.certificates.nash import NashCertificate, NashResult
from mechopt.core.result import Answer, verdict_field
from mechopt.core.stats import SolveStats
from mechopt.core.status import Status
from mechopt.core.verdict import Verdict
from mechopt.data.functions import Quadratic
from mechopt.data.payoffs import LinearIndexPayoff
from mechopt.games.base import ContinuousGame
from mechopt.mechanisms.catalog import MECHANISMS as MECHANISM_CLASSES, mechanism
from mechopt.mechanisms.mshap import MonotonicityCertificate, ShapleyGame, budget_residual, strict_monotonicity
from mechopt.reciprocity.measures import reciprocity_ratio
from mechopt.solvers.nash import solve_nash

MECHANISMS = tuple(MECHANISM_CLASSES)
"""The mechanisms' names: "none" (M^0), "budget_balanced" (M^BG), "shapley" (M^Shap)."""
DISTINCT_TOL = 1e-6
"""Two equilibria are the same when their profiles differ by at most this, relative to the box."""


@dataclass(frozen=True)
class MechanismOutcome(Answer):
    """A mechanism at the equilibria found: the first certified equilibrium's profile, payments,
    Shapley values, payoffs and the metrics taken over every distinct equilibrium found.  ``status``,
    ``message`` and ``verdict`` are the nash certifier's on the equilibrium reported (the first
    certified one, else the first found); the metrics are None when none is certified."""

    kind: str
    mechanism: str
    status: Status
    message: str
    equilibrium: NashResult
    equilibria: np.ndarray
    """Distinct certified equilibrium profiles found, one per row."""
    payments: np.ndarray | None
    shapley: np.ndarray | None
    payoffs: np.ndarray | None
    reciprocity: float | None
    """(4): min over the equilibria found and agents of (a_i + p_i) / phi_i."""
    data_share: float | None
    """min over the equilibria found of ||s||_1 (the numerator of (5))."""
    accuracy: float | None
    """min over the equilibria found of sum_i a_i(s) (the numerator of (6))."""
    budget_residual: float | None
    """|sum_i p_i| relative to the payments' terms at the equilibrium (0 = budget balanced)."""
    beta: float | None
    certificate: NashCertificate
    stats: SolveStats
    uniqueness: MonotonicityCertificate | None = None
    """M^Shap only: the proof that the game has one equilibrium (``verified``), or why there is none."""
    verdict: Verdict | None = verdict_field()


def _starts(game: ContinuousGame, starts: int, seed: int) -> list[np.ndarray | None]:
    lo, hi = game.lower, game.upper
    out: list[np.ndarray | None] = [None, lo + 0.0 * (hi - lo), lo + 0.25 * (hi - lo), hi.copy()]
    rng = np.random.default_rng(seed)
    out += [lo + rng.uniform(size=lo.size) * (hi - lo) for _ in range(max(0, starts - len(out)))]
    return out[:max(1, starts)]


def equilibria(game: ContinuousGame, *, starts: int = 4, seed: int = 0, method: str = "newton") -> tuple[list[NashResult], np.ndarray]:
    """Certified equilibria from ``starts`` starts (the default start, the lower bounds, 1/4 of
    the box, the upper bounds, then seeded uniform starts); returns every result and the distinct
    certified profiles."""
    results = [solve_nash(game, method=method, start=start) if start is not None else solve_nash(game, method=method)
               for start in _starts(game, starts, seed)]
    found: list[np.ndarray] = []
    width = game.upper - game.lower
    for r in results:
        if r.status is Status.EQUILIBRIUM and r.profile is not None:
            if not any(np.all(np.abs(r.profile - q) <= DISTINCT_TOL * width) for q in found):
                found.append(r.profile)
    return results, np.array(found).reshape(len(found), game.n)


def evaluate(name: str, payoff: LinearIndexPayoff, cost: Quadratic, tau: np.ndarray | float, *,
             beta: float | None = None, starts: int = 4, seed: int = 0, engine: str = "auto") -> MechanismOutcome:
    """The mechanism called ``name`` (:mod:`mechopt.mechanisms.catalog`) at its equilibria
    (multi-start) and the metrics (4)-(6) numerators at them."""
    t0 = time.perf_counter()
    mech = mechanism(name, payoff, cost, tau, beta=beta if name == "budget_balanced" else None, engine=engine)
    b = mech.parameters.get("beta")
    game = mech.game()
    results, profiles = equilibria(game, starts=starts, seed=seed)
    unique = strict_monotonicity(game) if isinstance(game, ShapleyGame) and game.n >= 2 else None
    if unique is not None and unique.verified:  # one equilibrium: every certified point approximates it
        profiles = profiles[:1]
    first = next((r for r in results if r.status is Status.EQUILIBRIUM), results[0])
    stats = SolveStats(method=f"multi-start {first.stats.method}", termination=first.stats.termination,
                       iterations=len(results), seconds=time.perf_counter() - t0,
                       parameters={"starts": len(results), "seed": seed, "equilibria_found": len(profiles)})
    message = f"{first.message}; {len(profiles)} distinct certified equilibria found from {len(results)} starts"
    if len(profiles) == 0:
        return MechanismOutcome("mechanism_outcome", name, first.status, message, first, profiles, None, None, None,
                                None, None, None, None, b, first.certificate, stats, unique, first.verdict)
    ratios, shares, accs = [], [], []
    for q in profiles:
        a = payoff.values(q)
        ratios.append(reciprocity_ratio(a, mech.payments(q), mech.shapley(q).values))
        shares.append(float(np.sum(q)))
        accs.append(float(np.sum(a)))
    s = first.profile
    p = mech.payments(s)
    return MechanismOutcome("mechanism_outcome", name, first.status, message, first, profiles, p,
                            mech.shapley(s).values, payoff.values(s), min(ratios), min(shares), min(accs),
                            budget_residual(p, mech.payment_scale(s)), b, first.certificate, stats, unique,
                            first.verdict)


def data_gain(outcome: MechanismOutcome, baseline: np.ndarray, payoff: LinearIndexPayoff) -> float:
    """(5): min ||s||_1 over the mechanism's equilibria / max ||s0||_1 over M^0's (rows of ``baseline``)."""
    return outcome.data_share / float(np.max(np.sum(baseline, axis=1)))


def accuracy_gain(outcome: MechanismOutcome, baseline: np.ndarray, payoff: LinearIndexPayoff) -> float:
    """(6): min sum_i a_i(s) over the mechanism's equilibria / max over M^0's."""
    return outcome.accuracy / max(float(np.sum(payoff.values(q))) for q in baseline)


def welfare(payoff: LinearIndexPayoff, cost: Quadratic, s: np.ndarray) -> float:
    """W(s) = A(s) - sum_i c_i(s_i) (Theorem 4.8)."""
    s = np.asarray(s, dtype=float)
    return float(np.sum(payoff.values(s)) - np.sum(cost.value(s)))


def theorem_48_margin(payoff: LinearIndexPayoff, cost: Quadratic, s_star: np.ndarray, upper: np.ndarray | float, *,
                      samples: int = 2000, seed: int = 0) -> float:
    """max over sampled s >= s* (s != s*, within the box) of W(s) - W(s*): negative when Theorem 4.8
    holds on the samples.  Samples: each coordinate raised by a uniform fraction of its room, on
    random subsets of agents and along single coordinates."""
    s_star = np.asarray(s_star, dtype=float)
    n = s_star.size
    room = np.broadcast_to(np.asarray(upper, dtype=float), (n,)) - s_star
    rng = np.random.default_rng(seed)
    w0 = welfare(payoff, cost, s_star)
    best = -np.inf
    for k in range(samples):
        step = rng.uniform(size=n) * room * (rng.uniform(size=n) < 0.5) * 10.0 ** rng.uniform(-3.0, 0.0)
        if k < n:
            step = np.zeros(n)
            step[k] = 1e-3 * max(room[k], 0.0)
        if np.all(step <= 0):
            continue
        best = max(best, welfare(payoff, cost, s_star + step) - w0)
    return float(best)


def theorem_49_bounds(n: int, alpha: float, beta: float, gamma_min: float) -> tuple[float, float]:
    """Theorem 4.9's lower bounds (DataGain, AccGain) for a(s) = 1 - alpha (||s||_1 + 1)^-beta and
    linear costs with smallest slope gamma_min; (ii) read as 1 + alpha^(1/(b+1)) b^(-b/(b+1))
    gamma_min^(b/(b+1)) (1 - n^(-b/(1+b))) (the extracted text drops the minus sign)."""
    data = n ** (1.0 / (beta + 1.0))
    acc = 1.0 + alpha ** (1.0 / (beta + 1.0)) * beta ** (-beta / (beta + 1.0)) * gamma_min ** (beta / (beta + 1.0)) * (
        1.0 - n ** (-beta / (1.0 + beta)))
    return float(data), float(acc)
