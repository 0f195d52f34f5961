"""The ``mechanism`` kind: a mechanism's certified equilibrium with its payments and 003's measures
(4)-(6) against M^0 (003 Sections 3-4)."""

from __future__ import annotations

from mechopt.core.tolerances import NASH_GAIN_TOL
from mechopt.core.verdict import Verdict
from mechopt.io.kind import Kind
from mechopt.io.kinds.rows import short
from mechopt.io.schemas.mechanism import MechanismModel, build_mechanism
from mechopt.reciprocity.answer import solve_mechanism
from mechopt.reciprocity.certify import MechanismResult, certify_mechanism


def _solve(model: MechanismModel, tol: float) -> MechanismResult:
    s = model.solver
    return solve_mechanism(build_mechanism(model), method=s.method, tol=tol, batch=s.batch, step=s.step)


def _certify(model: MechanismModel, answer: MechanismResult, tol: float) -> Verdict:
    return certify_mechanism(build_mechanism(model), answer, tol=tol)


def mechanism_summary(r: MechanismResult) -> str:
    return (f"{r.mechanism}: s = {short(r.equilibrium.profile)}, payments {short(r.payments)}, reciprocity "
            f"{r.reciprocity:.4g}, data gain {r.data_gain:.4g}, accuracy gain {r.accuracy_gain:.4g}")


KINDS = (Kind("mechanism", MechanismModel, MechanismResult, _solve, _certify, NASH_GAIN_TOL, mechanism_summary,
              tol_path=("solver", "tol"), method_path=("solver", "method")),)
