"""`mechopt.reproductions.p000`: the quick sweeps run point by point and the section draws every figure;
its verdicts are those of the value_shaping answers in the records, the uncertified computations
state no status; Figure 4(c)'s agents needed is linear in c; C.1's smallest number of companies is 224."""

from __future__ import annotations

import json

import numpy as np

from mechopt.reproductions import p000
from mechopt.valueshaping.equilibrium import min_viable_agents, viability_threshold


def test_quick_sweeps_and_section_write_every_figure(tmp_path):
    results = {s.name: [s.point(**p) for p in s.points] for s in p000.sweeps(quick=True)}
    results = json.loads(json.dumps(results))  # the records are JSON: what the runner stores
    section = p000.section(results, tmp_path)
    names = sorted(p.name for p in (tmp_path / "figures").glob("*.png"))
    assert names == ["000_figure2_solo_vs_cost.png", "000_figure4_total_data.png", "000_figure5b_gpt3_solo.png",
                     "000_figure5c_gpt3.png", "000_figure6_baselines.png", "000_figure7_two_costs.png"]
    assert section.certificates and not section.failed
    answered = [r for rs in results.values() for r in rs if "envelope" in r]
    assert [(c.status, c.verified) for c in section.certificates] == [(r["status"], r["verified"]) for r in answered]
    assert {r["envelope"]["kind"] for r in answered} == {"value_shaping", "value_shaping_contract", "baseline_equilibrium"}
    assert not any("status" in r or "verified" in r
                   for name in ("figure2", "figure5b") for r in results[name])  # no certifier
    at, below = results["gpt3_threshold"][:2]
    assert at["n_min"] == at["n"] == 224  # docs/valueshaping.md: the closed form m0 (1 + beta)^...
    assert below["below"] and below["n"] == 223
    assert at["total"] > 0 == below["total"]


def _timeless(record):
    """``record`` without the wall-clock time of its answer's stats (a field no certifier checks)."""
    if isinstance(record, dict):
        return {k: _timeless(v) for k, v in record.items() if k != "seconds"}
    return [_timeless(v) for v in record] if isinstance(record, list) else record


def test_points_are_deterministic():
    sweep = next(s for s in p000.sweeps(quick=True) if s.name == "figure4_n")
    assert _timeless(sweep.point(**sweep.points[3])) == _timeless(sweep.point(**sweep.points[3]))


def test_figure4c_agents_needed_is_ceil_c_kappa():
    """Smallest n with a positive equilibrium, by the cumulative-sum search, equals ceil(c kappa)."""
    v = p000.pac_value(10.0)
    kappa = viability_threshold(v)
    for c in (0.05, 0.1, 0.2):
        n = int(np.ceil(c * kappa))
        assert min_viable_agents(v, np.full(n + 5, c)) == n
        assert p000.value_shaping_point(10.0, 50, c)["agents_needed"] == n
