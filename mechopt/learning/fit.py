"""The package's accuracy families fitted to a learning curve by least squares, with confidence
intervals and a goodness-of-fit report; the fitted function is a payoff every mechanism accepts.

Families: the power law (3) ``top - alpha (m + shift)^-beta`` with ``shift`` fixed (``shift = 1``
as in 003 (12)); with ``vanish_at_zero`` the shift is fitted and alpha tied to ``top shift^beta``,
so that a(0) = 0 (003's premise A(s[empty]) = 0, Lemma 2.3): ``top (1 - (1 + m/shift)^-beta)``;
and the PAC bound (2) ``a0 - (4 + sqrt(2k(2 +
log(m/k))))/sqrt(m)``.  Intervals are Wald intervals from the least-squares covariance with
Student-t quantiles (exact for a linear model with Gaussian noise, asymptotic here).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy import optimize, stats

from mechopt.data.functions import PACBound, PowerLaw, ScalarFunction
from mechopt.data.payoffs import LinearIndexPayoff
from mechopt.learning.curves import LearningCurve

Family = Literal["power_law", "pac_bound"]


@dataclass(frozen=True)
class FittedCurve:
    """A fitted accuracy family: its parameters with ``confidence`` intervals and the fit's quality."""

    family: str
    parameters: dict[str, float]
    intervals: dict[str, tuple[float, float]]
    confidence: float
    shift: float
    """The power law's shift: as given, or fitted (``vanish_at_zero``; its interval is in ``intervals``)."""
    vanish_at_zero: bool
    r_squared: float
    rmse: float
    points: int

    @property
    def function(self) -> ScalarFunction:
        """The fitted accuracy as one of the package's functions of data."""
        p = self.parameters
        if self.family == "pac_bound":
            return PACBound(a0=p["a0"], k=p["k"])
        return PowerLaw(alpha=p["alpha"], beta=p["beta"], shift=self.shift, top=p["top"])

    def payoff(self, n: int) -> LinearIndexPayoff:
        """Every one of ``n`` agents gets the fitted accuracy of the total data (001, 003 (12))."""
        return LinearIndexPayoff.aggregate(self.function, n=n)

    def __call__(self, m: np.ndarray | float) -> np.ndarray:
        return np.asarray(self.function.value(np.asarray(m, dtype=float)), dtype=float)


def _model(family: Family, shift: float, vanish: bool) -> tuple[Callable[..., np.ndarray], list[str], list, tuple]:
    if family == "pac_bound":
        def pac(m, a0, k):
            with np.errstate(invalid="ignore", divide="ignore"):
                return a0 - (4.0 + np.sqrt(np.maximum(2.0 * k * (2.0 + np.log(m / k)), 0.0))) / np.sqrt(m)
        return pac, ["a0", "k"], [1.0, 1.0], ([-np.inf, 1e-9], [np.inf, np.inf])
    if vanish:
        def tied(m, top, beta, shift):
            return top * (1.0 - (1.0 + m / shift) ** -beta)
        return tied, ["top", "beta", "shift"], [1.0, 0.5, shift], ([1e-12, 1e-6, 1e-9], [np.inf, 10.0, np.inf])

    def power(m, top, alpha, beta):
        return top - alpha * (m + shift) ** -beta
    return power, ["top", "alpha", "beta"], [1.0, 1.0, 0.5], ([-np.inf, 1e-12, 1e-6], [np.inf, np.inf, 10.0])


def fit_curve(curve: LearningCurve | tuple[np.ndarray, np.ndarray], *, family: Family = "power_law",
              shift: float = 1.0, vanish_at_zero: bool = False, confidence: float = 0.95) -> FittedCurve:
    """Least-squares fit of ``family`` to a learning curve (every seed's points) or to
    ``(sizes, accuracies)``."""
    if isinstance(curve, LearningCurve):
        m = np.tile(curve.sizes.astype(float), len(curve.seeds))
        a = curve.accuracy.reshape(-1)
    else:
        m, a = (np.asarray(v, dtype=float).reshape(-1) for v in curve)
    if m.shape != a.shape or not (np.all(np.isfinite(m)) and np.all(np.isfinite(a))):
        raise ValueError("curve: sizes and accuracies must be finite arrays of the same length")
    if np.any(m <= 0):
        raise ValueError("curve: sizes must be > 0")
    if family not in ("power_law", "pac_bound"):
        raise ValueError(f"family: expected 'power_law' or 'pac_bound', got {family!r}")
    if not (np.isfinite(shift) and shift > 0):
        raise ValueError(f"shift: must be > 0, got {shift!r}")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence: must be in (0, 1), got {confidence!r}")
    f, names, start, bounds = _model(family, shift, vanish_at_zero)
    if a.size <= len(names):
        raise ValueError(f"curve: {a.size} points cannot fit {len(names)} parameters with an interval; give more")
    if family == "power_law":
        start = [float(a.max()), 0.5, shift] if vanish_at_zero else [float(a.max()), float(a.max() - a.min()) + 1e-3, 0.5]
    theta, cov = optimize.curve_fit(f, m, a, p0=start, bounds=bounds, maxfev=20_000)
    residual = a - f(m, *theta)
    dof = a.size - theta.size
    half = stats.t.ppf(0.5 + confidence / 2, dof) * np.sqrt(np.maximum(np.diag(cov), 0.0))
    parameters = dict(zip(names, map(float, theta)))
    if family == "power_law" and vanish_at_zero:
        shift = parameters.pop("shift")
        parameters["alpha"] = parameters["top"] * shift ** parameters["beta"]
    spread = float(np.sum((a - a.mean()) ** 2))
    return FittedCurve(family, parameters,
                       {k: (float(t - h), float(t + h)) for k, t, h in zip(names, theta, half)}, confidence, shift,
                       vanish_at_zero, 1.0 - float(residual @ residual) / spread if spread > 0 else 1.0,
                       float(np.sqrt(np.mean(residual ** 2))), int(a.size))
