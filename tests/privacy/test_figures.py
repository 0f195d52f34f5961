"""Paper 004 Figures 5-7 are written, and Section 4.1's qualitative claims hold on Figure 5's data."""

from __future__ import annotations

import numpy as np

from mechopt.privacy import figures


def test_figure5_claims(tmp_path):
    data = figures.figure5(tmp_path)
    assert (tmp_path / "figure5a_fair_values.png").is_file()
    het, hom = data[(100.0, 1.0)], data[(0.1, 100.0)]
    eps, n = np.array(figures.LEVELS_5), figures.SAMPLES_5
    # heterogeneous: direct users above the average, federating users below
    assert het[eps == 2].min() > 0 > het[eps == 1].max()
    # homogeneous: more data is paid more; at equal n, eps = 2 still above eps = 1
    assert hom[(n == 100) & (eps > 0)].min() > hom[(n == 10) & (eps > 0)].max()
    assert hom[(eps == 2) & (n == 10)].min() > hom[(eps == 1) & (n == 10)].max()
    star = figures.figure5(tmp_path, star=7)  # a direct user with n = 100 and a_i = 100
    assert (tmp_path / "figure5b_star7.png").is_file()
    assert int(np.argmax(star[(100.0, 1.0)])) == 7


def test_figures_6_and_7(tmp_path):
    d6 = figures.figure6(tmp_path, points=9)
    assert (tmp_path / "figure6_stackelberg.png").is_file()
    assert d6["platform"][0] == 1.0 and d6["platform"][-1] == 0.0
    d7 = figures.figure7(tmp_path, points=6)
    assert (tmp_path / "figure7_two_groups.png").is_file() and d7["platform"].shape == (6, 6)
