"""Bimatrix games as linear complementarity problems, posed in ``pyomo.mpec`` and solved as MILPs
with HiGHS; every equilibrium of a small game enumerated, each certified by its regrets.

The row player's payoffs are A - t a 1', the column player's B - t 1 b' (a, b cost vectors; for a
plain game a = b = 0, so t plays no role).  With x, y mixed strategies and v1, v2 the values, the
equilibrium conditions are the complementarity constraints

    x_i >= 0  _|_  v1 - (A(t) y)_i >= 0,     y_j >= 0  _|_  v2 - (x' B(t))_j >= 0,    1'x = 1'y = 1,

posed declaratively (``Complementarity``) and reformulated exactly by ``mpec.simple_disjunction``
(each pair -> [x_i >= 0, slack_i = 0] or [x_i = 0, slack_i >= 0]) and ``gdp.bigm`` with stated
constants:  M = 1 on the strategy side (x_i in [0, 1]) and M = R_A = max - min of the entries of
A(t) over t in [t_lo, t_hi] on the slack side (R_B likewise), each player's payoffs first divided
by their largest magnitude over that range (which changes neither the equilibria nor t, and makes
HiGHS's absolute tolerances relative to the instance's scale).  Valid: v1 is bounded to [min, max]
of those entries, which every equilibrium value max_i (A(t) y)_i satisfies, and for every v1 and
(A(t) y)_i in that interval |v1 - (A(t) y)_i| <= R_A, so the relaxed constraint is never binding.

**All equilibria.**  The disjunct binaries z (z_i = 1: row i may be played and is a best response)
form a *pattern* (S1, S2).  The enumeration solves the MILP, adds the no-good cut excluding that z,
and repeats until the MILP is infeasible (``complete``).  Each pattern's set of equilibria is a
polytope P(S1, S2) = {supp x in S1, supp y in S2, S1 best responses to y, S2 to x}, and the union
over the patterns returned is the whole equilibrium set.  In a nondegenerate game each nonempty
P is one point and patterns and equilibria correspond one to one (S1 = supp x = BR(y)).  In a
degenerate game "all" means every pattern once, represented by one point of its polytope (the
MILP's basic solution, typically a vertex); the continua are not listed vertex by vertex.

Each point is polished (minimal-norm correction of the pattern's equalities) and certified in
numpy: every player's regret against every pure deviation, at most ``rtol`` times the payoff
scale max(|A|, |B|).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pyomo.environ as pyo


def bimatrix_regrets(a: np.ndarray, b: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """(row player's gain from each pure row, column player's gain from each pure column) at (x, y)."""
    return np.concatenate([a @ y - x @ a @ y, x @ b - x @ b @ y])


def payoff_scale(a: np.ndarray, b: np.ndarray) -> float:
    """max(|A|, |B|) (1 for an all-zero game): regret tolerances are relative to it."""
    s = max(float(np.abs(a).max()), float(np.abs(b).max()))
    return s if s > 0 else 1.0


@dataclass(frozen=True)
class BimatrixEquilibrium:
    """One pattern's point: strategies, the pattern (rows / columns whose best-response constraint is
    tight by the binaries), t (the parameter; 0 for a plain game) and the largest regret."""

    x: np.ndarray
    y: np.ndarray
    rows: tuple[int, ...]
    cols: tuple[int, ...]
    t: float
    max_regret: float


@dataclass(frozen=True)
class BimatrixEnumeration:
    """Every pattern found; ``complete`` when the last MILP proved there is no other; ``verified``
    when every regret is at most ``tolerance`` (= rtol * payoff scale)."""

    equilibria: tuple[BimatrixEquilibrium, ...]
    complete: bool
    verified: bool
    tolerance: float
    solves: int
    seconds: float

    def profiles(self, atol: float = 1e-9) -> list[tuple[np.ndarray, np.ndarray]]:
        """The distinct (x, y) among the patterns' points."""
        out: list[tuple[np.ndarray, np.ndarray]] = []
        for e in self.equilibria:
            if not any(np.allclose(e.x, x, atol=atol) and np.allclose(e.y, y, atol=atol) for x, y in out):
                out.append((e.x, e.y))
        return out


def _entry_range(p: np.ndarray, cost: np.ndarray, t_lo: float, t_hi: float, axis: int) -> tuple[float, float]:
    """min and max of the entries of p - t cost (cost along ``axis``) over t in [t_lo, t_hi]."""
    ends = [p - t * (cost[:, None] if axis == 0 else cost[None, :]) for t in (t_lo, t_hi)]
    return min(float(e.min()) for e in ends), max(float(e.max()) for e in ends)


def bimatrix_model(a: np.ndarray, b: np.ndarray, row_cost: np.ndarray | None = None,
                   col_cost: np.ndarray | None = None, t_range: tuple[float, float] = (0.0, 0.0), *,
                   symmetric: bool = False) -> pyo.ConcreteModel:
    """The declarative MPEC: strategies, values, t in ``t_range`` and the two ``Complementarity``
    blocks ``row[i]`` and ``col[j]`` of the payoffs A - t a 1', B - t 1 b'.  Big-M values for
    ``gdp.bigm`` are stored on the model as ``bigm_rows`` / ``bigm_cols``.

    ``symmetric``: a symmetric game (B = A', b = a) restricted to its *symmetric* equilibria by the
    constraint x = y (``model.symmetric``); :func:`to_milp` then also ties the two players' binaries
    (z1 = z2), so each symmetric support pattern appears once."""
    import pyomo.environ as pyo
    from pyomo.mpec import Complementarity, complements

    a, b = np.asarray(a, float), np.asarray(b, float)
    m_, n_ = a.shape
    if b.shape != a.shape:
        raise ValueError(f"b: must have the shape of a {a.shape}, got {b.shape}")
    ra = np.zeros(m_) if row_cost is None else np.asarray(row_cost, float)
    rb = np.zeros(n_) if col_cost is None else np.asarray(col_cost, float)
    if symmetric:
        scale = payoff_scale(a, b)
        if m_ != n_ or not np.allclose(b, a.T, rtol=0.0, atol=1e-12 * scale) or \
                not np.allclose(ra, rb, rtol=0.0, atol=1e-12 * max(1.0, float(np.abs(ra).max(initial=0.0)))):
            raise ValueError("b: a symmetric game needs b = a' and equal costs (symmetric=True)")
    t_lo, t_hi = map(float, t_range)
    # each player's payoffs divided by their largest magnitude over t_range (the equilibria and t do
    # not change): HiGHS's absolute tolerances then act relative to the instance's scale
    s1 = max(map(abs, _entry_range(a, ra, t_lo, t_hi, 0))) or 1.0
    s2 = max(map(abs, _entry_range(b, rb, t_lo, t_hi, 1))) or 1.0
    a, ra, b, rb = a / s1, ra / s1, b / s2, rb / s2
    lo1, hi1 = _entry_range(a, ra, t_lo, t_hi, 0)
    lo2, hi2 = _entry_range(b, rb, t_lo, t_hi, 1)
    model = pyo.ConcreteModel(name="bimatrix_lcp")
    model.I, model.J = pyo.RangeSet(0, m_ - 1), pyo.RangeSet(0, n_ - 1)
    model.x = pyo.Var(model.I, bounds=(0.0, 1.0))
    model.y = pyo.Var(model.J, bounds=(0.0, 1.0))
    model.v1, model.v2 = pyo.Var(bounds=(lo1, hi1)), pyo.Var(bounds=(lo2, hi2))
    model.t = pyo.Var(bounds=(t_lo, t_hi))
    model.simplex_x = pyo.Constraint(expr=sum(model.x[i] for i in model.I) == 1)
    model.simplex_y = pyo.Constraint(expr=sum(model.y[j] for j in model.J) == 1)

    def slack1(mdl: pyo.ConcreteModel, i: int):
        return mdl.v1 - sum(float(a[i, j]) * mdl.y[j] for j in range(n_) if a[i, j] != 0) + float(ra[i]) * mdl.t

    def slack2(mdl: pyo.ConcreteModel, j: int):
        return mdl.v2 - sum(float(b[i, j]) * mdl.x[i] for i in range(m_) if b[i, j] != 0) + float(rb[j]) * mdl.t

    model.row = Complementarity(model.I, rule=lambda mdl, i: complements(mdl.x[i] >= 0, slack1(mdl, i) >= 0))
    model.col = Complementarity(model.J, rule=lambda mdl, j: complements(mdl.y[j] >= 0, slack2(mdl, j) >= 0))
    model.best_row = pyo.Constraint(model.I, rule=lambda mdl, i: slack1(mdl, i) >= 0)  # redundant; tightens the LP
    model.best_col = pyo.Constraint(model.J, rule=lambda mdl, j: slack2(mdl, j) >= 0)
    model.is_symmetric = bool(symmetric)
    if symmetric:
        model.symmetric = pyo.Constraint(model.I, rule=lambda mdl, i: mdl.x[i] == mdl.y[i])
    model.bigm_rows = max(hi1 - lo1, 1e-12)
    model.bigm_cols = max(hi2 - lo2, 1e-12)
    model.objective = pyo.Objective(expr=0.0)
    return model


def to_milp(model: pyo.ConcreteModel) -> tuple[list, list]:
    """Apply ``mpec.simple_disjunction`` and ``gdp.bigm`` (M as stated in the module docstring);
    returns the binaries (row i, column j: 1 when the strategy may be played)."""
    import pyomo.environ as pyo
    from pyomo.common.collections import ComponentMap

    blocks = [(model.row, model.I, model.bigm_rows), (model.col, model.J, model.bigm_cols)]
    pyo.TransformationFactory("mpec.simple_disjunction").apply_to(model)
    bigm = ComponentMap()
    for comp, index, m_slack in blocks:
        for k in index:
            # expr1: strategy >= 0 and slack == 0;  expr2: strategy == 0 and slack >= 0
            bigm[comp[k].expr1.c0], bigm[comp[k].expr1.c1] = 1.0, m_slack
            bigm[comp[k].expr2.c0], bigm[comp[k].expr2.c1] = 1.0, m_slack
    pyo.TransformationFactory("gdp.bigm").apply_to(model, bigM=bigm)
    z1 = [model.row[i].expr1.binary_indicator_var for i in model.I]
    z2 = [model.col[j].expr1.binary_indicator_var for j in model.J]
    if getattr(model, "is_symmetric", False):
        model.same_pattern = pyo.Constraint(model.I, rule=lambda mdl, i: z1[i] == z2[i])
    return z1, z2


def _highs():
    from pyomo.contrib.appsi.solvers import Highs

    solver = Highs()
    solver.config.load_solution = False
    solver.highs_options = {"mip_feasibility_tolerance": 1e-9, "primal_feasibility_tolerance": 1e-9}
    return solver


def _polish(p: np.ndarray, cost: np.ndarray, t: float, s: np.ndarray, tight: list[int], on: list[int]) -> np.ndarray:
    """The other player's strategy s (on ``on``) corrected by the least-norm step that makes the
    rows ``tight`` of p(t) s equal and s sum to 1; s unchanged when the step leaves the simplex."""
    q = p - t * cost[:, None]
    if not on:
        return s
    rows = [np.append(np.ones(len(on)), 0.0)] + [np.append(q[i, on], -1.0) for i in tight]
    mat = np.array(rows)
    z = np.append(s[on], float(np.max(q[tight] @ s)) if tight else 0.0)
    rhs = np.zeros(len(rows))
    rhs[0] = 1.0
    z = z - np.linalg.lstsq(mat, mat @ z - rhs, rcond=None)[0]
    out = np.zeros_like(s)
    out[on] = z[:-1]
    return out if out.min() >= 0 else s


def _read(model: pyo.ConcreteModel, z1: list, z2: list, a: np.ndarray, b: np.ndarray, ra: np.ndarray,
          rb: np.ndarray) -> BimatrixEquilibrium:
    import pyomo.environ as pyo

    rows = tuple(i for i, z in enumerate(z1) if pyo.value(z) > 0.5)
    cols = tuple(j for j, z in enumerate(z2) if pyo.value(z) > 0.5)
    x = np.array([pyo.value(model.x[i]) for i in model.I], float)
    y = np.array([pyo.value(model.y[j]) for j in model.J], float)
    t = float(pyo.value(model.t))
    x[[i for i in range(x.size) if i not in rows]] = 0.0
    y[[j for j in range(y.size) if j not in cols]] = 0.0
    x, y = np.clip(x, 0, None), np.clip(y, 0, None)
    x, y = x / x.sum(), y / y.sum()
    at, bt = a - t * ra[:, None], b - t * rb[None, :]
    raw = float(bimatrix_regrets(at, bt, x, y).max())
    xp = _polish(b.T, rb, t, x, list(cols), [i for i in rows if x[i] > 0])
    yp = _polish(a, ra, t, y, list(rows), [j for j in cols if y[j] > 0])
    pol = float(bimatrix_regrets(at, bt, xp, yp).max())
    if pol <= raw:
        x, y, raw = xp, yp, pol
    return BimatrixEquilibrium(x, y, rows, cols, t, raw)


def _no_good(model: pyo.ConcreteModel, z: list, pattern: list[int]) -> None:
    model.no_good.add(sum(1 - zk if on else zk for zk, on in zip(z, pattern)) >= 1)


def all_equilibria_mip(a: np.ndarray, b: np.ndarray, *, rtol: float = 1e-9,
                       max_solutions: int = 1000) -> BimatrixEnumeration:
    """Every equilibrium pattern of the bimatrix game (A, B), each once (no-good cuts), each point
    certified by its regrets against every pure deviation."""
    t0 = time.perf_counter()
    a, b = np.asarray(a, float), np.asarray(b, float)
    found, complete, solves = enumerate_patterns(a, b, None, None, (0.0, 0.0), max_solutions)
    tol = rtol * payoff_scale(a, b)
    return BimatrixEnumeration(tuple(found), complete, all(e.max_regret <= tol for e in found), tol, solves,
                               time.perf_counter() - t0)


def extreme_equilibria_mip(a: np.ndarray, b: np.ndarray, *, rtol: float = 1e-9,
                           max_solutions: int = 1000) -> BimatrixEnumeration:
    """Every extreme equilibrium of (A, B) through the MILP: every pattern (:func:`all_equilibria_mip`),
    then the vertices of each pattern's two polytopes (:func:`pattern_vertices`, brute force: small
    games).  Each pattern (R, C) is X x Y with X = {x: supp x in R, C best responses to x} a face of
    the row player's best-response polytope (C is nonempty), so its vertex pairs are extreme
    equilibria, and the pattern (BR(y), BR(x)) of an extreme equilibrium (x, y) has it as a vertex
    pair: the union is the set of extreme equilibria, the set vertex enumeration returns (``rows`` /
    ``cols`` of each: the first pattern it was found in)."""
    t0 = time.perf_counter()
    patterns = all_equilibria_mip(a, b, rtol=rtol, max_solutions=max_solutions)
    a, b = np.asarray(a, float), np.asarray(b, float)
    zero_a, zero_b = np.zeros(a.shape[0]), np.zeros(a.shape[1])
    found: list[BimatrixEquilibrium] = []
    for e in patterns.equilibria:
        xs, ys = pattern_vertices(a, b, zero_a, zero_b, 0.0, e.rows, e.cols)
        for x in xs:
            for y in ys:
                if not any(np.allclose(x, f.x, atol=1e-9) and np.allclose(y, f.y, atol=1e-9) for f in found):
                    found.append(BimatrixEquilibrium(x, y, e.rows, e.cols, 0.0, float(bimatrix_regrets(a, b, x, y).max())))
    tol = patterns.tolerance
    return BimatrixEnumeration(tuple(found), patterns.complete, all(f.max_regret <= tol for f in found), tol,
                               patterns.solves, time.perf_counter() - t0)


def enumerate_patterns(a: np.ndarray, b: np.ndarray, row_cost: np.ndarray | None, col_cost: np.ndarray | None,
                       t_range: tuple[float, float], max_solutions: int = 1000, *, symmetric: bool = False
                       ) -> tuple[list[BimatrixEquilibrium], bool, int]:
    """Every pattern feasible for some t in ``t_range`` (one point each), whether the list is
    complete, and the number of MILP solves (``symmetric``: symmetric equilibria of a symmetric
    game only, rows = cols, see :func:`bimatrix_model`)."""
    import pyomo.environ as pyo

    ra = np.zeros(a.shape[0]) if row_cost is None else np.asarray(row_cost, float)
    rb = np.zeros(a.shape[1]) if col_cost is None else np.asarray(col_cost, float)
    model = bimatrix_model(a, b, ra, rb, t_range, symmetric=symmetric)
    z1, z2 = to_milp(model)
    model.no_good = pyo.ConstraintList()
    solver = _highs()
    found: list[BimatrixEquilibrium] = []
    solves, complete = 0, False
    while len(found) < max_solutions:
        results = solver.solve(model)
        solves += 1
        name = results.termination_condition.name
        if name in ("infeasible", "infeasibleOrUnbounded"):
            complete = True
            break
        if name != "optimal":
            raise RuntimeError(f"HiGHS: MILP ended with {name}")
        results.solution_loader.load_vars()
        e = _read(model, z1, z2, a, b, ra, rb)
        found.append(e)
        _no_good(model, z1 + z2, [int(i in e.rows) for i in range(len(z1))] +
                 [int(j in e.cols) for j in range(len(z2))])
    return found, complete, solves


def pattern_t_intervals(a: np.ndarray, b: np.ndarray, row_cost: np.ndarray, col_cost: np.ndarray,
                        t_range: tuple[float, float], patterns: Sequence[tuple[tuple[int, ...], tuple[int, ...]]],
                        *, symmetric: bool = False) -> list[tuple[float, float] | None]:
    """For each pattern (rows, cols): [min t, max t] over its polyhedron in (x, y, t, v) (two LPs with
    HiGHS; the polyhedron is convex, so its t-projection is this interval), None when empty.  One
    model serves every pattern (its binaries fixed in turn).  ``symmetric`` adds x = y
    (:func:`bimatrix_model`)."""
    import pyomo.environ as pyo

    model = bimatrix_model(a, b, row_cost, col_cost, t_range, symmetric=symmetric)
    z1, z2 = to_milp(model)
    model.objective.deactivate()
    solver = _highs()
    out: list[tuple[float, float] | None] = []
    for rows, cols in patterns:
        for k, z in enumerate(z1):
            z.fix(1 if k in rows else 0)
        for k, z in enumerate(z2):
            z.fix(1 if k in cols else 0)
        ends = []
        for sense in (pyo.minimize, pyo.maximize):
            model.obj_t = pyo.Objective(expr=model.t, sense=sense)
            results = solver.solve(model)
            model.del_component(model.obj_t)
            if results.termination_condition.name != "optimal":
                break
            results.solution_loader.load_vars()
            ends.append(float(pyo.value(model.t)))
        out.append((ends[0], ends[1]) if len(ends) == 2 else None)
    return out


def affine_pattern(a: np.ndarray, b: np.ndarray, row_cost: np.ndarray, col_cost: np.ndarray,
                   rows: tuple[int, ...], cols: tuple[int, ...]
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
    """(x0, x1, y0, y1) with x(t) = x0 + t x1, y(t) = y0 + t y1 the pattern's unique strategies,
    when its equalities are square and nonsingular (|rows| = |cols|); None otherwise."""
    if len(rows) != len(cols):
        return None
    k = len(rows)

    def solve(p: np.ndarray, cost: np.ndarray, tight: tuple[int, ...], on: tuple[int, ...], size: int):
        # unknowns (s_on, v): p[tight, on] s - v = t cost[tight],  1's = 1; p and cost in units of
        # max |p| (s does not change), so that the conditioning test does not depend on units
        unit = float(np.abs(p).max()) or 1.0
        p, cost = p / unit, cost / unit
        mat = np.zeros((k + 1, k + 1))
        mat[:k, :k], mat[:k, k], mat[k, :k] = p[np.ix_(tight, on)], -1.0, 1.0
        if np.linalg.cond(mat) > 1e12:
            return None
        r0, r1 = np.zeros(k + 1), np.zeros(k + 1)
        r0[k], r1[:k] = 1.0, cost[list(tight)]
        s0, s1 = np.zeros(size), np.zeros(size)
        s0[list(on)], s1[list(on)] = np.linalg.solve(mat, r0)[:k], np.linalg.solve(mat, r1)[:k]
        return s0, s1

    ys = solve(a, row_cost, rows, cols, a.shape[1])
    xs = solve(b.T, col_cost, cols, rows, a.shape[0])
    if ys is None or xs is None:
        return None
    return xs[0], xs[1], ys[0], ys[1]


def _side_vertices(p: np.ndarray, cost: np.ndarray, t: float, tight: tuple[int, ...], on: tuple[int, ...],
                   tol: float) -> list[np.ndarray]:
    """Vertices (``tol`` relative to max |p(t)|) of {s >= 0 on ``on`` (0 elsewhere), 1's = 1, (p(t) s)_i = v on ``tight``, <= v
    elsewhere}: each is the unique solution of a support R in ``on`` and a tight set J >= ``tight``
    (brute force over (R, J): small games only)."""
    import itertools

    q = p - t * cost[:, None]
    q = q / (float(np.abs(q).max()) or 1.0)  # in units of its largest entry: ``tol`` is relative
    rest = [i for i in range(q.shape[0]) if i not in tight]
    out: list[np.ndarray] = []
    for r in range(1, len(on) + 1):
        for sup in itertools.combinations(on, r):
            for extra in range(0, len(rest) + 1):
                for more in itertools.combinations(rest, extra):
                    eq = list(tight) + list(more)
                    mat = np.zeros((len(eq) + 1, r + 1))
                    mat[:len(eq), :r], mat[:len(eq), r], mat[len(eq), :r] = q[np.ix_(eq, sup)], -1.0, 1.0
                    if np.linalg.matrix_rank(mat) < r + 1:
                        continue
                    rhs = np.zeros(len(eq) + 1)
                    rhs[-1] = 1.0
                    z = np.linalg.lstsq(mat, rhs, rcond=None)[0]
                    s = np.zeros(q.shape[1])
                    s[list(sup)] = z[:r]
                    gains = q @ s - z[r]
                    if np.abs(mat @ z - rhs).max() <= tol and s.min() >= -tol and gains.max() <= tol and \
                            np.abs(gains[list(tight)]).max(initial=0.0) <= tol:
                        s = np.clip(s, 0.0, None)
                        if not any(np.allclose(s, w, atol=tol) for w in out):
                            out.append(s / s.sum())
    return out


def pattern_vertices(a: np.ndarray, b: np.ndarray, row_cost: np.ndarray, col_cost: np.ndarray, t: float,
                     rows: tuple[int, ...], cols: tuple[int, ...], tol: float = 1e-9
                     ) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """At a fixed t the pattern's equilibria are a product of two polytopes (x's and y's); their
    vertices, so that a bilinear objective x'Uy is maximized exactly over the pattern (``tol``
    relative to each player's payoff scale)."""
    xs = _side_vertices(b.T, col_cost, t, cols, rows, tol)
    ys = _side_vertices(a, row_cost, t, rows, cols, tol)
    return xs, ys
