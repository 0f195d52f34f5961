"""Built-in generalized games whose concavity, derivatives and best-response programs are known
in closed form: quadratic games with linear shared constraints (the classic test problems of
Facchinei and Kanzow 2010, Section 5) and vector data-sharing games with a shared capacity
(001 Section 2 with several data types per agent)."""

from __future__ import annotations

from typing import Any

import numpy as np

from mechopt.games.generalized import GeneralizedGame, ResponseProgram, check_feasible


def _boxes(bounds: list[Any], field: str = "bounds") -> tuple[tuple[int, ...], np.ndarray, np.ndarray]:
    dims, lo, hi = [], [], []
    for i, b in enumerate(bounds):
        a = np.asarray(b, dtype=float).reshape(-1, 2) if np.size(b) else np.zeros((0, 2))
        if a.shape[0] < 1 or not np.all(np.isfinite(a)) or np.any(a[:, 1] <= a[:, 0]):
            raise ValueError(f"{field}[{i}]: expected finite (lower, upper) pairs with lower < upper, got {b!r}")
        dims.append(a.shape[0])
        lo.append(a[:, 0])
        hi.append(a[:, 1])
    return tuple(dims), np.concatenate(lo), np.concatenate(hi)


def _player_rows(player_A: Any, player_b: Any, n: int, N: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Player-specific linear constraints ``player_A[i] x <= player_b[i]`` (rows over the whole
    profile, one list of rows per player, empty for a player without any) stacked in player order,
    with each row's owner; a clear error naming the field otherwise."""
    if (player_A is None) != (player_b is None):
        raise ValueError("player_A, player_b: give both (player i's constraints player_A[i] x <= player_b[i]) or "
                         "neither")
    if player_A is None:
        return np.zeros((0, N)), np.zeros(0), np.zeros(0, dtype=int)
    for name, given in (("player_A", player_A), ("player_b", player_b)):
        if not isinstance(given, (list, tuple)) or len(given) != n:
            raise ValueError(f"{name}: expected one list per player ({n}), got {given!r}")
    rows, rhs, owners = [np.zeros((0, N))], [np.zeros(0)], []
    for i, (P, p) in enumerate(zip(player_A, player_b)):
        try:
            b, P = np.asarray(p, dtype=float), np.asarray(P, dtype=float)
        except (TypeError, ValueError):
            raise ValueError(f"player_A[{i}], player_b[{i}]: expected rows of {N} numbers and one number per row"
                             ) from None
        if b.ndim != 1:
            raise ValueError(f"player_b[{i}]: expected a list of numbers, got shape {b.shape}")
        P = P.reshape(0, N) if P.size == 0 else P
        if P.shape != (b.size, N):
            raise ValueError(f"player_A[{i}]: expected {b.size} rows (one per entry of player_b[{i}]) of {N} numbers, "
                             f"got shape {P.shape}")
        if not (np.all(np.isfinite(P)) and np.all(np.isfinite(b))):
            raise ValueError(f"player_A[{i}], player_b[{i}]: must be finite numbers")
        rows.append(P)
        rhs.append(b)
        owners += [i] * b.size
    return np.vstack(rows), np.concatenate(rhs), np.array(owners, dtype=int)


class QuadraticGame(GeneralizedGame):
    """Player i minimizes the cost theta_i(x) = x^T Q_i x / 2 + c_i^T x + d_i (u_i = -theta_i)
    over its box subject to the shared constraints A x <= b and its own ``player_A[i] x <=
    player_b[i]`` (rows over the whole profile, binding player i only, with player i's own
    multipliers).  Concave in x_i in closed form iff the own block of Q_i is positive semidefinite
    (checked); the best response is then a convex QP."""

    def __init__(self, Q: list[Any], c: list[Any], bounds: list[Any], A: Any = None, b: Any = None,
                 d: Any = None, player_A: list[Any] | None = None, player_b: list[Any] | None = None) -> None:
        self.dims, self.lower, self.upper = _boxes(bounds)
        N = self.size
        self.Q = np.asarray(Q, dtype=float)
        self.c = np.asarray(c, dtype=float)
        if self.Q.shape != (self.n, N, N):
            raise ValueError(f"Q: expected {self.n} matrices of shape ({N}, {N}), got shape {self.Q.shape}")
        if self.c.shape != (self.n, N):
            raise ValueError(f"c: expected {self.n} vectors of length {N}, got shape {self.c.shape}")
        self.Q = 0.5 * (self.Q + self.Q.transpose(0, 2, 1))
        self.d = np.zeros(self.n) if d is None else np.asarray(d, dtype=float)
        self.A = np.zeros((0, N)) if A is None else np.atleast_2d(np.asarray(A, dtype=float))
        self.b = np.zeros(0) if b is None else np.atleast_1d(np.asarray(b, dtype=float))
        if self.A.shape[1:] != (N,) or self.b.shape != (self.A.shape[0],):
            raise ValueError(f"shared_constraints: expected A of shape (m, {N}) and b of length m, got "
                             f"{self.A.shape} and {self.b.shape}")
        for name, v in (("Q", self.Q), ("c", self.c), ("d", self.d), ("A", self.A), ("b", self.b)):
            if not np.all(np.isfinite(v)):
                raise ValueError(f"{name}: must be finite numbers")
        self.P, self.p_rhs, self._owners = _player_rows(player_A, player_b, self.n, N)
        self._proven = all(
            float(np.min(np.linalg.eigvalsh(self.Q[i][self.block(i), self.block(i)]), initial=0.0))
            >= -1e-12 * max(1.0, float(np.max(np.abs(self.Q[i])))) for i in range(self.n))
        check_feasible(self, own_field="player_A[{i}], player_b[{i}]")

    @property
    def own_concave(self) -> bool:
        return self._proven

    @property
    def concavity_proven(self) -> bool:
        return self._proven

    def utilities(self, x: np.ndarray) -> np.ndarray:
        return -(0.5 * np.einsum("j,ijk,k->i", x, self.Q, x) + self.c @ x + self.d)

    def _own_terms(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per player: |r_i| w_i (r_i = grad_{x_i} u_i(x)) and w_i^T |Q_ii| w_i / 2, the two
        terms of a gain over the box (w the box widths)."""
        w, r = self.upper - self.lower, np.abs(self.pseudo_gradient(x))
        linear, curved = np.empty(self.n), np.empty(self.n)
        for i in range(self.n):
            b = self.block(i)
            linear[i] = float(r[b] @ w[b])
            curved[i] = 0.5 * float(w[b] @ np.abs(self.Q[i][b, b]) @ w[b])
        return linear, curved

    def utility_variation(self, x: np.ndarray) -> np.ndarray:
        """|r_i| w_i + w_i^T |Q_ii| w_i / 2: bounds u_i's spread over the box, free of d_i and of
        a translation of the boxes (the data of u_i enter through the gradient only)."""
        linear, curved = self._own_terms(x)
        return linear + curved

    def answer_magnitudes(self, x: np.ndarray) -> np.ndarray:
        """|x^T Q_i x| / 2 + |c_i^T x| in term magnitudes (d_i left out)."""
        ax = np.abs(x)
        return 0.5 * np.einsum("j,ijk,k->i", ax, np.abs(self.Q), ax) + np.abs(self.c) @ ax

    def gain_magnitude(self, i: int, x: np.ndarray, y: np.ndarray) -> float:
        """The terms :meth:`gain` is computed from at the deviation e = y - x_i: the gradient's own
        terms (|Q_i x| and |c_i|, rounded as they are summed) times |e|, and e^T |Q_ii| e / 2."""
        b = self.block(i)
        e = np.abs(np.asarray(y, dtype=float) - x[b])
        terms = np.abs(self.Q[i][b, :]) @ np.abs(x) + np.abs(self.c[i][b])
        return float(terms @ e + 0.5 * e @ np.abs(self.Q[i][b, b]) @ e)

    def gain(self, i: int, x: np.ndarray, y: np.ndarray) -> float:
        """r_i^T e - e^T Q_ii e / 2 with e = y - x_i: exact for a quadratic, and free of d_i and of
        the cancellation of u_i's large terms in a translated game."""
        b = self.block(i)
        e = np.asarray(y, dtype=float) - x[b]
        r = -(self.Q[i][b, :] @ x + self.c[i][b])
        return float(r @ e - 0.5 * e @ self.Q[i][b, b] @ e)

    def pseudo_gradient(self, x: np.ndarray) -> np.ndarray:
        full = -(self.Q @ x + self.c)  # (n, N): grad of u_i in every coordinate
        return np.concatenate([full[i, self.block(i)] for i in range(self.n)])

    def pseudo_jacobian(self, x: np.ndarray) -> np.ndarray:
        return np.vstack([-self.Q[i][self.block(i), :] for i in range(self.n)])

    def gradient_magnitudes(self, x: np.ndarray) -> np.ndarray:
        """|Q_i| |x| + |c_i| in player i's coordinates."""
        full = np.abs(self.Q) @ np.abs(x) + np.abs(self.c)
        return np.concatenate([full[i, self.block(i)] for i in range(self.n)])

    def constraints(self, x: np.ndarray) -> np.ndarray:
        return self.A @ x - self.b

    def constraint_jacobian(self, x: np.ndarray) -> np.ndarray:
        return self.A

    def constraint_magnitudes(self, x: np.ndarray) -> np.ndarray:
        return np.abs(self.A) @ np.abs(x) + np.abs(self.b)

    @property
    def owners(self) -> np.ndarray:
        return self._owners

    def player_constraints(self, x: np.ndarray) -> np.ndarray:
        return self.P @ x - self.p_rhs

    def player_constraint_jacobian(self, x: np.ndarray) -> np.ndarray:
        return self.P

    def all_magnitudes(self, x: np.ndarray) -> np.ndarray:
        return np.concatenate([self.constraint_magnitudes(x), np.abs(self.P) @ np.abs(x) + np.abs(self.p_rhs)])

    def response_program(self, i: int) -> ResponseProgram | None:
        """maximize -(y^T Q_ii y / 2 + (Q_i,-i x_-i + c_i)^T y) / scale over player i's box,
        A_i y <= b - A_-i x_-i and player i's own rows alike; the linear term and the right-hand
        sides are Parameters, the quadratic term weighted by 1 / scale (built on first use and
        kept, so the dynamics and the certificate canonicalize it once)."""
        if not self._proven:
            return None
        programs = self.__dict__.setdefault("_programs", {})
        if i not in programs:
            programs[i] = self._build_program(i)
        return programs[i]

    def _build_program(self, i: int) -> ResponseProgram:
        import cvxpy as cp

        own = self.block(i)
        mine = self._owners == i
        y = cp.Variable(self.dims[i])
        weight, linear = cp.Parameter(nonneg=True), cp.Parameter(self.dims[i])
        objective = -(0.5 * weight * cp.quad_form(y, self.Q[i][own, own], assume_PSD=True) + linear @ y)
        constraints = [y >= self.lower[own], y <= self.upper[own]]
        shared_rhs, own_rhs = cp.Parameter(self.A.shape[0]), cp.Parameter(int(np.sum(mine)))
        shared = own_rows = None
        if self.A.shape[0]:
            shared = self.A[:, own] @ y <= shared_rhs
            constraints.append(shared)
        if np.any(mine):
            own_rows = self.P[mine][:, own] @ y <= own_rhs
            constraints.append(own_rows)

        def assign(x: np.ndarray, scale: float) -> None:
            rest = np.array(x, dtype=float)
            rest[own] = 0.0
            weight.value = 1.0 / scale
            linear.value = (self.Q[i][own, :] @ rest + self.c[i][own]) / scale
            shared_rhs.value = self.b - self.A @ rest
            own_rhs.value = self.p_rhs[mine] - self.P[mine] @ rest

        return ResponseProgram(cp.Problem(cp.Maximize(objective), constraints), y, assign, shared, own_rows)

    def affine_form(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        M = self.pseudo_jacobian(np.zeros(self.size))
        q = self.pseudo_gradient(np.zeros(self.size))
        return M, q, np.vstack([self.A, self.P]), np.concatenate([self.b, self.p_rhs])


class VectorDataSharingGame(GeneralizedGame):
    """Agent i contributes x_it in [0, tau_it] of each data type t = 1..T and gets
    u_i = sum_t [top_it - coefficient_it (S_t + shift)^-exponent_it]
          - sum_t [slope_it x_it + curvature_it x_it^2 / 2 + intercept_it],
    S_t = sum_j x_jt the federation's data of type t (001 (3) per type), subject to the shared
    capacity sum_it x_it <= capacity (when given).  Every parameter is an (n, T) array.  Concave
    in x_i in closed form (coefficient, exponent > 0, curvature >= 0); T = 1 without a capacity
    is 001's scalar game (:class:`~mechopt.games.data_sharing.DataSharingGame` with a power law)."""

    def __init__(self, tau: np.ndarray, coefficient: np.ndarray, exponent: np.ndarray, top: np.ndarray,
                 slope: np.ndarray, curvature: np.ndarray, intercept: np.ndarray, *, shift: float = 0.0,
                 capacity: float | None = None) -> None:
        tau = np.asarray(tau, dtype=float)
        if tau.ndim != 2 or tau.size == 0:
            raise ValueError(f"tau: expected an (n, T) array of bounds, got shape {tau.shape}")
        n, T = tau.shape
        params = {}
        for name, v in (("coefficient", coefficient), ("exponent", exponent), ("top", top), ("slope", slope),
                        ("curvature", curvature), ("intercept", intercept)):
            a = np.asarray(v, dtype=float)
            if a.shape != (n, T):
                raise ValueError(f"{name}: expected shape ({n}, {T}), got {a.shape}")
            if not np.all(np.isfinite(a)):
                raise ValueError(f"{name}: must be finite numbers")
            params[name] = a
        for name in ("coefficient", "exponent"):
            if np.any(params[name] <= 0):
                raise ValueError(f"payoff.{name}: must be > 0")
        for name in ("slope", "curvature"):
            if np.any(params[name] < 0):
                raise ValueError(f"cost.{name}: must be >= 0")
        if not (np.all(np.isfinite(tau)) and np.all(tau > 0)):
            raise ValueError("tau: every bound must be a finite number > 0")
        if not (np.isfinite(shift) and shift >= 0):
            raise ValueError(f"payoff.shift: must be a finite number >= 0, got {shift!r}")
        if capacity is not None and not (np.isfinite(capacity) and capacity > 0):
            raise ValueError(f"capacity: must be a finite number > 0, got {capacity!r}")
        self.types = T
        self.dims = (T,) * n
        self.lower, self.upper = np.zeros(n * T), tau.ravel().copy()
        self.tau, self.shift, self.capacity = tau, float(shift), capacity
        self.coefficient, self.exponent, self.top = params["coefficient"], params["exponent"], params["top"]
        self.slope, self.curvature, self.intercept = params["slope"], params["curvature"], params["intercept"]

    @property
    def own_concave(self) -> bool:
        return True

    @property
    def concavity_proven(self) -> bool:
        return True

    def _parts(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        X = np.asarray(x, dtype=float).reshape(-1, self.types)
        base = X.sum(axis=0) + self.shift
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            power = base[None, :] ** -self.exponent
        return X, base, power

    def _payoffs(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        X, _, power = self._parts(x)
        a = self.top - self.coefficient * power
        cost = self.slope * X + 0.5 * self.curvature * X**2 + self.intercept
        return a, cost

    def utilities(self, x: np.ndarray) -> np.ndarray:
        a, cost = self._payoffs(x)
        return (a - cost).sum(axis=1)

    def answer_magnitudes(self, x: np.ndarray) -> np.ndarray:
        """The terms of u_i at x, top and intercept (constants) left out: free of the boxes."""
        X, _, power = self._parts(x)
        return (self.coefficient * power + self.slope * X + 0.5 * self.curvature * X**2).sum(axis=1)

    def gain_magnitude(self, i: int, x: np.ndarray, y: np.ndarray) -> float:
        """The terms :meth:`gain` is computed from at the deviation y: both power terms, the linear
        cost of y - x_i and both quadratic costs (top and intercept, constants, excluded)."""
        X, base, power = self._parts(x)
        y = np.asarray(y, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            payoff = self.coefficient[i] * ((base + y - X[i]) ** -self.exponent[i] + power[i])
        cost = self.slope[i] * np.abs(y - X[i]) + 0.5 * self.curvature[i] * (y**2 + X[i] ** 2)
        return float(np.sum(payoff + cost))

    def gain(self, i: int, x: np.ndarray, y: np.ndarray) -> float:
        """u_i(y, x_-i) - u_i(x) without the constants top and intercept."""
        X, base, power = self._parts(x)
        y = np.asarray(y, dtype=float)
        moved = base + y - X[i]
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            payoff = -self.coefficient[i] * (moved ** -self.exponent[i] - power[i])
        cost = self.slope[i] * (y - X[i]) + 0.5 * self.curvature[i] * (y**2 - X[i] ** 2)
        return float(np.sum(payoff - cost))

    def pseudo_gradient(self, x: np.ndarray) -> np.ndarray:
        X, base, power = self._parts(x)
        with np.errstate(divide="ignore", invalid="ignore"):
            marginal = self.coefficient * self.exponent * power / base[None, :]
        return (marginal - self.slope - self.curvature * X).ravel()

    def gradient_magnitudes(self, x: np.ndarray) -> np.ndarray:
        """The marginal payoff's and the marginal cost's terms."""
        X, base, power = self._parts(x)
        with np.errstate(divide="ignore", invalid="ignore"):
            marginal = self.coefficient * self.exponent * power / base[None, :]
        return (np.abs(marginal) + self.slope + self.curvature * X).ravel()

    def pseudo_jacobian(self, x: np.ndarray) -> np.ndarray:
        X, base, power = self._parts(x)
        n, T = X.shape
        with np.errstate(divide="ignore", invalid="ignore"):
            second = -self.coefficient * self.exponent * (self.exponent + 1.0) * power / base[None, :] ** 2  # (n, T)
        J = np.zeros((n, T, n, T))
        for t in range(T):
            J[:, t, :, t] = second[:, t][:, None]
        J = J.reshape(n * T, n * T)
        J[np.diag_indices(n * T)] -= self.curvature.ravel()
        return J

    def constraints(self, x: np.ndarray) -> np.ndarray:
        if self.capacity is None:
            return np.zeros(0)
        return np.array([float(np.sum(x)) - self.capacity])

    def constraint_jacobian(self, x: np.ndarray) -> np.ndarray:
        return np.ones((0 if self.capacity is None else 1, self.size))

    def constraint_magnitudes(self, x: np.ndarray) -> np.ndarray:
        if self.capacity is None:
            return np.zeros(0)
        return np.array([float(np.sum(np.abs(x))) + self.capacity])

    def response_program(self, i: int) -> ResponseProgram:
        """maximize sum_t [-coefficient_it s_t^-exponent_it - slope_it y_t - curvature_it y_t^2 / 2]
        / scale with s = y + S_-i + shift (the constants top and intercept left out), over
        [0, tau_i] and the capacity: s is a variable tied to the Parameter S_-i + shift by an
        equality, so that the weights 1 / scale may be Parameters too (DPP).  Every parameter but
        the exponents is a Parameter, so that the players sharing their exponents share one
        problem, canonicalized once (:meth:`_shared_program`)."""
        T = self.types
        problem, y, shared, (others, payoff, slope, curvature, tau, room) = self._shared_program(i)

        def assign(x: np.ndarray, scale: float) -> None:
            X = np.asarray(x, dtype=float).reshape(-1, T)
            others.value = X.sum(axis=0) - X[i] + self.shift
            payoff.value, slope.value = self.coefficient[i] / scale, self.slope[i] / scale
            curvature.value, tau.value = self.curvature[i] / scale, self.tau[i]
            room.value = (self.capacity or 0.0) - (float(np.sum(X)) - float(np.sum(X[i])))

        return ResponseProgram(problem, y, assign, shared)

    def _shared_program(self, i: int) -> tuple[Any, Any, Any, tuple[Any, ...]]:
        """The problem of the players with player i's exponents (built on first use and kept):
        the problem, its variable y, the capacity constraint and the Parameters."""
        import cvxpy as cp

        programs = self.__dict__.setdefault("_programs", {})
        key = tuple(self.exponent[i])
        if key not in programs:
            T = self.types
            y, s = cp.Variable(T), cp.Variable(T)
            others, room = cp.Parameter(T), cp.Parameter()
            payoff, slope, curvature, tau = (cp.Parameter(T, nonneg=True) for _ in range(4))
            objective = -(sum(payoff[t] * cp.power(s[t], -key[t], approx=False) for t in range(T))
                          + slope @ y + 0.5 * curvature @ cp.square(y))
            constraints = [s == y + others, y >= 0, y <= tau]
            shared = None if self.capacity is None else cp.sum(y) <= room
            if shared is not None:
                constraints.append(shared)
            programs[key] = (cp.Problem(cp.Maximize(objective), constraints), y, shared,
                             (others, payoff, slope, curvature, tau, room))
        return programs[key]
