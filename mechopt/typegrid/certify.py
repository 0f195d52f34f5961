"""The ``existence`` and ``disparity_boundary`` kinds (002): their answers, their evidence and
their one certifiers, :func:`certify_existence` and :func:`certify_boundary`.

An existence answer carries the witness of the maximal payments p^max (Theorem 6): one
predecessor per payment (:mod:`.witness`).  The certifier follows the predecessors to a table
of path lengths (no optimization) and checks every IR and IC edge of every (agent, t_-i) graph
exhaustively; a table that is both is p^max.  Then

- a desirable mechanism exists (``optimal``) iff that table is weakly budget balanced at every
  true profile: it is the revenue-maximal one (each payment is individually maximal among IR
  and IC mechanisms), and ``revenue`` and ``min_budget`` are its;
- none exists (``infeasible``) when the path lengths, upper bounds on every IR and IC payment,
  sum below zero at a true profile; the answer shows it compactly by the chains of that profile
  (:class:`Chain`, each edge weight recomputed from the model), and, from the LP method, by
  HiGHS' Farkas ray checked against the LP rebuilt from the model (:mod:`.constraints`).

Every tolerance is relative to the grid's value scale (:attr:`TypeGrid.value_scale`).  The
status becomes ``assumption_violated`` when the grid's allocation is shown inefficient
(:func:`efficiency_evidence`).  A disparity boundary K*(alpha) (Section 7.2) carries the
witness at K = lower (without the table, which the certifier rebuilds), or for a boundary on
the line (1, K) graph B = 1's witness and the continuum bound of :mod:`.continuum`, and the
chains at K = upper.  Nothing here imports a solver.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from mechopt.core.result import Answer, verdict_field
from mechopt.core.serialization import MalformedAnswer, Serializable
from mechopt.core.stats import SolveStats
from mechopt.core.status import Status
from mechopt.core.tolerances import FEASIBILITY_TOL
from mechopt.core.verdict import Basis, Check, Verdict, bind, close, equal, judge, tolerance, witness
from mechopt.typegrid.constraints import existence_lp, lp_rows
from mechopt.typegrid.continuum import continuum_margin
from mechopt.typegrid.model import TypeGrid, is_market_growth, market_growth_grid
from mechopt.typegrid.properties import Violation, efficiency_gap, revenues
from mechopt.typegrid.symmetric import others_sums, symmetric_ir_ic, symmetric_revenues, symmetric_table
from mechopt.typegrid.witness import (chain_bound, decode_predecessors, decode_table, encode_table,
                                      per_agent_table)

PAYMENT_TABLE, CHAINS, LINE_BOUND = "payment_table", "shortest_path_chains", "line_and_continuum_bound"
PER_AGENT, SYMMETRIC = "per_agent", "symmetric"
EFFICIENCY_CHECK_LIMIT = 10**7
"""Largest (levels K)^n welfare evaluations spent on the efficiency check."""
FARKAS_ROW_LIMIT = 10**7
"""Largest existence LP (rows) rebuilt to check a Farkas ray."""


@dataclass(frozen=True)
class Chain(Serializable):
    """p_i(t) <= pbar_i(vertices[0]) + sum_k Gap_i(vertices[k], vertices[k+1]) = bound, for every
    IR and IC mechanism (the inequalities of the chain's edges added up)."""

    agent: int
    vertices: tuple[int, ...]
    bound: float


@dataclass(frozen=True)
class FarkasRay(Serializable):
    """Nonzero multipliers of the existence LP's rows (A p <= b): y >= 0, A^T y = 0, b^T y < 0."""

    rows: tuple[int, ...]
    values: np.ndarray
    residual: float
    """max |A^T y| / sum y."""
    b_dot_y: float
    """b^T y / sum y."""


@dataclass(frozen=True)
class ExistenceCertificate(Serializable):
    kind: str
    """"payment_table" (a desirable mechanism exists) or "shortest_path_chains" (none exists); for
    a disparity boundary decided on the line (1, K), "line_and_continuum_bound" (one exists: graph
    B = 1's witness and the continuum bound of the other graphs, :func:`line_evidence`)."""
    layout: str | None
    """How the payments are laid out: "per_agent", P[i, r, g] = p_i(r, grid.others[g]), shape
    (n, K + 1, K^(n-1)); or, for the market-growth family, "symmetric", P[r, B - (n-1)] =
    p_i(r, t_-i) for every agent i and every t_-i whose types sum to B, shape
    (K + 1, (n-1)(K-1) + 1).  None when the certificate carries no predecessors."""
    shape: tuple[int, ...]
    """Shape of the payment table (reports r = 0..K on its report axis); () without predecessors."""
    predecessors: str | None
    """The witness of p^max (:func:`~mechopt.typegrid.witness.encode_predecessors`): for every
    true type t (t = 1..K on the report axis) and graph, BASE = -1 (the IR edge) or the report
    r in 1..t-1 of the IC edge r -> t on its shortest path."""
    payments: str | None
    """The table the predecessors define (:func:`~mechopt.typegrid.witness.encode_table`), when
    a desirable mechanism exists and the answer gives its table."""
    violations: tuple[Violation, ...]
    """Worst IR, IC and weak-budget-balance violations of that table (amounts > tol times the
    value scale: violated); their locations are diagnostics."""
    profile: tuple[int, ...]
    """The true profile where every IR and IC mechanism's payments sum below zero (none exists)."""
    chains: tuple[Chain, ...]
    """One chain per agent at ``profile`` (none exists)."""
    total_bound: float | None
    """sum of the chains' bounds (< -tol times the value scale)."""
    dual_ray: FarkasRay | None
    """HiGHS' Farkas ray (the LP method)."""
    tol: float
    """Relative to the grid's value scale (:attr:`TypeGrid.value_scale`)."""
    verified: bool
    """The evidence proves the certificate's claim (existence, or non-existence)."""

    def table(self) -> np.ndarray:
        """The payment table (when the certificate carries one)."""
        if self.payments is None:
            raise ValueError("certificate.payments: this certificate carries no payment table")
        return decode_table(self.payments, tuple(self.shape), "certificate.payments")


@dataclass(frozen=True)
class ExistenceResult(Answer):
    """The answer to 'is there an IC, IR, efficient, weakly budget-balanced mechanism?' (002
    Definition 7).  ``status``: ``optimal`` (one exists; the certificate holds the revenue-maximal
    table), ``infeasible`` (none exists), ``assumption_violated`` (the grid's allocation is shown
    inefficient, so ``exists`` speaks of IC, IR and budget balance under it) or ``unverified``."""

    kind: str
    status: Status
    message: str
    exists: bool
    revenue: float | None
    """sum over true profiles t of REV(t) = sum_i p_i^max(t) (Definition 5), when one exists."""
    min_budget: float
    """min over true profiles of sum_i p_i^max(t) (>= -tol times the value scale iff one exists)."""
    certificate: ExistenceCertificate
    efficiency: Violation | None
    """Worst welfare shortfall of the grid's allocation against a finite set of alternatives
    (:func:`efficiency_evidence`); > tol times the value scale proves it inefficient.  None when
    the grid is too large to check (for the market-growth family with alpha >= -1 it is
    efficient: welfare (sum_j q_j)^(alpha+1) increases in every q_j)."""
    stats: SolveStats
    verdict: Verdict | None = verdict_field()


# --- evidence from the witness ---------------------------------------------------------------------

@dataclass(frozen=True)
class TableEvidence:
    """What the certifier recomputes from a predecessor witness, on ``grid`` (in memory only)."""

    grid: TypeGrid
    layout: str
    predecessors: str
    tol: float
    atol: float
    """tol times the grid's value scale."""
    table: np.ndarray
    """The path lengths the predecessors define."""
    ir: Violation
    ic: Violation
    wbb: Violation
    """-min_t REV(t) at its profile."""
    revenue: float
    profiles: int

    @cached_property
    def efficiency(self) -> Violation | None:
        """The grid's efficiency check (:func:`efficiency_evidence`), computed once."""
        return efficiency_evidence(self.grid)

    @cached_property
    def encoded_table(self) -> str:
        """The table's text form (:func:`~mechopt.typegrid.witness.encode_table`), encoded once
        for the solver's draft and the certifier's rebuilt certificate."""
        return encode_table(self.table)

    @property
    def feasible(self) -> bool:
        """Every IR and IC edge holds: the table is p^max."""
        return bool(self.ir.amount <= self.atol and self.ic.amount <= self.atol)

    @property
    def min_budget(self) -> float:
        return -self.wbb.amount

    @property
    def exists(self) -> bool:
        """A desirable mechanism exists: the table is p^max and weakly budget balanced."""
        return self.feasible and bool(self.min_budget >= -self.atol)

    @property
    def refutes(self) -> bool:
        """None exists: the path lengths, upper bounds on every IR and IC payment, sum below zero."""
        return bool(self.min_budget < -self.atol)


def table_shape(grid: TypeGrid, layout: str) -> tuple[int, ...]:
    """Shape of the payment table of ``grid`` in ``layout``."""
    if layout == PER_AGENT:
        return (grid.n, grid.K + 1, grid.K ** (grid.n - 1))
    return (grid.K + 1, len(others_sums(grid.n, grid.K)))


def table_evidence(grid: TypeGrid, layout: str | None, shape: tuple[int, ...], predecessors: str | None, *,
                   tol: float, field: str = "certificate", decoded: np.ndarray | None = None) -> TableEvidence:
    """Follow the predecessors to their table of path lengths and check every IR and IC edge of
    every graph and the budget at every true profile (exhaustive).  ``decoded``: the array a
    solver in the same process encoded as ``predecessors`` (encoding is lossless), so it is not
    decoded again; a saved answer is always decoded from its text."""
    mismatch = witness_mismatch(grid, layout, shape, field)
    if mismatch is not None:
        raise MalformedAnswer(f"{mismatch.field}: expected {mismatch.recomputed}, got {mismatch.claimed}")
    assert layout is not None
    expected = table_shape(grid, layout)
    if predecessors is None:
        raise MalformedAnswer(f"{field}.predecessors: the witness of the maximal payments is missing")
    n, K = grid.n, grid.K
    if layout == PER_AGENT:
        pred = (decode_predecessors(predecessors, (n, K, expected[2]), f"{field}.predecessors")
                if decoded is None else decoded)
        P, ir, ic = per_agent_table(grid, pred)
        prof, rev = revenues(grid, P)
        k = int(np.argmin(rev))
        worst = tuple(int(x) for x in prof[k])
    else:
        pred = (decode_predecessors(predecessors, (K, expected[1]), f"{field}.predecessors")
                if decoded is None else decoded)
        alpha = float(grid.valuation.alpha)  # type: ignore[attr-defined]
        P = symmetric_table(alpha, n, K, grid.eps, pred)
        ir, ic = _symmetric_violations(grid, alpha, P)
        rev = symmetric_revenues(P, n, K)
        k = int(np.argmin(rev))
        worst = tuple(int(x) + 1 for x in np.unravel_index(k, rev.shape))
        rev = rev.ravel()
    wbb = Violation("WBB", float(-rev[k]), others=worst)
    return TableEvidence(grid, layout, predecessors, tol, tol * grid.value_scale, P, ir, ic, wbb, float(rev.sum()),
                         rev.size)


def witness_mismatch(grid: TypeGrid, layout: str | None, shape: tuple[int, ...], field: str) -> Check | None:
    """A failed check when the witness is laid out for another grid (its shape or layout does not
    fit ``grid``); an unknown layout is malformed."""
    if layout not in (PER_AGENT, SYMMETRIC):
        raise MalformedAnswer(f"{field}.layout: expected {PER_AGENT!r} or {SYMMETRIC!r}, got {layout!r}")
    if layout == SYMMETRIC and not is_market_growth(grid):
        return Check(f"{field}.layout", layout, "per_agent (the symmetric layout is the market-growth family's, "
                     "with identity quality and every participant served)", False)
    expected = table_shape(grid, layout)
    if tuple(shape) != expected:
        return Check(f"{field}.shape", list(shape), f"{list(expected)} (this grid's)", False)
    return None


@dataclass(frozen=True)
class LineEvidence(TableEvidence):
    """:func:`line_evidence`: ``table`` is graph B = 1's (shape (K + 1, 1)), ``wbb`` the worst
    profile (1, t), ``bound`` the continuum bound's worst margin for the profiles (B, t), B >= 2."""

    bound: Violation

    @property
    def min_budget(self) -> float:
        """The worse of the line's and the bound's (-inf when either is not a number)."""
        worst = max(self.wbb.amount, self.bound.amount)
        return -worst if np.isfinite(self.wbb.amount) and not np.isnan(self.bound.amount) else -np.inf


def line_evidence(alpha: float, K: int, predecessors: str | None, *, tol: float, field: str = "certificate",
                  decoded: np.ndarray | None = None) -> LineEvidence:
    """Existence on the full grid of 2 agents at K without its K graphs (docs/typegrid.md, 'Beyond
    the line'): graph B = 1's table from its predecessors (``decoded``: as in :func:`table_evidence`),
    every IR and IC edge checked; REV(1, t) = pbar_t(1) + p(t | 1) at every t <= K (a type-1 agent
    has no report below its own: p^max(1 | t) is its IR bound); REV(t, t) >= 0 in closed form
    (alpha >= -1); and every profile (B, t), 2 <= B < t <= K, bounded below by
    (B eps)^(alpha+1) rho(t / B) >= min(0, rho) with rho the continuum bound's
    (:func:`~mechopt.typegrid.continuum.continuum_margin` over (1, K / 2], in the grid's value
    units: B eps <= 1).  Valid for -1 <= alpha <= 0 (the bound needs G(x, m) to fall in m)."""
    if not -1.0 <= alpha <= 0.0:
        raise MalformedAnswer(f"{field}.kind: the continuum bound holds for -1 <= alpha <= 0, got alpha = {alpha}")
    grid = market_growth_grid(alpha, K, 2)
    if predecessors is None:
        raise MalformedAnswer(f"{field}.predecessors: the witness of graph B = 1 is missing")
    pred = decode_predecessors(predecessors, (K, 1), f"{field}.predecessors") if decoded is None else decoded
    one = np.array([1], dtype=np.int64)
    P = symmetric_table(alpha, 2, K, grid.eps, pred, sums=one)
    amount, where = symmetric_ir_ic(alpha, 2, K, grid.eps, P, sums=one)
    ir = Violation("IR", float(amount[0, 0]), -1, int(where[0, 0]), -1, (1,))
    ic = Violation("IC", float(amount[0, 1]), -1, int(where[0, 1]), int(where[0, 2]), (1,))
    m = np.arange(2.0, K + 2.0)  # 1 + t: type 1 pools with t, pbar_t(1) = F(1 + t) - G(1, t)
    rev = ((m * (2.0 * m) ** alpha - m ** alpha) * grid.eps ** (alpha + 1.0)) + P[1:, 0]
    k = int(np.argmin(rev))
    wbb = Violation("WBB", float(-rev[k]), others=(1, k + 1))
    margin, _ = continuum_margin(alpha, K / 2.0) if K >= 3 else (np.inf, 0.0)
    bound = Violation("WBB_BOUND", float(-margin), others=())
    return LineEvidence(grid, SYMMETRIC, predecessors, tol, tol * grid.value_scale, P, ir, ic, wbb,
                        float(rev.sum()), K, bound)


def line_certificate(evidence: LineEvidence) -> ExistenceCertificate:
    """The existence certificate of :func:`line_evidence` (its witness: graph B = 1's predecessors)."""
    return ExistenceCertificate(LINE_BOUND, SYMMETRIC, (evidence.grid.K + 1, 1), evidence.predecessors, None,
                                (evidence.ir, evidence.ic, evidence.wbb, evidence.bound), (), (), None, None,
                                evidence.tol, evidence.exists)


def _symmetric_violations(grid: TypeGrid, alpha: float, P: np.ndarray) -> tuple[Violation, Violation]:
    amount, where = symmetric_ir_ic(alpha, grid.n, grid.K, grid.eps, P)
    sums = others_sums(grid.n, grid.K)
    found = []
    for col, name in ((0, "IR"), (1, "IC")):
        values = np.where(np.isnan(amount[:, col]), np.inf, amount[:, col])
        b = int(np.argmax(values))
        t, r = (where[b, 0], -1) if name == "IR" else (where[b, 1], where[b, 2])
        found.append(Violation(name, float(amount[b, col]), -1, int(t), int(r), (int(sums[b]),)))
    return found[0], found[1]


def efficiency_evidence(grid: TypeGrid, levels: int = 5) -> Violation | None:
    """The efficiency check of the grid's allocation (:func:`.properties.efficiency_gap`), when
    affordable ((levels K)^n <= EFFICIENCY_CHECK_LIMIT)."""
    return efficiency_gap(grid, levels) if (levels * grid.K) ** grid.n <= EFFICIENCY_CHECK_LIMIT else None


def check_farkas(grid: TypeGrid, ray: FarkasRay, field: str = "certificate.dual_ray") -> FarkasRay:
    """The ray with A^T y and b^T y (both per unit of sum y) recomputed on the LP rebuilt from the
    model; rows out of range, a ray of another length or a grid too large are errors."""
    y = np.asarray(ray.values, dtype=float)
    total = lp_rows(grid)
    if total > FARKAS_ROW_LIMIT:
        raise MalformedAnswer(f"{field}: the existence LP of this grid has {total} rows, more than the "
                              f"{FARKAS_ROW_LIMIT:.0e} rebuilt to check a ray (the chains prove non-existence alone)")
    if not ray.rows or y.shape != (len(ray.rows),) or not all(0 <= r < total for r in ray.rows):
        raise MalformedAnswer(f"{field}: expected as many values as rows, each row in 0..{total - 1}")
    rows = np.asarray(ray.rows, dtype=np.int64)
    lp = existence_lp(grid)
    with np.errstate(all="ignore"):
        mass = float(y.sum())
        residual = float(np.max(np.abs(lp.A[rows].T @ y)) / mass)
        b_dot_y = float(lp.b[rows] @ y / mass)
    return FarkasRay(tuple(int(r) for r in rows), y, residual, b_dot_y)


def farkas_holds(grid: TypeGrid, ray: FarkasRay, tol: float) -> bool:
    """y >= 0, |A^T y| <= tol sum y and b^T y < -tol scale sum y (recomputed values)."""
    return bool(np.all(ray.values >= 0) and np.sum(ray.values) > 0 and ray.residual <= tol
                and ray.b_dot_y < -tol * grid.value_scale)


def existence_certificate(grid: TypeGrid, *, tol: float, evidence: TableEvidence | None, payments: bool,
                          profile: tuple[int, ...] = (), chains: tuple[Chain, ...] = (),
                          dual_ray: FarkasRay | None = None) -> ExistenceCertificate:
    """The certificate of the witnesses given, every derived field computed from the model: a
    payment table when the predecessors' table is weakly budget balanced (with the table when
    ``payments``), else the chains at ``profile`` (their bounds recomputed) and the ray."""
    n, K = grid.n, grid.K
    atol = tol * grid.value_scale
    if evidence is not None and evidence.min_budget >= -atol:
        table = evidence.encoded_table if payments else None
        return ExistenceCertificate(PAYMENT_TABLE, evidence.layout, table_shape(grid, evidence.layout),
                                    evidence.predecessors, table, (evidence.ir, evidence.ic, evidence.wbb), (), (),
                                    None, None, tol, evidence.exists)
    on_grid = len(profile) == n and all(1 <= t <= K for t in profile)
    recomputed = tuple(Chain(c.agent, tuple(c.vertices), chain_bound(grid, k, profile, c.vertices)
                             if on_grid and c.agent == k else float("nan")) for k, c in enumerate(chains))
    total = float(sum(c.bound for c in recomputed)) if len(recomputed) == n else float("nan")
    proves = bool(np.isfinite(total) and total < -atol)
    ray = None if dual_ray is None else check_farkas(grid, dual_ray)
    verified = proves and (ray is None or farkas_holds(grid, ray, tol))
    if evidence is None:
        return ExistenceCertificate(CHAINS, None, (), None, None, (), tuple(profile), recomputed, total, ray, tol,
                                    verified)
    return ExistenceCertificate(CHAINS, evidence.layout, table_shape(grid, evidence.layout), evidence.predecessors,
                                None, (evidence.ir, evidence.ic, evidence.wbb), tuple(profile), recomputed, total, ray,
                                tol, verified)


# --- the certifiers --------------------------------------------------------------------------------

VIOLATION_LOCATIONS = tuple(f"violations[*].{name}" for name in ("agent", "true_type", "report", "others"))
"""Where the worst violations occur: diagnostics (the amounts are bound), since the argmax among
edges that are all tight up to rounding is not a property of the answer."""


def _same_violation(claimed: Violation | None, recomputed: Violation | None, scale: float) -> bool:
    if claimed is None or recomputed is None:
        return claimed is None and recomputed is None
    return (claimed.constraint == recomputed.constraint and close(claimed.amount, recomputed.amount, scale=scale)
            and (claimed.agent, claimed.true_type, claimed.report, tuple(claimed.others))
            == (recomputed.agent, recomputed.true_type, recomputed.report, tuple(recomputed.others)))


def certificate_checks(grid: TypeGrid, claimed: ExistenceCertificate, redo: ExistenceCertificate,
                       evidence: TableEvidence | None, verifier_tol: float, prefix: str = "certificate") -> list[Check]:
    """Every field of a claimed existence certificate against the one rebuilt from its witnesses
    (:func:`existence_certificate`): the predecessors must define a table meeting every IR and IC
    edge, derived numbers agree to :data:`~mechopt.core.verdict.BIND_RTOL` of the value scale,
    the claimed tolerance is no looser than the verifier's."""
    scale = grid.value_scale
    checks = [equal(f"{prefix}.kind", claimed.kind, redo.kind), tolerance(f"{prefix}.tol", claimed.tol, verifier_tol),
              equal(f"{prefix}.verified", claimed.verified, redo.verified),
              equal(f"{prefix}.layout", claimed.layout, redo.layout),
              equal(f"{prefix}.shape", list(claimed.shape), list(redo.shape))]
    if evidence is None:
        checks.append(equal(f"{prefix}.predecessors", claimed.predecessors, None))
    else:
        checks.append(Check(f"{prefix}.predecessors", "the witness",
                            f"worst IR {evidence.ir.amount:.3g}, IC {evidence.ic.amount:.3g} "
                            f"(allowed {evidence.atol:.3g}): the table is p^max", evidence.feasible))
    checks.append(Check(f"{prefix}.violations", f"{len(claimed.violations)} violations",
                        f"{len(redo.violations)} (IR, IC, WBB of the witness's table)",
                        len(claimed.violations) == len(redo.violations)))
    for k, (a, b) in enumerate(zip(claimed.violations, redo.violations)):
        checks += [equal(f"{prefix}.violations[{k}].constraint", a.constraint, b.constraint),
                   bind(f"{prefix}.violations[{k}].amount", a.amount, b.amount, scale=scale)]
    if claimed.payments is None or redo.payments is None or claimed.payments == redo.payments:
        checks.append(Check(f"{prefix}.payments", "the table" if claimed.payments else None,
                            "the predecessors' table" if redo.payments else None, claimed.payments == redo.payments))
    else:
        assert evidence is not None
        table = decode_table(claimed.payments, tuple(redo.shape), f"{prefix}.payments")
        checks.append(bind(f"{prefix}.payments", table, evidence.table, scale=scale))
    checks.append(equal(f"{prefix}.profile", list(claimed.profile), list(redo.profile)))
    expected = grid.n if redo.kind == CHAINS else 0
    checks.append(Check(f"{prefix}.chains", f"{len(claimed.chains)} chains",
                        f"{expected} (one per agent when none exists)", len(claimed.chains) == expected))
    for k, (a, b) in enumerate(zip(claimed.chains, redo.chains)):
        checks += [equal(f"{prefix}.chains[{k}].agent", a.agent, k),
                   Check(f"{prefix}.chains[{k}].vertices", list(a.vertices),
                         "an increasing path of true types, from an IR edge to the agent's type",
                         bool(np.isfinite(b.bound))),
                   bind(f"{prefix}.chains[{k}].bound", a.bound, b.bound, scale=scale)]
    checks.append(bind(f"{prefix}.total_bound", claimed.total_bound, redo.total_bound, scale=scale))
    a, b = claimed.dual_ray, redo.dual_ray
    if a is None or b is None:
        checks.append(equal(f"{prefix}.dual_ray", a, b))
    else:
        checks += [witness(f"{prefix}.dual_ray.rows", list(a.rows)), witness(f"{prefix}.dual_ray.values", a.values),
                   bind(f"{prefix}.dual_ray.residual", a.residual, b.residual, scale=1.0),
                   bind(f"{prefix}.dual_ray.b_dot_y", a.b_dot_y, b.b_dot_y, scale=scale)]
    return checks


def _evidence(grid: TypeGrid, cert: ExistenceCertificate, tol: float, evidence: TableEvidence | None,
              field: str) -> TableEvidence:
    fresh = (evidence is not None and evidence.tol == tol and evidence.atol == tol * grid.value_scale
             and evidence.predecessors == cert.predecessors and evidence.layout == cert.layout
             and evidence.table.shape == table_shape(grid, evidence.layout))
    if fresh:
        return evidence  # type: ignore[return-value]
    return table_evidence(grid, cert.layout, tuple(cert.shape), cert.predecessors, tol=tol, field=field)


def _existence_basis(grid: TypeGrid, cert: ExistenceCertificate, efficiency: Violation | None, atol: float) -> str:
    if cert.kind == PAYMENT_TABLE:
        text = ("the predecessors define payments that are path lengths of every (agent, t_-i) "
                "difference-constraint graph (so at least p^max, Theorem 6) and meet every IR and IC edge, checked "
                "exhaustively (so at most p^max): the table is p^max, each payment the largest of any IR and IC "
                "mechanism; weak budget balance checked at every true profile")
    else:
        text = ("the shortest-path chains at the profile bound every IR and IC mechanism's payments there "
                "(Theorem 6, every edge weight recomputed from the model) and sum below zero; min_budget is that of "
                "the predecessors' table, p^max (every IR and IC edge checked)")
        if cert.dual_ray is not None:
            text += "; HiGHS' Farkas ray checked against the LP rebuilt from the model"
    if efficiency is None and is_market_growth(grid):
        text += "; the allocation is efficient: welfare (sum_j q_j)^(alpha+1) increases in every q_j (alpha >= -1)"
    elif efficiency is None:
        text += "; the allocation's efficiency not checked (grid too large)"
    elif efficiency.amount > atol:
        text += "; the allocation is shown inefficient (a welfare shortfall against an alternative allocation)"
    else:
        text += ("; no welfare shortfall of the allocation against a finite set of alternatives (evidence of "
                 "efficiency, not proof)")
    return text


def certify_existence(grid: TypeGrid, answer: ExistenceResult, *, tol: float = FEASIBILITY_TOL,
                      evidence: TableEvidence | None = None) -> Verdict:
    """The verdict on an existence answer (the one judge of the existence kind): the certificate
    is rebuilt from its witnesses (predecessors, profile and chain vertices, Farkas rows and
    values) with ``tol``, the status decided from the predecessors' table (module doc), and every
    answer field bound to the rebuilt evidence.  ``evidence``: the :func:`table_evidence` of
    these predecessors at this ``tol`` already computed in the same process (a solver's)."""
    cert = answer.certificate
    unchecked = ("message", "stats", *(f"certificate.{p}" for p in VIOLATION_LOCATIONS))
    mismatch = witness_mismatch(grid, cert.layout, tuple(cert.shape), "certificate")
    if mismatch is not None:
        return judge("existence", answer.status, Status.UNVERIFIED, [equal("kind", answer.kind, "existence"), mismatch],
                     Basis.PROOF, "nothing: the witness is laid out for another grid", tol, unchecked)
    ev = _evidence(grid, cert, tol, evidence, "certificate")
    efficiency = ev.efficiency
    redo = existence_certificate(grid, tol=tol, evidence=ev, payments=True, profile=tuple(cert.profile),
                                 chains=tuple(cert.chains), dual_ray=cert.dual_ray)
    if ev.exists:
        supported = Status.OPTIMAL
    elif ev.refutes:
        supported = Status.INFEASIBLE
    else:
        supported = Status.UNVERIFIED
    if supported is not Status.UNVERIFIED and efficiency is not None and efficiency.amount > ev.atol:
        supported = Status.ASSUMPTION_VIOLATED
    scale = grid.value_scale
    decided = True if ev.exists else False if ev.refutes else None
    checks = [equal("kind", answer.kind, "existence"), equal("exists", answer.exists, decided),
              bind("revenue", answer.revenue, ev.revenue if ev.exists else None, scale=scale * ev.profiles),
              bind("min_budget", answer.min_budget, ev.min_budget, scale=scale),
              Check("efficiency", None if answer.efficiency is None else answer.efficiency.to_dict(),
                    None if efficiency is None else efficiency.to_dict(),
                    _same_violation(answer.efficiency, efficiency, scale)),
              *certificate_checks(grid, cert, redo, ev, tol)]
    return judge("existence", answer.status, supported, checks, Basis.PROOF,
                 _existence_basis(grid, redo, efficiency, ev.atol), tol, unchecked)


# --- the disparity boundary ------------------------------------------------------------------------

@dataclass(frozen=True)
class BoundaryCertificate(Serializable):
    """Evidence for K*: the predecessor witness of p^max on the full grid at K = ``lower`` (no
    payment table: the certifier rebuilds it from the predecessors), or, for a boundary found on
    the line (1, K), graph B = 1's witness and the continuum bound (:func:`line_evidence`); and
    the chains of a violating profile at K = ``upper``."""

    existence: ExistenceCertificate | None
    nonexistence: ExistenceCertificate | None
    verified: bool
    """Both parts (those present) verified."""


@dataclass(frozen=True)
class DisparityBoundary(Answer):
    """K*(alpha), the largest data disparity with a desirable mechanism (002 Section 7.2).
    ``status``: ``optimal`` (existence at K* and non-existence at K* + 1, both certified for
    every profile of the grid), ``bounded`` (existence certified at ``lower``, non-existence at
    ``upper`` when found) or ``unverified``."""

    kind: str
    status: Status
    message: str
    alpha: float
    n: int
    exists: bool
    """A desirable mechanism exists for some disparity (K* >= 1, certified)."""
    max_disparity: int | None
    """K*(alpha) when certified; otherwise the certified upper bound upper - 1 (None if none)."""
    lower: int
    """Largest K at which existence is certified (0: none)."""
    upper: int | None
    """Smallest K at which non-existence is certified (by chains), if found."""
    search: str
    certificate: BoundaryCertificate
    stats: SolveStats
    verdict: Verdict | None = verdict_field()

    @property
    def on_line(self) -> bool:
        """Existence certified by the line (1, K) and the continuum bound (:func:`line_evidence`)."""
        return self.certificate.existence is not None and self.certificate.existence.kind == LINE_BOUND


def _part(grid: TypeGrid, cert: ExistenceCertificate, tol: float, evidence: TableEvidence | None, prefix: str, *,
          existence: bool) -> tuple[list[Check], bool]:
    """A boundary part's checks and whether it proves its claim: existence from the predecessor
    witness (no table), or non-existence from the chains alone."""
    if not existence:
        redo = existence_certificate(grid, tol=tol, evidence=None, payments=False, profile=tuple(cert.profile),
                                     chains=tuple(cert.chains), dual_ray=cert.dual_ray)
        return certificate_checks(grid, cert, redo, None, tol, prefix), redo.verified
    if cert.kind == LINE_BOUND:
        alpha = float(grid.valuation.alpha)  # type: ignore[attr-defined]
        fresh = (isinstance(evidence, LineEvidence) and evidence.tol == tol and evidence.grid.K == grid.K
                 and evidence.predecessors == cert.predecessors)
        line = evidence if fresh else line_evidence(alpha, grid.K, cert.predecessors, tol=tol, field=prefix)
        assert isinstance(line, LineEvidence)
        return certificate_checks(grid, cert, line_certificate(line), line, tol, prefix), line.exists
    mismatch = witness_mismatch(grid, cert.layout, tuple(cert.shape), prefix)
    if mismatch is not None:
        return [mismatch], False
    ev = _evidence(grid, cert, tol, evidence, prefix)
    redo = existence_certificate(grid, tol=tol, evidence=ev, payments=False)
    return certificate_checks(grid, cert, redo, ev, tol, prefix), ev.exists


def certify_boundary(alpha: float, n: int, answer: DisparityBoundary, *, tol: float = FEASIBILITY_TOL,
                     max_lower: int | None = None, max_upper: int | None = None,
                     evidence: TableEvidence | None = None) -> Verdict:
    """The verdict on a K*(alpha) answer (the one judge of the disparity_boundary kind): existence
    at K = lower from the predecessor witness (every IR, IC and budget constraint of its table
    checked), non-existence at K = upper from the chains of a profile with a type upper, and K*,
    ``exists`` and the status bound to those.  ``max_lower`` and ``max_upper`` (the search's
    limits) refuse a claimed grid larger than the search could have solved; ``evidence``: the
    witness's :func:`table_evidence` at K = lower already computed (a solver's)."""
    lower, upper, cert = answer.lower, answer.upper, answer.certificate
    line = answer.on_line
    if line and n != 2:
        raise MalformedAnswer(f"certificate.existence.kind: {LINE_BOUND!r} is a certificate of 2 agents, got n = {n}")
    if line:  # decided on the line (1, K): existence up to the line search's limit
        max_lower = max_upper
    if lower < 0 or (max_lower is not None and lower > max_lower):
        raise MalformedAnswer(f"lower: expected an integer in 0..{max_lower}, got {lower}")
    if upper is not None and (upper < 1 or (max_upper is not None and upper > max_upper)):
        raise MalformedAnswer(f"upper: expected an integer in 1..{max_upper}, got {upper}")
    checks = [equal("kind", answer.kind, "disparity_boundary"), equal("alpha", answer.alpha, float(alpha)),
              equal("n", answer.n, n)]
    yes_ok = no_ok = False
    if cert.existence is None:
        yes_ok = lower == 0
        checks += [Check("lower", lower, "0 (no existence certificate)", yes_ok),
                   equal("certificate.existence", None, None)]
    elif lower < 1:
        raise MalformedAnswer("lower: must be >= 1 when an existence certificate is present")
    else:
        part, yes_ok = _part(market_growth_grid(alpha, lower, n), cert.existence, tol, evidence,
                             "certificate.existence", existence=True)
        checks += [witness("lower", lower), *part]
    if cert.nonexistence is None:
        checks += [equal("upper", upper, None), equal("certificate.nonexistence", None, None)]
    elif upper is None:
        raise MalformedAnswer("upper: must be an integer when a non-existence certificate is present")
    else:
        part, no_ok = _part(market_growth_grid(alpha, upper, n), cert.nonexistence, tol, None,
                            "certificate.nonexistence", existence=False)
        top = max(cert.nonexistence.profile, default=0)
        checks += [Check("upper", upper, f"the largest type of the violating profile ({top})", top == upper), *part]
        no_ok = no_ok and top == upper
    proven = yes_ok and (cert.nonexistence is None or no_ok)
    if proven and no_ok and upper == lower + 1:
        supported, k_star = Status.OPTIMAL, lower
    else:
        supported, k_star = (Status.BOUNDED if proven else Status.UNVERIFIED), (upper - 1 if no_ok else None)
    checks += [equal("max_disparity", answer.max_disparity, k_star),
               equal("exists", answer.exists, yes_ok and lower >= 1),
               equal("certificate.verified", cert.verified, proven)]
    rests_on = ("existence at K = lower from the predecessors' table on the full grid (path lengths meeting "
                "every IR and IC edge: p^max; weak budget balance at every true profile)"
                + (", here from graph B = 1's table (every IR and IC edge, every profile (1, t)) and, for every "
                   "profile (B, t) with B >= 2, the continuum bound u_B(t) <= B^(alpha+1) V(t / B) "
                   "(docs/typegrid.md, 'Beyond the line')" if line else "")
                + "; non-existence at K = upper from the shortest-path chains of a violating profile (Theorem 6); "
                "K* = lower when upper = lower + 1, since existence is monotone in K (homogeneity and nested grids, "
                "docs/typegrid.md)")
    unchecked = ("message", "search", "stats",
                 *(f"certificate.{part}.{p}" for part in ("existence", "nonexistence") for p in VIOLATION_LOCATIONS))
    return judge("disparity_boundary", answer.status, supported, checks, Basis.PROOF, rests_on, tol, unchecked)

