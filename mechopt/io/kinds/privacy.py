"""The ``stackelberg`` kind: the platform's share alpha* of (19) (004 Section 5), and
``stackelberg_levels``: (19) extended to K >= 2 privacy levels for two users."""

from __future__ import annotations

from mechopt.core.serialization import MalformedAnswer
from mechopt.core.verdict import Verdict
from mechopt.io.kind import Kind
from mechopt.io.kinds.rows import short
from mechopt.io.schemas.privacy import (StackelbergLevelsModel, StackelbergModel, levels_game, sensitivity,
                                        symmetric_game)
from mechopt.privacy.certify import (STACKELBERG_TOL, LevelsStackelbergResult, StackelbergResult,
                                     certify_levels_stackelberg, certify_stackelberg)
from mechopt.privacy.stackelberg import solve_stackelberg, solve_stackelberg_levels


def _solve(model: StackelbergModel, tol: float, method: str = "candidates") -> StackelbergResult:
    return solve_stackelberg(symmetric_game(model), sensitivity(model), tol=tol, method=method)


def _model_sensitivity(model: StackelbergModel | StackelbergLevelsModel) -> float:
    """c of an envelope's model; a missing or bad one makes the file malformed."""
    try:
        return sensitivity(model)
    except ValueError as err:
        raise MalformedAnswer(f"model.{err}") from None


def _certify(model: StackelbergModel, answer: StackelbergResult, tol: float) -> Verdict:
    return certify_stackelberg(symmetric_game(model), _model_sensitivity(model), answer, tol=tol)


def stackelberg_summary(r: StackelbergResult) -> str:
    return (f"alpha* = {r.alpha:.6g}, users private with p = {r.p:.6g} ({r.regime}); "
            f"platform {r.platform_utility:.6g}, users {short(r.user_utilities)}; c_th = {r.c_th:.6g}, "
            f"gamma_max = {r.gamma_max:.6g}")


def _solve_levels(model: StackelbergLevelsModel, tol: float) -> LevelsStackelbergResult:
    return solve_stackelberg_levels(levels_game(model), sensitivity(model), tol=tol)


def _certify_levels(model: StackelbergLevelsModel, answer: LevelsStackelbergResult, tol: float) -> Verdict:
    return certify_levels_stackelberg(levels_game(model), _model_sensitivity(model), answer, tol=tol)


def levels_summary(r: LevelsStackelbergResult) -> str:
    return (f"alpha = {r.alpha:.6g}, levels played with q = {short(r.distribution)}; platform "
            f"{r.platform_utility:.6g}, users {short(r.user_utilities)} (alpha's optimality: the solver's)")


KINDS = (Kind("stackelberg", StackelbergModel, StackelbergResult, _solve, _certify, STACKELBERG_TOL,
              stackelberg_summary, options=frozenset({"method"})),
         Kind("stackelberg_levels", StackelbergLevelsModel, LevelsStackelbergResult, _solve_levels, _certify_levels,
              STACKELBERG_TOL, levels_summary))
