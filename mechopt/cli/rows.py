"""One line of the ``mechopt solve`` table per result kind."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from mechopt.core.status import Status


def short(x: Any, width: int = 4) -> str:
    if x is None:
        return "-"
    x = np.asarray(x)
    body = ", ".join(f"{v:.4g}" for v in x[:width])
    return f"({body}{', ...' if x.size > width else ''})"


def _nash(r: Any) -> str:
    return "s = " + short(r.profile) if r.profile is not None else f"none certified (max gain {r.certificate.max_gain:.3g})"


def _welfare(r: Any) -> str:
    if r.status is Status.INFEASIBLE:
        c = r.certificate
        return f"infeasible: agent {c.agent} needs {c.minimum_spending:.4g} > budget {c.budget:.4g}"
    return f"W_p = {r.welfare:.6g} at s = {short(r.s)}" if r.welfare is not None else "no optimum"


def _mbeta(r: Any) -> str:
    answer = f"beta = {r.beta:.4g}, s = {short(r.equilibrium.profile)}"
    if r.comparisons:
        verdicts = {True: "yes", False: "no", None: "?"}
        answer += "; NE maximizes W_p for p = " + ", ".join(f"{c.p:g}: {verdicts[c.ne_maximizes]}" for c in r.comparisons)
    return answer


def _existence(r: Any) -> str:
    answer = "exists" if r.exists else f"none: profile {tuple(r.certificate.profile)}"
    if r.status is Status.ASSUMPTION_VIOLATED:
        answer += f" (allocation NOT efficient: shortfall {r.efficiency.amount:.3g} at {r.efficiency.others})"
    return f"{answer}; min budget {r.min_budget:.4g}"


def _boundary(r: Any) -> str:
    k = "none found" if r.max_disparity is None else str(r.max_disparity)
    tag = "certified on the full grid" if r.status is Status.OPTIMAL else f"full grid certifies K* >= {r.lower}"
    return f"K* = {k} ({tag})"


def _value_shaping(r: Any) -> str:
    total = "none certified" if r.total_data is None else f"{r.total_data:.6g}"
    return f"total data {total} (standard FL {r.free_riding_total:.6g}); solo m* = {short(r.solo)}"


def _contract(r: Any) -> str:
    if r.m_down is None:
        return f"no contract: (15) infeasible for every m_down (m_hi^max = {r.m_max_high:.4g})" \
            if r.status is Status.ASSUMPTION_VIOLATED else "no certified contract"
    return (f"m_up = {r.m_up:.6g}, m_down = {r.m_down:.6g}, expected data {r.expected_data:.6g}, "
            f"information rent {r.information_rent:.4g}")


def _stackelberg(r: Any) -> str:
    return (f"alpha* = {r.alpha:.6g}, users private with p = {r.p:.6g} ({r.regime}); platform {r.platform_utility:.6g}, "
            f"users {short(r.user_utilities)}; c_th = {r.c_th:.6g}, gamma_max = {r.gamma_max:.6g}")


def _mechanism(r: Any) -> str:
    if r.status is not Status.EQUILIBRIUM:
        return f"{r.mechanism}: no certified equilibrium ({r.status.value})"
    return (f"{r.mechanism}: s = {short(r.equilibrium.profile)}, payments {short(r.payments)}, reciprocity "
            f"{r.reciprocity:.4g}, data gain {r.data_gain:.4g}, accuracy gain {r.accuracy_gain:.4g}")


ANSWERS: dict[str, Callable[[Any], str]] = {"nash": _nash, "welfare": _welfare, "mbeta": _mbeta, "mechanism": _mechanism,
                                            "existence": _existence, "disparity_boundary": _boundary,
                                            "value_shaping": _value_shaping, "value_shaping_contract": _contract,
                                            "stackelberg": _stackelberg}


def answer_text(kind: str, result: Any) -> str:
    return ANSWERS[kind](result)
