"""`mechopt.reproductions.p004`: the quick sweeps draw Figures 5-7, Section 4.1's qualitative claims hold
on Figure 5's data, and Section 5.1's numbers are in the section."""

from __future__ import annotations

import json

import numpy as np
import pytest

from mechopt.reproductions import p004


def test_figure5_claims():
    het = np.array(p004.figure5_point(100.0, 1.0, None)["excess"])
    hom = np.array(p004.figure5_point(0.1, 100.0, None)["excess"])
    eps, n = np.array(p004.LEVELS_5), np.array(p004.SAMPLES_5)
    # heterogeneous: direct users above the average, federating users below
    assert het[eps == 2].min() > 0 > het[eps == 1].max()
    # homogeneous: more data is paid more; at equal n, eps = 2 still above eps = 1
    assert hom[(n == 100) & (eps > 0)].min() > hom[(n == 10) & (eps > 0)].max()
    assert hom[(eps == 2) & (n == 10)].min() > hom[(eps == 1) & (n == 10)].max()
    star = p004.figure5_point(100.0, 1.0, 7)  # a direct user with n = 100 and a_i = 100
    assert int(np.argmax(star["excess"])) == 7


def test_quick_sweeps_and_section(tmp_path):
    results = {s.name: [s.point(**p) for p in s.points] for s in p004.sweeps(quick=True)}
    results = json.loads(json.dumps(results))
    section = p004.section(results, tmp_path)
    names = sorted(p.name for p in (tmp_path / "figures").glob("*.png"))
    assert names == ["004_figure5a_fair_values.png", "004_figure5b_star7.png", "004_figure6_stackelberg.png",
                     "004_figure7_two_groups.png", "004_levels_stackelberg.png"]
    # (19) at every c of Figures 6 and 5.1 and at each eps' of Example 1, (19) over three levels, (25) at
    # c_1 = c_2 = c of Section 5.1, a line per Figure 7 row
    assert len(section.certificates) == sum(len(results[k]) for k in ("figure6", "section51", "example1_eps",
                                                                       "levels", "section51", "figure7"))
    # every figure, theorem, proposition and example of 004 in the inventory
    items = {c.item.split(" (")[0] for c in section.inventory}
    assert items >= {*(f"Figure {k}" for k in (1, 2, 3, 4, 6, 7)), "Figure 5(a)", "Figure 5(b)", "Theorem 1",
                     "Theorem 2", "Theorem 3", "Proposition 4", "Proposition 5", "Example 1", "Example 2"}
    # Proposition 5's printed weights are the exact minimizer of (55)
    assert max(r["max_gap"] for r in results["proposition5"]) < 1e-12
    assert not section.failed
    d6 = [p004.optimum(r) for r in results["figure6"]]
    assert d6[0]["platform"] == 1.0 and d6[-1]["platform"] == 0.0
    assert len(results["figure7"]) == 6 and all(len(r["platform"]) == 6 for r in results["figure7"])
    at = {r["c"]: p004.optimum(r) for r in results["section51"]}
    assert at[0.25]["alpha"] == pytest.approx(0.5) and at[0.25]["c_th"] == pytest.approx(1 / 3, abs=1e-7)
    assert at[0.45]["platform_25"] > at[0.45]["platform"]  # the symmetric restriction of (19) loses value
