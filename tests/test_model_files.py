"""Malformed model files give errors naming the bad field (never a silently wrong answer)."""

import json
import tomllib
from pathlib import Path

import pytest

from mechopt.io import ModelFileError, load_model_file
from mechopt.io.registry import answer_model, solve_model, verify_envelope

MODELS = Path(__file__).resolve().parents[1] / "models"


def nash_model():
    return tomllib.loads((MODELS / "example1_nash.toml").read_text())


def mbeta_model():
    return tomllib.loads((MODELS / "mbeta_cobb_douglas.toml").read_text())


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        (("game", "n"), 0, "game.n"),
        (("game", "tau"), -1.0, "game.tau"),
        (("game", "payoff", "coefficient"), -1.0, "game.payoff.power_law.coefficient"),
        (("game", "payoff", "family"), "cubic", "game.payoff"),
        (("game", "cost", "slope"), [1.0, 2.0, 3.0], "cost.slope"),
        (("game", "cost", "slope"), "cheap", "game.cost.slope"),
        (("game", "cost", "colour"), 1, "game.cost.colour"),
        (("game", "payoff"), KeyError, "game.payoff"),
        (("solver", ), {"method": "magic"}, "solver.method"),
        (("kind",), "teleport", "kind"),
    ],
)
def test_nash_model_errors_name_the_field(path, value, field, edit_model):
    with pytest.raises(ModelFileError, match=field.replace(".", r"\.")):
        solve_model(edit_model(nash_model(), path, value), source="m.toml")


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        (("welfare_p",), [2.0], "welfare_p"),
        (("beta",), 1.5, "beta"),
        (("n",), 1, "n"),
        (("utility", "theta"), 1.0, "utility.cobb_douglas.theta"),
        (("budgets",), [1.0, 2.0], "budgets"),
        (("cost", "slope"), [0.0, 1.0, 1.0], "cost.slope"),
    ],
)
def test_mbeta_model_errors_name_the_field(path, value, field, edit_model):
    with pytest.raises(ModelFileError, match=field.replace(".", r"\.")):
        solve_model(edit_model(mbeta_model(), path, value), source="m.toml")


def test_invalid_toml_and_missing_kind(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("kind = \n")
    with pytest.raises(ModelFileError, match="not valid TOML"):
        load_model_file(bad)
    bad.write_text("name = 'x'\n")
    with pytest.raises(ModelFileError, match="'kind'"):
        load_model_file(bad)


def test_every_shipped_model_solves_and_verifies():
    """Every shipped model's envelope round-trips through JSON and its answer is established."""
    for path in sorted(MODELS.glob("*.toml")):
        raw = load_model_file(path)
        envelope = json.loads(json.dumps(answer_model(raw, source=str(path))))
        report = verify_envelope(envelope, source=str(path))
        assert report.established, (path, report.failed)


@pytest.mark.parametrize(("model", "path", "old", "new"), [
    ("example1_nash.toml", ("game", "payoff"), "coefficient", "alpha"),
    ("example1_nash.toml", ("game", "payoff"), "exponent", "beta"),
    ("mbeta_cobb_douglas.toml", (), "welfare_p", "p"),
    ("welfare_nash_p0.toml", (), "welfare_p", "p"),
    ("existence_market_growth.toml", ("valuation",), "growth_rate", "alpha"),
    ("existence_boundary.toml", (), "growth_rate", "alpha"),
    ("existence_boundary.toml", (), "n", "agents"),
])
def test_a_former_field_name_is_an_error_giving_the_new_one(model, path, old, new):
    """In a model file every field name means one thing (issue "A package a researcher picks up in
    ten minutes"): the power law's alpha and beta, M_beta's beta, the growth rate alpha and the
    welfare exponent p no longer share spellings; a file written with a former name is refused
    with the new name in the message."""
    import copy

    raw = copy.deepcopy(tomllib.loads((MODELS / model).read_text()))
    table = raw
    for key in path:
        table = table[key]
    if old in table:
        table[new] = table.pop(old)
    else:  # a field with a default (n = 2 agents)
        table[new] = 2
    with pytest.raises(ModelFileError, match=f"'{new}' is now '{old}'"):
        solve_model(raw, source="m.toml")
