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
from .io.game_schema import GameSpec, Positive, Strict, build_game
from .serialization import Serializable


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
    method: Literal["newton", "br", "stochastic-br"] = "newton"
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
