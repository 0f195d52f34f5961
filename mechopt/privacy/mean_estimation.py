"""Example 1 / Appendix A.1: the Bayes risk of the optimal linear-Laplace eps-DP estimator of
mu = p - 1/2 (X_i = +-1/2 with Pr(1/2) = p, p ~ Unif(0, 1)), for two users with levels in
{0, eps'}, and the utility (36) U = 2 - 24 r (U(0) = 0, sup U = 1).

Closed forms (27)-(35): with w the weight of each shared sample and the Laplace noise of scale
w / eps' (the sensitivity of w X_i is w: X_i ranges over an interval of length 1):
    one user shares:   w = 1 / (3 + 24/eps'^2),  r = (1 - w) / 12          ((30), (31))
    both share:        w = 1 / (4 + 12/eps'^2),  r = (1 - 2 w) / 12        ((34), (35))
eps' = inf gives w = 1/3, 1/4 and U = [[0, 2/3], [2/3, 1]] ((10)).
"""

from __future__ import annotations

import math

import numpy as np

from mechopt.privacy.game import PrivacyGame


def _check_level(eps: float) -> float:
    eps = float(eps)
    if math.isnan(eps) or eps <= 0:
        raise ValueError(f"eps: the shared privacy level must be > 0 (inf allowed), got {eps}")
    return eps


def _inv_sq(eps: float) -> float:
    return 0.0 if math.isinf(eps) else 1.0 / eps**2


def estimator(eps: float, sharing: int) -> tuple[float, float]:
    """(w, Laplace scale) of the Bayes-optimal linear-Laplace estimator when ``sharing`` (1 or 2)
    users share at level eps ((30), (34)); scale 0 at eps = inf."""
    eps = _check_level(eps)
    if sharing == 1:
        w = 1.0 / (3.0 + 24.0 * _inv_sq(eps))
    elif sharing == 2:
        w = 1.0 / (4.0 + 12.0 * _inv_sq(eps))
    else:
        raise ValueError(f"sharing: 1 or 2 users, got {sharing}")
    return w, (0.0 if math.isinf(eps) else w / eps)


def bayes_risk(eps: float, sharing: int) -> float:
    """r(eps) of (27), (31), (35) when ``sharing`` (0, 1 or 2) users share at level eps."""
    if sharing == 0:
        return 1.0 / 12.0
    w, _ = estimator(eps, sharing)
    return (1.0 - sharing * w) / 12.0


def bayes_risk_of(w: float, scale: float, sharing: int) -> float:
    """Bayes risk of w (X_1 + ... ) + Laplace(scale) for any w ((29), (33)): bias-variance terms
    over the prior plus the noise variance 2 scale^2."""
    if sharing == 1:
        return (3 * w**2 - 2 * w + 1) / 12.0 + 2 * scale**2
    if sharing == 2:
        return (8 * w**2 - 4 * w + 1) / 12.0 + 2 * scale**2
    raise ValueError(f"sharing: 1 or 2 users, got {sharing}")


def utility_table(eps: float) -> np.ndarray:
    """(36): U = 2 - 24 r over {0, eps'}^2, user 1 on the rows."""
    one = 2.0 - 24.0 * bayes_risk(eps, 1)
    both = 2.0 - 24.0 * bayes_risk(eps, 2)
    return np.array([[0.0, one], [one, both]])


def mean_estimation_game(eps: float = math.inf) -> PrivacyGame:
    """Example 1's game: two users, levels {0, eps'}, utility (36)."""
    return PrivacyGame((0.0, _check_level(eps)), utility_table(eps))


def simulate_risk(eps: float, sharing: int, samples: int, seed: int) -> tuple[float, float]:
    """Monte Carlo Bayes risk of the estimator of (30)/(34): draw p ~ U(0, 1), X_i, the Laplace
    noise; return (mean squared error, its standard error)."""
    rng = np.random.default_rng(seed)
    p = rng.uniform(size=samples)
    mu = p - 0.5
    if sharing == 0:
        err = mu**2
    else:
        w, scale = estimator(eps, sharing)
        x = np.where(rng.uniform(size=(samples, sharing)) < p[:, None], 0.5, -0.5)
        noise = rng.laplace(scale=scale, size=samples) if scale > 0 else 0.0
        err = (w * x.sum(axis=1) + noise - mu) ** 2
    return float(err.mean()), float(err.std(ddof=1) / math.sqrt(samples))
