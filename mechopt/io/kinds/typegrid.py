"""The ``existence`` and ``disparity_boundary`` kinds: desirable mechanisms on type grids and
K*(alpha) (002 Appendix A.1, Section 7.2)."""

from __future__ import annotations

from collections.abc import Callable

from mechopt.core.status import Status
from mechopt.core.tolerances import FEASIBILITY_TOL
from mechopt.core.verdict import Verdict
from mechopt.io.kind import Kind
from mechopt.io.schemas.typegrid import BoundaryModel, ExistenceModel, build_grid
from mechopt.typegrid.certify import DisparityBoundary, ExistenceResult, certify_boundary, certify_existence
from mechopt.typegrid.existence import solve_existence
from mechopt.typegrid.market_growth import FULL_LIMIT, disparity_boundary


def _solve_existence(model: ExistenceModel, tol: float) -> ExistenceResult:
    return solve_existence(build_grid(model), method=model.solver.method, tol=tol)


def _certify_existence(model: ExistenceModel, answer: ExistenceResult, tol: float) -> Verdict:
    return certify_existence(build_grid(model), answer, tol=tol)


def existence_summary(r: ExistenceResult) -> str:
    text = "exists" if r.exists else f"none: profile {tuple(r.certificate.profile)}"
    if r.status is Status.ASSUMPTION_VIOLATED and r.efficiency is not None:
        text += f" (allocation NOT efficient: shortfall {r.efficiency.amount:.3g} at {r.efficiency.others})"
    return f"{text}; min budget {r.min_budget:.4g}"


def _full_limit(model: BoundaryModel) -> int:
    return model.full_limit or FULL_LIMIT.get(model.n, 16)


def _solve_boundary(model: BoundaryModel, tol: float, progress: Callable[[str], None] | None = None
                    ) -> DisparityBoundary:
    return disparity_boundary(model.growth_rate, n=model.n, full_limit=model.full_limit, line_limit=model.line_limit,
                              tol=tol, progress=progress)


def _certify_boundary(model: BoundaryModel, answer: DisparityBoundary, tol: float) -> Verdict:
    """The search never certifies existence beyond ``full_limit`` nor non-existence beyond the
    larger of the two limits: a claim beyond them is refused before any grid is built."""
    limit = _full_limit(model)
    return certify_boundary(model.growth_rate, model.n, answer, tol=tol, max_lower=limit,
                            max_upper=max(limit, model.line_limit))


def boundary_summary(r: DisparityBoundary) -> str:
    k = "none found" if r.max_disparity is None else str(r.max_disparity)
    if r.status is Status.OPTIMAL:
        tag = "certified by the line and the continuum bound" if r.on_line else "certified on the full grid"
    else:
        tag = f"existence certified up to K = {r.lower}"
    return f"K* = {k} ({tag})"


KINDS = (Kind("existence", ExistenceModel, ExistenceResult, _solve_existence, _certify_existence, FEASIBILITY_TOL,
              existence_summary, tol_path=("solver", "tol"), method_path=("solver", "method")),
         Kind("disparity_boundary", BoundaryModel, DisparityBoundary, _solve_boundary, _certify_boundary,
              FEASIBILITY_TOL, boundary_summary, options=frozenset({"progress"})))
