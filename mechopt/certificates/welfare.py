"""The ``welfare`` kind: an optimum of the p-mean welfare program (7)/(19) of 001, the answer type
:class:`WelfareResult` and its one certifier :func:`certify_welfare`.

An optimum rests on the KKT certificate at the answer's point (b, s) with the answer's multipliers
(a Lagrangian bound on the gap to the optimum: a proof for the concave program); ``infeasible``
on :class:`~mechopt.certificates.infeasibility.BudgetInfeasibility` recomputed from the model (an
agent's budget below its least spending); an answer with no point and no such evidence is a
failure, which claims nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mechopt.certificates.infeasibility import BudgetInfeasibility, budget_infeasibility
from mechopt.certificates.kkt import KKTCertificate, kkt_certificate
from mechopt.core.result import Answer, verdict_field
from mechopt.core.serialization import MalformedAnswer
from mechopt.core.stats import SolveStats
from mechopt.core.status import Status
from mechopt.core.tolerances import KKT_TOL
from mechopt.core.verdict import Basis, Check, Verdict, bind, equal, judge, shown, tolerance, witness
from mechopt.programs.welfare import WelfareProgram

WELFARE_UNCHECKED = ("message", "solver_duals", "stats")
"""Fields no evidence binds: free text, the solver's own duals (never used) and statistics."""


@dataclass(frozen=True)
class WelfareResult(Answer):
    """Optimum of (19): the best point found (``b``, ``s``; None only when the program is
    infeasible or the solver returned no point), its welfare and utilities, the solver's duals (a
    diagnostic), and the evidence: KKT for a point, budget infeasibility for ``infeasible``."""

    kind: str
    status: Status
    message: str
    p: float
    beta: float
    b: np.ndarray | None
    s: np.ndarray | None
    welfare: float | None
    utilities: np.ndarray | None
    solver_duals: dict[str, np.ndarray]
    certificate: KKTCertificate | BudgetInfeasibility | None
    stats: SolveStats
    verdict: Verdict | None = verdict_field()

    @property
    def x(self) -> np.ndarray | None:
        return None if self.b is None or self.s is None else np.concatenate([self.b, self.s])


def _vector(program: WelfareProgram, value: np.ndarray, field: str) -> np.ndarray:
    value = np.asarray(value, dtype=float)
    if value.shape != (program.n,) or not np.all(np.isfinite(value)):
        raise MalformedAnswer(f"{field}: expected {program.n} finite numbers, got shape {value.shape}")
    return value


def kkt_checks(program: WelfareProgram, claimed: KKTCertificate, x: np.ndarray, tol: float, prefix: str
               ) -> tuple[KKTCertificate, list[Check]]:
    """The KKT certificate recomputed at x with the claimed multipliers, and every claimed field
    against it."""
    try:
        cert = kkt_certificate(program, x, claimed.multipliers, tol=tol)
    except ValueError as err:
        raise MalformedAnswer(f"{prefix}.{err}") from None
    scale = max(cert.objective_scale, np.finfo(float).tiny) if np.isfinite(cert.objective_scale) else None
    return cert, [
        equal(f"{prefix}.kind", claimed.kind, "kkt"),
        equal(f"{prefix}.point", claimed.point, x),
        witness(f"{prefix}.multipliers", np.concatenate([np.ravel(v) for v in claimed.multipliers.values()])
                if claimed.multipliers else np.zeros(0)),
        bind(f"{prefix}.objective", claimed.objective, cert.objective),
        bind(f"{prefix}.stationarity", claimed.stationarity, cert.stationarity, rtol=1e-6),
        bind(f"{prefix}.complementarity", claimed.complementarity, cert.complementarity, scale=scale),
        bind(f"{prefix}.primal_infeasibility", claimed.primal_infeasibility, cert.primal_infeasibility, scale=1.0),
        bind(f"{prefix}.gap_bound", claimed.gap_bound, cert.gap_bound, scale=scale),
        bind(f"{prefix}.objective_scale", claimed.objective_scale, cert.objective_scale),
        tolerance(f"{prefix}.tol", claimed.tol, tol),
        equal(f"{prefix}.verified", claimed.verified, cert.verified),
    ]


def infeasibility_checks(program: WelfareProgram, claimed: BudgetInfeasibility, tol: float, prefix: str
                         ) -> tuple[BudgetInfeasibility, list[Check]]:
    evidence = budget_infeasibility(program, tol=tol)
    return evidence, [
        equal(f"{prefix}.kind", claimed.kind, evidence.kind),
        equal(f"{prefix}.agent", claimed.agent, evidence.agent),
        bind(f"{prefix}.minimum_spending", claimed.minimum_spending, evidence.minimum_spending),
        bind(f"{prefix}.budget", claimed.budget, evidence.budget),
        tolerance(f"{prefix}.tol", claimed.tol, tol),
        equal(f"{prefix}.verified", claimed.verified, evidence.verified),
    ]


def certify_welfare(program: WelfareProgram, answer: WelfareResult, *, tol: float = KKT_TOL) -> Verdict:
    """The verdict on a claimed answer of (19) (the one judge of the welfare kind): ``optimal``
    when the KKT certificate at its point with its multipliers verifies (else ``unverified``);
    without a point, ``infeasible`` when the budget evidence recomputed from the model verifies
    (else ``failed``)."""
    checks = [equal("kind", answer.kind, "welfare"), equal("p", answer.p, float(program.p)),
              equal("beta", answer.beta, float(program.beta))]
    claimed = answer.certificate
    if answer.b is not None and answer.s is not None:
        b, s = _vector(program, answer.b, "b"), _vector(program, answer.s, "s")
        x = np.concatenate([b, s])
        if not isinstance(claimed, KKTCertificate):
            raise MalformedAnswer("certificate: an answer with a point (b, s) carries its KKT certificate")
        cert, more = kkt_checks(program, claimed, x, tol, "certificate")
        with np.errstate(all="ignore"):
            welfare, utilities = program.welfare(b, s), program.utilities(b, s)
        checks += [witness("b", b), witness("s", s), *more, bind("welfare", answer.welfare, welfare),
                   bind("utilities", answer.utilities, utilities)]
        supported = Status.OPTIMAL if cert.verified else Status.UNVERIFIED
        basis = Basis.PROOF
        text = ("the Lagrangian bound of the concave program at the answer's point with its multipliers (z >= 0) bounds "
                f"the gap to the optimum by {cert.gap_bound:.3g}, relative to the objective's scale "
                f"{cert.objective_scale:.3g}; constraint violations relative to each constraint's terms")
    else:
        evidence = budget_infeasibility(program, tol=tol)
        checks += [equal("b", shown(answer.b), None), equal("s", shown(answer.s), None),
                   equal("welfare", answer.welfare, None), equal("utilities", shown(answer.utilities), None)]
        if isinstance(claimed, BudgetInfeasibility):
            evidence, more = infeasibility_checks(program, claimed, tol, "certificate")
            checks += more
        else:  # an infeasible answer carries its evidence; a failure carries none
            checks.append(Check("certificate", None if claimed is None else claimed.kind,
                                "budget_infeasibility" if evidence.verified else None,
                                claimed is None and not evidence.verified))
        supported = Status.INFEASIBLE if evidence.verified else Status.FAILED
        basis = Basis.PROOF
        text = (f"agent {evidence.agent} must spend at least {evidence.minimum_spending:.6g} (its spending at s = 0, "
                f"spending increases in s) but has budget {evidence.budget:.6g}, and b >= 0")
    return judge("welfare", answer.status, supported, checks, basis, text, tol, WELFARE_UNCHECKED)
