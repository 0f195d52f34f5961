"""One honest model per result kind (and per answer shape): the instances the forgery table, the
field walk and the solve/verify agreement tests run on."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mechopt.io.files import load_model_file

MODELS = Path(__file__).resolve().parents[1] / "models"


def _model(name: str) -> dict[str, Any]:
    return load_model_file(MODELS / name)


def _infeasible_welfare() -> dict[str, Any]:
    """Budgets below every agent's spending at s = 0 (fixed costs 2 each): (19) has no feasible point."""
    raw = _model("welfare_nash_p0.toml")
    raw["budgets"] = [1.0, 1.0, 1.0]
    raw["cost"]["intercept"] = 2.0
    return raw


def _market_growth(K: int) -> dict[str, Any]:
    return {"kind": "existence", "grid": {"n": 2, "disparity": K},
            "valuation": {"family": "market_growth", "growth_rate": -1.0}}


HONEST_MODELS = {
    "nash": _model("example1_nash.toml"),
    "nash_heterogeneous": _model("nash_heterogeneous_power_law.toml"),
    "welfare": _model("welfare_nash_p0.toml"),
    "welfare_infeasible": _infeasible_welfare(),
    "mbeta": _model("mbeta_equal_costs.toml"),
    "existence_table": _model("existence_linear.toml"),
    "existence_symmetric": _market_growth(6),
    "existence_chains": _market_growth(7),
    "boundary": {"kind": "disparity_boundary", "growth_rate": -1.0, "n": 2},
    "value_shaping": _model("value_shaping_heterogeneous.toml"),
    "value_shaping_contract": _model("value_shaping_contract.toml"),
    "baseline_equilibrium": _model("baseline_pd_figure6.toml"),
    "stackelberg": _model("privacy_mean_estimation.toml"),
    "stackelberg_mixed": {**_model("privacy_mean_estimation.toml"), "sensitivity": 0.45},
    "stackelberg_levels": _model("privacy_levels_mean_estimation.toml"),
    "stackelberg_levels_mixed": {**_model("privacy_levels_mean_estimation.toml"), "sensitivity": 0.9,
                                 "costs": [0.0, 0.5, 1.0], "game": {"utility": "mean_estimation",
                                                                   "levels": [0.0, 5.0, "inf"]}},
    "mechanism_shapley": _model("mechanism_example4_shapley.toml"),
    "mechanism_budget_balanced": _model("mechanism_example4_budget_balanced.toml"),
    "mechanism_none": _model("mechanism_example3_none.toml"),
    "generalized_nash": _model("gnep_data_sharing_capacity.toml"),
    "generalized_nash_player": _model("gnep_facchinei_kanzow_player.toml"),
}
