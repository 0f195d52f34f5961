"""Tolerances in the problem's units (issue 7 item 2): the same instance expressed at scales
1e-12 .. 1e12 gets the same answer and the same verdict.  Scales: the game's utility scale (Nash
certificate), the grid's value scale (type grids), the objective and constraint scales (KKT), the
utility table's scale (004's programs (19) and (25))."""

from __future__ import annotations

import numpy as np
import pytest

from mechopt import ContinuousGame, DataSharingGame, LinearIndexPayoff, PowerLaw, Status, linear_cost, nash_certificate
from mechopt.data.utilities import QuasiLinear
from mechopt.privacy.game import PrivacyGame
from mechopt.privacy.mean_estimation import mean_estimation_game
from mechopt.privacy.stackelberg import solve_stackelberg
from mechopt.privacy.symmetric import SymmetricPrivacyGame
from mechopt.privacy.twogroup import solve_two_group
from mechopt.programs import WelfareProgram
from mechopt.solvers.welfare import solve_welfare
from mechopt.typegrid.existence import solve_existence
from mechopt.typegrid.model import LinearExternality, MarketGrowth, TypeGrid

SCALES = [1e-12, 1e-8, 1e-4, 1.0, 1e4, 1e8, 1e12]


def example1(scale: float) -> ContinuousGame:
    """001 Example 1 with every utility multiplied by ``scale``: NE (0, 0.5) at every scale."""
    def u(i: int, c: float):
        return lambda s: scale * (8.0 - 1.0 / (s[0] + s[1]) - c * s[i])

    return ContinuousGame.from_utilities([u(0, 5.0), u(1, 4.0)], [(0.0, 2.0), (0.0, 2.0)], concave=True)


@pytest.mark.parametrize("scale", SCALES)
def test_nash_verdict_does_not_depend_on_units(scale):
    game = example1(scale)
    assert nash_certificate(game, np.array([0.0, 0.5])).verified
    assert not nash_certificate(game, np.array([2.0, 2.0])).verified  # gain 9.87 at scale 1
    assert not nash_certificate(game, np.array([0.0, 0.5001])).verified  # gain 8e-8 at scale 1


@pytest.mark.parametrize("scale", SCALES)
def test_nash_verdict_does_not_depend_on_a_constant_offset(scale):
    base = DataSharingGame(LinearIndexPayoff.aggregate(PowerLaw(alpha=scale, beta=1.0, top=8.0 * scale), 2),
                           linear_cost([5.0 * scale, 4.0 * scale]), 2.0)
    assert nash_certificate(base, np.array([0.0, 0.5])).verified
    assert not nash_certificate(base, np.array([0.0, 0.5001])).verified


@pytest.mark.parametrize("eps", [1e-45, 1e-12, 1.0, 1e12])
def test_market_growth_existence_depends_on_K_only(eps):
    """002 Section 7.2: v is homogeneous, so existence depends on K = D/eps alone; K*(-0.8) = 59."""
    for K, exists in ((59, True), (60, False)):
        r = solve_existence(TypeGrid(2, K, MarketGrowth(-0.8), eps=eps))
        assert r.exists is exists and r.certificate.verified, (K, eps)


@pytest.mark.parametrize("scale", SCALES)
def test_linear_externality_existence_does_not_depend_on_units(scale):
    A = np.array([[1.0, -0.3, -0.2], [-0.4, 1.0, 0.1], [0.2, -0.5, 0.8]])
    reference = solve_existence(TypeGrid(3, 4, LinearExternality(A), eps=0.25), method="dag")
    r = solve_existence(TypeGrid(3, 4, LinearExternality(scale * A), eps=0.25), method="dag")
    assert (r.exists, r.status, r.certificate.verified) == (reference.exists, reference.status, True)
    assert r.min_budget == pytest.approx(scale * reference.min_budget, rel=1e-9)


def test_existence_at_a_boundary_is_decided_the_same_at_every_scale():
    """The market-growth boundary of 002 Section 7.2 (budget -1/88 at alpha = -1, K = 7) stays a
    non-existence when all values are multiplied by 1e-11: an absolute tolerance of 1e-9 would call
    it existence."""
    for scale in (1e-11, 1.0):
        grid = TypeGrid(2, 7, lambda q, s=scale: s * MarketGrowth(-1.0)(q), eps=1.0 / 7)
        r = solve_existence(grid, method="dag")
        assert r.exists is False and r.certificate.verified, scale


def welfare_program(scale: float, p: float) -> WelfareProgram:
    """(19) with money in other units: budgets, costs and the payoff all multiplied by ``scale``."""
    return WelfareProgram(QuasiLinear(PowerLaw(alpha=2.0 * scale, beta=0.5, shift=1.0, top=3.0 * scale)),
                          linear_cost([0.5 * scale, 1.0 * scale, 1.5 * scale]), np.array([4.0, 3.0, 2.0]) * scale, 0.5, p)


@pytest.mark.parametrize("p", [1.0, 0.5, 0.0, -1.0, -np.inf])
@pytest.mark.parametrize("scale", SCALES)
def test_welfare_verdict_does_not_depend_on_units(scale, p):
    """Same verdict at every scale, and the same optimal welfare per unit of money up to the two
    certified gaps (W_p is homogeneous of degree 1 in the quasi-linear utilities)."""
    reference, r = solve_welfare(welfare_program(1.0, p)), solve_welfare(welfare_program(scale, p))
    assert r.status is Status.OPTIMAL and r.certificate.verified and reference.certificate.verified
    assert abs(r.welfare / scale - reference.welfare) <= r.certificate.gap_bound / scale + reference.certificate.gap_bound


@pytest.mark.parametrize("scale", SCALES)
@pytest.mark.parametrize("method", ["candidates", "mip"])
def test_stackelberg_answer_does_not_depend_on_units(scale, method):
    """(19) for Section 5.1's game with U and c in other units: the same alpha* and p*, the
    platform's utility in the new units, certified (the MILP is posed on unit-scaled payoffs)."""
    base = mean_estimation_game()
    scaled = SymmetricPrivacyGame(PrivacyGame(base.levels, scale * base.table))
    ref = solve_stackelberg(SymmetricPrivacyGame(base), 0.45)
    r = solve_stackelberg(scaled, 0.45 * scale, method=method)
    assert r.status is Status.OPTIMAL and r.certificate.verified
    assert r.alpha == pytest.approx(ref.alpha, rel=1e-9) and r.p == pytest.approx(ref.p, abs=1e-9)
    assert r.platform_utility == pytest.approx(scale * ref.platform_utility, rel=1e-9)


@pytest.mark.parametrize("scale", SCALES)
def test_two_group_milp_does_not_depend_on_units(scale):
    """(25) by the MILP in other units equals the candidates method in the original ones."""
    base = mean_estimation_game()
    scaled = PrivacyGame(base.levels, scale * base.table)
    for c1, c2 in ((0.1, 0.2), (0.3, 0.35), (0.6, 0.1)):
        ref = solve_two_group(base, c1, c2)
        r = solve_two_group(scaled, c1 * scale, c2 * scale, method="mip")
        assert r.alpha == pytest.approx(ref.alpha, rel=1e-9)
        assert r.platform_utility == pytest.approx(scale * ref.platform_utility, rel=1e-9, abs=1e-12 * scale)


# --- issue 18: welfare and mbeta model files in other units --------------------------------------

def _scaled_budget_model(name: str, k: float) -> dict:
    """A budget model with every money quantity (budgets, cost slopes, a quasi-linear payoff) times k."""
    import copy
    from pathlib import Path

    from mechopt.io.files import load_model_file

    raw = copy.deepcopy(load_model_file(Path(__file__).resolve().parents[1] / "models" / f"{name}.toml"))
    scale = lambda v: [x * k for x in v] if isinstance(v, list) else v * k  # noqa: E731
    raw["budgets"], raw["cost"]["slope"] = scale(raw["budgets"]), scale(raw["cost"]["slope"])
    if raw["utility"]["form"] == "quasi_linear":
        payoff = raw["utility"]["payoff"]
        payoff["coefficient"], payoff["top"] = scale(payoff.get("coefficient", 1.0)), scale(payoff.get("top", 1.0))
    return raw


MONEY_SCALES = [1e-9, 1e-6, 1.0, 1e6, 1e9]


@pytest.mark.parametrize("k", MONEY_SCALES)
def test_welfare_p0_is_optimal_in_any_units(k):
    """welfare_nash_p0 with budgets and costs x k: optimal at every k (Clarabel had returned
    optimal_inaccurate with a gap bound of 32.7 at 1e6 and failed at 1e9); s does not depend on
    the money unit, and solve and verify agree."""
    import json

    from mechopt.io.envelope import wrap
    from mechopt.io.registry import solve_model, verify_envelope

    raw = _scaled_budget_model("welfare_nash_p0", k)
    answer = solve_model(raw)
    assert answer.status is Status.OPTIMAL and answer.success
    reference = solve_model(_scaled_budget_model("welfare_nash_p0", 1.0))
    np.testing.assert_allclose(answer.s, reference.s, rtol=1e-6, atol=1e-6 * float(np.max(reference.s)))
    np.testing.assert_allclose(answer.b, k * reference.b, rtol=1e-6, atol=1e-6 * k * float(np.max(reference.b)))
    assert verify_envelope(json.loads(json.dumps(wrap("welfare", raw, answer)))).established


@pytest.mark.parametrize("k", MONEY_SCALES)
def test_mbeta_cobb_douglas_gets_one_verdict_in_any_units(k):
    """mbeta_cobb_douglas x k: the NE and every comparison's answer are the same at every k
    (Cobb-Douglas with one theta is homogeneous in money), and verify establishes solve's envelope
    (at 1e-9 and 1e9 `solve` had said equilibrium and `verify` rejected its own envelope)."""
    import json

    from mechopt.io.envelope import wrap
    from mechopt.io.registry import solve_model, verify_envelope

    raw = _scaled_budget_model("mbeta_cobb_douglas", k)
    answer = solve_model(raw)
    reference = solve_model(_scaled_budget_model("mbeta_cobb_douglas", 1.0))
    assert answer.status is Status.EQUILIBRIUM and answer.success
    np.testing.assert_allclose(answer.equilibrium.profile, reference.equilibrium.profile, rtol=1e-6)
    assert [c.ne_maximizes for c in answer.comparisons] == [c.ne_maximizes for c in reference.comparisons]
    assert all(c.optimum.success for c in answer.comparisons)
    assert verify_envelope(json.loads(json.dumps(wrap("mbeta", raw, answer)))).established
