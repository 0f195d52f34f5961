"""The queries a model file can pose: ``kind`` -> schema, solve and verify.

``solve_model`` validates a parsed model file and answers it; ``verify_envelope`` re-checks a
result envelope from the model it carries, with the verifier's own tolerance (the package
default for the kind, or the one given), never the tolerances or verdicts stored in the file.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from mechopt.analyses.theorem41 import analyze_mbeta
from mechopt.certificates.answers import verify_mbeta_answer, verify_nash_answer, verify_welfare_answer
from mechopt.certificates.verification import ClaimReader, MalformedClaim, Verification, bind_claimed_tolerances
from mechopt.core.result import Result
from mechopt.core.tolerances import FEASIBILITY_TOL, KKT_TOL, NASH_GAIN_TOL
from mechopt.io.envelope import unwrap, wrap
from mechopt.io.files import ModelFileError, validate
from mechopt.io.schemas.budget import MBetaModel, WelfareModel, budget_game, welfare_program
from mechopt.io.schemas.game import NashModel, build_game
from mechopt.io.schemas.mechanism import MechanismModel, mechanism_beta, mechanism_parts
from mechopt.io.schemas.typegrid import BoundaryModel, ExistenceModel, build_grid, check_profiles
from mechopt.io.schemas.value_shaping import (ValueShapingContractModel, ValueShapingModel, costs as vs_costs,
                                              value_of_data)
from mechopt.mechanisms.mbeta import optimal_beta_for
from mechopt.io.schemas.privacy import StackelbergModel, sensitivity as privacy_sensitivity, symmetric_game
from mechopt.privacy.stackelberg import STACKELBERG_TOL, solve_stackelberg
from mechopt.privacy.verify import verify_stackelberg_answer
from mechopt.reciprocity.answer import solve_mechanism
from mechopt.reciprocity.verify import verify_mechanism_answer
from mechopt.solvers.nash import solve_nash
from mechopt.solvers.welfare import solve_welfare
from mechopt.typegrid.existence import solve_existence
from mechopt.typegrid.market_growth import disparity_boundary
from mechopt.typegrid.verify import verify_boundary_answer, verify_existence_answer
from mechopt.valueshaping.equilibrium import VALUE_TOL, solve_value_shaping
from mechopt.valueshaping.contracts import CONTRACT_TOL, solve_contract
from mechopt.valueshaping.verify import verify_contract_answer, verify_value_shaping_answer


@dataclass(frozen=True)
class Query:
    schema: type[BaseModel]
    solve: Callable[[Any], Result]
    verify: Callable[[Any, ClaimReader, float], Verification]
    default_tol: float
    """The verifier's tolerance when none is given."""
    claimed_tolerances: tuple[str, ...] = ("certificate.tol",)
    """Tolerances the answer's certificates claim (dotted paths in the result) that the verifier's
    own bounds: a file that loosens one is not established."""


def _solve_nash(model: NashModel) -> Result:
    s = model.solver
    return solve_nash(build_game(model.game), method=s.method, tol=s.tol, batch=s.batch, step=s.step)


def _solve_welfare(model: WelfareModel) -> Result:
    return solve_welfare(welfare_program(model, model.beta, model.p))


def _mbeta_beta(model: MBetaModel) -> float:
    if model.beta != "optimal":
        return float(model.beta)
    return optimal_beta_for(model.cost, model.n).beta


def _solve_mbeta(model: MBetaModel) -> Result:
    game = budget_game(model, _mbeta_beta(model))
    return analyze_mbeta(game.utility, game.mechanism.cost, game.budgets, game.upper,
                         beta=None if model.beta == "optimal" else float(model.beta), ps=tuple(model.p))


def _verify_mbeta(model: MBetaModel, claim: ClaimReader, tol: float) -> Verification:
    return verify_mbeta_answer(budget_game(model, _mbeta_beta(model)), tuple(model.p), model.beta == "optimal", claim,
                               nash_tol=tol)


def _verify_welfare(model: WelfareModel, claim: ClaimReader, tol: float) -> Verification:
    return verify_welfare_answer(welfare_program(model, model.beta, model.p), claim, tol=tol)


def _solve_existence(model: ExistenceModel) -> Result:
    return solve_existence(build_grid(model), method=model.solver.method, tol=model.solver.tol)


def _solve_boundary(model: BoundaryModel) -> Result:
    return disparity_boundary(model.alpha, n=model.agents, full_limit=model.full_limit, line_limit=model.line_limit,
                              tol=model.tol)


def _verify_boundary(model: BoundaryModel, claim: ClaimReader, tol: float) -> Verification:
    def size_check(lower: int) -> None:
        try:
            check_profiles("result.lower", "lower", lower, model.agents)
        except ValueError as err:
            raise MalformedClaim(str(err)) from None

    return verify_boundary_answer(model.alpha, model.agents, claim, tol=tol, size_check=size_check)


def _solve_mechanism(model: MechanismModel) -> Result:
    s = model.solver
    return solve_mechanism(model.mechanism, *mechanism_parts(model), beta=mechanism_beta(model), method=s.method,
                           tol=s.tol, batch=s.batch, step=s.step)


def _verify_mechanism(model: MechanismModel, claim: ClaimReader, tol: float) -> Verification:
    return verify_mechanism_answer(model.mechanism, *mechanism_parts(model), mechanism_beta(model), claim, tol=tol)


def _solve_stackelberg(model: StackelbergModel, method: str = "candidates") -> Result:
    return solve_stackelberg(symmetric_game(model), privacy_sensitivity(model), method=method)


QUERIES: dict[str, Query] = {
    "nash": Query(NashModel, _solve_nash, lambda m, c, t: verify_nash_answer(build_game(m.game), c, tol=t),
                  NASH_GAIN_TOL),
    "welfare": Query(WelfareModel, _solve_welfare, _verify_welfare, KKT_TOL),
    "mbeta": Query(MBetaModel, _solve_mbeta, _verify_mbeta, NASH_GAIN_TOL, ("equilibrium.certificate.tol",)),
    "mechanism": Query(MechanismModel, _solve_mechanism, _verify_mechanism, NASH_GAIN_TOL,
                       ("equilibrium.certificate.tol", "baseline.certificate.tol")),
    "existence": Query(ExistenceModel, _solve_existence,
                       lambda m, c, t: verify_existence_answer(build_grid(m), c, tol=t), FEASIBILITY_TOL),
    "disparity_boundary": Query(BoundaryModel, _solve_boundary, _verify_boundary, FEASIBILITY_TOL,
                                ("certificate.existence.tol", "certificate.nonexistence.tol")),
    "value_shaping": Query(ValueShapingModel,
                           lambda m: solve_value_shaping(value_of_data(m), vs_costs(m), eps=m.epsilon),
                           lambda m, c, t: verify_value_shaping_answer(value_of_data(m), vs_costs(m), m.epsilon, c,
                                                                       tol=t), VALUE_TOL,
                           ("equilibrium.certificate.tol", "free_riding_certificate.tol")),
    "value_shaping_contract": Query(
        ValueShapingContractModel,
        lambda m: solve_contract(value_of_data(m), m.cost.low, m.cost.high, m.cost.p_low, others=m.others, n=m.n),
        lambda m, c, t: verify_contract_answer(value_of_data(m), m.cost.low, m.cost.high, m.cost.p_low, m.others, m.n,
                                               c, tol=t), CONTRACT_TOL),
    "stackelberg": Query(StackelbergModel, _solve_stackelberg,
                         lambda m, c, t: verify_stackelberg_answer(symmetric_game(m), privacy_sensitivity(m), c, tol=t),
                         STACKELBERG_TOL),
}


def query_for(kind: Any, source: str) -> Query:
    if not isinstance(kind, str) or kind not in QUERIES:
        raise ModelFileError(f"{source}: field 'kind': expected one of {sorted(QUERIES)}, got {kind!r}")
    return QUERIES[kind]


def solve_model(raw: dict[str, Any], source: str = "model", **options: Any) -> Result:
    """Validate a parsed model file and answer its query (``options``: solver options a command
    passes to the kind's solve, e.g. ``method`` for ``stackelberg``)."""
    query = query_for(raw.get("kind"), source)
    try:
        return query.solve(validate(query.schema, raw, source=source), **options)
    except ValueError as err:  # a model that validates but that the method refuses
        if isinstance(err, ModelFileError):
            raise
        raise ModelFileError(f"{source}: {err}") from None


def answer_model(raw: dict[str, Any], source: str = "model") -> dict[str, Any]:
    """The result envelope answering a parsed model file."""
    return wrap(raw["kind"], raw, solve_model(raw, source))


def verify_envelope(data: Any, source: str = "result", *, tol: float | None = None) -> Verification:
    """Re-check a result envelope from its model with the verifier's own tolerance."""
    kind, model_raw, result = unwrap(data, source)
    query = query_for(kind, f"{source}: field 'kind'")
    if tol is not None and (isinstance(tol, bool) or not isinstance(tol, (int, float)) or not 0 < tol < 1):
        raise ModelFileError(f"--tol: must be a number in (0, 1), got {tol!r}")
    model = validate(query.schema, model_raw, source=f"{source}: result.model")
    try:
        claim = ClaimReader(result, "result")
        verification = query.verify(model, claim, query.default_tol if tol is None else float(tol))
        return bind_claimed_tolerances(verification, claim, query.claimed_tolerances)
    except MalformedClaim as err:
        raise ModelFileError(f"{source}: {err}") from None
