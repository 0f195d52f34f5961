"""The ``kind = "mechanism"`` model files and their one judge: `solve` and `verify` give the same
verdict on the same file, the best profiles and the measures are there whatever the status, a
model outside 003's premise (a(0) != 0) or beyond the Shapley engine's memory is refused at the
door naming the field, and bad input names the field."""

from __future__ import annotations

import copy
import json
import time
from pathlib import Path

import numpy as np
import pytest

from mechopt.certificates.nash import NashResult, certify_nash, nash_certificate
from mechopt.core.stats import SolveStats
from mechopt.core.status import Status, Termination
from mechopt.data.functions import PowerLaw, linear_cost
from mechopt.data.payoffs import LinearIndexPayoff
from mechopt.io.envelope import wrap
from mechopt.io.files import ModelFileError, load_model_file
from mechopt.io.registry import answer_model, solve_model, verify_envelope
from mechopt.mechanisms.base import Mechanism
from mechopt.mechanisms.catalog import MECHANISMS, mechanism
from mechopt.reciprocity.certify import MechanismResult, certify_mechanism
from mechopt.reciprocity.measures import mechanism_metrics
from mechopt.valuation.shapley import shapley_values

MODELS = Path(__file__).resolve().parents[2] / "models"
EXAMPLE4 = LinearIndexPayoff.aggregate(PowerLaw(alpha=1.0, beta=1.0, shift=1.0), 2)  # 003 Examples 3, 4
COST = linear_cost(np.array([0.1, 0.25]))


def _saved(raw: dict) -> tuple[object, dict]:
    """The certified answer to a model and its envelope as a file holds it (through JSON)."""
    result = solve_model(raw)
    return result, json.loads(json.dumps(wrap(raw["kind"], raw, result)))


@pytest.mark.parametrize("name", ["mechanism_example3_none", "mechanism_example4_budget_balanced",
                                  "mechanism_example4_shapley", "mechanism_grouped_shapley",
                                  "mechanism_table1_lumpy_skin", "mechanism_table1_mnist"])
def test_solve_save_verify_agree(name: str) -> None:
    """One judge: the verdict `solve` attaches is the one `verify` reaches on the saved file."""
    result, envelope = _saved(load_model_file(MODELS / f"{name}.toml"))
    verdict = verify_envelope(envelope)
    assert (verdict.status, verdict.established) == (result.verdict.status, result.verdict.established)
    assert result.success and result.status is Status.EQUILIBRIUM
    assert envelope["result"]["status"] == verdict.claimed.value == "equilibrium"


def test_example4_answer() -> None:
    """003 Example 4: M^Shap's NE (3, 1.17), M^0's (sqrt(10) - 1, 0) (Example 3), reciprocity 1,
    payments balanced."""
    result, envelope = _saved(load_model_file(MODELS / "mechanism_example4_shapley.toml"))
    r = envelope["result"]
    assert r["equilibrium"]["profile"] == pytest.approx([3.0, 1.17], abs=5e-3)
    assert r["baseline"]["profile"] == pytest.approx([10 ** 0.5 - 1, 0.0], abs=1e-8)
    assert r["reciprocity"] == pytest.approx(1.0, abs=1e-14)
    assert abs(r["budget_balance"]) <= 1e-15 * sum(abs(x) for x in r["shapley"] + r["payoffs"])
    assert r["data_gain"] == pytest.approx(sum(r["equilibrium"]["profile"]) / sum(r["baseline"]["profile"]), rel=1e-15)
    assert 1.9 < r["data_gain"] < 2.0  # "almost twice" the data of M^0 (Example 4)
    assert result.profile is result.equilibrium.profile and result.certificate is result.equilibrium.certificate


def test_cli_solve_json_and_verify(tmp_path) -> None:
    from typer.testing import CliRunner

    from mechopt.cli import app

    runner = CliRunner()
    out = runner.invoke(app, ["solve", str(MODELS / "mechanism_example4_shapley.toml"), "--json"])
    assert out.exit_code == 0, out.output
    path = tmp_path / "r.json"
    path.write_text(out.output)
    assert runner.invoke(app, ["verify", str(path)]).exit_code == 0


@pytest.mark.parametrize("mech,factor", [(m, f) for m in MECHANISMS for f in (1e-9, 1e9)])
def test_money_units_change_no_answer_and_no_verdict(mech: str, factor: float) -> None:
    """Example 4 with every money and utility quantity (top, alpha, cost slopes) times 1e-9 and 1e9:
    the same equilibria and verdicts, the same reciprocity and gains, payments times the factor."""
    raw = load_model_file(MODELS / "mechanism_example4_shapley.toml") | {"mechanism": mech}
    base, _ = _saved(raw)
    scaled = copy.deepcopy(raw)
    scaled["game"]["payoff"].update(top=factor, coefficient=factor)
    scaled["game"]["cost"]["slope"] = [factor * c for c in raw["game"]["cost"]["slope"]]
    result, envelope = _saved(scaled)
    assert result.success and verify_envelope(envelope).established, result.message
    assert result.profile == pytest.approx(base.profile, rel=1e-7, abs=1e-9)
    assert result.baseline.profile == pytest.approx(base.baseline.profile, rel=1e-7, abs=1e-9)
    for name in ("reciprocity", "data_gain", "accuracy_gain"):
        assert getattr(result, name) == pytest.approx(getattr(base, name), rel=1e-7), name
    assert result.payments == pytest.approx(factor * base.payments, rel=1e-6, abs=1e-9 * factor)


# --- issue "Two judges disagree": 003's premise a(0) = 0 -------------------------------------------

def _example4(**payoff: object) -> dict:
    raw = load_model_file(MODELS / "mechanism_example4_shapley.toml")
    raw["game"]["payoff"].update(payoff)
    return raw


@pytest.mark.parametrize("mech", list(MECHANISMS))
def test_a_payoff_that_does_not_vanish_without_data_is_refused_by_solve_and_verify_alike(mech: str) -> None:
    """alpha = 2, top = 1: a(0) = 1 - 2 = -1, so A(s[empty]) = -2 and M^Shap's payments would sum to
    2 (Lemma 4.2 needs A(s[empty]) = 0).  `solve` refuses the model naming the field, and `verify`
    refuses an envelope carrying it the same way (no verdict on either side)."""
    raw = _example4(coefficient=2.0)
    raw["mechanism"] = mech
    with pytest.raises(ModelFileError, match=r"game\.payoff\.top: .*a\(0\) = top - coefficient shift\^-exponent = -1: "
                                             r"set top = coefficient shift\^-exponent = 2\.0"):
        solve_model(raw)
    _, honest = _saved(load_model_file(MODELS / f"mechanism_example4_{'shapley' if mech == 'none' else mech}.toml"))
    honest["model"] = raw | {"mechanism": honest["model"]["mechanism"]}
    with pytest.raises(ModelFileError, match=r"game\.payoff\.top"):
        verify_envelope(honest)


def test_premise_names_shift_zero_and_accepts_rounding() -> None:
    with pytest.raises(ModelFileError, match=r"game\.payoff\.shift: .*-inf"):
        solve_model(_example4(shift=0.0))
    # top = alpha shift^-beta up to rounding (0.1 vs exp(-log 10) = 0.09999999999999998): accepted
    raw = _example4(shift=10.0, top=0.1)
    raw["game"]["cost"]["slope"] = [0.001, 0.0025]  # an interior equilibrium
    result, envelope = _saved(raw)
    assert result.success and verify_envelope(envelope).established


def test_mechanisms_refuse_the_premise_in_python_too() -> None:
    payoff = LinearIndexPayoff.aggregate(PowerLaw(alpha=2.0, beta=1.0, shift=1.0), 2)
    for name in MECHANISMS:
        with pytest.raises(ValueError, match="^payoff: .*agent 0 has a_i\\(0\\) = -1"):
            mechanism(name, payoff, COST, 100.0)


# --- issue "Verdicts that hold under attack": limits -------------------------------------------------

def test_shapley_memory_is_estimated_before_anything_is_allocated() -> None:
    """n = 100 000 with a scalar power law: refused at the door naming game.n and the limit, in well
    under a second (it used to fail with ArrayMemoryError in the index matrix)."""
    raw = _example4()
    raw["game"].update(n=100_000, cost={"slope": 0.1})
    for mech in MECHANISMS:  # every mechanism's reciprocity (4) needs Shapley values
        t0 = time.perf_counter()
        with pytest.raises(ModelFileError, match=r"game\.n: .* GiB at n = 100000 \(its limit is 1 GiB: n <= \d+"):
            solve_model(raw | {"mechanism": mech})
        assert time.perf_counter() - t0 < 2.0
    payoff = LinearIndexPayoff.aggregate(PowerLaw(alpha=1.0, beta=1.0, shift=1.0), 100_000)
    with pytest.raises(ValueError, match=r"^n: the multilinear engine needs about .* GiB for n = 100000"):
        shapley_values(payoff, np.ones(100_000), method="multilinear")


def test_the_limit_is_the_engines() -> None:
    """The door's largest n is accepted and one more refused (the estimate is the engine's own)."""
    raw = _example4()
    raw["game"].update(n=100_000, cost={"slope": 0.1})
    with pytest.raises(ModelFileError) as err:
        solve_model(raw)
    largest = int(str(err.value).rsplit("n <= ", 1)[1].split()[0])
    from mechopt.io.files import validate
    from mechopt.io.schemas.mechanism import MechanismModel
    raw["game"]["n"] = largest
    validate(MechanismModel, raw)
    raw["game"]["n"] = largest + 1
    with pytest.raises(ModelFileError, match=r"game\.n"):
        validate(MechanismModel, raw)


@pytest.mark.parametrize("edit,field", [
    (lambda r: r.update(mechanism="vcg"), "mechanism"),
    (lambda r: r.update(beta=0.5), "beta"),
    (lambda r: r.update(mechanism="budget_balanced", beta=1.5), "beta"),
    (lambda r: r["game"].update(payoff={"family": "random_coverage", "q": [[0.1], [0.2]]}), "game.payoff"),
    (lambda r: r["game"].update(n=25, cost={"slope": 0.1}, payoff={"family": "pac_bound", "a0": 1.0, "k": 1.0}),
     "game.n"),
    (lambda r: r["game"]["cost"].update(slope=[0.1, 0.2, 0.3]), "cost.slope"),
    (lambda r: r.update(mechanism="budget_balanced") or r["game"].update(n=1, cost={"slope": 0.1}), "game.n"),
    (lambda r: r.update(mechanism="budget_balanced") or r["game"]["cost"].update(slope=[0.0, 0.1]),
     "game.cost.slope"),
])
def test_bad_input_names_the_field(edit, field) -> None:
    raw = load_model_file(MODELS / "mechanism_example4_shapley.toml")
    edit(raw)
    with pytest.raises(ModelFileError, match=field.replace(".", r"\.")):
        solve_model(raw)


def test_grouped_model_answers() -> None:
    """003 Section 5.1's payoff shape (two groups of two): reciprocity 1 and budget balance at the NE."""
    result = json.loads(json.dumps(answer_model(load_model_file(MODELS / "mechanism_grouped_shapley.toml"))))["result"]
    assert result["status"] == "equilibrium"
    assert result["reciprocity"] == pytest.approx(1.0, abs=1e-12)
    assert abs(result["budget_balance"]) <= 1e-15 * sum(abs(x) for x in result["shapley"] + result["payoffs"])


# --- the answer at a point that is not an equilibrium ------------------------------------------------

def _nash_at(game, s: np.ndarray) -> NashResult:
    cert = nash_certificate(game, s)
    draft = NashResult("nash", Status.UNVERIFIED, "", s, game.utilities(s), cert, None,
                       SolveStats("test", Termination.MAX_ITERATIONS))
    return draft.certified(certify_nash(game, draft))


def test_an_answer_that_is_not_an_equilibrium_keeps_its_point_and_measures() -> None:
    """M^Shap at (1, 1) (not its NE (3, 1.17)): the answer is labelled unverified, its point and
    measures are there and bound (every check but the equilibria's status passes)."""
    mech = mechanism("shapley", EXAMPLE4, COST, 100.0)
    eq, base = _nash_at(mech.game(), np.array([1.0, 1.0])), _nash_at(mech.baseline().game(), np.array([10 ** 0.5 - 1, 0]))
    assert eq.status is Status.UNVERIFIED and base.status is Status.EQUILIBRIUM
    m = mechanism_metrics(mech, eq.profile, base.profile)
    draft = MechanismResult("mechanism", Status.EQUILIBRIUM, "", "shapley", None, eq, base, m.payments, m.shapley,
                            m.payoffs, m.budget_balance, m.reciprocity, m.data_share, m.data_gain, m.accuracy_gain,
                            SolveStats("test", Termination.MAX_ITERATIONS))
    verdict = certify_mechanism(mech, draft)
    assert verdict.status is Status.UNVERIFIED and not verdict.established
    assert [c.field for c in verdict.failed] == ["status"]
    answer = draft.certified(verdict)
    assert answer.status is Status.UNVERIFIED and not answer.success and answer.message.startswith("unverified")
    assert np.array_equal(answer.profile, [1.0, 1.0]) and answer.data_share == 2.0
    assert answer.reciprocity == pytest.approx(1.0, abs=1e-14)  # Theorem 4.7 holds at every profile


# --- the Mechanism protocol ----------------------------------------------------------------------------

@pytest.mark.parametrize("name", list(MECHANISMS))
def test_mechanisms_follow_the_protocol(name: str) -> None:
    """Each class is a Mechanism; payments sum to zero (Definition 3.2); the game's best-response
    gains are those of u_i = a_i - c_i + p_i (M^BG's game drops a term constant in s_i)."""
    mech = mechanism(name, EXAMPLE4, COST, 100.0)
    assert isinstance(mech, Mechanism) and mech.name == name
    game = mech.game()
    s = np.array([2.0, 0.5])
    x = np.array([[0.0, 1.0, 7.0], [0.0, 3.0, 50.0]])

    def quasi_linear(t: np.ndarray) -> np.ndarray:
        return EXAMPLE4.values(t) - COST.value(t) + mech.payments(t)

    direct = np.array([[quasi_linear(np.where(np.arange(2) == i, xv, s))[i] for xv in x[i]] for i in range(2)])
    gains = direct - quasi_linear(s)[:, None]
    assert np.allclose(game.deviation_utilities(s, x) - game.utilities(s)[:, None], gains, rtol=1e-12, atol=1e-14)
    assert abs(np.sum(mech.payments(s))) <= 64 * np.finfo(float).eps * mech.payment_scale(s)
    assert set(mech.parameters) == ({"beta"} if name == "budget_balanced" else set())
