"""The answers of paper 004's platform programs and their certifiers: (19) (kind ``stackelberg``:
:class:`StackelbergResult`, :func:`certify_stackelberg`), (19) over K >= 2 levels for two users (kind
``stackelberg_levels``: :class:`LevelsStackelbergResult`, :func:`certify_levels_stackelberg`) and (25)
(:class:`TwoGroupAnswer`, :func:`certify_two_group`).

**(19) has no finite optimality witness** (a maximum over the equilibrium correspondence, a
nonconvex set), so the certifier re-derives the bound it needs from the model alone, by a method
that shares nothing with the solvers (polynomial roots, a MILP):

- *the users' equilibrium*: u_i(s, p) for every user and pure level, from the Theorem-2 values
  averaged over the others' level vectors (enumerated, :mod:`mechopt.privacy.payoffs`); every level
  a user plays with positive probability must be a best response within tol * R, R = max(alpha
  max |phi|, c) the magnitude of the payoff's terms (a well-supported equilibrium);
- *optimality*: every equilibrium pair (alpha, p) of (18) is (a) p = 1 with alpha gamma(1) <= c,
  (b) p = 0 with alpha gamma(0) >= c, (c) alpha = c / gamma(p) with gamma(p) >= c (the interior
  branch, value f(p) = (1 - c / gamma(p)) U(p)), or, for c = 0, (d) alpha = 0 with any p or
  gamma(p) = 0 with any alpha.  U(p) and gamma(p) (21) are polynomials whose Bernstein
  coefficients are the table and the Theorem-2 value differences averaged by the number of
  private users.  A branch and bound over p in [0, 1] (:func:`mechopt.privacy.bernstein.maximize`)
  bounds f on each cell by the smaller of two enclosures, the corners of U in [U_lo, U_hi] times
  (1 - c / gamma) over gamma in [g_lo, g_hi], and the largest ratio of the Bernstein coefficients
  of U (gamma - c) and gamma (a mediant bound, tight to O(w^2)); (a), (b) are closed forms.
  Rounding is allowed for (:func:`mechopt.privacy.bernstein.rounding`).  The answer is optimal if
  ``bound`` <= its value + tol * V, V = max |U|;
- *smallest share (optimistic selection, then the smallest alpha, then the smallest p)*: the same
  search bounds every equilibrium pair with alpha < alpha* - SHARE_TOL, or with alpha <= alpha* +
  SHARE_TOL and p < p* - SHARE_TOL, by ``rival_bound``, which must be below the value by more
  than TIE_RTOL * V;
- *an alpha grid* (every symmetric equilibrium at each of GRID_POINTS shares, by companion-matrix
  eigenvalues) as a cross-check: sampling, it can refute the answer but never establishes it;
- *Theorem 3's thresholds*: gamma_min and gamma_max bracketed by the same search, and c_th of
  (22) by a bracket: at c_th everybody sharing at the smallest share (the corner) is within
  tol * V of the optimum, at c_th + SHARE_TOL G (G = max |gamma|) a pair beats it by more than
  TIE_RTOL * V.

**(25)**: the pair (x, y) at alpha is an equilibrium of (23)-(24) (its regrets, recomputed); that
alpha is optimal for (25) rests on the solver's method and is not certified.

**(19) over K levels**: the users' payoffs at (alpha, q) against every level, recomputed from the
table (Theorem-2 values averaged over the other user's level); every level played with positive
probability must be a best response within tol * R.  That alpha is optimal rests on the solver's
enumeration of equilibrium supports and is not certified.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mechopt.core.result import Answer, verdict_field
from mechopt.core.serialization import MalformedAnswer, Serializable
from mechopt.core.stats import SolveStats
from mechopt.core.status import Status
from mechopt.core.verdict import Basis, Check, Verdict, bind, equal, judge, tolerance, witness
from mechopt.privacy.bernstein import EPS, Bracket, elevate, maximize, product, rounding
from mechopt.privacy.fairvalue import fair_values_users
from mechopt.privacy.game import PrivacyGame, check_sensitivity, check_users
from mechopt.privacy.payoffs import (bimatrix, check_two_by_two, expected_utility, expected_utility_of, level_payoffs,
                                     regrets, user_payoffs, value_magnitude)
from mechopt.privacy.symmetric import SymmetricLevelsGame, SymmetricPrivacyGame, real_roots

STACKELBERG_TOL = 1e-9
"""Largest support loss (relative to R) and excess of the bound over the value (relative to V)."""
GRID_POINTS = 4001
"""Shares of the alpha grid (the cross-check)."""
SHARE_TOL = 1e-4
"""alpha* and p* are the smallest optimal share and level probability up to this (absolute: they
are probabilities); also the half-width of c_th's bracket, in units of max |gamma|."""
TIE_RTOL = 1e-10
"""A pair with a smaller share must be worse than the answer by more than this times V."""
PREC = 2.0**-40
"""Precision of the branch and bound, relative to the scale of the function maximized (plus four
times its rounding allowance)."""
TINY = float(np.finfo(float).tiny)


def regime_of(p: float) -> str:
    """Theorem 3's regime of an equilibrium: "all_share" (p = 0), "no_incentive" (p = 1: nobody
    shares) or "mixed"."""
    return "all_share" if p == 0.0 else ("no_incentive" if p == 1.0 else "mixed")


# --- (19) from the model: Bernstein coefficients and the branch and bound ---------------------------

def _by_private(values: np.ndarray) -> np.ndarray:
    """Means of a (2,) * m table over the level vectors with j users private (level 0), j = 0..m."""
    m = values.ndim
    private = m - np.indices(values.shape).sum(axis=0).ravel()
    return np.bincount(private, weights=values.ravel(), minlength=m + 1) / np.bincount(private, minlength=m + 1)


@dataclass(frozen=True)
class Program:
    """(19) at sensitivity c from the model alone: Bernstein coefficients on [0, 1] of U(p) (degree N)
    and gamma(p) (degree N - 1), from the table and from the Theorem-2 value differences of user 1
    averaged by the number of private users (not the solver's closed form)."""

    u: np.ndarray
    g: np.ndarray
    c: float

    @classmethod
    def of(cls, game: PrivacyGame, c: float) -> Program:
        phi = fair_values_users(game, 1.0).users[0]
        return cls(_by_private(np.asarray(game.table, float)), _by_private(phi[1] - phi[0]), c)

    @property
    def scale(self) -> float:
        """V = max |U| over the table's averages (the platform's money unit)."""
        return max(float(np.max(np.abs(self.u))), TINY)

    @property
    def gamma_scale(self) -> float:
        return max(float(np.max(np.abs(self.g))), TINY)

    def at(self, c: float) -> Program:
        return Program(self.u, self.g, c)

    # the pieces of the feasible set ---------------------------------------------------------------

    def interior(self, p_lo: float, p_hi: float, g_lo: float, g_hi: float = np.inf) -> Bracket:
        """max of (1 - c / gamma(p)) U(p) over p in [p_lo, p_hi] with gamma(p) in [g_lo, g_hi],
        g_lo >= c > 0 (branch (c): alpha = c / gamma(p) in [c / g_hi, c / g_lo])."""
        if p_lo > p_hi or g_lo > g_hi:
            return Bracket(-np.inf, -np.inf, 0)
        m = len(self.u) + len(self.g) - 2
        c, u, g = self.c, elevate(self.u, m), elevate(self.g, m)
        q = product(self.u, self.g - c)
        e_u, e_g = rounding(u), rounding(g)
        e_q = rounding(q, float(np.max(np.abs(self.u))) * float(np.max(np.abs(self.g - c))))

        def bound(cells: np.ndarray) -> np.ndarray:
            cu, cg, cq = cells[:, 0], cells[:, 1], cells[:, 2]
            u_hi = cu.max(axis=1) + e_u
            g_min, g_max = cg.min(axis=1) - e_g, cg.max(axis=1) + e_g
            lo, hi = np.maximum(g_min, g_lo), np.minimum(g_max, g_hi)
            with np.errstate(divide="ignore", invalid="ignore"):
                h_lo, h_hi = 1.0 - c / lo, 1.0 - c / hi
                corners = np.where(u_hi >= 0, h_hi * u_hi, h_lo * u_hi)
                num = cq + e_q
                ratio = (num / np.where(num >= 0, cg - e_g, cg + e_g)).max(axis=1)
                out = np.minimum(corners, np.where(g_min > 0, ratio, np.inf))
                out = out + 4.0 * EPS * (np.abs(out) + np.abs(u_hi))
            return np.where(lo <= hi, out, -np.inf)

        def value(v: np.ndarray) -> np.ndarray:
            inside = (v[:, 1] >= g_lo + e_g) & (v[:, 1] <= g_hi - e_g)
            with np.errstate(divide="ignore", invalid="ignore"):
                return np.where(inside, (1.0 - c / v[:, 1]) * v[:, 0], -np.inf)

        prec = PREC * self.scale + 4.0 * (e_u + e_q / self.gamma_scale + self.scale * e_g / self.gamma_scale)
        return maximize(np.stack([u, g, q]), bound, value, lo=p_lo, hi=p_hi, prec=prec)

    def free(self, p_lo: float, p_hi: float, a_lo: float, a_hi: float,
             guard: tuple[float, float] | None = None) -> Bracket:
        """max of (1 - alpha) U(p) over p in [p_lo, p_hi], alpha in [a_lo, a_hi] (every such pair, or
        those with gamma(p) in ``guard``; no point with gamma(p) = 0 is certainly found, so
        ``guard = (0, 0)`` gives an upper bound only)."""
        if p_lo > p_hi or a_lo > a_hi:
            return Bracket(-np.inf, -np.inf, 0)
        m = len(self.u) - 1
        u, g = self.u, elevate(self.g, m)
        e_u, e_g = rounding(u), rounding(g)
        g_lo, g_hi = guard if guard is not None else (-np.inf, np.inf)

        def scaled(x: np.ndarray) -> np.ndarray:
            return np.where(x >= 0, (1.0 - a_lo) * x, (1.0 - a_hi) * x)

        def bound(cells: np.ndarray) -> np.ndarray:
            u_hi = cells[:, 0].max(axis=1) + e_u
            meets = (cells[:, 1].max(axis=1) + e_g >= g_lo) & (cells[:, 1].min(axis=1) - e_g <= g_hi)
            return np.where(meets, scaled(u_hi) + 4.0 * EPS * np.abs(u_hi), -np.inf)

        def value(v: np.ndarray) -> np.ndarray:
            inside = (v[:, 1] >= g_lo + e_g) & (v[:, 1] <= g_hi - e_g)
            return np.where(inside, scaled(v[:, 0]), -np.inf)

        return maximize(np.stack([u, g]), bound, value, lo=p_lo, hi=p_hi, prec=PREC * self.scale + 4.0 * e_u)

    @staticmethod
    def pure(u_end: float, a_lo: float, a_hi: float) -> Bracket:
        """max of (1 - alpha) u_end over alpha in [a_lo, a_hi] (a pure profile's interval)."""
        if a_lo > a_hi:
            return Bracket(-np.inf, -np.inf, 0)
        v = (1.0 - a_lo) * u_end if u_end >= 0 else (1.0 - a_hi) * u_end
        return Bracket(v, v + 4.0 * EPS * abs(u_end), 0)

    @property
    def private_interval(self) -> tuple[float, float]:
        """alpha with p = 1 an equilibrium: alpha gamma(1) <= c."""
        g1 = float(self.g[-1])
        return 0.0, (min(1.0, self.c / g1) if g1 > 0 else 1.0)

    @property
    def sharing_interval(self) -> tuple[float, float]:
        """alpha with p = 0 an equilibrium: alpha gamma(0) >= c (empty: lo > hi)."""
        g0, c = float(self.g[0]), self.c
        if c == 0.0:
            return (0.0, 1.0) if g0 >= 0 else (0.0, 0.0)
        return (c / g0, 1.0) if g0 > 0 else (2.0, 1.0)

    def optimum(self) -> Bracket:
        """The maximum of (19) over every equilibrium pair."""
        if self.c == 0.0:  # (1 - alpha) U(p) <= max(U(p), 0); alpha = 0 takes every p, alpha = 1 gives 0
            top = self.free(0.0, 1.0, 0.0, 0.0)
            return Bracket(max(top.lower, 0.0), max(top.upper, 0.0), top.cells)
        # alpha = 1 gives 0 at any of its equilibria (one exists: p = 1, p = 0 or a root of
        # gamma(p) = c between them); the interior branch only approaches it where gamma -> c
        return _join([self.interior(0.0, 1.0, self.c),
                      self.pure(float(self.u[-1]), *self.private_interval),
                      self.pure(float(self.u[0]), *self.sharing_interval), Bracket(0.0, 0.0, 0)])

    def rivals(self, alpha: float, p: float) -> Bracket:
        """The maximum of (19) over the equilibrium pairs lexicographically smaller than (alpha, p)
        by more than SHARE_TOL: alpha' < alpha - SHARE_TOL, or alpha' <= alpha + SHARE_TOL and
        p' < p - SHARE_TOL (closures taken: an upper bound)."""
        a, b, q, c = alpha - SHARE_TOL, min(alpha + SHARE_TOL, 1.0), p - SHARE_TOL, self.c
        p0, p1 = float(self.u[0]), float(self.u[-1])
        (_, a1), (a0, top0) = self.private_interval, self.sharing_interval
        parts = [self.pure(p1, 0.0, min(a1, a)), self.pure(p0, a0, min(top0, a))]
        if q > 0:
            parts.append(self.pure(p0, a0, min(top0, b)))
        if c > 0:
            if a > 0:
                parts.append(self.interior(0.0, 1.0, max(c, c / a)))
            if q > 0:
                parts.append(self.interior(0.0, q, max(c, c / b)))
        else:
            if a > 0:
                parts += [self.free(0.0, 1.0, 0.0, 0.0), self.free(0.0, 1.0, 0.0, a, guard=(0.0, 0.0))]
            if q > 0:
                parts += [self.free(0.0, q, 0.0, 0.0), self.free(0.0, q, 0.0, b, guard=(0.0, 0.0))]
        return _join(parts)

    def corner(self) -> float:
        """Everybody sharing at the smallest share alpha = c / gamma(0): (1 - c / gamma(0)) U(0)."""
        g0 = float(self.g[0])
        return (1.0 - self.c / g0) * float(self.u[0]) if g0 > 0 and self.c <= g0 else -np.inf

    def gamma_range(self) -> tuple[Bracket, Bracket]:
        """Brackets of max gamma and of max (-gamma) over [0, 1]."""
        out = []
        for sign in (1.0, -1.0):
            g = sign * self.g
            e = rounding(g)
            out.append(maximize(g[None], lambda cells, e=e: cells[:, 0].max(axis=1) + e, lambda v: v[:, 0],
                                prec=PREC * self.gamma_scale + 4.0 * e))
        return out[0], out[1]


def _join(parts: list[Bracket]) -> Bracket:
    return Bracket(max((b.lower for b in parts), default=-np.inf), max((b.upper for b in parts), default=-np.inf),
                   sum(b.cells for b in parts))


def grid_best(game: SymmetricPrivacyGame, c: float, points: int = GRID_POINTS) -> tuple[float, float]:
    """(value, alpha): the best (1 - alpha) U(p) over an alpha grid with every symmetric equilibrium
    at each alpha: p = 1 when alpha gamma(1) <= c, p = 0 when alpha gamma(0) >= c, and the real
    roots in [0, 1] of gamma(p) = c / alpha (eigenvalues of the companion matrices, all shares at
    once); every p (ends and critical points of U) where alpha gamma = c identically."""
    gp, up = game.gamma_poly(), game.utility_poly()
    coef = gp.coef.copy()
    coef[np.abs(coef) <= 1e-13 * float(np.max(np.abs(coef), initial=0.0))] = 0.0
    nonzero = np.flatnonzero(coef)
    d = int(nonzero[-1]) if nonzero.size else 0
    alphas = np.linspace(0.0, 1.0, points)
    g0, g1 = float(gp(0.0)), float(gp(1.0))
    every = np.concatenate([[0.0, 1.0], real_roots(up.deriv())])
    with np.errstate(divide="ignore", invalid="ignore"):
        level = np.where(alphas > 0, c / alphas, np.inf)
    cands = [np.where(alphas * g1 <= c, 1.0, np.nan), np.where(alphas * g0 >= c, 0.0, np.nan)]
    if d >= 1:
        base = np.zeros((d, d))
        base[1:, :-1] = np.eye(d - 1)
        base[:, -1] = -coef[:d] / coef[d]
        mats = np.repeat(base[None], points, axis=0)
        finite = np.isfinite(level)
        mats[:, 0, -1] += np.where(finite, level, 0.0) / coef[d]
        roots = np.linalg.eigvals(mats)
        real = np.abs(roots.imag) <= 1e-9 * np.maximum(1.0, np.abs(roots))
        r = roots.real
        ok = real & (r >= -1e-9) & (r <= 1.0 + 1e-9) & finite[:, None]
        cands += list(np.where(ok, np.clip(r, 0.0, 1.0), np.nan).T)
    pts = np.stack(cands, axis=1)
    with np.errstate(invalid="ignore"):
        vals = (1.0 - alphas)[:, None] * up(np.nan_to_num(pts, nan=0.0))
    vals = np.where(np.isnan(pts), -np.inf, vals)
    flat = (d == 0) & np.isclose(alphas * coef[0], c, rtol=1e-15, atol=0.0) | ((alphas == 0) & (c == 0.0))
    best = np.max(vals, axis=1)
    if np.any(flat):
        best = np.where(flat, np.maximum(best, (1.0 - alphas) * float(np.max(up(every)))), best)
    k = int(np.argmax(best))
    return float(best[k]), float(alphas[k])


# --- (19): the answer and its certifier ------------------------------------------------------------

@dataclass(frozen=True)
class StackelbergCertificate(Serializable):
    """The evidence for a (19) answer, recomputed by :func:`stackelberg_certificate`."""

    kind: str
    regrets: np.ndarray
    """regrets[i, s] = u_i(s, p) - u_i(p, p) (s = private, share)."""
    max_regret: float
    support_gap: float
    """max over users and levels played with positive probability of the loss against the best
    level: at most tol * regret_scale in an equilibrium."""
    regret_scale: float
    """R = max(alpha max |phi|, c): the magnitude of the users' payoff terms."""
    scale: float
    """V = max |U|: values are compared at tol * V."""
    bound: float
    """An upper bound on (19)'s maximum over every equilibrium pair (branch and bound)."""
    rival_bound: float
    """An upper bound on the value of every pair lexicographically smaller than (alpha, p) by more
    than SHARE_TOL (-inf: there is none)."""
    grid_points: int
    grid_value: float
    grid_alpha: float
    tol: float
    verified: bool


def stackelberg_certificate(game: SymmetricPrivacyGame, c: float, alpha: float, p: float, *,
                            tol: float = STACKELBERG_TOL) -> StackelbergCertificate:
    """The evidence at (alpha, p): verified iff every level played is a best response within
    tol * R, bound <= value + tol * V, rival_bound < value - TIE_RTOL * V and the grid's best
    <= value + tol * V."""
    g = game.game
    check_users(g.n_users)
    payoffs = user_payoffs(g, alpha, p, c)
    mixed = p * payoffs[:, 0] + (1.0 - p) * payoffs[:, 1]
    regret = payoffs - mixed[:, None]
    gain = payoffs[:, 1] - payoffs[:, 0]
    losses = [np.maximum(gain, 0.0)] * (p > 0) + [np.maximum(-gain, 0.0)] * (p < 1)
    gap = float(np.max(losses))
    r_scale = max(alpha * value_magnitude(g), c, TINY)
    prog = Program.of(g, c)
    value = (1.0 - alpha) * expected_utility(g, p)
    top, rival = prog.optimum(), prog.rivals(alpha, p)
    grid_value, grid_alpha = grid_best(game, c)
    v = prog.scale
    ok = (gap <= tol * r_scale and top.upper <= value + tol * v and rival.upper < value - TIE_RTOL * v
          and grid_value <= value + tol * v)
    return StackelbergCertificate("stackelberg", regret, float(regret.max()), gap, r_scale, v, top.upper, rival.upper,
                                  GRID_POINTS, grid_value, grid_alpha, tol, bool(ok))


@dataclass(frozen=True)
class StackelbergResult(Answer):
    """alpha*, the symmetric equilibrium (each user private with probability p), the platform's and
    the users' expected utilities, Theorem 3's thresholds and the regime; ``status`` and
    ``message`` are :func:`certify_stackelberg`'s verdict."""

    kind: str
    status: Status
    message: str
    sensitivity: float
    selection: str
    alpha: float
    p: float
    equilibrium: np.ndarray
    """Row i: user i's mixed strategy over the levels [E[0], E[1]] = [p, 1 - p]."""
    platform_utility: float
    user_utilities: np.ndarray
    """Each user's expected alpha phi_i - c [shares]."""
    payments: np.ndarray
    """Each user's expected fair payment alpha phi_i (Theorem 2)."""
    total_utility: float
    gamma_min: float
    gamma_max: float
    c_th: float
    regime: str
    """`regime_of` the equilibrium: "all_share" (p = 0), "mixed" or "no_incentive" (p = 1)."""
    certificate: StackelbergCertificate
    stats: SolveStats
    verdict: Verdict | None = verdict_field()


STACKELBERG_UNCHECKED = ("message", "stats")

REST = ("from the model alone (rounding allowed for): every level a user plays is a best response within "
        "tol * R (Theorem-2 values averaged over the others' level vectors, enumerated); a branch and bound over "
        "p in [0, 1] with Bernstein enclosures of U and gamma, and closed forms for the pure profiles, bounds "
        "(19) over every equilibrium pair by certificate.bound <= value + tol * V, and every pair with a share "
        f"smaller by more than {SHARE_TOL:g} (or p smaller by more than {SHARE_TOL:g} at a share within it) by "
        f"certificate.rival_bound < value - {TIE_RTOL:g} V; gamma_min, gamma_max bracketed by the same search, "
        f"c_th by the corner's optimality at c_th and a pair beating it at c_th + {SHARE_TOL:g} max|gamma|; an "
        f"alpha grid ({GRID_POINTS} shares, every symmetric equilibrium) cross-checks the optimum (sampling)")


def _unit(x: float, field: str) -> float:
    if not (isinstance(x, float) and 0.0 <= x <= 1.0):
        raise MalformedAnswer(f"{field}: must be a number in [0, 1], got {x!r}")
    return x


def _within(field: str, claimed: float, bracket: Bracket, slack: float) -> Check:
    ok = bool(bracket.lower - slack <= claimed <= bracket.upper + slack)
    return Check(field, claimed, f"in [{bracket.lower:.12g}, {bracket.upper:.12g}] +- {slack:.3g}", ok)


def _threshold_check(prog: Program, claimed: float, tol: float) -> Check:
    """c_th of (22): 0 when gamma(0) <= 0; else in [0, gamma(0)], with everybody sharing at the
    smallest share (the corner) within tol * V of the optimum at c_th (when > 0) and beaten by more
    than TIE_RTOL * V at c_th + d (when below gamma(0)), d = SHARE_TOL max |gamma|."""
    g0, v, d = float(prog.g[0]), prog.scale, SHARE_TOL * prog.gamma_scale
    if not np.isfinite(claimed):
        return Check("c_th", claimed, "a finite number", False)
    if g0 <= 0:
        return Check("c_th", claimed, 0.0, claimed == 0.0)
    ok = 0.0 <= claimed <= g0 * (1.0 + 1e-12)  # gamma(0) up to the rounding of the solver's polynomial
    if ok and claimed > 0:
        at = prog.at(min(claimed, g0))
        ok = at.optimum().upper <= at.corner() + tol * v
    if ok and claimed + d < g0:
        at = prog.at(claimed + d)
        ok = at.optimum().lower > at.corner() + TIE_RTOL * v
    return Check("c_th", claimed, f"the corner optimal at c_th, beaten at c_th + {d:.3g}", bool(ok))


def certificate_checks(claimed: StackelbergCertificate, cert: StackelbergCertificate, verifier_tol: float,
                       prefix: str = "certificate") -> list[Check]:
    r, v = cert.regret_scale, cert.scale
    return [
        equal(f"{prefix}.kind", claimed.kind, cert.kind),
        bind(f"{prefix}.regrets", claimed.regrets, cert.regrets, scale=r),
        bind(f"{prefix}.max_regret", claimed.max_regret, cert.max_regret, scale=r),
        bind(f"{prefix}.support_gap", claimed.support_gap, cert.support_gap, scale=r),
        bind(f"{prefix}.regret_scale", claimed.regret_scale, cert.regret_scale),
        bind(f"{prefix}.scale", claimed.scale, cert.scale),
        bind(f"{prefix}.bound", claimed.bound, cert.bound, scale=v),
        bind(f"{prefix}.rival_bound", claimed.rival_bound, cert.rival_bound, scale=v),
        equal(f"{prefix}.grid_points", claimed.grid_points, cert.grid_points),
        bind(f"{prefix}.grid_value", claimed.grid_value, cert.grid_value, scale=v),
        bind(f"{prefix}.grid_alpha", claimed.grid_alpha, cert.grid_alpha, scale=1.0),
        tolerance(f"{prefix}.tol", claimed.tol, verifier_tol),
        equal(f"{prefix}.verified", claimed.verified, cert.verified),
    ]


def certify_stackelberg(game: SymmetricPrivacyGame, c: float, answer: StackelbergResult, *,
                        tol: float = STACKELBERG_TOL, evidence: StackelbergCertificate | None = None) -> Verdict:
    """The verdict on a (19) answer (the one judge of the stackelberg kind): the certificate
    recomputed at the answer's (alpha, p) with ``tol`` (``evidence``: the one
    :func:`stackelberg_certificate` just computed there with this ``tol``), the status it supports
    (``optimal`` when verified, else ``unverified``), and every other field bound to the model."""
    c = check_sensitivity(c)
    alpha, p = _unit(answer.alpha, "alpha"), _unit(answer.p, "p")
    g = game.game
    cert = evidence if evidence is not None and evidence.tol == tol else stackelberg_certificate(game, c, alpha, p,
                                                                                                 tol=tol)
    prog = Program.of(g, c)
    payoffs = user_payoffs(g, alpha, p, c)
    users = p * payoffs[:, 0] + (1.0 - p) * payoffs[:, 1]
    payments = users + c * (1.0 - p)
    user_scale = max(alpha * value_magnitude(g), c * (1.0 - p), TINY)
    v, gv = cert.scale, prog.gamma_scale
    high, low = prog.gamma_range()
    checks = [
        equal("kind", answer.kind, "stackelberg"),
        equal("sensitivity", answer.sensitivity, c),
        equal("selection", answer.selection, "optimistic"),
        witness("alpha", alpha),
        witness("p", p),
        equal("equilibrium", answer.equilibrium, np.tile([p, 1.0 - p], (game.n, 1))),
        bind("platform_utility", answer.platform_utility, (1.0 - alpha) * expected_utility(g, p), scale=v),
        bind("user_utilities", answer.user_utilities, users, scale=user_scale),
        bind("payments", answer.payments, payments, scale=user_scale),
        bind("total_utility", answer.total_utility, expected_utility(g, p), scale=v),
        _within("gamma_max", answer.gamma_max, high, 1e-9 * gv),
        _within("gamma_min", answer.gamma_min, Bracket(-low.upper, -low.lower, low.cells), 1e-9 * gv),
        _threshold_check(prog, answer.c_th, tol),
        equal("regime", answer.regime, regime_of(p)),
        *certificate_checks(answer.certificate, cert, tol),
    ]
    supported = Status.OPTIMAL if cert.verified else Status.UNVERIFIED
    return judge("stackelberg", answer.status, supported, checks, Basis.PROOF, REST, tol, STACKELBERG_UNCHECKED,
                 why=_shortfall(cert, (1.0 - alpha) * expected_utility(g, p)))


def _shortfall(cert: StackelbergCertificate, value: float) -> str:
    """The parts of the evidence that fell short at an answer of value ``value`` (none: verified)."""
    v, parts = cert.scale, []
    if cert.support_gap > cert.tol * cert.regret_scale:
        parts.append(f"a level played is not a best response (support gap {cert.support_gap:.3g})")
    if cert.bound > value + cert.tol * v:
        parts.append(f"an equilibrium pair may be better (bound {cert.bound:.12g} > value {value:.12g})")
    elif cert.rival_bound >= value - TIE_RTOL * v:
        parts.append(f"the smallest-share selection is not separated: a pair smaller by {SHARE_TOL:g} in alpha "
                     f"or p is within {TIE_RTOL:g} V of the value (rival bound {cert.rival_bound:.15g}), a tie "
                     "or a near-tie this certificate cannot tell apart")
    if cert.grid_value > value + cert.tol * v:
        parts.append(f"the alpha grid found a better pair (value {cert.grid_value:.12g} at {cert.grid_alpha:.6g})")
    return "; ".join(parts)


# --- (25): the answer and its certifier ------------------------------------------------------------

@dataclass(frozen=True)
class TwoGroupCertificate(Serializable):
    """Regrets of the two users at (alpha, x, y) against each pure level."""

    kind: str
    regrets: np.ndarray
    """[[user 1's gain from each pure level], [user 2's]]."""
    max_regret: float
    scale: float
    """max |A|, |B|: the payoffs' magnitude; regrets are compared at tol * scale."""
    tol: float
    verified: bool


def two_group_certificate(game: PrivacyGame, c1: float, c2: float, alpha: float, x: np.ndarray, y: np.ndarray, *,
                          tol: float = STACKELBERG_TOL) -> TwoGroupCertificate:
    """The users' regrets at (alpha, x, y); verified iff at most tol * max(|A|, |B|)."""
    check_two_by_two(game)
    return _regret_certificate(fair_values_users(game).users, c1, c2, alpha, x, y, tol)


def _regret_certificate(phi: np.ndarray, c1: float, c2: float, alpha: float, x: np.ndarray, y: np.ndarray,
                        tol: float) -> TwoGroupCertificate:
    a, b = bimatrix(phi, alpha, c1, c2)
    reg = regrets(a, b, x, y)
    scale = max(float(np.max(np.abs(a))), float(np.max(np.abs(b))), TINY)
    top = float(reg.max())
    return TwoGroupCertificate("two_group_regrets", reg, top, scale, tol, bool(top <= tol * scale))


@dataclass(frozen=True)
class TwoGroupAnswer(Answer):
    """The platform's optimum of (25): alpha*, the equilibrium (x, y), the platform's share, the users'
    payments alpha x' Phi_i y and utilities; ``status`` (``equilibrium`` when the regrets verify) and
    ``message`` are :func:`certify_two_group`'s verdict."""

    kind: str
    status: Status
    message: str
    alpha: float
    x: np.ndarray
    y: np.ndarray
    platform_utility: float
    payments: np.ndarray
    user_utilities: np.ndarray
    certificate: TwoGroupCertificate
    stats: SolveStats
    verdict: Verdict | None = verdict_field()

    @property
    def max_regret(self) -> float:
        return self.certificate.max_regret


def _strategy(v: np.ndarray, field: str) -> np.ndarray:
    v = np.asarray(v, dtype=float)
    if v.shape != (2,) or not np.all(np.isfinite(v)) or np.any(v < -1e-7) or abs(float(v.sum()) - 1.0) > 1e-7:
        raise MalformedAnswer(f"{field}: must be a mixed strategy over the two levels (2 probabilities summing to 1)")
    return v


def certify_two_group(game: PrivacyGame, c1: float, c2: float, answer: TwoGroupAnswer, *,
                      tol: float = STACKELBERG_TOL) -> Verdict:
    """The verdict on a (25) answer: (x, y) an equilibrium of (23)-(24) at alpha (regrets recomputed
    from the Theorem-2 values); payments and utilities bound to the model; alpha's optimality for
    (25) is the solver's and is not certified."""
    c1, c2 = check_sensitivity(c1), check_sensitivity(c2)
    check_two_by_two(game)
    alpha = _unit(answer.alpha, "alpha")
    x, y = _strategy(answer.x, "x"), _strategy(answer.y, "y")
    phi = fair_values_users(game).users
    cert = _regret_certificate(phi, c1, c2, alpha, x, y, tol)
    a, b = bimatrix(phi, alpha, c1, c2)
    s = cert.scale
    claimed = answer.certificate
    checks = [
        equal("kind", answer.kind, "two_group"),
        witness("alpha", alpha), witness("x", x), witness("y", y),
        bind("platform_utility", answer.platform_utility, (1.0 - alpha) * float(x @ game.table @ y),
             scale=max(float(np.max(np.abs(game.table))), TINY)),
        bind("payments", answer.payments, np.array([alpha * x @ phi[0] @ y, alpha * x @ phi[1] @ y]), scale=s),
        bind("user_utilities", answer.user_utilities, np.array([x @ a @ y, x @ b @ y]), scale=s),
        equal("certificate.kind", claimed.kind, cert.kind),
        bind("certificate.regrets", claimed.regrets, cert.regrets, scale=s),
        bind("certificate.max_regret", claimed.max_regret, cert.max_regret, scale=s),
        bind("certificate.scale", claimed.scale, cert.scale),
        tolerance("certificate.tol", claimed.tol, tol),
        equal("certificate.verified", claimed.verified, cert.verified),
    ]
    supported = Status.EQUILIBRIUM if cert.verified else Status.UNVERIFIED
    rests = ("proof: the users' regrets against every pure level at (alpha, x, y), recomputed from the Theorem-2 "
             "values, are at most tol * max(|A|, |B|); that alpha is optimal for (25) is not certified")
    return judge("two_group", answer.status, supported, checks, Basis.PROOF, rests, tol, STACKELBERG_UNCHECKED)


# --- (19) over K levels (kind ``stackelberg_levels``): the answer and its certifier --------------------

@dataclass(frozen=True)
class LevelsCertificate(Serializable):
    """The users' payoffs and regrets at (alpha, q) in the K-level symmetric game."""

    kind: str
    payoffs: np.ndarray
    """payoffs[i, s] = u_i(s, q): alpha E[phi_i(s; eps_-i)] - c costs[s], the others playing q."""
    regrets: np.ndarray
    """regrets[i, s] = u_i(s, q) - u_i(q, q)."""
    max_regret: float
    support_gap: float
    """max over users and levels played with positive probability of the loss against the best
    level: at most tol * regret_scale in an equilibrium."""
    regret_scale: float
    """R = max(alpha max |phi|, c max costs): the magnitude of the users' payoff terms."""
    tol: float
    verified: bool


def levels_certificate(game: SymmetricLevelsGame, c: float, alpha: float, q: np.ndarray, *,
                       tol: float = STACKELBERG_TOL) -> LevelsCertificate:
    """The evidence at (alpha, q): verified iff every level played with positive probability is a
    best response within tol * R (the Theorem-2 values averaged over the other user's levels,
    enumerated from the table)."""
    costs = c * game.costs
    payoffs = level_payoffs(game.game, alpha, q, costs)
    regret = payoffs - (payoffs @ q)[:, None]
    best = payoffs.max(axis=1, keepdims=True)
    gap = float(np.max(np.where(q[None, :] > 0, best - payoffs, 0.0)))
    scale = max(alpha * value_magnitude(game.game), float(np.max(costs)), TINY)
    return LevelsCertificate("levels_regrets", payoffs, regret, float(regret.max()), gap, scale, tol,
                             bool(gap <= tol * scale))


@dataclass(frozen=True)
class LevelsStackelbergResult(Answer):
    """(19) over K levels: the share alpha, the symmetric equilibrium q (each user plays level k with
    probability q[k]), the platform's and the users' expected utilities; ``status`` (``equilibrium``
    when the users' regrets verify) and ``message`` are :func:`certify_levels_stackelberg`'s verdict.
    That alpha is optimal for (19) rests on the solver's enumeration of the equilibrium supports
    and is not certified."""

    kind: str
    status: Status
    message: str
    sensitivity: float
    costs: np.ndarray
    """Each level's relative privacy cost: a user at level k pays sensitivity * costs[k]."""
    selection: str
    alpha: float
    distribution: np.ndarray
    """q: the probability of each level, E[0] (data withheld) first."""
    equilibrium: np.ndarray
    """Row i: user i's mixed strategy over the levels (q for every user)."""
    platform_utility: float
    user_utilities: np.ndarray
    """Each user's expected alpha phi_i - c costs[level]."""
    payments: np.ndarray
    """Each user's expected fair payment alpha phi_i (Theorem 2)."""
    total_utility: float
    certificate: LevelsCertificate
    stats: SolveStats
    verdict: Verdict | None = verdict_field()


def _distribution(q: np.ndarray, k: int) -> np.ndarray:
    q = np.asarray(q, dtype=float)
    if q.shape != (k,) or not np.all(np.isfinite(q)) or np.any(q < 0) or abs(float(q.sum()) - 1.0) > 1e-9:
        raise MalformedAnswer(f"distribution: must be {k} probabilities >= 0 summing to 1 (one per level)")
    return q


def certify_levels_stackelberg(game: SymmetricLevelsGame, c: float, answer: LevelsStackelbergResult, *,
                               tol: float = STACKELBERG_TOL) -> Verdict:
    """The verdict on a K-level (19) answer (the one judge of the stackelberg_levels kind): the users'
    payoffs at (alpha, q) recomputed from the table (``equilibrium`` when every level played is a
    best response within tol * R, else ``unverified``), and every other field bound to the model.
    alpha's optimality over the equilibrium correspondence is the solver's and is not certified."""
    c = check_sensitivity(c)
    alpha, q = _unit(answer.alpha, "alpha"), _distribution(answer.distribution, game.n_levels)
    g = game.game
    cert = levels_certificate(game, c, alpha, q, tol=tol)
    payoffs = cert.payoffs
    users = payoffs @ q
    payments = users + c * float(game.costs @ q)
    v = max(float(np.max(np.abs(g.table))), TINY)
    r = cert.regret_scale
    claimed = answer.certificate
    checks = [
        equal("kind", answer.kind, "stackelberg_levels"),
        equal("sensitivity", answer.sensitivity, c),
        bind("costs", answer.costs, game.costs, rtol=0.0),
        equal("selection", answer.selection, "optimistic"),
        witness("alpha", alpha),
        witness("distribution", q),
        equal("equilibrium", answer.equilibrium, np.tile(q, (game.n, 1))),
        bind("platform_utility", answer.platform_utility, (1.0 - alpha) * expected_utility_of(g, q), scale=v),
        bind("user_utilities", answer.user_utilities, users, scale=r),
        bind("payments", answer.payments, payments, scale=r),
        bind("total_utility", answer.total_utility, expected_utility_of(g, q), scale=v),
        equal("certificate.kind", claimed.kind, cert.kind),
        bind("certificate.payoffs", claimed.payoffs, cert.payoffs, scale=r),
        bind("certificate.regrets", claimed.regrets, cert.regrets, scale=r),
        bind("certificate.max_regret", claimed.max_regret, cert.max_regret, scale=r),
        bind("certificate.support_gap", claimed.support_gap, cert.support_gap, scale=r),
        bind("certificate.regret_scale", claimed.regret_scale, cert.regret_scale),
        tolerance("certificate.tol", claimed.tol, tol),
        equal("certificate.verified", claimed.verified, cert.verified),
    ]
    supported = Status.EQUILIBRIUM if cert.verified else Status.UNVERIFIED
    rests = ("at (alpha, q) every level a user plays with positive probability is a best response within "
             "tol * R, the Theorem-2 values averaged over the other user's levels recomputed from the table; that "
             "alpha is optimal for (19) over K levels rests on the solver's enumeration of equilibrium supports "
             "and is not certified")
    return judge("stackelberg_levels", answer.status, supported, checks, Basis.PROOF, rests, tol,
                 STACKELBERG_UNCHECKED)
