"""`mechopt.reproductions.p000_claims`: paper 000's Theorems III, V, VII, VIII, Remark 5, Figure 5(b)
and Figure 6's knife edge at p = 1, each pinned to closed forms of v(m) = max(0, 1 - 1/m) (or of
C.1's power law) and to brute force on grids, never to the code's own output."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from scipy.optimize import brentq

from mechopt.data.functions import PACBound
from mechopt.reproductions import p000, p000_claims
from mechopt.reproductions.p000_claims import C_HI, C_LO, INFEASIBLE, OTHERS, REMARK5_PS
from mechopt.reproductions.records import result
from mechopt.valueshaping.value import ValueOfData


def v(m):
    """1 - 1/m floored at 0."""
    m = np.asarray(m, float)
    with np.errstate(divide="ignore"):
        return np.where(m > 1, 1 - 1 / np.where(m > 0, m, 1), 0.0)


def solo(c: float) -> tuple[float, float]:
    """Theorem I for 1 - 1/m: m* = c^-1/2 with utility 1 - 2 sqrt(c) when positive, else (0, 0)."""
    return (c**-0.5, 1 - 2 * math.sqrt(c)) if 1 - 2 * math.sqrt(c) > 0 else (0.0, 0.0)


def m_max(c: float, delta: float) -> float:
    """(11)'s first crossing for cost c facing delta: y = x + delta solves c y^2 - (2 sqrt c + c delta) y + 1 = 0
    (the line from (m*, v(m*)) meets 1 - 1/y), the larger root."""
    b = 2 * math.sqrt(c) + c * delta
    return (b + math.sqrt(b * b - 4 * c)) / (2 * c) - delta


def close(a: float, b: float, rel: float = 1e-9) -> bool:
    return abs(a - b) <= rel * max(abs(a), abs(b), 1.0)


@pytest.fixture(scope="module")
def records():
    return json.loads(json.dumps({s.name: [s.point(**p) for p in s.points] for s in p000_claims.sweeps(quick=True)}))


# ---- Theorems III and V ------------------------------------------------------------------------------


def test_theorem3_and_5_match_the_closed_forms(records):
    (r,) = records["theorem3_5"]
    c = np.asarray(p000_claims.HETEROGENEOUS_COSTS)
    ms, us = np.array([solo(x) for x in c]).T
    assert r["verified"] and r["status"] == "equilibrium" and r["free_riding_verified"]
    np.testing.assert_allclose(r["solo"], ms, rtol=1e-12)
    np.testing.assert_allclose(r["free_riding"], [10.0, 0, 0, 0], atol=1e-12)  # Theorem III: only c = 0.01, at its m*
    # value shaping: M^2 - (A + B) M + A = 0 with A = sum 1/c, B = sum (m* - v(m*)/c)
    A, B = float(np.sum(1 / c)), float(np.sum(ms - v(ms) / c))
    M = ((A + B) + math.sqrt((A + B) ** 2 - 4 * A)) / 2
    profile = ms + (1 - 1 / M - v(ms)) / c
    assert close(r["total"], M, 1e-12) and close(M, profile.sum(), 1e-12)
    np.testing.assert_allclose(r["profile"], profile, rtol=1e-9)
    np.testing.assert_allclose(r["values"], 1 - 1 / M, rtol=1e-12)  # Remark 2: everyone gets v(M)
    np.testing.assert_allclose(r["utilities"], us, atol=1e-12)  # Theorem V
    assert np.all(np.diff(us) < 0)  # ... decreasing in the cost
    assert close(r["ceiling"], float(np.sum(ms + (1 - v(ms)) / c)), 1e-12) and sum(ms) <= M <= r["ceiling"]


def test_theorem3_equilibrium_is_unique_by_brute_force():
    """Standard FL (8) with costs 0.01, 0.02, 0.05: on the grid {0, 0.25, ..., 12}^3 the only profile where no
    agent gains from any deviation on a 0.01 grid is (10, 0, 0)."""
    c = np.array([0.01, 0.02, 0.05])
    grid = np.arange(0, 12.001, 0.25)
    x = np.arange(0, 15.001, 0.01)
    sums = np.arange(0, 24.001, 0.25)
    best = np.array([[np.max(v(s + x) - ci * x) for s in sums] for ci in c])  # best reply value per (agent, S_-i)
    m = np.stack(np.meshgrid(grid, grid, grid, indexing="ij"), -1).reshape(-1, 3)
    total = m.sum(1, keepdims=True)
    others = np.rint((total - m) / 0.25).astype(int)
    gains = best[np.arange(3), others] - (v(total) - c * m)
    equilibria = m[np.all(gains <= 1e-12, axis=1)]
    assert equilibria.tolist() == [[10.0, 0.0, 0.0]]


# ---- Appendix D ----------------------------------------------------------------------------------------


def mechanism_15(x, m_down: float, c_lo: float, c_hi: float, delta: float) -> np.ndarray:
    """(15) with eps = 0, written from the paper: v up to m_hi*, slope c_hi to m_up, slope c_lo to m_down
    (ending on v(m_down + delta)), then v(x + delta); m_up where the two lines meet (17)."""
    mh, _ = solo(c_hi)
    d = float(v(m_down + delta))
    m_up = (d - c_lo * m_down - float(v(mh)) + c_hi * mh) / (c_hi - c_lo)
    x = np.asarray(x, float)
    return np.where(x <= mh, v(x), np.where(x <= m_up, v(mh) + c_hi * (x - mh),
                    np.where(x <= m_down, d - c_lo * (m_down - x), v(x + delta))))


def m_up_of(m_down: float, c_lo: float, c_hi: float, delta: float) -> float:
    mh, _ = solo(c_hi)
    return (float(v(m_down + delta)) - c_lo * m_down - float(v(mh)) + c_hi * mh) / (c_hi - c_lo)


def test_contract_equilibrium_optimum_and_rent_against_brute_force(records):
    r = next(x for x in records["appendix_d"] if x["p"] == 0.3 and x["c_lo"] == C_LO)
    assert r["verified"] and r["status"] == "optimal"
    lo, hi = m_max(C_HI, OTHERS), m_max(C_LO, OTHERS)
    assert close(r["m_max_low"], hi) and close(r["m_max_high"], lo)
    p = 0.3
    s = C_LO - p / (1 - p) * (C_HI - C_LO)  # the derived condition b'(m_down + D) = s, b' = 1/m^2
    assert close(r["m_down"], s**-0.5 - OTHERS, 1e-9)
    printed = C_LO - p / (1 - p) * C_HI  # (21) as printed: b'^-1 lands past m_lo^max, clipped to it
    assert printed**-0.5 - OTHERS > hi and close(r["paper_m_down"], hi)
    # brute force: (22) over feasible m_down on a grid, feasibility of (15) checked on an x grid
    x = np.linspace(0, 45, 9001)
    best, arg = -np.inf, None
    for md in np.linspace(lo, hi, 801):
        if np.max(mechanism_15(x, md, C_LO, C_HI, OTHERS) - v(x + OTHERS)) > 1e-12:
            continue
        e = (1 - p) * m_up_of(md, C_LO, C_HI, OTHERS) + p * md
        best, arg = (e, md) if e > best else (best, arg)
    step = (hi - lo) / 800
    assert abs(arg - r["m_down"]) <= step and r["expected"] >= best - 1e-12 and r["expected"] - best < 1e-5
    assert close(r["paper_expected"], (1 - p) * m_up_of(hi, C_LO, C_HI, OTHERS) + p * hi)
    assert r["paper_expected"] < r["expected"]
    assert np.max(mechanism_15(x, hi, C_LO, C_HI, OTHERS) - v(x + OTHERS)) <= 1e-12  # (21)'s choice is feasible
    assert r["paper_feasibility_gap"] <= 0
    # Theorem VII: each type's utility under (15) is maximal at its own point (weak best responses, eps = 0)
    grid = np.linspace(0, 60, 600_001)
    mech = mechanism_15(grid, r["m_down"], C_LO, C_HI, OTHERS)
    for c, own in ((C_HI, r["m_up"]), (C_LO, r["m_down"])):
        at = float(mechanism_15(own, r["m_down"], C_LO, C_HI, OTHERS)) - c * own
        assert np.max(mech - c * grid) <= at + 1e-12
    assert close(r["m_up"], m_up_of(r["m_down"], C_LO, C_HI, OTHERS))
    # Theorem VIII
    assert close(r["high_utility"], solo(C_HI)[1], 1e-12)
    rent = C_LO * (hi - r["m_down"]) - float(v(hi + OTHERS)) + float(v(r["m_down"] + OTHERS))
    assert close(r["rent"], rent, 1e-9) and rent > 0
    assert close(r["low_utility"] - r["full_information_low_utility"], rent, 1e-9)


def test_remark5_printed_threshold_fails_and_the_corrected_one_holds(records):
    base = {x["p"]: x for x in records["appendix_d"] if x["c_lo"] == C_LO}
    assert sorted(base) == sorted(REMARK5_PS) and all(x["verified"] for x in base.values())
    hi = m_max(C_LO, OTHERS)
    s = (hi + OTHERS) ** -2  # b'(m_lo^max + D)
    exact = (C_LO - s) / (C_HI - s)
    assert all(close(x["exact_threshold"], exact, 1e-9) for x in base.values())
    assert C_LO / (C_LO + C_HI) < 0.37 < exact < 0.38 < C_LO / C_HI == 0.5
    for p, x in base.items():
        interior = C_LO - p / (1 - p) * (C_HI - C_LO)
        expect = min(interior**-0.5 - OTHERS, hi) if interior > 0 else hi
        assert close(x["m_down"], expect, 1e-9), p
        assert (x["m_down"] >= hi * (1 - 1e-12)) == (p >= exact)
    assert base[1 / 3]["m_down"] < hi - 1  # the printed threshold 1/3: m_down is not m_lo^max


def test_infeasible_instances_by_brute_force(records):
    (cl, ch, p, d), (cl2, ch2, p2, d2) = INFEASIBLE
    r = next(x for x in records["appendix_d"] if x["c_lo"] == cl and x["p"] == p)
    r2 = next(x for x in records["appendix_d"] if x["c_lo"] == cl2 and x["p"] == p2)
    x = np.linspace(0, 40, 40001)
    # first: the unconstrained optimum violates Definition A, the answer is L: phi(L) = phi(m_hi^max) past phi's peak
    free = (cl - p / (1 - p) * (ch - cl)) ** -0.5 - d
    assert close(r["unconstrained"], free) and np.max(mechanism_15(x, free, cl, ch, d) - v(x + d)) > 1e-4
    phi = lambda y: float(v(y + d)) - cl * y  # noqa: E731
    lo, hi = m_max(ch, d), m_max(cl, d)
    L = brentq(lambda y: phi(y) - phi(lo), cl**-0.5 - d, hi, xtol=1e-14)
    assert r["verified"] and close(r["m_down"], L, 1e-9) and close(r["feasible_lower"], L, 1e-9)
    assert np.max(mechanism_15(x, L, cl, ch, d) - v(x + d)) <= 1e-12
    # second: every m_down in (m_hi^max, m_lo^max] makes (15) exceed v(. + D) somewhere
    lo2, hi2 = m_max(ch2, d2), m_max(cl2, d2)
    assert close(r2["m_max_high"], lo2) and close(r2["m_max_low"], hi2)
    assert all(np.max(mechanism_15(x, md, cl2, ch2, d2) - v(x + d2)) > 1e-9 for md in np.linspace(lo2, hi2, 201)[1:])
    assert r2["status"] == "assumption_violated" and r2["verified"] and r2["m_down"] is None


# ---- Figure 5(b) ---------------------------------------------------------------------------------------


def test_figure5b_solo_optimum_closed_form(records):
    for r in records["figure5b"]:
        beta = r["beta"]
        top, alpha = 1e9, 1e9 * 5.4e13**beta
        c = np.asarray(r["c"])
        m = (alpha * beta / c) ** (1 / (1 + beta))  # b'(m) = c
        u = top - alpha * m**-beta - c * m
        np.testing.assert_allclose(r["m_star"], np.where(u > 0, m, 0.0), rtol=1e-9)
        mc = (alpha * beta / r["cutoff"]) ** (1 / (1 + beta))
        assert abs(top - alpha * mc**-beta - r["cutoff"] * mc) <= 1e-6 * top  # u(m*) = 0 at the cutoff
        assert r["star_value"] == 0.0 and r["star_solo"] == 0.0 and close(r["m0"], 5.4e13)
    assert close(records["figure5b"][0]["cutoff"], 4.4668e-6, 1e-4)


# ---- Figure 6 at p = 1 ---------------------------------------------------------------------------------


def test_figure6_pd_at_p1_is_a_knife_edge():
    """PD (12) at p = 1, n = 300, c = 0.1, k = 10: value shaping's certified total solves v(M) = c M / n (own
    bisection); at m = M/n the utility is 0 = dropping out; no deviation on a grid gains; just below m the
    utility is positive and m is still an equilibrium; Theorem VI's local set ends past M with utility < 0."""
    n, c = 300, 0.1
    b = PACBound(a0=0.95, k=10.0)
    pac = lambda y: np.maximum(np.asarray(b.value(y), float), 0.0)  # noqa: E731
    M = brentq(lambda t: float(pac(t)) - c * t / n, 500.0, 10 * n / c * 0.95, xtol=1e-12)
    vs = p000.value_shaping_point(10.0, n, c)
    assert vs["verified"] and close(vs["total"], M, 1e-10)
    bracket = tuple(result(vs)["equilibria"][0]["bracket"])
    k = p000_claims.knife_edge(ValueOfData(b), n, c, vs["total"], bracket)
    m = M / n
    u = lambda mm, x: np.minimum(x / mm, 1) * pac((n - 1) * mm + x) - c * x  # noqa: E731
    assert abs(k["u_at_m"]) <= 1e-12 and abs(float(u(m, m))) <= 1e-12 and k["u_drop"] == 0.0
    x = np.linspace(0, 3 * m, 30001)
    assert np.max(u(m, x)) <= 1e-12  # no deviation gains: u(m) = 0 is the best
    inner = x[(x > 0) & (x < m * (1 - 1e-3))]
    assert np.max(u(m, inner)) < 0  # strictly worse in between: only m and 0 tie
    below = m * (1 - 1e-4)
    assert u(below, below) > 0 and np.max(u(below, x)) <= u(below, below) + 1e-12  # still an equilibrium, u > 0
    h = lambda mm: (float(pac(n * mm + 1e-4)) - float(pac(n * mm - 1e-4))) / 2e-4 + float(pac(n * mm)) / mm - c  # noqa: E731
    end = brentq(h, m, 2 * 0.95 / c, xtol=1e-12)
    assert close(k["local_total"], n * end, 1e-6) and k["local_total"] > M
    assert k["local_u"] < 0 and close(k["local_u"], float(pac(n * end)) - c * end, 1e-4)


def test_inventory_lists_every_item_of_the_paper():
    """Every figure (1-10), theorem (I-VIII), lemma (6-8) and remark (1-5) of 000 appears in an item."""
    from mechopt.reproductions.report import OUTCOMES

    claims = p000_claims.inventory(p000._baseline_claims())
    text = " ".join(c.item for c in claims)
    assert all(c.outcome in OUTCOMES and c.why for c in claims)
    figures = [f"Figure {i}" for i in (1, 2, 3, 4, 6, 7, 9)] + ["Figure 5(a)", "Figure 5(b)", "Figure 5(c)",
                                                               "Figures 8, 10"]
    theorems = [f"Theorem {r}" for r in ("I", "II", "III", "IV", "V", "VI", "VII", "VIII")]
    others = ["Lemmas 6, 7", "Lemma 8"] + [f"Remark {i}" for i in range(1, 6)]
    for item in figures + theorems + others:
        assert item + " " in text + " " or item + "," in text or item + ")" in text, item
