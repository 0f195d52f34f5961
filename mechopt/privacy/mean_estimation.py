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


# --- Example 1 at any level vector (the natural extension of (28)-(36)) -------------------------------

def linear_laplace_risk(levels: tuple[float, ...] | list[float]) -> tuple[float, np.ndarray, float]:
    """(r, w, b): the Bayes risk of the best linear-Laplace estimator w'X + Laplace(b) of (7) for users
    at the given levels (any number of users, any levels >= 0, inf allowed).

    With X_i = +-1/2 and mu = p - 1/2, p ~ U(0, 1): E[(w'X - mu)^2] = sum w_i^2 / 6 + (sum w_i - 1)^2 / 12
    (this is (29) for one sharer and (33) for two at a common level), plus the Laplace variance 2 b^2;
    eps_i-DP in coordinate i needs b >= |w_i| / eps_i.  The problem is convex; at the optimum the users
    with the smallest levels are clamped (w_i = b eps_i) and the others share a common weight
    lambda = (1 - b E) / (m + 2) (E the clamped users' level sum, m the others' number).  Each choice
    of the clamped set is a quadratic in b: its minimizer is the optimum when it is consistent
    (b eps_i <= lambda on the clamped users, >= lambda on the others).  Users at level 0 get w = 0."""
    eps = np.array([_check_share(e) for e in levels], dtype=float)
    order = np.argsort(eps, kind="stable")
    best: tuple[float, np.ndarray, float] | None = None
    for j in range(len(eps) + 1):
        clamped, free = order[:j], order[j:]
        if np.any(np.isinf(eps[clamped])):
            break
        e, e2, m = float(eps[clamped].sum()), float((eps[clamped] ** 2).sum()), len(free)
        # r(b) = (b^2 e2 + m lam^2) / 6 + (b e + m lam - 1)^2 / 12 + 2 b^2 with lam = (1 - b e) / (m + 2):
        # b e + m lam - 1 = 2 (b e - 1) / (m + 2), so r is a quadratic a2 b^2 + a1 b + a0
        k = m + 2.0
        a2 = e2 / 6 + m * e**2 / (6 * k**2) + e**2 / (3 * k**2) + 2.0
        a1 = -2 * m * e / (6 * k**2) - 2 * e / (3 * k**2)
        b = max(-a1 / (2 * a2), 0.0)
        lam = (1 - b * e) / k
        slack = 1e-12 * max(1.0, abs(lam))
        finite = eps[free][np.isfinite(eps[free])]  # b eps_i >= lam always holds at eps_i = inf
        if np.any(b * eps[clamped] > lam + slack) or np.any(b * finite < lam - slack):
            continue
        w = np.empty(len(eps))
        w[clamped], w[free] = b * eps[clamped], lam
        r = float((w**2).sum() / 6 + (w.sum() - 1) ** 2 / 12 + 2 * b**2)
        if best is None or r < best[0]:
            best = (r, w, b)
    assert best is not None, "one clamped set is always consistent (the problem is convex)"
    return best


def _check_share(eps: float) -> float:
    eps = float(eps)
    if math.isnan(eps) or eps < 0:
        raise ValueError(f"levels: every privacy level must be >= 0 (inf allowed), got {eps}")
    return eps


def levels_utility(levels: tuple[float, ...] | list[float]) -> float:
    """(36) extended: U = 2 - 24 r at any level vector (U(0) = 0; sup U = 1 for two users)."""
    return 2.0 - 24.0 * linear_laplace_risk(levels)[0]


def mean_estimation_levels_game(levels: tuple[float, ...] | list[float], n_users: int = 2) -> PrivacyGame:
    """Example 1's game over any sorted level set E (E[0] = 0: data withheld), U of (36) extended
    (:func:`levels_utility`): two users at {0, eps'} give (36) exactly."""
    levels = tuple(_check_share(e) for e in levels)
    if levels[0] != 0.0:
        raise ValueError(f"levels: the lowest level must be 0 (data withheld), got {levels[0]}")
    return PrivacyGame.from_function(levels, n_users, levels_utility)
