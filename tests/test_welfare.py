"""Program (7)/(19) of 001: cvxpy optimum vs an independent scipy optimization, KKT certificates."""

import numpy as np
import pytest
from scipy.optimize import minimize

from mechopt import linear_cost, PowerLaw
from mechopt.certificates import kkt_certificate
from mechopt.solvers.kkt_fit import fit_multipliers
from mechopt.data.power_mean import power_mean
from mechopt.programs import WelfareProgram
from mechopt.solvers.welfare import solve_welfare
from mechopt.core.status import Status
from mechopt.data.utilities import CobbDouglas, QuasiLinear

INSTANCES = [
    (CobbDouglas([0.3, 0.5, 0.6]), linear_cost([1.0, 2.0, 3.0], 0.1), [10.0, 8.0, 6.0], 0.5),
    (CobbDouglas(0.5), linear_cost([1.0, 1.5]), [4.0, 6.0], 0.3),
    (QuasiLinear(PowerLaw(alpha=[1.0, 2.0], beta=[0.5, 0.8], shift=1.0)), linear_cost([0.2, 0.3]), [5.0, 5.0], 0.4),
]


def scipy_optimum(program: WelfareProgram, x0: np.ndarray) -> float:
    """Maximize W_p by SLSQP on (b, s) >= 0 with the budget constraints: independent of cvxpy."""
    n = program.n

    def neg_w(x):
        w = program.welfare(x[:n], x[n:])
        return -w if np.isfinite(w) else 1e6

    cons = [{"type": "ineq", "fun": lambda x: -program.budget_slack(x[:n], x[n:])}]
    best = -np.inf
    for start in (x0, np.full(2 * n, 0.5)):
        res = minimize(neg_w, start, method="SLSQP", bounds=[(1e-9, None)] * (2 * n), constraints=cons,
                       options={"ftol": 1e-12, "maxiter": 1000})
        if res.success:
            best = max(best, -res.fun)
    return best


@pytest.mark.parametrize("instance", INSTANCES)
@pytest.mark.parametrize("p", [1.0, 0.5, 0.0, -1.0])
def test_cvxpy_optimum_matches_scipy(instance, p):
    utility, cost, budgets, beta = instance
    program = WelfareProgram(utility, cost, np.array(budgets), beta, p)
    result = solve_welfare(program)
    assert result.status is Status.OPTIMAL and result.certificate.verified
    x0 = np.concatenate([np.asarray(budgets) / 2, np.full(len(budgets), 0.5)])
    assert scipy_optimum(program, x0) == pytest.approx(result.welfare, rel=1e-5)
    # no feasible point scipy finds may beat the certified optimum by more than the gap bound
    assert scipy_optimum(program, x0) <= result.welfare + result.certificate.gap_bound + 1e-7


def test_egalitarian_welfare_p_minus_inf():
    utility, cost, budgets, beta = INSTANCES[0]
    program = WelfareProgram(utility, cost, np.array(budgets), beta, -np.inf)
    r = solve_welfare(program)
    assert r.status is Status.OPTIMAL
    # at the egalitarian optimum the utilities are equalized among the agents bounding the minimum
    assert r.welfare == pytest.approx(np.min(r.utilities))
    weights = r.certificate.multipliers["pieces"]
    assert weights.sum() == pytest.approx(1.0)


def test_corrupted_optimum_is_rejected():
    utility, cost, budgets, beta = INSTANCES[0]
    program = WelfareProgram(utility, cost, np.array(budgets), beta, 0.0)
    r = solve_welfare(program)
    moved = r.s.copy()
    moved[0] *= 0.9
    b = np.array(budgets) - program.mechanism.spending(moved)
    x = np.concatenate([b, moved])
    assert not kkt_certificate(program, x, fit_multipliers(program, x)).verified


def test_power_mean_limits():
    u = np.array([1.0, 4.0, 16.0])
    assert power_mean(u, 0.0) == pytest.approx(4.0)
    assert power_mean(u, -np.inf) == 1.0
    assert power_mean(u, -1e-9) == pytest.approx(4.0, rel=1e-6)
    assert power_mean(u, -200.0) == pytest.approx(1.0, rel=1e-2)


@pytest.mark.parametrize("p", [1.5, float("nan")])
def test_program_rejects_p_above_one(p):
    with pytest.raises(ValueError, match="p"):
        WelfareProgram(CobbDouglas(0.5), linear_cost([1.0, 2.0]), np.array([1.0, 1.0]), 0.5, p)
