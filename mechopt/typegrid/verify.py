"""Verifiers of claimed existence and disparity-boundary answers (002), from the grid alone.

The certificate is read strictly from the claim (chain vertices and profiles must be integers),
re-checked with the verifier's own tolerance (relative to :attr:`TypeGrid.value_scale`), and every
answer field (status, exists, revenue, min_budget, efficiency; for boundaries max_disparity,
lower, upper) is bound to the recomputed evidence.
"""

from __future__ import annotations

import numpy as np

from mechopt.certificates.verification import Check, ClaimReader, MalformedClaim, Verification, close
from mechopt.core.status import Status
from mechopt.core.tolerances import FEASIBILITY_TOL
from mechopt.typegrid.aggregate import aggregate_max_payments, aggregate_revenues
from mechopt.typegrid.certificates import (Chain, ExistenceCertificate, FarkasRay, certify_chains,
                                           certify_symmetric_payments, is_market_growth, verify_certificate)
from mechopt.typegrid.existence import efficiency_evidence, existence_status, max_payment_table
from mechopt.typegrid.market_growth import market_growth_grid
from mechopt.typegrid.model import TypeGrid
from mechopt.typegrid.properties import revenues

TABLE_KINDS = ("payment_table", "symmetric_payment_table")
CERTIFICATE_KINDS = (*TABLE_KINDS, "shortest_path_chains")


def _integers(claim: ClaimReader, name: str) -> tuple[int, ...]:
    values = claim.raw(name)
    if not isinstance(values, list) or any(isinstance(v, bool) or not isinstance(v, int) for v in values):
        raise MalformedClaim(f"{claim.where}.{name}: expected a list of integers, got {values!r}")
    return tuple(values)


def read_existence_certificate(claim: ClaimReader) -> ExistenceCertificate:
    """The certificate as claimed, read strictly (its verdict and numbers are re-derived anyway)."""
    kind = claim.string("kind")
    if kind not in CERTIFICATE_KINDS:
        raise MalformedClaim(f"{claim.where}.kind: expected one of {', '.join(CERTIFICATE_KINDS)}, got {kind!r}")
    verified = bool(claim.boolean("verified"))
    if kind in TABLE_KINDS:
        payments = claim.string("payments")
        return ExistenceCertificate(kind, 0.0, verified, _integers(claim, "shape"), payments)
    chains = tuple(Chain(int(c.integer("agent")), _integers(c, "vertices"), float(c.number("bound")))
                   for c in claim.items("chains"))
    ray_claim = claim.sub("dual_ray", optional=True) if "dual_ray" in claim.data else None
    ray = None if ray_claim is None else FarkasRay(_integers(ray_claim, "rows"), ray_claim.array("values"),
                                                   float("nan"), float("nan"))
    return ExistenceCertificate(kind, 0.0, verified, profile=_integers(claim, "profile"), chains=chains,
                                total_bound=float(claim.number("total_bound")), dual_ray=ray)


def _table_revenues(grid: TypeGrid, cert: ExistenceCertificate) -> np.ndarray | None:
    try:
        P = cert.table()
    except ValueError:
        return None
    if cert.kind == "payment_table":
        if P.shape != (grid.n, grid.K + 1, grid.K ** (grid.n - 1)):
            return None
        return revenues(grid, P)[1]
    if P.shape[0] != grid.K + 1:
        return None
    return aggregate_revenues(P, grid.n, grid.K)[1]


def _max_payment_revenues(grid: TypeGrid) -> np.ndarray:
    """sum_i p^max_i(t) at every true profile, re-derived by the DAG solver (the compiled one on the
    market-growth family)."""
    if is_market_growth(grid):
        P, _ = aggregate_max_payments(float(grid.valuation.alpha), grid.n, grid.K, grid.eps)
        return aggregate_revenues(P, grid.n, grid.K)[1]
    P, _ = max_payment_table(grid, "dag")
    return revenues(grid, P)[1]


def verify_existence_answer(grid: TypeGrid, claim: ClaimReader, *, tol: float = FEASIBILITY_TOL) -> Verification:
    """A claimed (non-)existence is established iff the recomputed certificate verifies and status,
    exists, revenue, min_budget and efficiency agree with it."""
    status = claim.enum("status", Status)
    cert = read_existence_certificate(claim.sub("certificate"))
    redo = verify_certificate(grid, cert, tol=tol)
    proves_existence = cert.kind in TABLE_KINDS
    eff = efficiency_evidence(grid)
    expected = existence_status(proves_existence, redo, eff, tol, grid.value_scale)
    exists, revenue, min_budget = claim.boolean("exists"), claim.number("revenue", optional=True), claim.number("min_budget")
    checks = [Check("certificate.verified", cert.verified, redo.verified, cert.verified == redo.verified),
              Check("status", status.value, expected.value, status is expected),
              Check("exists", exists, proves_existence, exists == proves_existence)]
    atol = tol * grid.value_scale
    if proves_existence:
        rev = _table_revenues(grid, cert)
        checks += [Check("min_budget", min_budget, None if rev is None else float(rev.min()),
                         rev is not None and close(min_budget, float(rev.min()), scale=grid.value_scale)),
                   Check("revenue", revenue, None if rev is None else float(rev.sum()),
                         rev is not None and close(revenue, float(rev.sum()), scale=grid.value_scale * rev.size))]
        basis = "proof: every IR, IC and weak-budget-balance constraint of the table checked exhaustively"
    else:
        lowest = float(np.min(_max_payment_revenues(grid)))
        checks += [Check("min_budget", min_budget, lowest, close(min_budget, lowest, scale=grid.value_scale)
                         and bool(min_budget <= redo.total_bound + atol)),
                   Check("revenue", revenue, None, revenue is None)]
        basis = ("proof: shortest-path chains (Theorem 6) bound the maximal payments at the profile below zero; "
                 "min_budget re-derived by the DAG solver")
    eff_claim = claim.sub("efficiency", optional=True)
    claimed_eff = None if eff_claim is None else eff_claim.number("amount")
    checks.append(Check("efficiency.amount", claimed_eff, None if eff is None else eff.amount,
                        close(claimed_eff, None if eff is None else eff.amount, scale=grid.value_scale)))
    if eff is None:
        basis += "; efficiency of the allocation not checked (grid too large)"
    established = status in (Status.OPTIMAL, Status.INFEASIBLE, Status.ASSUMPTION_VIOLATED) and all(c.ok for c in checks)
    return Verification("existence", status.value, established, basis, tol, tuple(checks), ("stats",))


def verify_boundary_answer(alpha: float, n: int, claim: ClaimReader, *, tol: float = FEASIBILITY_TOL,
                           size_check=None) -> Verification:  # type: ignore[no-untyped-def]
    """K*(alpha): existence at ``lower`` re-derived (DAG solver, rescaled table) and every IR, IC and
    budget constraint re-checked; non-existence at ``upper`` by its chains; max_disparity, status
    and exists bound to those."""
    status = claim.enum("status", Status)
    cert_claim = claim.sub("certificate")
    lower, upper = claim.integer("lower"), claim.integer("upper", optional=True)
    claimed_k, exists = claim.integer("max_disparity", optional=True), claim.boolean("exists")
    if size_check is not None:
        size_check(lower)
    checks = [Check("alpha", claim.number("alpha"), alpha, claim.number("alpha") == alpha),
              Check("n", claim.integer("n"), n, claim.integer("n") == n)]
    yes_ok = no_ok = False
    if cert_claim.raw("existence") is not None:
        if lower < 1:
            raise MalformedClaim(f"{claim.where}.lower: must be >= 1 when an existence certificate is present")
        P, _ = aggregate_max_payments(alpha, n, lower, 1.0 / lower)
        yes_ok = certify_symmetric_payments(market_growth_grid(alpha, lower, n), P, tol=tol).verified
        checks.append(Check(f"existence at K = {lower}", True, yes_ok, yes_ok))
    if cert_claim.raw("nonexistence") is not None:
        if upper is None or upper < 1:
            raise MalformedClaim(f"{claim.where}.upper: must be >= 1 when a non-existence certificate is present")
        stored = read_existence_certificate(cert_claim.sub("nonexistence"))
        no = certify_chains(market_growth_grid(alpha, upper, n), stored.profile, stored.chains, tol=tol)
        no_ok = no.verified and max(stored.profile, default=0) == upper
        checks.append(Check(f"non-existence at K = {upper}", True, no_ok, no_ok))
    certified = yes_ok and no_ok and upper == lower + 1
    expected = Status.OPTIMAL if certified else (Status.BOUNDED if yes_ok else Status.UNVERIFIED)
    expected_k = lower if certified else (None if upper is None or not no_ok else upper - 1)
    checks += [Check("status", status.value, expected.value, status is expected),
               Check("max_disparity", claimed_k, expected_k, claimed_k == expected_k),
               Check("exists", exists, yes_ok and lower >= 1, exists == (yes_ok and lower >= 1))]
    established = status in (Status.OPTIMAL, Status.BOUNDED) and all(c.ok for c in checks)
    basis = ("proof: existence re-derived and checked exhaustively at K = lower; chains at K = upper; "
             "existence is monotone in K (homogeneity, docs/typegrid.md)")
    return Verification("disparity_boundary", status.value, established, basis, tol, tuple(checks),
                        ("search", "certificate.existence.violations", "stats"))
