"""The data behind Figures 1 and 2 (MEP under linear externalities, 002 Section 7.1)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mechopt.typegrid.figures import plot_mep_agents, plot_mep_types, save_png
from mechopt.typegrid.linear_mep import figure1_data, figure2_data, mep_outcome, random_linear
from mechopt.typegrid.model import Logistic


def test_mep_outcome_identities() -> None:
    """Definition 10: u_i = v_i(x(NO, t_-i), t), so welfare = revenue + sum of utilities; the
    served agents are those whose column sum of A is >= 0 (Example 2)."""
    rng = np.random.default_rng(1)
    A = random_linear(rng, 200, 4)
    t = rng.uniform(0, 1, (200, 4))
    p, v, u = mep_outcome(A, t)
    assert np.allclose(v, p + u)
    Q = Logistic()
    served = A.sum(axis=1) >= 0
    q = np.where(served, Q(t.sum(axis=1, keepdims=True)), 0.0)
    q = np.maximum(q, Q(t))
    assert np.allclose(v, np.einsum("sij,sj->si", A, q))


def test_mep_is_ir_by_construction_on_linear_instances() -> None:
    """Utility equals the outside option exactly, so IR holds with equality (Definition 4)."""
    rng = np.random.default_rng(2)
    A = random_linear(rng, 100, 3)
    t = rng.uniform(0, 1, (100, 3))
    p, v, u = mep_outcome(A, t)
    for i in range(3):
        joined = np.ones((100, 3), dtype=bool)
        joined[:, i] = False
        pooled = Logistic()(np.where(joined, t, 0).sum(axis=1, keepdims=True))
        q = np.maximum(np.where(joined & (A.sum(axis=1) >= 0), pooled, 0.0), Logistic()(t))
        assert np.allclose(u[:, i], np.einsum("sj,sj->s", A[:, i, :], q))


def test_figure1_quality_tends_to_one_and_figures_are_written(tmp_path: Path) -> None:
    agents = np.arange(2, 15)
    data = figure1_data(agents, samples=50)
    quality = [d.quality for d in data]
    assert all(b > a for a, b in zip(quality, quality[1:]))
    assert quality[-1] > 0.99  # "close to optimal when the number of agents is over 12"
    ax = plot_mep_agents(agents, data)
    assert [line.get_label() for line in ax.get_lines()] == ["revenue", "welfare", "model quality"]
    assert list(ax.get_lines()[2].get_ydata()) == quality
    assert save_png(ax, tmp_path / "f1.png").stat().st_size > 0


def test_figure2_static_agent_and_quality(tmp_path: Path) -> None:
    opponent = np.linspace(0, 2, 11)
    data = figure2_data(opponent, samples=50)
    assert [d.quality for d in data] == pytest.approx(list(Logistic()(1 + opponent)))
    welfare = [d.welfare for d in data]
    assert welfare[-1] > welfare[0]
    from matplotlib.figure import Figure

    given = Figure().subplots()
    assert plot_mep_types(opponent, data, ax=given) is given  # draws on the caller's axes
    assert save_png(given, tmp_path / "f2.png").stat().st_size > 0
