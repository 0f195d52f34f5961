"""Predicted versus realized: the equilibrium mechopt predicts from an accuracy curve fitted to
the server's measured curve, beside the contributions a protocol run reached and the accuracy
it measured (a certified prediction, compared with what training gave)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from mechopt.data.functions import linear_cost
from mechopt.learning.federated import ProtocolRun
from mechopt.learning.fit import FittedCurve, fit_curve
from mechopt.mechanisms.catalog import mechanism
from mechopt.reciprocity.answer import solve_mechanism
from mechopt.reciprocity.certify import MechanismResult


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
        return float(self.fitted(self.realized_total))


def predict(run: ProtocolRun, curve: Callable[[float], float], costs: Sequence[float] | np.ndarray,
            capacity: Sequence[float] | np.ndarray, sizes: Sequence[float], *, beta: float = 0.0) -> Prediction:
    """Fit a curve vanishing at zero to ``curve`` (the server's a~) at ``sizes``, and solve the
    protocol's mechanism on it (M^0 for FedBR, M_beta with ``beta`` for FedBR-BG), certified."""
    sizes_ = np.asarray(sizes, dtype=float)
    fitted = fit_curve((sizes_, np.array([curve(m) for m in sizes_])), vanish_at_zero=True)
    tau = np.asarray(capacity, dtype=float)
    name = "budget_balanced" if beta > 0 else "none"
    answer = solve_mechanism(mechanism(name, fitted.payoff(tau.size), linear_cost(costs), tau,
                                       beta=beta if beta > 0 else None))
    last = run.steps[-1]
    return Prediction(fitted, answer, last.contributions.copy(), float(last.accuracy.mean()))
