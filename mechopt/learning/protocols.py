"""The protocols 001 Table 1 and 003 compare, beside FedBR / FedBR-BG
(:func:`~mechopt.learning.federated.fedbr`), on the same in-process engine and with the same
record (:class:`~mechopt.learning.federated.ProtocolRun`: per step the contributions, payments,
every agent's accuracy on its own test data, utilities; p-mean welfare from them):

- :func:`fedavg_protocol`: FedAvg (McMahan et al.) as 001 Section 5.2 evaluates it, every agent
  contributing all of its data, s_i = tau_i, utility a_i - c_i tau_i;
- :func:`mwfed`: MWFed (Blum et al. 2021), a multiplicative-weights reweighting of the agents'
  sample loads towards an accuracy target (the rule is stated in its docstring);
- :func:`fedbr_shap`: FedBR-Shap (003 Section 5.2, Appendix F.2): best-response steps on M^Shap's
  utility phi_i^A(s) - c_i s_i with payments p_i = phi_i^A(s) - a_i(s) (003 (7)), the Shapley
  values computed exactly (:func:`~mechopt.valuation.shapley.shapley_values`) on the served
  accuracy.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from mechopt.learning.federated import (Agents, ProtocolRun, Rounding, ServerCurve, best_response_move, check_protocol,
                                        record_step)
from mechopt.learning.models import SOFTMAX, Model
from mechopt.valuation.shapley import shapley_values


def fedavg_protocol(agents: Agents, costs: Sequence[float] | np.ndarray, *, rounds: int, rate: float = 0.5,
                    seed: int = 0, model: Model = SOFTMAX) -> ProtocolRun:
    """FedAvg as 001 Section 5.2 evaluates it: one training of ``rounds`` rounds with s_i = tau_i
    (agents cannot change their contribution), no payments."""
    c, s = check_protocol(agents, costs, agents.capacity, steps=1, rounds=rounds, interval=1.0)
    return ProtocolRun("FedAvg", (record_step(agents, s, c, np.zeros(agents.n), rounds, rate, seed, model=model),))


def mwfed(agents: Agents, costs: Sequence[float] | np.ndarray, start: np.ndarray, *, steps: int, rounds: int,
          interval: float, target: float | Sequence[float], eta: float = 0.5, rate: float = 0.5,
          seed: int = 0, model: Model = SOFTMAX) -> ProtocolRun:
    """MWFed: Blum et al. (2021)'s multiplicative-weights federated averaging, which 001 compares in
    Section 5 and Table 1 ("a recent adaptation of FedAvg") without printing its rule.  Blum et al.'s
    model is the constrained one 001 Section 1 describes: agent i wants the fewest samples s_i such that
    its accuracy meets a threshold, a_i(s) >= mu_i (``target``); 001 Section 5.1 scores it with the
    utility a_i - c_i s_i like FedBR.  The rule implemented (our reading of Blum et al.'s method, whose
    text is not among the papers here): every agent holds a weight w_i in [w_min_i, 1], its share of
    its data, starting at s_i / tau_i; each step trains a fresh model for ``rounds`` rounds on
    s_i = w_i tau_i rounded to a multiple of ``interval`` (001 Section 5.1's grid), measures each
    agent's accuracy on its own test data, and updates multiplicatively

        w_i <- min(1, max(w_min_i, w_i exp(-eta)))   if a_i >= mu_i   (target met: lighten the load)
        w_i <- min(1, w_i exp(eta))                  otherwise         (target missed: raise it),

    with w_min_i = interval / (2 tau_i) (below it s_i rounds to 0, and a weight never reaches 0, so an
    agent that stopped can come back).  No payments."""
    c, s = check_protocol(agents, costs, start, steps=steps, rounds=rounds, interval=interval)
    tau = agents.capacity
    mu = np.broadcast_to(np.asarray(target, dtype=float), (agents.n,))
    if not np.all((mu >= 0) & (mu <= 1)):
        raise ValueError(f"target: accuracy targets must lie in [0, 1], got {target!r}")
    if not (np.isfinite(eta) and eta > 0):
        raise ValueError(f"eta: the multiplicative step must be > 0, got {eta!r}")
    w_min = np.minimum(interval / (2.0 * tau), 1.0)
    w = np.clip(s / tau, w_min, 1.0)
    history, trained = [], {}
    for _ in range(steps):
        step = record_step(agents, s, c, np.zeros(agents.n), rounds, rate, seed, trained, model)
        history.append(step)
        met = step.accuracy >= mu
        w = np.where(met, np.maximum(w * np.exp(-eta), w_min), np.minimum(w * np.exp(eta), 1.0))
        s = np.clip(np.round(w * tau / interval) * interval, 0.0, tau)
    return ProtocolRun("MWFed", tuple(history))


def served_coalitions(curve: Callable[[float], float], n: int) -> Callable[[np.ndarray], np.ndarray]:
    """A(s[X]) = sum_l (a(S_X) - a(0)) for rows s[X] (003 (3) with every agent's payoff the served
    accuracy of the coalition's total data S_X, measured from the untrained model's a(0), so that
    A(s[empty]) = 0, Lemma 2.3's premise, and 003 F.2's payments are shares of an accuracy increase)."""
    base = float(curve(0.0))

    def A(rows: np.ndarray) -> np.ndarray:
        totals, where = np.unique(np.round(rows.sum(axis=1), 9), return_inverse=True)
        return n * (np.array([curve(float(S)) for S in totals]) - base)[where.reshape(-1)]

    return A


def fedbr_shap(agents: Agents, costs: Sequence[float] | np.ndarray, start: np.ndarray, *, steps: int, rounds: int,
               step_size: float, interval: float, curve: Callable[[float], float] | None = None, rate: float = 0.5,
               seed: int = 0, rounding: Rounding = "nearest", model: Model = SOFTMAX) -> ProtocolRun:
    """FedBR-Shap (003 Section 5.2, Appendix F.2, its Algorithm 1) on 001's protocol frame: each step
    trains a fresh model on s (as FedBR does), pays p_i = phi_i^A(s) - (a(S) - a(0)) (003 (7) and F.2's
    payment on the accuracy increase), and moves every s_i along the finite difference of its M^Shap
    utility, (phi_i(s_i + interval, s_-i) - phi_i(s)) / interval - c_i (003 F.2 with epsilon = the
    interval; lines 13-19 of its Algorithm 1: clipped to [0, tau_i]), kept on the interval's grid as
    in 001 (:func:`~mechopt.learning.federated.best_response_move`).

    The coalition values are those of the served accuracy a~ (001 Section 5.1's public curve; default
    the server's trained :class:`~mechopt.learning.federated.ServerCurve`, or any ``curve`` such as a
    fitted one): A(s[X]) = n (a~(S_X) - a~(0)) (:func:`served_coalitions`), Shapley values by exact
    enumeration of the 2^n coalitions.  003 F.2 instead scores every coalition's averaged model on the
    agents' test data in each iteration (2^n models a step); with every agent's payoff the accuracy of
    the total (001 Section 5.1) the served curve is that payoff.  Payments balance: sum_i p_i = 0."""
    if step_size <= 0:
        raise ValueError("interval, step_size, steps: must be > 0 (rounds >= 0)")
    c, s = check_protocol(agents, costs, start, steps=steps, rounds=rounds, interval=interval, rounding=rounding)
    a = curve if curve is not None else ServerCurve(agents, rounds, rate, seed, model=model)
    A = served_coalitions(a, agents.n)
    rng = np.random.default_rng(seed)
    history, trained, shares = [], {}, {}
    for _ in range(steps):
        key = s.tobytes()
        if key not in shares:  # phi(s) and each phi_i(s_i + interval, s_-i), once per profile visited
            shares[key] = (shapley_values(A, s, n=agents.n).values,
                           np.array([shapley_values(A, s + interval * np.eye(agents.n)[i], n=agents.n).values[i]
                                     for i in range(agents.n)]))
        phi, up = shares[key]
        history.append(record_step(agents, s, c, phi - (a(float(s.sum())) - a(0.0)), rounds, rate, seed, trained,
                                   model))
        s = best_response_move(s, (up - phi) / interval - c, agents.capacity, step_size, interval, rounding, rng)
    return ProtocolRun("FedBR-Shap", tuple(history))
