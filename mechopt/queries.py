"""The queries a model file can pose, each a schema, a solve, a verify and a table row.

``QUERIES`` maps a model file's ``kind`` to its :class:`Query`; the command line uses it for
``mechopt solve`` (model -> result) and ``mechopt verify`` (result -> re-checked certificate).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, Field

from .certificates.nash import nash_certificate
from .equilibrium import NashResult, solve_nash
from .io.files import ModelFileError, validate
from .certificates.kkt import kkt_certificate
from .io.game_schema import GameSpec, Positive, Strict, build_game
from .io.mbeta_schema import MBetaModel, WelfareModel, build_cost, build_utility, budgets_of
from .mechanisms.mbeta import BudgetGame, MBeta, optimal_beta
from .programs.ne_welfare import MBetaResult, analyze_mbeta
from .programs.welfare import WelfareProgram, WelfareResult, solve_welfare
from .serialization import Serializable
from .typegrid import query as typegrid


@dataclass(frozen=True)
class VerifyReport(Serializable):
    """The outcome of re-checking a saved result from its model alone."""

    kind: str
    verified: bool
    """What the recomputed certificate says."""
    agrees: bool
    """Whether the stored certificate's verdict matches the recomputed one."""
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Row:
    """One line of the results table."""

    status: str
    verified: bool
    answer: str
    seconds: float


@dataclass(frozen=True)
class Query:
    schema: type[BaseModel]
    solve: Callable[[Any, dict[str, Any]], Any]
    verify: Callable[[dict[str, Any]], VerifyReport]
    row: Callable[[Any], Row]


# --- nash: equilibrium of a data-sharing game (001 Sections 2-3) -------------------------------


class NashSolverSpec(Strict):
    method: Literal["newton", "br", "stochastic-br", "pyomo-mip"] = "newton"
    tol: Positive = 1e-9
    batch: int | None = Field(default=None, ge=2)
    step: Positive | None = None


class NashModel(Strict):
    kind: Literal["nash"]
    name: str = ""
    description: str = ""
    game: GameSpec
    solver: NashSolverSpec = NashSolverSpec()


def _solve_nash(model: NashModel, raw: dict[str, Any]) -> NashResult:
    s = model.solver
    result = solve_nash(build_game(model.game), method=s.method, tol=s.tol, batch=s.batch, step=s.step)
    return NashResult(**{**result.__dict__, "model": raw})


def _verify_nash(data: dict[str, Any]) -> VerifyReport:
    model = _model_of(data, NashModel)
    stored = data["certificate"]
    cert = nash_certificate(build_game(model.game), np.asarray(stored["point"], dtype=float), tol=float(stored["tol"]))
    return VerifyReport("nash", cert.verified, cert.verified == bool(stored["verified"]),
                        {"max_gain": cert.max_gain, "stored_max_gain": stored["max_gain"], "tol": cert.tol})


def _row_nash(r: NashResult) -> Row:
    answer = "s = " + _short(r.profile) if r.profile is not None else "no equilibrium"
    return Row(r.status.value, r.certificate.verified, answer, r.stats.seconds)


# --- welfare: program (19) (001 Section 4) -----------------------------------------------------


def _program(model: WelfareModel | MBetaModel, beta: float, p: float) -> WelfareProgram:
    return WelfareProgram(build_utility(model.utility), build_cost(model.cost), budgets_of(model), beta, p)


def _solve_welfare(model: WelfareModel, raw: dict[str, Any]) -> WelfareResult:
    result = solve_welfare(_program(model, model.beta, model.p))
    return WelfareResult(**{**result.__dict__, "model": raw})


def _verify_kkt(model: WelfareModel | MBetaModel, beta: float, stored: dict[str, Any]) -> tuple[bool, bool, float]:
    program = _program(model, beta, float(stored["p"]))
    cert = stored["certificate"]
    if cert is None:
        return False, not bool(stored["status"] == "optimal"), float("nan")
    redo = kkt_certificate(program, np.asarray(cert["b"], float), np.asarray(cert["s"], float), tol=float(cert["tol"]))
    return redo.verified, redo.verified == bool(cert["verified"]), redo.gap_bound


def _verify_welfare(data: dict[str, Any]) -> VerifyReport:
    model = _model_of(data, WelfareModel)
    verified, agrees, gap = _verify_kkt(model, model.beta, data)
    return VerifyReport("welfare", verified, agrees, {"gap_bound": gap})


def _row_welfare(r: WelfareResult) -> Row:
    answer = f"W_p = {r.welfare:.6g} at s = {_short(r.s)}" if r.welfare is not None else "no optimum"
    return Row(r.status.value, bool(r.certificate and r.certificate.verified), answer, r.stats.seconds)


# --- mbeta: NE of M_beta and Theorem 4.1 (001 Section 4) ---------------------------------------


def _solve_mbeta(model: MBetaModel, raw: dict[str, Any]) -> MBetaResult:
    beta = None if model.beta == "optimal" else float(model.beta)
    tau = np.broadcast_to(np.asarray(model.tau, dtype=float), (model.n,))
    result = analyze_mbeta(build_utility(model.utility), build_cost(model.cost), budgets_of(model), tau,
                           beta=beta, ps=tuple(model.p))
    return MBetaResult(**{**result.__dict__, "model": raw})


def _verify_mbeta(data: dict[str, Any]) -> VerifyReport:
    model = _model_of(data, MBetaModel)
    cost = build_cost(model.cost)
    beta = optimal_beta(np.broadcast_to(cost.slope, (model.n,))).beta if model.beta == "optimal" else float(model.beta)
    details: dict[str, Any] = {"beta": beta, "stored_beta": data["beta"]}
    ok_beta = abs(beta - float(data["beta"])) <= 1e-12
    tau = np.broadcast_to(np.asarray(model.tau, dtype=float), (model.n,))
    game = BudgetGame(build_utility(model.utility), MBeta(cost, beta, model.n), budgets_of(model), tau)
    stored = data["equilibrium"]["certificate"]
    cert = nash_certificate(game, np.asarray(stored["point"], float), tol=float(stored["tol"]))
    details["nash_max_gain"] = cert.max_gain
    agrees = ok_beta and cert.verified == bool(stored["verified"])
    for cmp in data["comparisons"]:
        verified, ok, gap = _verify_kkt(model, beta, cmp["optimum"])
        program = _program(model, beta, float(cmp["p"]))
        ne_cert = cmp["ne_kkt"]
        ne_redo = kkt_certificate(program, np.asarray(ne_cert["b"], float), np.asarray(ne_cert["s"], float), tol=float(ne_cert["tol"]))
        agrees = agrees and ok and ne_redo.verified == bool(ne_cert["verified"])
        details[f"p={cmp['p']}"] = {"optimum_verified": verified, "ne_kkt_verified": ne_redo.verified, "ne_gap_bound": ne_redo.gap_bound}
    return VerifyReport("mbeta", cert.verified, agrees, details)


def _row_mbeta(r: MBetaResult) -> Row:
    answer = f"beta = {r.beta:.4g}, s = {_short(r.equilibrium.profile)}"
    if r.comparisons:
        verdicts = {True: "yes", False: "no", None: "?"}
        answer += "; NE maximizes W_p for p = " + ", ".join(f"{c.p:g}: {verdicts[c.ne_maximizes]}" for c in r.comparisons)
    return Row(r.status.value, r.equilibrium.certificate.verified, answer, r.stats.seconds)


# --- helpers --------------------------------------------------------------------------------


def _model_of(data: dict[str, Any], schema: type[BaseModel]) -> Any:
    if not isinstance(data.get("model"), dict):
        raise ModelFileError("result: field 'model' is missing; only results of model files can be verified")
    return validate(schema, data["model"], source="result.model")


def _short(x: np.ndarray | None, width: int = 4) -> str:
    if x is None:
        return "-"
    x = np.asarray(x)
    body = ", ".join(f"{v:.4g}" for v in x[:width])
    return f"({body}{', ...' if x.size > width else ''})"


QUERIES: dict[str, Query] = {
    "nash": Query(NashModel, _solve_nash, _verify_nash, _row_nash),
    "welfare": Query(WelfareModel, _solve_welfare, _verify_welfare, _row_welfare),
    "mbeta": Query(MBetaModel, _solve_mbeta, _verify_mbeta, _row_mbeta),
    "existence": Query(typegrid.ExistenceModel, typegrid.solve_existence_model, typegrid.verify_existence,
                       typegrid.row_existence),
    "disparity_boundary": Query(typegrid.BoundaryModel, typegrid.solve_boundary_model, typegrid.verify_boundary,
                                typegrid.row_boundary),
}


def query_for(kind: str, source: str) -> Query:
    if kind not in QUERIES:
        raise ModelFileError(f"{source}: field 'kind': expected one of {sorted(QUERIES)}, got {kind!r}")
    return QUERIES[kind]


def solve_model(raw: dict[str, Any], source: str = "model") -> Any:
    """Validate a parsed model file and answer its query."""
    query = query_for(raw.get("kind"), source)
    return query.solve(validate(query.schema, raw, source=source), raw)


def verify_result(data: dict[str, Any], source: str = "result") -> VerifyReport:
    """Re-check a saved result's certificate from the model it carries."""
    return query_for(data.get("kind"), source).verify(data)
