"""Shapley values of a federation, 003 (3): phi_i(s) = (1/n) sum_{X in N-i} C(n-1,|X|)^-1
(A(s[X+i]) - A(s[X])), with A(s) = sum_l a_l(s) and s[X] the profile with s_j = 0 outside X.

Three engines, each also giving the own gradients d phi_i / d s_i (what the M^Shap equilibrium
needs) and, for the exact ones, the Jacobian H_ij = d^2 phi_i / ds_i ds_j:

- ``exact``: enumeration of all 2^n coalitions, vectorized with numpy (any payoff; derivatives
  for :class:`~mechopt.data.payoffs.LinearIndexPayoff`).  Up to ``EXACT_MAX_PLAYERS`` agents.
- ``structured``: exact for payoffs of a linear index z = K s (every payoff family of 003: the
  total data, group totals, W s).  Agents j with the same column s_j K[:, j] (and K[:, j]) are
  interchangeable, so a coalition's value depends only on how many of each such *type* it holds;
  the sum over coalitions becomes a sum over count vectors weighted by products of binomials.
  Cost prod_t (m_t + 1) evaluations instead of 2^n (11^3 = 1331 for 003 Section 5.1's three
  groups of ten at a profile constant within groups).  Exact (rounding only); limited by the
  number of distinct types, ``STRUCTURED_MAX_CELLS``.
- ``multilinear``: power-law payoffs of a linear index (003 (12), Section 5.1) at any profile:
  the multilinear extension in q (Gauss-Legendre with ceil(n/2) nodes, exact for its degree n - 1
  polynomial) and a Laplace integral for (z + c)^-beta, under which the expectation over random
  coalitions factors into a product over agents; the t integral by the trapezoid rule in log t
  (exponentially convergent; measured 2e-14 relative against enumeration).  n = 30 with
  gradients and Jacobian in about 0.03 s.
- ``sampling``: permutation sampling (003 (27)) with antithetic pairs (each permutation with its
  reverse), per-agent standard errors, a seed, and stopping when every standard error is below
  ``tol`` or after ``budget`` permutations.

Every result carries a :class:`ShapleyCertificate`: efficiency (Lemma 2.3), sum_i phi_i(s) =
A(s) - A(0) (A(0) = 0 for the paper's payoffs), checked against A(s) and A(0) evaluated directly
by :func:`certify_shapley`, whose verdict gives the result its status: ``optimal`` for an exact
engine whose values meet efficiency to ``tol`` of their magnitude (enumeration and type counts sum
(3) exactly: a proof; the multilinear engine's quadrature error is measured, not bounded, and
efficiency is the independent check), ``unverified`` for sampling (its error bars are evidence, not
proof) or a failed check.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from mechopt.core.result import Answer, verdict_field
from mechopt.core.serialization import MalformedAnswer, Serializable
from mechopt.core.stats import SolveStats
from mechopt.core.status import Status, Termination
from mechopt.core.verdict import Basis, Check, Verdict, bind, equal, judge, tolerance, witness
from mechopt.data.functions import PowerLaw
from mechopt.data.payoffs import LinearIndexPayoff, Payoff

EXACT_MAX_PLAYERS = 20
"""Largest n the enumeration engine accepts (with gradients, measured: n = 18 in 0.5 s, the largest
within a second; n = 20 in 1.5-2 s; docs/reciprocity.md)."""
STRUCTURED_MAX_CELLS = 2_000_000
"""Largest number of count vectors prod_t (m_t + 1) the structured engine evaluates."""
SAMPLING_BATCH = 256
"""Permutations per batch of the sampling engine (an even number: antithetic pairs)."""
EFFICIENCY_TOL = 1e-9
"""Default tolerance of the efficiency check, relative to :attr:`ShapleyCertificate.scale`."""
FRAMES_MAX_BYTES = 2**28
"""Memory the marginal frames kept at one profile may take (:class:`DeviationFrames`)."""
MULTILINEAR_MAX_BYTES = 2**30
"""Memory the multilinear engine may take for its largest arrays (:func:`multilinear_bytes`); it
refuses a larger problem before allocating anything."""

CoalitionFunction = Callable[[np.ndarray], np.ndarray]
"""A(S) for profiles S of shape (m, n) (rows: coalition-restricted profiles), returning shape (m,)."""


BASES = {"exact": Basis.PROOF, "structured": Basis.PROOF, "multilinear": Basis.REDERIVATION,
         "sampling": Basis.SAMPLING}
"""What each engine's values rest on (module doc)."""
RESTS_ON = {
    Basis.PROOF: "(3) summed exactly over every coalition (or count vector of agent types); efficiency (Lemma 2.3) "
                 "checked against A(s) - A(0) evaluated directly",
    Basis.REDERIVATION: "the multilinear extension by quadrature (exact in q, trapezoid in log t: error measured, not "
                        "bounded); efficiency (Lemma 2.3) re-derived independently: the n values sum to A(s) - A(0) "
                        "evaluated directly",
    Basis.SAMPLING: "permutation sampling (003 (27)): values with standard errors, evidence, not proof",
}


@dataclass(frozen=True)
class ShapleyCertificate(Serializable):
    """Efficiency (Lemma 2.3) at the profile: |sum_i phi_i - (A(s) - A(0))| against ``tol`` times
    ``scale``; ``verified`` also needs an engine whose basis is not sampling."""

    kind: str
    total: float
    """A(s)."""
    empty: float
    """A(0), the empty coalition's value (0 for the paper's payoffs)."""
    efficiency_residual: float
    """|sum_i phi_i - (A(s) - A(0))|."""
    scale: float
    """sum_i |phi_i| plus the magnitude of the terms of A(s) and A(0) (:func:`payoff_magnitudes`):
    the scale of the sum's rounding."""
    tol: float
    basis: Basis
    verified: bool


@dataclass(frozen=True)
class ShapleyResult(Answer):
    """Shapley values at a profile ``s``.

    ``gradient`` is d phi_i / d s_i (None unless asked for), ``jacobian`` H_ij = d^2 phi_i/ds_i ds_j
    (exact engines, when asked for).  ``std_errors`` and ``gradient_std_errors`` are the sampling
    engine's per-agent standard errors, its error bars (None for the exact engines).  ``status``
    and ``message`` are :func:`certify_shapley`'s verdict on the efficiency certificate.
    """

    kind: str
    status: Status
    message: str
    method: str
    values: np.ndarray
    std_errors: np.ndarray | None
    gradient: np.ndarray | None
    gradient_std_errors: np.ndarray | None
    jacobian: np.ndarray | None
    certificate: ShapleyCertificate
    stats: SolveStats
    verdict: Verdict | None = verdict_field()

    @property
    def total(self) -> float:
        """A(s)."""
        return self.certificate.total

    @property
    def empty(self) -> float:
        """A(0)."""
        return self.certificate.empty

    @property
    def efficiency_residual(self) -> float:
        """|sum_i phi_i - (A(s) - A(0))|."""
        return self.certificate.efficiency_residual


SHAPLEY_UNCHECKED = ("message", "std_errors", "gradient", "gradient_std_errors", "jacobian", "stats")
"""Fields no efficiency evidence binds: free text, the error bars, the derivatives, statistics."""


def payoff_magnitudes(payoff: Payoff, s: np.ndarray) -> np.ndarray:
    """The magnitude of each a_i(s)'s terms, the scale of its rounding: |top| + |alpha (z +
    shift)^-beta| for a power law of a linear index (a_i(s) may be far smaller than either term),
    |a_i(s)| for the other families."""
    with np.errstate(all="ignore"):
        a = np.asarray(payoff.values(s), dtype=float)
    f = getattr(payoff, "f", None)
    if isinstance(payoff, LinearIndexPayoff) and isinstance(f, PowerLaw):
        top = np.broadcast_to(np.asarray(f.top, dtype=float), a.shape)
        return np.abs(top) + np.abs(top - a)
    return np.abs(a)


def efficiency_certificate(values: np.ndarray, total: float, empty: float, magnitude: float, method: str,
                           tol: float) -> ShapleyCertificate:
    """The efficiency certificate of ``values`` given A(s) = ``total``, A(0) = ``empty`` and the
    magnitude of their terms."""
    if method not in BASES:
        raise MalformedAnswer(f"method: expected one of {tuple(BASES)}, got {method!r}")
    with np.errstate(invalid="ignore", over="ignore"):
        residual = float(abs(np.sum(values) - (total - empty)))
        scale = float(np.sum(np.abs(values)) + magnitude)
    basis = BASES[method]
    within = bool(np.isfinite(residual) and residual <= tol * scale)
    return ShapleyCertificate("shapley_efficiency", float(total), float(empty), residual, scale, float(tol), basis,
                              within and basis is not Basis.SAMPLING)


def coalition_values(payoff: Payoff | CoalitionFunction, s: np.ndarray, n: int | None = None) -> tuple[float, float, float]:
    """(A(s), A(0), the magnitude of their terms) evaluated directly (the payoff at two profiles,
    or the callable on two rows, whose terms are the values themselves)."""
    if isinstance(payoff, Payoff):
        zero = np.zeros_like(s)
        with np.errstate(all="ignore"):
            total, empty = float(np.sum(payoff.values(s))), float(np.sum(payoff.values(zero)))
        return total, empty, float(np.sum(payoff_magnitudes(payoff, s)) + np.sum(payoff_magnitudes(payoff, zero)))
    A, _, n = _coalition_function(payoff, n)
    both = np.asarray(A(np.stack([s, np.zeros(n)])), dtype=float)
    return float(both[0]), float(both[1]), float(np.sum(np.abs(both)))


def certify_shapley(payoff: Payoff | CoalitionFunction, s: np.ndarray, result: ShapleyResult, *,
                    tol: float = EFFICIENCY_TOL, n: int | None = None) -> Verdict:
    """The verdict on Shapley values at ``s``: the efficiency certificate recomputed from A(s) and
    A(0) evaluated directly (``n``: the number of agents of a callable A); ``optimal`` when it
    verifies, else ``unverified`` (always for sampling)."""
    s = np.asarray(s, dtype=float)
    values = np.asarray(result.values, dtype=float)
    if values.shape != s.shape:
        raise MalformedAnswer(f"values: expected {s.size} values (one per agent), got shape {values.shape}")
    cert = efficiency_certificate(values, *coalition_values(payoff, s, n), result.method, tol)
    claimed = result.certificate
    checks = [equal("kind", result.kind, "shapley"),
              Check("method", result.method, f"an engine on the basis {cert.basis.value}", True),
              witness("values", values), equal("certificate.kind", claimed.kind, cert.kind),
              bind("certificate.total", claimed.total, cert.total, scale=cert.scale),
              bind("certificate.empty", claimed.empty, cert.empty, scale=cert.scale),
              bind("certificate.efficiency_residual", claimed.efficiency_residual, cert.efficiency_residual,
                   scale=cert.scale),
              bind("certificate.scale", claimed.scale, cert.scale),
              tolerance("certificate.tol", claimed.tol, tol),
              equal("certificate.basis", claimed.basis.value, cert.basis.value),
              equal("certificate.verified", claimed.verified, cert.verified)]
    supported = Status.EXACT if cert.verified else Status.UNVERIFIED
    return judge("shapley", result.status, supported, checks, cert.basis, RESTS_ON[cert.basis], tol,
                 SHAPLEY_UNCHECKED)


# ----------------------------------------------------------------------------- coalition values

def _index_matrix(payoff: LinearIndexPayoff) -> np.ndarray:
    """K = E P: z(s) = K s."""
    return payoff.E @ payoff.P


def _check_profile(s: np.ndarray, n: int) -> np.ndarray:
    s = np.asarray(s, dtype=float)
    if s.ndim != 1 or s.size != n:
        raise ValueError(f"s: expected a profile of {n} contributions, got shape {s.shape}")
    if not np.all(np.isfinite(s)):
        raise ValueError("s: contributions must be finite numbers")
    return s


class _Linear:
    """A(S) and its derivatives for a payoff of a linear index: rows S (m, n) -> Z = K S^T."""

    def __init__(self, payoff: LinearIndexPayoff) -> None:
        self.f, self.K = payoff.f, _index_matrix(payoff)

    def values(self, S: np.ndarray) -> np.ndarray:
        return np.sum(self.f.value(self.K @ S.T), axis=0)

    def grad(self, S: np.ndarray) -> np.ndarray:
        """dA/ds_j at each row, shape (m, n) (only meaningful for j inside the row's coalition)."""
        return (self.f.d1(self.K @ S.T).T) @ self.K

    def curvature(self, S: np.ndarray) -> np.ndarray:
        """f''(z_l) at each row, shape (n_l, m)."""
        return self.f.d2(self.K @ S.T)


def _coalition_function(payoff: Payoff | CoalitionFunction, n: int | None) -> tuple[CoalitionFunction, _Linear | None, int]:
    if isinstance(payoff, LinearIndexPayoff):
        lin = _Linear(payoff)
        return lin.values, lin, payoff.n
    if isinstance(payoff, Payoff):
        def values(S: np.ndarray) -> np.ndarray:
            return np.array([float(np.sum(payoff.values(row))) for row in S])
        return values, None, payoff.n
    if callable(payoff):
        if n is None:
            raise ValueError("n: a coalition function given as a callable needs the number of agents")
        return payoff, None, n
    raise TypeError(f"payoff: expected a Payoff or a callable A(S), got {type(payoff).__name__}")


def _weights(n: int) -> np.ndarray:
    """w[k] = k! (n-1-k)! / n!, the weight of a coalition of k others."""
    return np.array([math.exp(math.lgamma(k + 1) + math.lgamma(n - k) - math.lgamma(n + 1)) for k in range(n)])


def _result(payoff: Payoff | CoalitionFunction, s: np.ndarray, n: int, method: str, values: np.ndarray, t0: float, *,
            std: np.ndarray | None = None, gradient: np.ndarray | None = None,
            gradient_std: np.ndarray | None = None, jacobian: np.ndarray | None = None, iterations: int = 0,
            termination: Termination = Termination.EXHAUSTIVE, parameters: dict | None = None) -> ShapleyResult:
    """The engine's draft answer, certified by :func:`certify_shapley` (which sets its status)."""
    stats = SolveStats(method=method, termination=termination, iterations=iterations,
                       seconds=time.perf_counter() - t0, parameters=parameters or {})
    cert = efficiency_certificate(values, *coalition_values(payoff, s, n), method, EFFICIENCY_TOL)
    draft = ShapleyResult("shapley", Status.UNVERIFIED, "", method, values, std, gradient, gradient_std, jacobian,
                          cert, stats)
    return draft.certified(certify_shapley(payoff, s, draft, n=n))


# ----------------------------------------------------------------------------- exact enumeration

def _halves(table: np.ndarray, i: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Views of a table over the 2^n coalitions (bit i of the index = agent i): its entries
    without agent i and with it, in matching order, each of shape (2^(n-1-i), 2^i)."""
    cube = table.reshape(2 ** (n - 1 - i), 2, 2 ** i)
    return cube[:, 0, :], cube[:, 1, :]


def _weighted(weight: np.ndarray, table: np.ndarray, i: int, n: int, *, difference: bool) -> float:
    """sum over coalitions X without i of w(|X|) (t(X + i) - t(X)), or of w(|X|) t(X + i)."""
    w0 = _halves(weight, i, n)[0]
    without, with_i = _halves(table, i, n)
    return float(np.einsum("ab,ab->", w0, with_i - without if difference else with_i))


def exact_shapley(payoff: Payoff | CoalitionFunction, s: np.ndarray, *, n: int | None = None, gradient: bool = False,
                  jacobian: bool = False) -> ShapleyResult:
    """Shapley values by enumerating all 2^n coalitions (n <= ``EXACT_MAX_PLAYERS``)."""
    t0 = time.perf_counter()
    A, lin, n = _coalition_function(payoff, n)
    s = _check_profile(s, n)
    if n > EXACT_MAX_PLAYERS:
        raise ValueError(f"n: the exact engine enumerates 2^n coalitions and takes n <= {EXACT_MAX_PLAYERS}, got "
                         f"n = {n}; use method='structured' (payoffs of a linear index) or 'sampling'")
    if (gradient or jacobian) and lin is None:
        raise ValueError("payoff: gradients need a LinearIndexPayoff (a payoff of a linear index z = K s)")
    w = _weights(n)
    if lin is not None:  # z of every coalition, built by doubling: no 2^n x n table of profiles
        Z = np.zeros((lin.K.shape[0], 1))
        size = np.zeros(1, dtype=np.int64)
        for i in range(n):
            Z = np.concatenate([Z, Z + lin.K[:, i:i + 1] * s[i]], axis=1)
            size = np.concatenate([size, size + 1])
        v = np.sum(lin.f.value(Z), axis=0)
    else:
        masks = ((np.arange(2 ** n, dtype=np.int64)[:, None] >> np.arange(n)) & 1).astype(bool)
        v, size = A(np.where(masks, s, 0.0)), masks.sum(axis=1)
    weight = np.append(w, 0.0)[size]  # a coalition's weight as the X of X + i (the grand one is never an X)
    values = np.array([_weighted(weight, v, i, n, difference=True) for i in range(n)])
    grad = H = None
    if gradient:  # dA(s[X+i])/ds_i = sum_l f'(z_l) K_li over the coalitions X+i
        slope = lin.f.d1(Z)
        grad = np.array([_weighted(weight, lin.K[:, i] @ slope, i, n, difference=False) for i in range(n)])
    if jacobian:  # d/ds_j of dA(s[X+i])/ds_i = sum_l f''(z_l) K_li K_lj for j in X+i
        curvature = lin.f.d2(Z)
        codes = np.arange(2 ** n, dtype=np.int64)
        masks = ((codes[:, None] >> np.arange(n)) & 1).astype(bool)
        H = np.zeros((n, n))
        for i in range(n):
            with_i = codes[~masks[:, i]] | (1 << i)
            c = curvature[:, with_i] * lin.K[:, i:i + 1]
            H[i] = (c.T @ lin.K * masks[with_i]).T @ weight[with_i - (1 << i)]
    return _result(payoff, s, n, "exact", values, t0, gradient=grad, jacobian=H, iterations=2 ** n,
                   parameters={"coalitions": 2 ** n})


# ----------------------------------------------------------------------------- structured exact

def _types(K: np.ndarray, s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Agent types: agents with equal (s_j, K[:, j]).  Returns type of each agent and one
    representative agent per type."""
    key = np.vstack([s[None, :], K]).T
    _, first, inverse = np.unique(key, axis=0, return_index=True, return_inverse=True)
    return inverse.reshape(-1), first


def _log_binom(m: np.ndarray, c: np.ndarray) -> np.ndarray:
    """log C(m, c), -inf where c < 0 or c > m."""
    from math import lgamma
    lg = np.vectorize(lgamma, otypes=[float])
    ok = (c >= 0) & (c <= m)
    out = np.full(np.broadcast(m, c).shape, -np.inf)
    mm, cc = np.broadcast_arrays(m, c)
    out[ok] = lg(mm[ok] + 1.0) - lg(cc[ok] + 1.0) - lg(mm[ok] - cc[ok] + 1.0)
    return out


def structured_shapley(payoff: LinearIndexPayoff, s: np.ndarray, *, gradient: bool = False,
                       jacobian: bool = False, max_cells: int = STRUCTURED_MAX_CELLS) -> ShapleyResult:
    """Exact Shapley values of a payoff of a linear index by summing over counts of agent types."""
    t0 = time.perf_counter()
    if not isinstance(payoff, LinearIndexPayoff):
        raise ValueError(f"payoff: the structured engine needs a LinearIndexPayoff, got {type(payoff).__name__}")
    n = payoff.n
    s = _check_profile(s, n)
    lin = _Linear(payoff)
    K = lin.K
    agent_type, rep = _types(K, s)
    T = rep.size
    m = np.bincount(agent_type, minlength=T)
    cells = int(np.prod(m + 1.0))
    if cells > max_cells:
        raise ValueError(f"s: {T} distinct agent types give {cells} count vectors, above max_cells = {max_cells}; "
                         "the structured engine is exact when agents share few (s_j, K[:, j]) types; use "
                         "method='sampling'")
    grids = np.meshgrid(*[np.arange(k + 1) for k in m], indexing="ij")
    C = np.stack([g.reshape(-1) for g in grids], axis=1).astype(float)  # (cells, T)
    V = (K[:, rep] * s[rep]).T  # (T, n_l): a type's contribution to the index
    Z = C @ V  # (cells, n_l)
    f = lin.f
    k = C.sum(axis=1)
    logw = np.array([math.lgamma(j + 1) + math.lgamma(n - j) - math.lgamma(n + 1) if j <= n - 1 else -np.inf
                     for j in k.astype(int)])
    v_all = np.sum(f.value(Z.T), axis=0)
    values = np.empty(n)
    grad = np.empty(n) if gradient else None
    H = np.zeros((n, n)) if jacobian else None
    for t in range(T):
        others = m.copy()
        others[t] -= 1
        lb = _log_binom(others[None, :].astype(float), C).sum(axis=1)
        weight = np.exp(lb + logw)  # zero where a count exceeds the others available
        Zi = Z + V[t]
        vi = np.sum(f.value(Zi.T), axis=0)
        members = np.flatnonzero(agent_type == t)
        values[members] = weight @ (vi - v_all)
        if gradient or jacobian:
            i = rep[t]
            if gradient:
                grad[members] = weight @ ((f.d1(Zi.T).T) @ K[:, i])
            if jacobian:
                c = f.d2(Zi.T).T * K[:, i]  # (cells, n_l)
                own = weight @ (c @ K[:, i])
                for u in range(T):  # coalitions of the others that contain a given agent of type u
                    if others[u] == 0:
                        continue
                    shifted = C.copy()
                    shifted[:, u] -= 1
                    less = others.copy()
                    less[u] -= 1
                    lbu = _log_binom(less[None, :].astype(float), shifted).sum(axis=1)
                    wu = np.exp(lbu + logw)
                    j = rep[u]
                    H[np.ix_(members, agent_type == u)] = wu @ (c @ K[:, j])
                H[members, members] = own
    return _result(payoff, s, n, "structured", values, t0, gradient=grad, jacobian=H, iterations=cells,
                   parameters={"types": T, "count_vectors": cells})


# ----------------------------------------------------------------------------- Monte Carlo

def sampled_shapley(payoff: Payoff | CoalitionFunction, s: np.ndarray, *, n: int | None = None, seed: int | None = 0,
                    tol: float | None = None, budget: int = 100_000, batch: int = SAMPLING_BATCH,
                    antithetic: bool = True, gradient: bool = False) -> ShapleyResult:
    """Permutation sampling (003 (27)) with per-agent standard errors.

    Permutations come in batches of ``batch``; sampling stops when every standard error (of the
    values, and of the gradients when asked for) is at most ``tol`` (value units), or after
    ``budget`` permutations.  With ``antithetic`` each permutation is paired with its reverse and
    the standard error is that of the pair means (independent across pairs).
    """
    t0 = time.perf_counter()
    A, lin, n = _coalition_function(payoff, n)
    s = _check_profile(s, n)
    if not (isinstance(budget, (int, np.integer)) and budget >= 2):
        raise ValueError(f"budget: the number of permutations must be an integer >= 2, got {budget!r}")
    if tol is not None and not (np.isfinite(tol) and tol > 0):
        raise ValueError(f"tol: the standard-error threshold must be a number > 0, got {tol!r}")
    if not (isinstance(batch, (int, np.integer)) and batch >= 2):
        raise ValueError(f"batch: permutations per batch must be an integer >= 2, got {batch!r}")
    if gradient and lin is None:
        raise ValueError("payoff: gradients need a LinearIndexPayoff (a payoff of a linear index z = K s)")
    rng = np.random.default_rng(seed)
    half = max(1, batch // 2) if antithetic else batch
    # running sums over independent units (a pair mean, or one permutation)
    sums = np.zeros(n)
    squares = np.zeros(n)
    gsums = np.zeros(n)
    gsquares = np.zeros(n)
    units = 0
    drawn = 0
    termination = Termination.MAX_ITERATIONS
    while drawn < budget:
        b = min(half, (budget - drawn) // 2 if antithetic else budget - drawn)
        if b < 1:
            break
        perms = rng.permuted(np.tile(np.arange(n), (b, 1)), axis=1)
        if antithetic:
            perms = np.concatenate([perms, perms[:, ::-1]])
        m = perms.shape[0]
        # prefix profiles: row r, step k holds the first k agents of permutation r
        prefix = np.zeros((m, n + 1, n))
        rows = np.arange(m)
        for k in range(n):
            prefix[:, k + 1] = prefix[:, k]
            prefix[rows, k + 1, perms[:, k]] = s[perms[:, k]]
        v = A(prefix.reshape(-1, n)).reshape(m, n + 1)
        marg = np.empty((m, n))
        marg[rows[:, None], perms] = np.diff(v, axis=1)
        if gradient:
            g_all = lin.grad(prefix[:, 1:].reshape(-1, n)).reshape(m, n, n)  # step k: dA/ds_j after k+1 agents
            g = np.empty((m, n))
            g[rows[:, None], perms] = g_all[rows[:, None], np.arange(n)[None, :], perms]
        if antithetic:
            marg = 0.5 * (marg[:b] + marg[b:])
            if gradient:
                g = 0.5 * (g[:b] + g[b:])
        sums += marg.sum(axis=0)
        squares += (marg ** 2).sum(axis=0)
        if gradient:
            gsums += g.sum(axis=0)
            gsquares += (g ** 2).sum(axis=0)
        units += marg.shape[0]
        drawn += m
        if tol is not None and units >= 2:
            se = _std_error(sums, squares, units)
            gse = _std_error(gsums, gsquares, units) if gradient else np.zeros(n)
            if max(se.max(), gse.max()) <= tol:
                termination = Termination.CONVERGED
                break
    values = sums / units
    std = _std_error(sums, squares, units)
    grad = gsums / units if gradient else None
    gstd = _std_error(gsums, gsquares, units) if gradient else None
    return _result(payoff, s, n, "sampling", values, t0, std=std, gradient=grad, gradient_std=gstd,
                   iterations=drawn, termination=termination,
                   parameters={"seed": seed, "tol": tol, "budget": budget, "antithetic": antithetic,
                               "permutations": drawn})


def _std_error(sums: np.ndarray, squares: np.ndarray, units: int) -> np.ndarray:
    if units < 2:
        return np.full(sums.shape, np.inf)
    mean = sums / units
    var = np.maximum(squares / units - mean ** 2, 0.0) * units / (units - 1)
    return np.sqrt(var / units)


# ----------------------------------------------------------------------------- one entry point

ENGINES = ("exact", "structured", "multilinear", "sampling")


def shapley_values(payoff: Payoff | CoalitionFunction, s: np.ndarray, *, method: str = "exact", n: int | None = None,
                   gradient: bool = False, jacobian: bool = False, seed: int | None = 0, tol: float | None = None,
                   budget: int = 100_000, antithetic: bool = True) -> ShapleyResult:
    """Shapley values phi(s) of 003 (3) for the coalition function A(s[X]) = sum_l a_l(s[X]).

    ``payoff`` is a :class:`~mechopt.data.payoffs.Payoff` or a callable A(S) over rows S (then
    give ``n``).  ``method`` names the engine: ``"exact"`` (enumeration), ``"structured"`` (exact,
    payoffs of a linear index with few agent types), ``"multilinear"`` (power-law payoffs of a
    linear index at any profile, quadrature error below rounding) or ``"sampling"`` (Monte Carlo
    with standard errors; ``seed``,
    ``tol``, ``budget``, ``antithetic``).  ``gradient`` adds d phi_i/ds_i, ``jacobian`` (exact
    engines) d^2 phi_i / ds_i ds_j.  Options of another engine are errors naming them.
    """
    if method == "exact":
        _only(method, tol=tol, budget=budget, antithetic=antithetic)
        return exact_shapley(payoff, s, n=n, gradient=gradient, jacobian=jacobian)
    if method == "structured":
        _only(method, tol=tol, budget=budget, antithetic=antithetic)
        if n is not None:
            raise ValueError("n: the structured engine takes the number of agents from the payoff")
        return structured_shapley(payoff, s, gradient=gradient, jacobian=jacobian)
    if method == "multilinear":
        _only(method, tol=tol, budget=budget, antithetic=antithetic)
        if n is not None:
            raise ValueError("n: the multilinear engine takes the number of agents from the payoff")
        return multilinear_shapley(payoff, s, gradient=gradient, jacobian=jacobian)
    if method == "sampling":
        if jacobian:
            raise ValueError("jacobian: the sampling engine gives values and own gradients only")
        return sampled_shapley(payoff, s, n=n, seed=seed, tol=tol, budget=budget, antithetic=antithetic,
                               gradient=gradient)
    raise ValueError(f"method: expected one of {ENGINES}, got {method!r}")


EXACT_ENGINES = ("auto", "exact", "structured", "multilinear")
"""The exact engines, and ``auto`` (:func:`shapley_engine`)."""
AUTO_ENUMERATION = 12
"""``auto`` enumerates up to this many agents (exact without quadrature, under 0.01 s)."""


def shapley_engine(payoff: LinearIndexPayoff, s: np.ndarray, engine: str = "auto") -> str:
    """The exact engine used at s: ``engine`` itself unless ``auto``, which takes enumeration for
    small n, else the multilinear engine for power-law payoffs (any profile), else agent-type
    counts or enumeration, whichever is cheaper."""
    if engine != "auto":
        return engine
    if payoff.n > AUTO_ENUMERATION and multilinear_applies(payoff):
        return "multilinear"
    agent_type, rep = _types(_index_matrix(payoff), s)
    cells = float(np.prod(np.bincount(agent_type, minlength=rep.size) + 1.0))
    if payoff.n <= AUTO_ENUMERATION or cells > STRUCTURED_MAX_CELLS:
        return "exact" if payoff.n <= EXACT_MAX_PLAYERS else "structured"
    return "structured" if cells < 2.0 ** payoff.n else "exact"


def _only(method: str, *, tol: float | None, budget: int, antithetic: bool) -> None:
    if tol is not None:
        raise ValueError(f"tol: the {method} engine is exact and takes no sampling tolerance")
    if budget != 100_000:
        raise ValueError(f"budget: the {method} engine is exact and takes no sampling budget")
    if antithetic is not True:
        raise ValueError(f"antithetic: the {method} engine is exact and does not sample")


# ----------------------------------------------------------------------------- one agent's marginal frame

@dataclass(frozen=True)
class MarginalFrame:
    """phi_i(x, s_-i) = sum_c weights[c] (A(z_c + x k_i) - A(z_c)) for every own action x.

    ``index`` holds the index z_c = K s[X_c] of each coalition (or count vector) X_c of the
    others, ``own`` the column k_i = K[:, i]; exact (enumeration or type counts).  The rows of K
    may be its distinct rows, each counted ``rows`` times in A = sum_l f(z_l)."""

    f: object
    index: np.ndarray
    weights: np.ndarray
    own: np.ndarray
    rows: np.ndarray
    """How many rows of K each row of ``index`` stands for."""

    def _payoff(self, Z: np.ndarray) -> np.ndarray:
        """A = sum_l rows[l] f(z_l) for indices Z with the rows first."""
        return np.tensordot(self.rows, self.f.value(Z), axes=1)

    @cached_property
    def base(self) -> np.ndarray:
        """A(z_c) of every cell, once per frame."""
        return self._payoff(self.index.T)  # (cells,)

    def values(self, x: np.ndarray) -> np.ndarray:
        """phi_i at own actions x (any shape)."""
        x = np.asarray(x, dtype=float)
        base = self.base
        flat = x.reshape(-1)
        out = np.empty(flat.size)
        step = max(1, 2_000_000 // max(1, self.index.size))
        for a in range(0, flat.size, step):
            xs = flat[a:a + step]
            Z = self.index[:, None, :] + xs[None, :, None] * self.own[None, None, :]  # (cells, m, n_l)
            A = self._payoff(np.moveaxis(Z, 2, 0))  # (cells, m)
            out[a:a + step] = self.weights @ (A - base[:, None])
        return out.reshape(x.shape)


def marginal_frame(payoff: LinearIndexPayoff, s: np.ndarray, i: int, *, method: str = "exact",
                   max_cells: int = STRUCTURED_MAX_CELLS) -> MarginalFrame:
    """Agent i's Shapley value as a function of its own action, the others fixed at s_-i."""
    if not isinstance(payoff, LinearIndexPayoff):
        raise ValueError(f"payoff: marginal frames need a LinearIndexPayoff, got {type(payoff).__name__}")
    n = payoff.n
    s = _check_profile(s, n)
    K, rows = _frame_rows(payoff)
    others = np.delete(np.arange(n), i)
    w = _weights(n)
    if method == "exact":
        if n > EXACT_MAX_PLAYERS:
            raise ValueError(f"n: the exact engine takes n <= {EXACT_MAX_PLAYERS}, got n = {n}")
        codes = np.arange(2 ** (n - 1), dtype=np.int64)
        masks = ((codes[:, None] >> np.arange(n - 1)) & 1).astype(bool)
        S = np.where(masks, s[others], 0.0)
        return MarginalFrame(payoff.f, S @ K[:, others].T, w[masks.sum(axis=1)], K[:, i].copy(), rows)
    if method == "structured":
        agent_type, rep = _types(_index_matrix(payoff)[:, others], s[others])
        m = np.bincount(agent_type, minlength=rep.size)
        cells = int(np.prod(m + 1.0))
        if cells > max_cells:
            raise ValueError(f"s: {rep.size} distinct agent types give {cells} count vectors, above max_cells = "
                             f"{max_cells}")
        grids = np.meshgrid(*[np.arange(k + 1) for k in m], indexing="ij")
        C = np.stack([g.reshape(-1) for g in grids], axis=1).astype(float)
        V = (K[:, others[rep]] * s[others[rep]]).T
        logw = np.log(w[C.sum(axis=1).astype(int)])
        weights = np.exp(_log_binom(m[None, :].astype(float), C).sum(axis=1) + logw)
        return MarginalFrame(payoff.f, C @ V, weights, K[:, i].copy(), rows)
    raise ValueError(f"method: expected 'exact' or 'structured', got {method!r}")


def _frame_rows(payoff: LinearIndexPayoff) -> tuple[np.ndarray, np.ndarray]:
    """The rows of K a frame evaluates f on and how many rows of K each stands for: the distinct
    rows (:func:`_index_rows`) when f is one function for every row (scalar parameters; 003
    Section 5.1's groups share rows), else every row once."""
    f = payoff.f
    if dataclasses.is_dataclass(f) and all(np.ndim(getattr(f, x.name)) == 0 for x in dataclasses.fields(f)):
        return _index_rows(payoff)
    K = _index_matrix(payoff)
    return K, np.ones(K.shape[0])


# ----------------------------------------------------------------------------- multilinear extension

MULTILINEAR_STEP = 0.2
"""Trapezoid step in y = log t of the Laplace integral.  The integrand is analytic near the real
axis, so the rule converges exponentially in 1 / step; measured agreement with enumeration is
2e-14 relative (tests/valuation/test_shapley.py), not an a-priori bound."""


def multilinear_t_nodes(beta: float, shift: float, scale: float) -> np.ndarray:
    """The trapezoid nodes y = log t of the Laplace integral for (z + shift)^-beta with indices
    z <= ``scale`` - shift: from where t^beta (t scale) is below 1e-18 to where e^(-t shift) is below
    e^-100, step ``MULTILINEAR_STEP``."""
    lo = (np.log(1e-18) - 1.0) / beta - np.log(scale)
    hi = np.log(40.0 / shift) + 1.0
    return np.arange(lo, hi + MULTILINEAR_STEP, MULTILINEAR_STEP)


def multilinear_bytes(n: int, rows: int, t_nodes: int) -> int:
    """Memory of the multilinear engine's largest arrays for n agents, ``rows`` distinct index rows
    and ``t_nodes`` nodes in t: three arrays of ceil(n/2) x rows x t_nodes x n numbers (the log
    factors, the Jacobian's derivative factors and its Gram rows) and three of rows x t_nodes x n."""
    q = max(1, (n + 1) // 2)
    return 8 * (3 * q + 3) * rows * t_nodes * n


def _index_rows(payoff: LinearIndexPayoff) -> tuple[np.ndarray, np.ndarray]:
    """The distinct rows of K = E P and their multiplicities, from the distinct rows of E (never
    forming the n x n matrix K: a payoff of the total data has one row)."""
    distinct, inverse = np.unique(payoff.E, axis=0, return_inverse=True)
    return distinct @ payoff.P, np.bincount(inverse.reshape(-1), minlength=distinct.shape[0]).astype(float)


class _Multilinear:
    """phi for a(s) = top - alpha (z + shift)^-beta of a linear index z = K s, scalar parameters, shift > 0.

    phi_i = int_0^1 dq sum_l E[f(z_l(X_q + i)) - f(z_l(X_q))], X_q: each other agent in w.p. q.  The
    integrand is a polynomial of degree n - 1 in q: Gauss-Legendre with ceil(n/2) nodes is exact.
    With (z + c)^-beta = Gamma(beta)^-1 int_0^inf t^(beta-1) e^(-t (z + c)) dt the expectation over
    X_q factors: E[e^(-t z_l(X_q))] = prod_{j != i} (1 - q + q e^(-t K_lj s_j)).  The t integral
    runs on y = log t by the trapezoid rule (``MULTILINEAR_STEP``).  Arrays are laid out
    (q, l, j, t), one agent's block contiguous; a problem above ``MULTILINEAR_MAX_BYTES`` is
    refused before any is allocated."""

    def __init__(self, payoff: LinearIndexPayoff, s: np.ndarray) -> None:
        f = payoff.f
        if not multilinear_applies(payoff):
            raise ValueError("payoff: the multilinear engine needs a PowerLaw f with one alpha, beta, top for all "
                             "agents and shift > 0 (003 (12))")
        rows, counts = _index_rows(payoff)  # equal rows of K give equal f(z_l)
        self.n, self.s = payoff.n, s
        self.alpha, self.beta, self.c = float(f.alpha), float(f.beta), float(f.shift)
        self.rows, self.counts = rows, counts
        scale = max(float(np.max(rows @ np.abs(s), initial=0.0)), 0.0) + self.c
        y = multilinear_t_nodes(self.beta, self.c, scale)
        needed = multilinear_bytes(self.n, rows.shape[0], y.size)
        if needed > MULTILINEAR_MAX_BYTES:
            raise ValueError(f"n: the multilinear engine needs about {needed / 2**30:.3g} GiB for n = {self.n} agents "
                             f"({rows.shape[0]} index rows, {y.size} nodes in t), above its limit of "
                             f"{MULTILINEAR_MAX_BYTES / 2**30:g} GiB (MULTILINEAR_MAX_BYTES)")
        q, wq = np.polynomial.legendre.leggauss(max(1, (self.n + 1) // 2))
        self.q, self.wq = 0.5 * (q + 1.0), 0.5 * wq
        self.t, self.wt = np.exp(y), np.full(y.size, MULTILINEAR_STEP) * np.exp(y)  # dt = t dy
        self.norm = self.alpha / math.exp(math.lgamma(self.beta))
        # x[l, j, t] = t K_lj s_j; logterm[q, l, j, t] = log(1 - q + q e^-x)
        self.x = (rows * s[None, :])[:, :, None] * self.t[None, None, :]  # (L, n, Y)
        self.ex = np.exp(-self.x)
        logterm = np.expm1(-self.x)[None] * self.q[:, None, None, None]  # (Q, L, n, Y)
        self.logterm = np.log1p(logterm, out=logterm)
        self.logP = logterm.sum(axis=2)  # (Q, L, Y)

    def _base(self, i: int) -> np.ndarray:
        """w_q w_t e^(-t c) P_{l,-i}(q, t) * multiplicity, shape (Q, L, Y)."""
        P = np.exp(self.logP - self.logterm[:, :, i, :])
        return (self.wq[:, None, None] * self.wt[None, None, :] * np.exp(-self.t * self.c)[None, None, :]
                * P * self.counts[None, :, None])

    def value_at(self, i: int, x: np.ndarray) -> np.ndarray:
        """phi_i(x, s_-i) for own actions x (1-d)."""
        base = self._base(i) * self.t[None, None, :] ** (self.beta - 1.0)  # (Q, L, Y)
        k = self.rows[:, i]  # (L,)
        E = np.expm1(-self.t[None, None, :] * k[None, :, None] * np.asarray(x, float)[:, None, None])  # (m, L, Y)
        return -self.norm * np.einsum("qly,mly->m", base, E) + 0.0  # + 0.0: a null player's -0.0 becomes 0.0

    def values(self) -> np.ndarray:
        return np.array([self.value_at(i, self.s[i:i + 1])[0] for i in range(self.n)])

    def _own(self, i: int) -> np.ndarray:
        """d/ds_i of agent i's integrand: base_i t^beta K_li e^(-t K_li s_i), shape (Q, L, Y)."""
        k = self.rows[:, i]
        return self._base(i) * self.t[None, None, :] ** self.beta * k[:, None] * self.ex[None, :, i, :]

    def gradient(self) -> np.ndarray:
        return np.array([self.norm * self._own(i).sum() for i in range(self.n)])

    def jacobian(self) -> np.ndarray:
        """H_ij = norm sum_{q,l,t} own_i r_j with r_j = d log(term_j)/ds_j = -q t K_lj e^-x / term_j
        (one matrix product), and H_ii = -norm sum own_i t K_li."""
        Q, L, n, Y = self.logterm.shape
        r = np.empty((Q, L, Y, n))  # agents last: the right factor of the product
        np.subtract(-self.x.transpose(0, 2, 1)[None], self.logterm.transpose(0, 1, 3, 2), out=r)
        np.exp(r, out=r)
        r *= -self.q[:, None, None, None] * self.t[None, None, :, None]
        r *= self.rows[None, :, None, :]
        G = np.empty((n, Q * L * Y))
        diagonal = np.empty(self.n)
        for i in range(self.n):
            own = self._own(i)
            G[i] = own.reshape(-1)
            diagonal[i] = -self.norm * np.sum(own * self.t[None, None, :] * self.rows[:, i][:, None])
        H = self.norm * (G @ r.reshape(Q * L * Y, n))
        H[np.diag_indices(self.n)] = diagonal
        return H


def multilinear_shapley(payoff: LinearIndexPayoff, s: np.ndarray, *, gradient: bool = False,
                        jacobian: bool = False) -> ShapleyResult:
    """Shapley values of a power-law payoff of a linear index (003 (12), Section 5.1) at any profile,
    by the multilinear extension (exact Gauss-Legendre in q) and a Laplace integral (module
    :class:`_Multilinear`); measured agreement with enumeration 2e-14 relative (tests)."""
    t0 = time.perf_counter()
    if not isinstance(payoff, LinearIndexPayoff):
        raise ValueError(f"payoff: the multilinear engine needs a LinearIndexPayoff, got {type(payoff).__name__}")
    s = _check_profile(s, payoff.n)
    if np.any(s < 0):
        raise ValueError("s: the multilinear engine needs contributions >= 0")
    m = _Multilinear(payoff, s)
    return _result(payoff, s, payoff.n, "multilinear", m.values(), t0, gradient=m.gradient() if gradient else None,
                   jacobian=m.jacobian() if jacobian else None, iterations=m.q.size * m.t.size,
                   parameters={"q_nodes": int(m.q.size), "t_nodes": int(m.t.size), "index_rows": int(m.rows.shape[0])})


def multilinear_applies(payoff: Payoff) -> bool:
    """The multilinear engine applies: a power-law payoff of a linear index with scalar parameters, shift > 0."""
    f = getattr(payoff, "f", None)
    return (isinstance(payoff, LinearIndexPayoff) and type(f) is PowerLaw and f.shift > 0
            and not any(np.ndim(v) for v in (f.alpha, f.beta, f.top)))


def deviation_values(payoff: LinearIndexPayoff, s: np.ndarray, x: np.ndarray, *, method: str = "exact") -> np.ndarray:
    """``out[i, j] = phi_i(x[i, j], s_-i)``: each agent's Shapley value at candidate own actions, the
    others fixed at s (exact engines: ``"exact"``, ``"structured"`` or ``"multilinear"``)."""
    return DeviationFrames(payoff, s, method=method).values(x)


class DeviationFrames:
    """Each agent's Shapley value as a function of its own action, the others fixed at one profile
    s: agent i's :class:`MarginalFrame` (or the multilinear engine's factors at s), built the
    first time agent i is asked for and kept, so that the many evaluations a Nash certificate
    makes at one profile build n frames, not n per evaluation.  Frames are kept up to
    ``FRAMES_MAX_BYTES`` in all (n = 20 agents of distinct rows would hold gigabytes); past it the
    rest are built at each evaluation, one at a time, as before."""

    def __init__(self, payoff: LinearIndexPayoff, s: np.ndarray, *, method: str = "exact") -> None:
        self.payoff, self.s, self.method = payoff, _check_profile(s, payoff.n), method
        self._multilinear = _Multilinear(payoff, self.s) if method == "multilinear" else None
        self._frames: dict[int, MarginalFrame] = {}
        self._bytes = 0

    def agent(self, i: int, x: np.ndarray) -> np.ndarray:
        """phi_i(x, s_-i) at own actions x (1-d)."""
        if self._multilinear is not None:
            return self._multilinear.value_at(i, x)
        frame = self._frames.get(i)
        if frame is None:
            frame = marginal_frame(self.payoff, self.s, i, method=self.method)
            size = frame.index.nbytes + frame.weights.nbytes * 2  # the indices, weights and base values
            if self._bytes + size <= FRAMES_MAX_BYTES:
                self._frames[i], self._bytes = frame, self._bytes + size
        return frame.values(x)

    def values(self, x: np.ndarray) -> np.ndarray:
        """``out[i, j] = phi_i(x[i, j], s_-i)``."""
        x = np.asarray(x, dtype=float)
        if x.ndim != 2 or x.shape[0] != self.payoff.n:
            raise ValueError(f"x: expected candidate actions of shape (n, m) with n = {self.payoff.n}, got {x.shape}")
        out = np.empty(x.shape)
        for i in range(self.payoff.n):
            out[i] = self.agent(i, x[i])
        return out
