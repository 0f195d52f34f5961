"""Model-file queries ``existence`` and ``disparity_boundary`` (schemas, solve, verify, table row).

An ``existence`` model is data only: the grid (agents, disparity K, eps, quality) and a valuation
family by name with its parameters; nothing in it is evaluated.  (``mechopt.queries`` registers these; its ``Row`` and
``VerifyReport`` are imported where used, since it imports this module.)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal, Union

import numpy as np
from pydantic import Field, model_validator

from ..io.files import ModelFileError, validate
from ..io.game_schema import Finite, NonNegative, Positive, Strict
from ..tolerances import FEASIBILITY_TOL
from .aggregate import aggregate_max_payments
from .certificates import ExistenceCertificate, certify_chains, certify_symmetric_payments, verify_certificate
from .existence import ExistenceResult, solve_existence
from .market_growth import ALPHA_RANGE, DisparityBoundary, disparity_boundary, market_growth_grid
from .model import FixedMarket, Identity, LinearExternality, Logistic, MarketGrowth, QuasiMonotone, TypeGrid

if TYPE_CHECKING:
    from ..queries import Row, VerifyReport

GENERIC_WORK_LIMIT = 10**10
"""Largest n K^(n+1) (deviation values the generic methods evaluate) accepted from a model file."""
PROFILE_LIMIT = 10**8
"""Largest K^n (true profiles whose budget is checked) accepted from a model file."""

Alpha = Annotated[float, Field(ge=ALPHA_RANGE[0], le=ALPHA_RANGE[1], allow_inf_nan=False)]


class MarketGrowthSpec(Strict):
    """v_i(q) = (sum_j q_j)^alpha q_i (Section 7.2)."""

    family: Literal["market_growth"]
    alpha: Alpha


class LinearSpec(Strict):
    """v_i(q) = sum_j A_ij q_j (Example 2)."""

    family: Literal["linear"]
    A: list[list[Finite]]


class FixedMarketSpec(Strict):
    """v_i(q) = q_i / sum_j q_j (Example 1)."""

    family: Literal["fixed_market"]


class QuasiMonotoneSpec(Strict):
    """v_i(q) = a_i q_i^b_i + sum_j C_ij sin(w_ij q_j) (Definition 9)."""

    family: Literal["quasi_monotone"]
    a: list[NonNegative]
    b: list[Positive]
    C: list[list[Finite]]
    w: list[list[Finite]]


ValuationSpec = Annotated[Union[MarketGrowthSpec, LinearSpec, FixedMarketSpec, QuasiMonotoneSpec],
                          Field(discriminator="family")]


class GridSpec(Strict):
    agents: Annotated[int, Field(ge=1, le=6)]
    disparity: Annotated[int, Field(ge=1, le=10**6)]
    """K = D / eps: true types are eps, 2 eps, ..., K eps."""
    eps: Positive | None = None
    """Grid step; default 1 / disparity (D = 1)."""
    quality: Literal["identity", "logistic"] = "identity"
    served: list[bool] | None = None
    """Participants that receive the pooled model (default: all)."""


class ExistenceSolverSpec(Strict):
    method: Literal["dag", "bellman-ford", "lp"] = "dag"
    tol: Positive = FEASIBILITY_TOL


class ExistenceModel(Strict):
    kind: Literal["existence"]
    name: str = ""
    description: str = ""
    grid: GridSpec
    valuation: ValuationSpec
    solver: ExistenceSolverSpec = ExistenceSolverSpec()

    @model_validator(mode="after")
    def _consistent(self) -> ExistenceModel:
        n, v = self.grid.agents, self.valuation
        if self.grid.served is not None and len(self.grid.served) != n:
            raise ValueError(f"grid.served: expected {n} flags (grid.agents), got {len(self.grid.served)}")
        if isinstance(v, LinearSpec) and (len(v.A) != n or any(len(r) != n for r in v.A)):
            raise ValueError(f"valuation.A: expected an n x n matrix (n = grid.agents = {n})")
        if isinstance(v, QuasiMonotoneSpec):
            if len(v.a) != n or len(v.b) != n:
                raise ValueError(f"valuation.a, valuation.b: expected {n} values (grid.agents)")
            if any(len(m) != n or any(len(r) != n for r in m) for m in (v.C, v.w)):
                raise ValueError(f"valuation.C, valuation.w: expected n x n matrices (n = {n})")
        fast = isinstance(v, MarketGrowthSpec) and self.grid.quality == "identity" and self.solver.method == "dag"
        _check_profiles("grid.disparity", "disparity", self.grid.disparity, n)
        work = n * self.grid.disparity ** (n + 1)
        if not fast and work > GENERIC_WORK_LIMIT:
            raise ValueError(f"grid: agents * disparity^(agents+1) = {work:.3g} exceeds {GENERIC_WORK_LIMIT:.0e} for "
                             f"the generic methods; use a smaller grid.disparity (the market_growth family with "
                             f"method 'dag' has no such limit)")
        return self


def _check_profiles(where: str, name: str, K: int, n: int) -> None:
    if K**n > PROFILE_LIMIT:
        raise ValueError(f"{where}: {name}^agents = {K}^{n} exceeds {PROFILE_LIMIT:.0e} true profiles; "
                         f"use {name} <= {int(PROFILE_LIMIT ** (1 / n))}")


def build_grid(model: ExistenceModel) -> TypeGrid:
    v = model.valuation
    if isinstance(v, MarketGrowthSpec):
        valuation: Any = MarketGrowth(v.alpha)
    elif isinstance(v, LinearSpec):
        valuation = LinearExternality(np.asarray(v.A, dtype=float))
    elif isinstance(v, FixedMarketSpec):
        valuation = FixedMarket()
    else:
        valuation = QuasiMonotone(np.asarray(v.a), np.asarray(v.b), np.asarray(v.C), np.asarray(v.w))
    g = model.grid
    quality = Identity() if g.quality == "identity" else Logistic()
    served = None if g.served is None else tuple(bool(x) for x in g.served)
    return TypeGrid(g.agents, g.disparity, valuation, g.eps if g.eps is not None else 1.0 / g.disparity, quality,
                    served)


def market_growth_model(alpha: float, K: int, n: int = 2) -> dict[str, Any]:
    """The raw ``existence`` model of the market-growth family (what ``mechopt exists
    --market-growth`` solves and stores in its result); validated like a model file."""
    return {"kind": "existence", "name": f"market growth alpha={alpha} K={K}",
            "grid": {"agents": n, "disparity": K}, "valuation": {"family": "market_growth", "alpha": alpha}}


def solve_existence_model(model: ExistenceModel, raw: dict[str, Any]) -> ExistenceResult:
    result = solve_existence(build_grid(model), method=model.solver.method, tol=model.solver.tol)
    return ExistenceResult(**{**result.__dict__, "model": raw})


def _model_of(data: dict[str, Any], schema: Any) -> Any:
    if not isinstance(data.get("model"), dict):
        raise ModelFileError("result: field 'model' is missing; only results that carry their model can be verified")
    return validate(schema, data["model"], source="result.model")


def _certificate_of(data: dict[str, Any], key: str = "certificate") -> ExistenceCertificate:
    try:
        return ExistenceCertificate.from_dict(data[key])
    except (KeyError, TypeError, ValueError) as err:
        raise ModelFileError(f"result: field '{key}' is not an existence certificate ({err})") from None


def verify_existence(data: dict[str, Any]) -> VerifyReport:
    """Re-check a stored existence result from its model: the certificate's verdict is recomputed,
    and it must match the stored ``exists`` (a payment table proves existence, chains disprove it)."""
    from ..queries import VerifyReport

    grid = build_grid(_model_of(data, ExistenceModel))
    stored = _certificate_of(data)
    cert = verify_certificate(grid, stored)
    claims_exists = stored.kind != "shortest_path_chains"
    consistent = claims_exists == bool(data.get("exists"))
    details = {"certificate": cert.kind, "exists": bool(data.get("exists")), "consistent_with_exists": consistent,
               "tol": cert.tol}
    if cert.violations:
        details["worst"] = {v.constraint: v.amount for v in cert.violations}
    if cert.chains:
        details["profile"] = list(cert.profile)
        details["total_bound"] = cert.total_bound
    if cert.dual_ray is not None:
        details["farkas"] = {"residual": cert.dual_ray.residual, "b_dot_y": cert.dual_ray.b_dot_y}
    verified = cert.verified and consistent
    return VerifyReport("existence", verified, verified == bool(stored.verified), details)


def row_existence(r: ExistenceResult) -> Row:
    from ..queries import Row

    answer = "exists" if r.exists else f"none: profile {tuple(r.certificate.profile)}"
    if r.status.value == "assumption_violated":
        answer += f" (allocation NOT efficient: shortfall {r.efficiency.amount:.3g} at {r.efficiency.others})"
    return Row(r.status.value, r.certificate.verified, f"{answer}; min budget {r.min_budget:.4g}", r.stats.seconds)


# --- disparity_boundary ------------------------------------------------------------------------


class BoundaryModel(Strict):
    kind: Literal["disparity_boundary"]
    name: str = ""
    description: str = ""
    alpha: Alpha
    agents: Annotated[int, Field(ge=1, le=4)] = 2
    full_limit: Annotated[int, Field(ge=2, le=8192)] | None = None
    line_limit: Annotated[int, Field(ge=2, le=2**20)] = 2**17
    tol: Positive = FEASIBILITY_TOL

    @model_validator(mode="after")
    def _size(self) -> BoundaryModel:
        if self.full_limit is not None:
            _check_profiles("full_limit", "full_limit", self.full_limit, self.agents)
        return self


def solve_boundary_model(model: BoundaryModel, raw: dict[str, Any]) -> DisparityBoundary:
    r = disparity_boundary(model.alpha, n=model.agents, full_limit=model.full_limit, line_limit=model.line_limit,
                           tol=model.tol)
    return DisparityBoundary(**{**r.__dict__, "model": raw})


def verify_boundary(data: dict[str, Any]) -> VerifyReport:
    """Existence at ``lower``: the payment table is re-derived by the DAG solver and every IR, IC
    and budget constraint re-checked; non-existence at ``upper``: the chains are re-checked."""
    from ..queries import VerifyReport

    model = _model_of(data, BoundaryModel)
    n, alpha = model.agents, model.alpha
    cert = data.get("certificate")
    lower, upper = data.get("lower"), data.get("upper")
    if not isinstance(cert, dict) or not isinstance(lower, int) or not (upper is None or isinstance(upper, int)):
        raise ModelFileError("result: fields 'certificate', 'lower', 'upper' of a disparity_boundary result are malformed")
    try:
        _check_profiles("result", "lower", lower, n)
    except ValueError as err:
        raise ModelFileError(str(err)) from None
    details: dict[str, Any] = {}
    ok = True
    if cert.get("existence") is not None:
        if lower < 1:
            raise ModelFileError("result: field 'lower' must be >= 1 when an existence certificate is present")
        P, _ = aggregate_max_payments(alpha, n, lower, 1.0 / lower)
        yes = certify_symmetric_payments(market_growth_grid(alpha, lower, n), P, tol=model.tol)
        details["existence_at"] = lower
        details["existence_worst"] = {v.constraint: v.amount for v in yes.violations}
        ok = ok and yes.verified
    if cert.get("nonexistence") is not None:
        if upper is None or upper < 1:
            raise ModelFileError("result: field 'upper' must be >= 1 when a non-existence certificate is present")
        stored = _certificate_of(cert, "nonexistence")
        no = certify_chains(market_growth_grid(alpha, upper, n), tuple(stored.profile), tuple(stored.chains),
                            tol=model.tol)
        details["nonexistence_at"] = upper
        details["total_bound"] = no.total_bound
        ok = ok and no.verified and max(stored.profile, default=0) == upper
    claimed = data.get("max_disparity")
    if data.get("certified"):  # K* = lower = upper - 1, both certified
        ok = ok and claimed == lower and upper == lower + 1 and cert.get("existence") is not None \
            and cert.get("nonexistence") is not None
    details["max_disparity"] = claimed
    return VerifyReport("disparity_boundary", ok, ok == bool(cert.get("verified")), details)


def row_boundary(r: DisparityBoundary) -> Row:
    from ..queries import Row

    k = "none found" if r.max_disparity is None else str(r.max_disparity)
    tag = "certified on the full grid" if r.certified else f"full grid certifies K* >= {r.lower}"
    return Row("optimal" if r.certified else "unverified", r.certificate.verified, f"K* = {k} ({tag})", r.stats.seconds)
