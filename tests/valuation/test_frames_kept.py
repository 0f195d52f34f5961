"""M^Shap's game keeps each agent's marginal frame for the last profile: the values are the
fresh frames' (and the Shapley values at the agents' own actions), frames are built once per
profile and again for a new one."""

from __future__ import annotations

import numpy as np
import pytest

import mechopt.valuation.shapley as shapley
from mechopt.data.functions import PowerLaw, Quadratic
from mechopt.data.payoffs import LinearIndexPayoff
from mechopt.mechanisms.mshap import ShapleyGame


@pytest.mark.parametrize("engine", ["exact", "structured"])
def test_kept_frames_give_the_fresh_values_and_are_built_once_per_profile(engine: str,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(3)
    w = rng.uniform(0.1, 1.0, (2, 2))
    np.fill_diagonal(w, 1.0)
    payoff = LinearIndexPayoff.grouped(np.repeat([0, 1], 4), w, PowerLaw(alpha=1.0, beta=0.5, shift=1.0))
    game = ShapleyGame(payoff, Quadratic(0.01, curvature=1e-3), 50.0, engine=engine)
    s = np.repeat([3.0, 7.0], 4)
    x = rng.uniform(0.0, 50.0, (8, 5))
    built = []
    original = shapley.marginal_frame
    monkeypatch.setattr(shapley, "marginal_frame", lambda *a, **k: built.append(1) or original(*a, **k))
    first = game.deviation_utilities(s, x)
    second = game.deviation_utilities(s.copy(), x[:, :2])
    assert len(built) == payoff.n  # one frame per agent, kept for the second call
    fresh = shapley.deviation_values(payoff, s, x, method=engine) - game.cost.value(x)
    assert np.array_equal(first, fresh)
    assert np.allclose(second, first[:, :2], rtol=1e-14, atol=0.0)  # fewer samples: another summation order
    own = game.deviation_utilities(s, s[:, None])[:, 0]
    assert np.allclose(own, game.utilities(s), rtol=1e-12, atol=1e-14)  # phi_i at s_i: the Shapley values
    game.deviation_utilities(s + 1.0, x)
    assert len(built) == 3 * payoff.n  # the fresh reference's n, and n for the new profile


def test_past_the_memory_budget_frames_are_built_at_each_evaluation(monkeypatch: pytest.MonkeyPatch) -> None:
    payoff = LinearIndexPayoff.grouped(np.repeat([0, 1], 3), np.array([[1.0, 0.4], [0.3, 1.0]]))
    game = ShapleyGame(payoff, Quadratic(0.01, curvature=1e-3), 50.0, engine="exact")
    s, x = np.linspace(1.0, 6.0, 6), np.linspace(0.0, 50.0, 24).reshape(6, 4)
    kept = game.deviation_utilities(s, x)
    built = []
    original = shapley.marginal_frame
    monkeypatch.setattr(shapley, "marginal_frame", lambda *a, **k: built.append(1) or original(*a, **k))
    monkeypatch.setattr(shapley, "FRAMES_MAX_BYTES", 0)
    small = ShapleyGame(payoff, game.cost, 50.0, engine="exact")
    first, second = small.deviation_utilities(s, x), small.deviation_utilities(s, x)
    assert len(built) == 2 * payoff.n and np.array_equal(first, kept) and np.array_equal(second, kept)
