"""The kinds of paper 000: ``value_shaping`` (solo optima, free riding under (8), the
data-maximizing equilibrium of (11), every fixed point, viability), ``value_shaping_contract``
(program (22) under private binary costs) and ``baseline_equilibrium`` (the largest equilibrium of
PD, PV or PS (12)-(14) symmetric by cost type)."""

from __future__ import annotations

from mechopt.core.status import Status
from mechopt.core.verdict import Verdict
from mechopt.io.kind import Kind
from mechopt.io.kinds.rows import short
from mechopt.io.schemas.value_shaping import (BaselineModel, ValueShapingContractModel, ValueShapingModel, costs,
                                              value_of_data)
from mechopt.valueshaping.baselines import solve_baseline_equilibrium
from mechopt.valueshaping.certify import (CONTRACT_TOL, VALUE_TOL, ContractResult, ValueShapingResult,
                                          certify_contract, certify_value_shaping)
from mechopt.valueshaping.contracts import solve_contract
from mechopt.valueshaping.equilibrium import solve_value_shaping
from mechopt.valueshaping.proportional.certify import BASELINE_TOL, BaselineResult, certify_baseline_equilibrium


def _solve(model: ValueShapingModel, tol: float) -> ValueShapingResult:
    return solve_value_shaping(value_of_data(model), costs(model), eps=model.epsilon, tol=tol)


def _certify(model: ValueShapingModel, answer: ValueShapingResult, tol: float) -> Verdict:
    return certify_value_shaping(value_of_data(model), costs(model), model.epsilon, answer, tol=tol)


def value_shaping_summary(r: ValueShapingResult) -> str:
    return (f"total data {r.total_data:.6g} (standard FL {r.free_riding_total:.6g}); "
            f"solo m* = {short(r.solo)}")


def _solve_contract(model: ValueShapingContractModel, tol: float) -> ContractResult:
    return solve_contract(value_of_data(model), model.cost.low, model.cost.high, model.cost.p_low,  # type: ignore[arg-type]
                          others=model.others, n=model.n, tol=tol)


def _certify_contract(model: ValueShapingContractModel, answer: ContractResult, tol: float) -> Verdict:
    return certify_contract(value_of_data(model), model.cost.low, model.cost.high, model.cost.p_low,  # type: ignore[arg-type]
                            model.others, model.n, answer, tol=tol)


def contract_summary(r: ContractResult) -> str:
    if r.m_down is None or r.m_up is None or r.expected_data is None or r.information_rent is None:
        if r.status is Status.ASSUMPTION_VIOLATED:
            return f"no contract: (15) infeasible for every m_down (m_hi^max = {r.m_max_high:.4g})"
        return "no contract found"
    return (f"m_up = {r.m_up:.6g}, m_down = {r.m_down:.6g}, expected data {r.expected_data:.6g}, "
            f"information rent {r.information_rent:.4g}")


def _solve_baseline(model: BaselineModel, tol: float) -> BaselineResult:
    return solve_baseline_equilibrium(value_of_data(model), costs(model), model.mechanism, model.p, tol=tol)  # type: ignore[arg-type]


def _certify_baseline(model: BaselineModel, answer: BaselineResult, tol: float) -> Verdict:
    return certify_baseline_equilibrium(value_of_data(model), costs(model), model.mechanism, model.p,  # type: ignore[arg-type]
                                        answer, tol=tol)


def baseline_summary(r: BaselineResult) -> str:
    per_type = ", ".join("leaves" if gone else f"{m:.6g}" for m, gone in zip(r.contributions, r.left))
    proved = "; proved the largest" if r.largest else ""
    return f"{r.mechanism} (p = {r.p:g}): total {r.total:.6g}, per type [{per_type}]{proved}"


KINDS = (
    Kind("value_shaping", ValueShapingModel, ValueShapingResult, _solve, _certify, VALUE_TOL, value_shaping_summary,
         ),
    Kind("value_shaping_contract", ValueShapingContractModel, ContractResult, _solve_contract, _certify_contract,
         CONTRACT_TOL, contract_summary),
    Kind("baseline_equilibrium", BaselineModel, BaselineResult, _solve_baseline, _certify_baseline, BASELINE_TOL,
         baseline_summary),
)
