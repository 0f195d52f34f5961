"""Predicted versus realized: the equilibrium mechopt predicts from an accuracy curve fitted to
the server's measured curve, beside the contributions a protocol run reached and the accuracy
it measured (a certified prediction, compared with what training gave).

Each protocol's agents play a mechanism on the accuracy of the total data (001 Section 5.1): FedBR
and MWFed M^0 (utility a - c_i s_i, 001 Section 5.1 for both), FedBR-BG M_beta (001 (5)), FedBR-Shap
M^Shap (003 (7)).  The prediction is that mechanism's certified equilibrium on the fitted curve
(:func:`predict`); :func:`prediction_model` writes the same problem as a ``kind = "mechanism"`` model,
which the reproduction answers through the registry."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from mechopt.data.functions import linear_cost
from mechopt.learning.federated import ProtocolRun
from mechopt.learning.fit import FittedCurve, fit_curve
from mechopt.mechanisms.catalog import mechanism
from mechopt.reciprocity.answer import solve_mechanism
from mechopt.reciprocity.certify import MechanismResult

MECHANISM_OF = {"FedBR": "none", "MWFed": "none", "FedBR-BG": "budget_balanced", "FedBR-Shap": "shapley"}
"""The mechanism each protocol's contribution steps play (FedAvg fixes s_i = tau_i: no game)."""


@dataclass(frozen=True)
class Prediction:
    """The fitted curve, the certified equilibrium of the protocol's mechanism on it, and the run's end."""

    fitted: FittedCurve
    answer: MechanismResult
    realized: np.ndarray
    """The contributions of the run's last step."""
    measured_accuracy: float
    """Mean accuracy of the last step's model on the agents' test data."""

    @property
    def predicted_total(self) -> float:
        return float(self.answer.equilibrium.profile.sum())

    @property
    def realized_total(self) -> float:
        return float(self.realized.sum())

    @property
    def predicted_accuracy(self) -> float:
        """The fitted curve at the realized total (against :attr:`measured_accuracy`)."""
        return float(self.fitted(self.realized_total))

    @property
    def gap(self) -> float:
        """Realized total minus the predicted equilibrium total."""
        return self.realized_total - self.predicted_total


def fit_served(curve: Callable[[float], float], sizes: Sequence[float]) -> FittedCurve:
    """A power law vanishing at zero (003's premise A(s[empty]) = 0) fitted to ``curve`` at ``sizes``."""
    sizes_ = np.asarray(sizes, dtype=float)
    return fit_curve((sizes_, np.array([curve(m) for m in sizes_])), vanish_at_zero=True)


def prediction_model(fitted: FittedCurve, costs: Sequence[float] | np.ndarray, capacity: Sequence[float] | np.ndarray,
                     mechanism_name: str, *, beta: float | None = None, name: str = "") -> dict[str, Any]:
    """The ``kind = "mechanism"`` model of ``mechanism_name`` on the fitted curve: payoff
    top (1 - (1 + S/shift)^-beta) written as top - coefficient (S + shift)^-exponent with
    top = coefficient shift^-exponent (a(0) = 0), linear costs, bounds tau_i."""
    p = fitted.parameters
    if fitted.family != "power_law" or not fitted.vanish_at_zero:
        raise ValueError("fitted: the prediction needs a power law fitted with vanish_at_zero=True (a(0) = 0)")
    coefficient, exponent, shift = p["alpha"], p["beta"], fitted.shift
    game = {"n": len(costs), "tau": [float(t) for t in capacity],
            "payoff": {"family": "power_law", "coefficient": coefficient, "exponent": exponent, "shift": shift,
                       "top": coefficient * shift ** -exponent},
            "cost": {"slope": [float(c) for c in costs]}}
    model: dict[str, Any] = {"kind": "mechanism", "name": name or f"{mechanism_name} on a fitted accuracy curve",
                             "mechanism": mechanism_name, "game": game}
    if beta is not None:
        model["beta"] = float(beta)
    return model


def predict(run: ProtocolRun, curve: Callable[[float], float], costs: Sequence[float] | np.ndarray,
            capacity: Sequence[float] | np.ndarray, sizes: Sequence[float], *, beta: float = 0.0) -> Prediction:
    """Fit a curve vanishing at zero to ``curve`` (the server's a~) at ``sizes``, and solve the
    protocol's mechanism on it (:data:`MECHANISM_OF`; M_beta with ``beta`` for FedBR-BG), certified."""
    if run.protocol not in MECHANISM_OF:
        raise ValueError(f"run: {run.protocol} plays no contribution game (expected one of {', '.join(MECHANISM_OF)})")
    fitted = fit_served(curve, sizes)
    name = MECHANISM_OF[run.protocol]
    tau = np.asarray(capacity, dtype=float)
    answer = solve_mechanism(mechanism(name, fitted.payoff(tau.size), linear_cost(costs), tau,
                                       beta=beta if name == "budget_balanced" else None))
    last = run.steps[-1]
    return Prediction(fitted, answer, last.contributions.copy(), float(last.accuracy.mean()))
