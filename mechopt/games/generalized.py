"""Games with vector strategies and shared constraints: generalized Nash equilibrium problems.

Player i chooses a vector x_i in a box [lower_i, upper_i] (``dims[i]`` coordinates) and
maximizes u_i(x) subject to the shared constraints g_k(x) <= 0, k = 1..m, jointly convex in the
whole profile x (Facchinei and Kanzow 2010, "Generalized Nash equilibrium problems", Ann. Oper.
Res. 175, (1)-(2)).  A profile x* is a generalized Nash equilibrium (GNE) when every x*_i is a
best response over {y in box_i : g(y, x*_-i) <= 0}.  The *variational* equilibria are the GNEs
whose KKT multipliers of the shared constraints are equal across players (ibid., Theorem 3.9):
with F(x) = (grad_{x_i} u_i(x))_i the pseudo-gradient, the mixed complementarity problem

    x in box  _|_  -(F(x) - J_g(x)^T mu),      mu >= 0  _|_  -g(x) >= 0.

Player i may also have its own convex constraints h_i(x_i, x_-i) <= 0 (convex in x_i), which bind
player i only and carry player i's own multipliers lambda_i: the MCP then adds
-(J_{h_i}(x)^T lambda_i) to player i's rows and lambda_i >= 0 _|_ -h_i(x) >= 0 (ibid., (4)-(5)).
All constraints are held together as c(x) = (g(x), h_1(x), ..., h_n(x)); :meth:`GeneralizedGame.rows`
gives the rows that bind player i.  A violation is judged relative to a translation-free scale:
the smaller of the constraint's variation over the boxes (|J_c| times the box widths) and its
terms' magnitude at x, after its rounding (128 eps of the terms) is taken off
(:meth:`GeneralizedGame.violations`).

Profiles are held flat (all players' coordinates in order, ``offsets`` mark the blocks);
:meth:`GeneralizedGame.split` gives the list of per-player arrays the public API shows.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from mechopt.games.differences import (CENTRAL_STENCIL, FD_STEP, FORWARD_STENCIL, JACOBIAN_STEP, JACOBIAN_STEP_EXACT,
                                       VALUE_NOISE)

ROUNDING = 128.0 * np.finfo(float).eps
"""Rounding allowance of a computed value, relative to the magnitude of the terms it is computed from."""

Profile = list[np.ndarray]
Utility = Callable[[Profile], float]
Gradient = Callable[[Profile], Any]


class GeneralizedGame(ABC):
    """n players with box strategy sets of dimensions ``dims``, utilities u_i and shared
    constraints g(x) <= 0 (module doc).  ``own_concave``: every u_i concave in x_i and every g_k
    convex (declared or, with ``concavity_proven``, known in closed form)."""

    dims: tuple[int, ...]
    lower: np.ndarray
    upper: np.ndarray

    @property
    def n(self) -> int:
        return len(self.dims)

    @property
    def size(self) -> int:
        return int(sum(self.dims))

    @property
    def offsets(self) -> np.ndarray:
        return np.concatenate([[0], np.cumsum(self.dims)]).astype(int)

    def block(self, i: int) -> slice:
        o = self.offsets
        return slice(int(o[i]), int(o[i + 1]))

    def split(self, x: np.ndarray) -> Profile:
        return [np.array(x[self.block(i)], dtype=float) for i in range(self.n)]

    def join(self, profile: Sequence[Any], field: str = "profile") -> np.ndarray:
        """A profile given per player as one flat array; a clear error naming ``field`` when a
        player's part has the wrong shape."""
        if len(profile) != self.n:
            raise ValueError(f"{field}: expected {self.n} strategies (one per player), got {len(profile)}")
        parts = []
        for i, xi in enumerate(profile):
            a = np.atleast_1d(np.asarray(xi, dtype=float))
            if a.shape != (self.dims[i],):
                raise ValueError(f"{field}[{i}]: expected {self.dims[i]} coordinates, got shape {a.shape}")
            parts.append(a)
        return np.concatenate(parts) if parts else np.zeros(0)

    @property
    def m(self) -> int:
        """Number of shared constraints."""
        return int(self.constraints(0.5 * (self.lower + self.upper)).size)

    @property
    @abstractmethod
    def own_concave(self) -> bool: ...

    @property
    def concavity_proven(self) -> bool:
        return False

    @abstractmethod
    def utilities(self, x: np.ndarray) -> np.ndarray:
        """u(x), shape (n,), at a flat profile."""

    def gain_magnitude(self, i: int, x: np.ndarray, y: np.ndarray) -> float:
        """The magnitude of the terms :meth:`gain` of player i deviating from x_i to y is computed
        from (default |u_i(y, x_-i)| + |u_i(x)|): a certificate's rounding allowance is relative to
        it at the deviations it evaluates, never its tolerance, and never to the boxes."""
        return abs(self.deviation_utility(i, x, y)) + abs(float(self.utilities(x)[i]))

    def answer_magnitudes(self, x: np.ndarray) -> np.ndarray:
        """The magnitude of the utilities at x itself, free of the boxes (default: the game's
        largest |u_j(x)|, for every player, so that one utility that happens to vanish at x does
        not leave its player without a tolerance; the families use each u_i's own terms, their
        constants left out).  A certificate's tolerance is relative to the smaller of this and
        :meth:`utility_variation`, so that neither a wider box nor a translated box nor an added
        constant loosens it."""
        with np.errstate(all="ignore"):
            values = np.abs(self.utilities(x))
        finite = values[np.isfinite(values)]
        return np.full(self.n, float(np.max(finite, initial=0.0)))

    def utility_variation(self, x: np.ndarray) -> np.ndarray:
        """How much each u_i varies over player i's box with x_-i fixed: the spread of u_i over
        x_i, the block's two extreme corners and each own coordinate moved to either bound
        (finite values only).  A certificate's tolerance is relative to it: adding a constant to
        u_i or translating the boxes changes nothing, multiplying u_i by s multiplies it by s."""
        out = np.zeros(self.n)
        for i in range(self.n):
            b = self.block(i)
            tries = [x[b], self.lower[b], self.upper[b]]
            for j in range(self.dims[i]):
                for end in (self.lower[b][j], self.upper[b][j]):
                    y = np.array(x[b], dtype=float)
                    y[j] = end
                    tries.append(y)
            with np.errstate(all="ignore"):
                gains = np.array([self.gain(i, x, y) for y in tries])
            gains = gains[np.isfinite(gains)]
            out[i] = float(np.max(gains) - np.min(gains)) if gains.size else 0.0
        return out

    @abstractmethod
    def pseudo_gradient(self, x: np.ndarray) -> np.ndarray:
        """F(x) = (grad_{x_i} u_i(x))_i, flat, shape (size,)."""

    def pseudo_gradient_error(self, x: np.ndarray) -> np.ndarray:
        """Estimated absolute error of :meth:`pseudo_gradient` (zero for closed forms)."""
        return np.zeros(self.size)

    def gradient_magnitudes(self, x: np.ndarray) -> np.ndarray:
        """The magnitude of the terms each F_j is computed from at x (default |F_j(x)|; the
        families sum their terms' magnitudes): F's rounding is relative to it."""
        return np.abs(self.pseudo_gradient(x))

    @abstractmethod
    def pseudo_jacobian(self, x: np.ndarray) -> np.ndarray:
        """dF/dx, shape (size, size)."""

    @abstractmethod
    def constraints(self, x: np.ndarray) -> np.ndarray:
        """g(x), shape (m,), feasible when <= 0."""

    @abstractmethod
    def constraint_jacobian(self, x: np.ndarray) -> np.ndarray:
        """dg/dx, shape (m, size)."""

    def constraint_curvature(self, x: np.ndarray, mu: np.ndarray) -> np.ndarray:
        """sum_k mu_k Hess g_k(x), shape (size, size); zero for linear constraints (default)."""
        return np.zeros((self.size, self.size))

    def constraint_magnitudes(self, x: np.ndarray) -> np.ndarray:
        """The magnitude of each g_k's terms at x (violations are judged relative to it)."""
        g = self.constraints(x)
        return np.abs(g) + np.abs(self.constraint_jacobian(x)) @ np.abs(x)

    @property
    def owners(self) -> np.ndarray:
        """The player each player-specific constraint h belongs to, shape (p,) (none by default)."""
        return np.zeros(0, dtype=int)

    @property
    def p(self) -> int:
        """Number of player-specific constraints (all players')."""
        return int(self.owners.size)

    def player_constraints(self, x: np.ndarray) -> np.ndarray:
        """h(x), every player's own constraints in player order, shape (p,), feasible when <= 0."""
        return np.zeros(0)

    def player_constraint_jacobian(self, x: np.ndarray) -> np.ndarray:
        """dh/dx, shape (p, size)."""
        return np.zeros((0, self.size))

    def player_curvature(self, x: np.ndarray, lam: np.ndarray) -> np.ndarray:
        """d/dx of (mask * J_h(x))^T lam, the own-block Hessians of h weighted by lam, shape (size, size)."""
        return np.zeros((self.size, self.size))

    def rows(self, i: int) -> np.ndarray:
        """The rows of c = (g, h) binding player i: every shared one and player i's own."""
        return np.concatenate([np.arange(self.m), self.m + np.flatnonzero(self.owners == i)]).astype(int)

    def split_own(self, lam: np.ndarray) -> list[np.ndarray]:
        """Player-specific multipliers (or values), flat in player order, as one array per player."""
        lam = np.asarray(lam, dtype=float)
        return [np.array(lam[self.owners == i], dtype=float) for i in range(self.n)]

    def all_constraints(self, x: np.ndarray) -> np.ndarray:
        """c(x) = (g(x), h(x))."""
        return np.concatenate([self.constraints(x), self.player_constraints(x)])

    def all_jacobian(self, x: np.ndarray) -> np.ndarray:
        """dc/dx, shape (m + p, size)."""
        return np.vstack([self.constraint_jacobian(x).reshape(-1, self.size),
                          self.player_constraint_jacobian(x).reshape(-1, self.size)])

    def multiplier_mask(self) -> np.ndarray:
        """(m + p, size): row k's multiplier enters coordinate j's stationarity (shared rows: every
        coordinate; player i's rows: player i's coordinates only)."""
        mask = np.ones((self.m + self.p, self.size), dtype=bool)
        player = np.repeat(np.arange(self.n), self.dims)
        mask[self.m:] = self.owners[:, None] == player[None, :]
        return mask

    def all_magnitudes(self, x: np.ndarray) -> np.ndarray:
        """The magnitude of each c_k's terms at x."""
        h = self.player_constraints(x)
        own = np.abs(h) + np.abs(self.player_constraint_jacobian(x)).reshape(-1, self.size) @ np.abs(x)
        return np.concatenate([self.constraint_magnitudes(x), own])

    def constraint_scales(self, x: np.ndarray) -> np.ndarray:
        """The translation-free scale of each c_k: the smaller of |J_c(x)| w (its variation over
        the boxes) and its terms' magnitude at x (the latter alone where c_k is flat)."""
        spread = np.abs(self.all_jacobian(x)) @ (self.upper - self.lower)
        terms = self.all_magnitudes(x)
        scale = np.where(spread > 0, np.minimum(spread, terms), terms)
        return np.maximum(scale, np.finfo(float).tiny)

    def violations(self, x: np.ndarray) -> np.ndarray:
        """max(c_k(x) - rounding, 0) / scale_k (module doc), shape (m + p,)."""
        c = self.all_constraints(x)
        return np.maximum(c - ROUNDING * self.all_magnitudes(x), 0.0) / self.constraint_scales(x)

    def deviation_utility(self, i: int, x: np.ndarray, y: np.ndarray) -> float:
        """u_i(y, x_-i)."""
        t = np.array(x, dtype=float)
        t[self.block(i)] = y
        return float(self.utilities(t)[i])

    def gain(self, i: int, x: np.ndarray, y: np.ndarray) -> float:
        """u_i(y, x_-i) - u_i(x) (families override it with a form free of u_i's constants)."""
        return self.deviation_utility(i, x, y) - float(self.utilities(x)[i])

    def response_program(self, i: int) -> ResponseProgram | None:
        """Player i's best-response problem as a cvxpy program built once, with Parameters for the
        others' strategies and the objective's unit (:class:`ResponseProgram`), when the game's
        families are DCP-expressible; None otherwise."""
        return None

    def affine_form(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
        """(M, q, A, b) with F(x) = M x + q and c(x) = A x - b (every constraint, shared rows then
        player-specific ones, :meth:`all_constraints`) when both are affine in closed form; None
        otherwise."""
        return None


@dataclass(frozen=True)
class ResponseProgram:
    """Player i's best response as one parametrized (DPP) cvxpy problem, maximize u_i(y, x_-i) /
    scale over y in the box under the shared constraints and player i's own: :meth:`solve` assigns
    the Parameters for x_-i and the unit and re-solves, so the problem is canonicalized once
    however many times it is solved (cvxpy's DPP cache)."""

    problem: Any
    variable: Any
    assign: Callable[[np.ndarray, float], None]
    """Sets the Parameters for the flat profile's other players and the objective's unit."""
    shared: Any = None
    """The constraint of the m shared rows (None when m = 0): its duals are the shared multipliers."""
    own: Any = None
    """The constraint of player i's own rows (None when it has none)."""

    def solve(self, x: np.ndarray, scale: float, **options: Any) -> np.ndarray | None:
        """The maximizer given x_-i with the objective divided by ``scale`` (Clarabel with
        ``options``); None when the solver fails or returns no point."""
        import warnings

        import cvxpy as cp

        self.assign(np.asarray(x, dtype=float), float(scale))
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                self.problem.solve(solver=cp.CLARABEL, **options)
        except cp.error.SolverError:
            return None
        if self.problem.status not in ("optimal", "optimal_inaccurate") or self.variable.value is None:
            return None
        return np.asarray(self.variable.value, dtype=float).ravel()

    def duals(self, scale: float) -> tuple[np.ndarray | None, np.ndarray | None]:
        """The multipliers of the shared rows and of player i's own in utility units (the duals
        times ``scale``, negative parts dropped); None for a constraint without duals."""
        out = []
        for constraint in (self.shared, self.own):
            dual = None if constraint is None else constraint.dual_value
            out.append(None if dual is None else scale * np.maximum(np.atleast_1d(np.asarray(dual, dtype=float)), 0.0))
        return out[0], out[1]


def scale_of(lower: np.ndarray, upper: np.ndarray, x: np.ndarray) -> np.ndarray:
    """The scale of each coordinate that difference steps are relative to."""
    width = upper - lower
    return np.clip(np.abs(x), 1e-3 * width, width)


def difference(f: Callable[[np.ndarray], float], x: np.ndarray, j: int, h: float, lo: float,
               hi: float) -> tuple[float, float, float]:
    """Fourth-order difference quotient of f in coordinate j (central where the stencil fits in
    [lo, hi], one-sided towards the larger room otherwise): the quotient, the step used and its
    rounding error (as :meth:`mechopt.games.base.CallableGame._difference`)."""
    xj = x[j]
    if xj - 2.0 * h >= lo and xj + 2.0 * h <= hi:
        offsets, weights = CENTRAL_STENCIL
    else:
        direction = 1.0 if hi - xj >= xj - lo else -1.0
        h = direction * min(h, 0.25 * max(hi - xj, xj - lo))
        offsets, weights = FORWARD_STENCIL
    values = np.empty(offsets.size)
    t = np.array(x, dtype=float)
    for k, o in enumerate(offsets):
        t[j] = xj + o * h
        values[k] = f(t)
    rounding = VALUE_NOISE * np.finfo(float).eps * float(np.max(np.abs(values))) * float(np.sum(np.abs(weights)))
    return float(weights @ values) / h, abs(h), rounding / abs(h)


class CallableGeneralizedGame(GeneralizedGame):
    """A generalized game given by callables of the profile (a list of 1-D arrays, one per player):
    ``utilities[i](x)``, optional ``gradients[i](x)`` (grad_{x_i} u_i, exact), shared constraints
    ``shared_constraints[k](x)`` (<= 0) with optional ``constraint_gradients[k](x)`` (the full
    gradient, a list of per-player arrays), player-specific constraints
    ``player_constraints[i][l](x)`` (<= 0, binding player i only, convex in x_i) with optional
    ``player_constraint_gradients[i][l](x)`` (the full gradient, as for the shared ones).  Missing
    derivatives are fourth-order differences whose error is estimated (:meth:`pseudo_gradient_error`)."""

    def __init__(self, utilities: Sequence[Utility], bounds: Sequence[Any], *, gradients: Sequence[Gradient] | None = None,
                 shared_constraints: Sequence[Utility] = (), constraint_gradients: Sequence[Gradient] | None = None,
                 concave: bool = False, player_constraints: Sequence[Sequence[Utility]] | None = None,
                 player_constraint_gradients: Sequence[Sequence[Gradient]] | None = None) -> None:
        own, own_grads = _own_lists(player_constraints, player_constraint_gradients, len(utilities)
                                    if isinstance(utilities, (list, tuple)) else 0)
        for name, given in (("utilities", utilities), ("bounds", bounds), ("shared_constraints", shared_constraints),
                            ("gradients", gradients), ("constraint_gradients", constraint_gradients)):
            if given is not None and not isinstance(given, (list, tuple)):
                raise ValueError(f"{name}: expected a list, got {type(given).__name__}")
        for name, given in (("utilities", utilities), ("shared_constraints", shared_constraints),
                            ("gradients", gradients or ()), ("constraint_gradients", constraint_gradients or ())):
            for k, f in enumerate(given):
                if not callable(f):
                    raise ValueError(f"{name}[{k}]: expected a callable of the profile, got {type(f).__name__}")
        if not isinstance(concave, (bool, np.bool_)):
            raise ValueError(f"concave: expected True or False, got {concave!r}")
        if len(utilities) < 1:
            raise ValueError("utilities: expected one callable per player, got none")
        if len(utilities) != len(bounds):
            raise ValueError(f"utilities: got {len(utilities)} callables for {len(bounds)} players' bounds")
        lows, highs, dims = [], [], []
        for i, b in enumerate(bounds):
            try:
                a = np.asarray(b, dtype=float)
            except (TypeError, ValueError):
                raise ValueError(f"bounds[{i}]: expected (lower, upper) pairs of numbers, got {b!r}") from None
            if a.ndim == 1:
                a = a[None, :]
            if a.ndim != 2 or a.shape[1] != 2 or a.shape[0] < 1:
                raise ValueError(f"bounds[{i}]: expected a (lower, upper) pair or a list of them, got shape {np.shape(b)}")
            if not np.all(np.isfinite(a)):
                raise ValueError(f"bounds[{i}]: bounds must be finite numbers")
            if np.any(a[:, 1] <= a[:, 0]):
                j = int(np.argmax(a[:, 1] <= a[:, 0]))
                raise ValueError(f"bounds[{i}][{j}]: upper bound {a[j, 1]:g} <= lower bound {a[j, 0]:g}")
            lows.append(a[:, 0])
            highs.append(a[:, 1])
            dims.append(a.shape[0])
        for name, given, count in (("gradients", gradients, len(utilities)),
                                   ("constraint_gradients", constraint_gradients, len(shared_constraints))):
            if given is not None and len(given) != count:
                raise ValueError(f"{name}: got {len(given)} callables for {count}")
        self.dims = tuple(dims)
        self.lower, self.upper = np.concatenate(lows), np.concatenate(highs)
        self._u, self._g = list(utilities), list(shared_constraints)
        self._du = None if gradients is None else list(gradients)
        self._dg = None if constraint_gradients is None else list(constraint_gradients)
        self._concave = bool(concave)
        self._h = [h for hs in own for h in hs]
        self._dh = None if own_grads is None else [d for ds in own_grads for d in ds]
        self._owners = np.array([i for i, hs in enumerate(own) for _ in hs], dtype=int)
        check_values(self)

    @property
    def own_concave(self) -> bool:
        return self._concave

    def utilities(self, x: np.ndarray) -> np.ndarray:
        p = self.split(x)
        return np.array([float(u(p)) for u in self._u])

    def _player_value(self, i: int) -> Callable[[np.ndarray], float]:
        return lambda t: float(self._u[i](self.split(t)))

    def _coordinate_derivatives(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Difference quotients of u_i in each of its coordinates, and their error estimates
        (2 |D(h) - D(2h)| plus rounding)."""
        h = FD_STEP * scale_of(self.lower, self.upper, x)
        grad, err = np.empty(self.size), np.empty(self.size)
        for i in range(self.n):
            f = self._player_value(i)
            for j in range(*self.block(i).indices(self.size)):
                d1, used, rounding = difference(f, x, j, h[j], self.lower[j], self.upper[j])
                d2, _, _ = difference(f, x, j, 2.0 * used, self.lower[j], self.upper[j])
                grad[j], err[j] = d1, 2.0 * abs(d1 - d2) + rounding
        return grad, err

    def pseudo_gradient(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        if self._du is not None:
            p = self.split(x)
            return self.join([g(p) for g in self._du], "gradients")
        return self._coordinate_derivatives(x)[0]

    def pseudo_gradient_error(self, x: np.ndarray) -> np.ndarray:
        if self._du is not None:
            return np.zeros(self.size)
        return self._coordinate_derivatives(np.asarray(x, dtype=float))[1]

    def pseudo_jacobian(self, x: np.ndarray) -> np.ndarray:
        return _jacobian(self.pseudo_gradient, x, self.lower, self.upper,
                         JACOBIAN_STEP if self._du is None else JACOBIAN_STEP_EXACT)

    def _values(self, x: np.ndarray, functions: list[Utility]) -> np.ndarray:
        p = self.split(np.asarray(x, dtype=float))
        return np.array([float(f(p)) for f in functions])

    def _rows(self, x: np.ndarray, functions: list[Utility], gradients: list[Gradient] | None,
              names: list[str]) -> np.ndarray:
        """The gradients of ``functions`` at x, one row each: the user's ``gradients`` where given
        (``names[k]`` in errors), else differences inside the box."""
        x = np.asarray(x, dtype=float)
        if not functions:
            return np.zeros((0, self.size))
        if gradients is not None:
            p = self.split(x)
            return np.array([self.join(d(p), name) for d, name in zip(gradients, names, strict=True)])
        h = FD_STEP * scale_of(self.lower, self.upper, x)
        J = np.empty((len(functions), self.size))
        for k, fk in enumerate(functions):
            f = lambda t, fk=fk: float(fk(self.split(t)))  # noqa: E731
            for j in range(self.size):
                J[k, j] = difference(f, x, j, h[j], self.lower[j], self.upper[j])[0]
        return J

    def constraints(self, x: np.ndarray) -> np.ndarray:
        return self._values(x, self._g)

    def constraint_jacobian(self, x: np.ndarray) -> np.ndarray:
        return self._rows(x, self._g, self._dg, [f"constraint_gradients[{k}]" for k in range(len(self._g))])

    def constraint_curvature(self, x: np.ndarray, mu: np.ndarray) -> np.ndarray:
        if not self._g or not np.any(mu):
            return np.zeros((self.size, self.size))
        return _jacobian(lambda t: self.constraint_jacobian(t).T @ mu, x, self.lower, self.upper,
                         JACOBIAN_STEP if self._dg is None else JACOBIAN_STEP_EXACT)

    @property
    def owners(self) -> np.ndarray:
        return self._owners

    def player_constraints(self, x: np.ndarray) -> np.ndarray:
        return self._values(x, self._h)

    def player_constraint_jacobian(self, x: np.ndarray) -> np.ndarray:
        return self._rows(x, self._h, self._dh, [f"player_constraint_gradients[{int(i)}]" for i in self._owners])

    def player_curvature(self, x: np.ndarray, lam: np.ndarray) -> np.ndarray:
        if not self._h or not np.any(lam):
            return np.zeros((self.size, self.size))
        mask = self.multiplier_mask()[self.m:]
        return _jacobian(lambda t: (mask * self.player_constraint_jacobian(t)).T @ lam, x, self.lower, self.upper,
                         JACOBIAN_STEP if self._dh is None else JACOBIAN_STEP_EXACT)


def _own_lists(given: Any, gradients: Any, n: int) -> tuple[list[list[Utility]], list[list[Gradient]] | None]:
    """``player_constraints`` (and their gradients) as one list of callables per player; a clear
    error naming the field otherwise."""
    lists = []
    for name, value in (("player_constraints", given), ("player_constraint_gradients", gradients)):
        if value is None:
            lists.append(None)
            continue
        if not isinstance(value, (list, tuple)) or len(value) != n:
            raise ValueError(f"{name}: expected one list of callables per player ({n}), got {value!r}")
        for i, fs in enumerate(value):
            if not isinstance(fs, (list, tuple)):
                raise ValueError(f"{name}[{i}]: expected a list of callables, got {type(fs).__name__}")
            for k, f in enumerate(fs):
                if not callable(f):
                    raise ValueError(f"{name}[{i}][{k}]: expected a callable of the profile, got {type(f).__name__}")
        lists.append([list(fs) for fs in value])
    own, grads = lists
    if grads is not None and (own is None or [len(a) for a in grads] != [len(a) for a in own]):
        raise ValueError("player_constraint_gradients: expected one gradient per player constraint")
    return own or [[] for _ in range(n)], grads


def _jacobian(f: Callable[[np.ndarray], np.ndarray], x: np.ndarray, lower: np.ndarray, upper: np.ndarray,
              rel: float) -> np.ndarray:
    """Central difference (one-sided at a bound) of a vector map, column by column."""
    x = np.asarray(x, dtype=float)
    h = rel * scale_of(lower, upper, x)
    J = np.empty((x.size, x.size))
    for j in range(x.size):
        lo, hi = np.array(x), np.array(x)
        lo[j], hi[j] = max(x[j] - h[j], lower[j]), min(x[j] + h[j], upper[j])
        J[:, j] = (f(hi) - f(lo)) / (hi[j] - lo[j])
    return J


def _one_number(f: Callable[[Profile], Any], p: Profile, field: str) -> float:
    """f(p) as one finite number, else a ValueError naming ``field``."""
    try:
        v = f(p)
        a = np.asarray(v, dtype=float)
    except (TypeError, ValueError) as err:
        raise ValueError(f"{field}: expected one finite number, got {type(err).__name__}: {err}") from None
    if v is None or a.size != 1 or a.ndim > 1:
        raise ValueError(f"{field}: expected one finite number, got {v!r}")
    value = float(a.reshape(-1)[0])
    if not np.isfinite(value):
        raise ValueError(f"{field}: expected one finite number, got {value!r}")
    return value


def check_values(game: GeneralizedGame) -> None:
    """Each callable at the box midpoint returns one finite number (else an error naming it:
    ``utilities[i]``, ``shared_constraints[k]``), and the shared constraints admit a profile in
    the boxes (:func:`check_feasible`)."""
    mid = 0.5 * (game.lower + game.upper)
    if isinstance(game, CallableGeneralizedGame):
        p = game.split(mid)
        for name, fs in (("utilities", game._u), ("shared_constraints", game._g)):
            for k, f in enumerate(fs):
                with np.errstate(all="ignore"):
                    _one_number(f, p, f"{name}[{k}]")
        for k, f in enumerate(game._h):
            with np.errstate(all="ignore"):
                _one_number(f, p, f"player_constraints[{int(game._owners[k])}]")
    with np.errstate(all="ignore"):
        u, g = game.utilities(mid), game.constraints(mid)
    if u.shape != (game.n,):
        raise ValueError(f"utilities: expected one number per player, got shape {u.shape}")
    if g.ndim != 1:
        raise ValueError(f"shared_constraints: expected one number per constraint, got shape {g.shape}")
    check_feasible(game)


def check_feasible(game: GeneralizedGame, rtol: float = 1e-9, own_field: str = "player_constraints[{i}]") -> None:
    """Some profile in the boxes satisfies every constraint (shared and player-specific, c = (g, h)): the smallest max_k c_k over
    the boxes (a convex program for jointly convex g; SLSQP on (x, t) with g_k(x) <= t) must be
    <= 0 up to ``rtol`` of the constraints' magnitude.  Else a ValueError naming the field
    (``own_field`` with ``{i}`` the player, for player-specific constraints)."""
    from scipy.optimize import minimize

    k = game.m + game.p
    if k == 0:
        return
    mid = 0.5 * (game.lower + game.upper)
    g0 = game.all_constraints(mid)
    if np.all(g0 <= 0):
        return
    N = game.size
    start = np.concatenate([mid, [float(np.max(g0))]])
    cons = {"type": "ineq", "fun": lambda z: z[N] - game.all_constraints(z[:N]),
            "jac": lambda z: np.hstack([-game.all_jacobian(z[:N]), np.ones((k, 1))])}
    bounds = [*zip(game.lower, game.upper), (None, None)]
    res = minimize(lambda z: z[N], start, jac=lambda z: np.eye(N + 1)[N], bounds=bounds, constraints=[cons],
                   method="SLSQP", options={"maxiter": 500, "ftol": 1e-14})
    x = np.clip(res.x[:N], game.lower, game.upper)
    g = game.all_constraints(x)
    worst = int(np.argmax(g))
    if g[worst] > rtol * max(float(game.all_magnitudes(x)[worst]), np.finfo(float).tiny):
        field = "shared_constraints" if worst < game.m else own_field.format(i=int(game.owners[worst - game.m]))
        raise ValueError(f"{field}: no profile in the players' boxes satisfies every constraint "
                         f"(the smallest max_k c_k(x) found is {float(np.max(g)):.6g} > 0, at constraint {worst})")
