"""Multiplying every value of an existence model by 1e-9 .. 1e9 changes no answer and no verdict
(issue 18: ``existence_linear`` x 1e-9 by the LP was unverified, an IR violation of 7.5e-10 on
values of about 1e-9): tolerances are relative to the grid's value scale, and the LP is solved in
units of it."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from mechopt.io.files import load_model_file
from mechopt.io.registry import answer_model, verify_envelope
from mechopt.typegrid.existence import solve_existence
from mechopt.typegrid.model import LinearExternality, MarketGrowth, TypeGrid

MODELS = Path(__file__).resolve().parents[2] / "models"
SCALES = [1e-9, 1e-6, 1e-3, 1.0, 1e3, 1e6, 1e9]
A = np.array([[1.0, -0.3, -0.2], [-0.4, 1.0, 0.1], [0.2, -0.5, 0.8]])


@pytest.mark.parametrize("method", ["dag", "lp"])
@pytest.mark.parametrize("scale", SCALES)
def test_linear_externalities_at_every_scale(scale: float, method: str) -> None:
    """002 Example 2 on 3 agents, K = 4, eps = 1/4: revenue 180 and min budget 1.125 in units of A."""
    r = solve_existence(TypeGrid(3, 4, LinearExternality(scale * A), eps=0.25), method=method)
    assert r.success and r.status.value == "optimal" and r.exists
    assert r.revenue == pytest.approx(180.0 * scale, rel=1e-12)
    assert r.min_budget == pytest.approx(1.125 * scale, rel=1e-12)


@pytest.mark.parametrize("method", ["dag", "lp"])
@pytest.mark.parametrize("scale", SCALES)
def test_a_non_existence_at_every_scale(scale: float, method: str) -> None:
    """The market-growth boundary at alpha = -1, K = 7 (budget -1/88 at (1, 7)) behind a plain
    callable (the generic methods), with HiGHS' Farkas ray for the LP."""
    grid = TypeGrid(2, 7, lambda q: scale * MarketGrowth(-1.0)(q), eps=1 / 7)
    r = solve_existence(grid, method=method)
    assert r.success and r.status.value == "infeasible" and not r.exists
    assert r.min_budget == pytest.approx(-scale / 88, rel=1e-12)
    assert (r.certificate.dual_ray is not None) == (method == "lp")


@pytest.mark.parametrize("scale", [1e-9, 1e9])
def test_a_scaled_model_file_solves_and_verifies(scale: float) -> None:
    """existence_linear.toml with A x scale, by the LP, through the registry: established by both."""
    raw = load_model_file(MODELS / "existence_linear.toml")
    raw["valuation"]["A"] = (scale * A).tolist()
    envelope = json.loads(json.dumps(answer_model(raw)))
    assert envelope["result"]["status"] == "optimal"
    assert verify_envelope(envelope).established
