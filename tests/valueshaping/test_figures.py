"""`mechopt value-shaping-figures --quick` writes the PNG files; Figure 4(c)'s agents needed is linear in c."""

from __future__ import annotations

import numpy as np
from typer.testing import CliRunner

from mechopt.cli import app
from mechopt.valueshaping.equilibrium import min_viable_agents, viability_threshold
from mechopt.valueshaping.figures import _pac

runner = CliRunner()


def test_cli_writes_every_figure(tmp_path):
    out = runner.invoke(app, ["value-shaping-figures", str(tmp_path / "figs"), "--quick"])
    assert out.exit_code == 0, out.output
    names = sorted(p.name for p in (tmp_path / "figs").glob("*.png"))
    assert names == ["figure2_solo_vs_cost.png", "figure4_total_data.png", "figure5c_gpt3.png",
                     "figure6_baselines.png", "figure7_two_costs.png"]


def test_figure4c_agents_needed_is_ceil_c_kappa():
    """Smallest n with a positive equilibrium, by the cumulative-sum search, equals ceil(c kappa)."""
    v = _pac(10.0)
    kappa = viability_threshold(v)
    for c in (0.05, 0.1, 0.2):
        n = int(np.ceil(c * kappa))
        assert min_viable_agents(v, np.full(n + 5, c)) == n
