"""Paper 002 (Chen et al.): Example 1 (VCG is not IC), Figures 1-2 (MEP under linear externalities,
Section 7.1), Figure 3 (the disparity boundary K*(alpha) under market growth, Section 7.2), and,
from :mod:`.p002_claims`, Theorems 2-6 on instances and K*(alpha) on both sides of alpha = -1; the
section's inventory lists every item of the paper.

Figure 3's points are ``disparity_boundary`` models answered through the registry: each record
carries the result envelope and the verdict of the kind's certifier, and the report reads K* and
its status from them.  Example 1 and Figures 1-2 are plain data (no certifier judges them: their
records state no status).

Points.  Figure 2 draws A once from ``seed`` and reuses it for every t_2, so a point calls
``figure2_data`` on its single t_2 and gets the same numbers as the whole curve.  Figure 1 shares
one generator along the loop over n, so the point for the k-th number of agents calls
``figure1_data`` on the prefix agents[:k+1] and keeps the last outcome: the prefix replays the
earlier draws exactly (cheap: a few ms).  Figure 3: one ``disparity_boundary`` model per alpha.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from mechopt.reproductions import p002_claims as claims
from mechopt.reproductions.records import answered, certified, result
from mechopt.reproductions.report import Claim, Figure, Section, Table, Text, save_figure
from mechopt.sweeps.sweep import Sweep
from mechopt.typegrid.certify import LINE_BOUND
from mechopt.typegrid.figures import FIGURE_SIZE, draw_disparity, plot_mep_agents, plot_mep_types
from mechopt.typegrid.linear_mep import MEPOutcome, figure1_data, figure2_data
from mechopt.typegrid.market_growth import FULL_LIMIT, figure3_alphas
from mechopt.typegrid.model import FixedMarket, TypeGrid
from mechopt.typegrid.payments import payment_table, vcg_payment
from mechopt.typegrid.properties import ir_ic_violations

PAPER = "002"
TITLE = "Mechanism design for multi-party machine learning"

EXAMPLE1_PAPER = {"truthful": 10 / 11, "lie": 27 / 28}
"""Example 1: agent 1's utility under VCG when truthful (t_1 = 10 t_2) and when reporting 3 t_2."""
QUALITY_CLAIM = 12
"""Section 7.1: 'the model quality is close to be optimal when the number of agents over 12'."""
FIGURE3_CLAIM = (-0.66, 10000)
"""Section 7.2: 'when alpha is close to -0.66, the disparity boundary is over 10000'."""
SAMPLES, SEED = 50, 0


def example1_point() -> dict[str, Any]:
    """VCG on v_i = q_i / sum_j q_j (Example 1): t = (10, 1), the lie (3, 1), and the grid's worst lie."""
    grid = TypeGrid(2, 10, FixedMarket(), eps=1.0)
    true, lie = np.array([10, 1]), np.array([3, 1])
    truthful = grid.values(true, true)[0] - vcg_payment(grid, true, 0)
    lying = grid.values(lie, true)[0] - vcg_payment(grid, lie, 0)
    _, ic = ir_ic_violations(grid, payment_table(grid, "vcg"))
    return {"truthful": float(truthful), "lie": float(lying), "worst_ic_gain": float(ic.amount),
            "worst_true": int(ic.true_type), "worst_report": int(ic.report)}


def _outcome(o: MEPOutcome) -> dict[str, Any]:
    return {"revenue": o.revenue, "welfare": o.welfare, "quality": o.quality,
            "utilities": [float(u) for u in o.utilities]}


def figure1_point(agents: list[int], samples: int, seed: int) -> dict[str, Any]:
    """Figure 1 at n = agents[-1]: ``figure1_data`` on the prefix ``agents`` (module doc)."""
    return {"n": agents[-1]} | _outcome(figure1_data(np.array(agents), samples, seed)[-1])


def figure2_point(t2: float, samples: int, seed: int) -> dict[str, Any]:
    """Figure 2 at t_1 = 1 and this t_2."""
    return {"t2": t2} | _outcome(figure2_data(np.array([t2]), samples, seed)[0])


def boundary_model(alpha: float, full_limit: int, line_limit: int) -> dict[str, Any]:
    """The ``disparity_boundary`` model of Figure 3 at one alpha (2 agents; models/existence_boundary.toml)."""
    return {"kind": "disparity_boundary", "name": f"002 Figure 3, alpha = {alpha:g}", "growth_rate": alpha, "n": 2,
            "full_limit": full_limit, "line_limit": line_limit}


def figure3_point(alpha: float, full_limit: int, line_limit: int) -> dict[str, Any]:
    """K*(alpha) for 2 agents (Figure 3), answered through the registry."""
    return answered(boundary_model(alpha, full_limit, line_limit))


def sweeps(quick: bool) -> list[Sweep]:
    agents = list(range(2, 15 if quick else 21))
    m = 11 if quick else 41
    opponent = [round(2.0 * k / (m - 1), 6) for k in range(m)]
    if quick:
        alphas, full, line = [-1.0, -0.9, -0.8, -0.75, -0.7], 256, 2**14
    else:
        alphas, full, line = [float(a) for a in figure3_alphas()], FULL_LIMIT[2], 2**17
    return [
        Sweep("example1", example1_point, ({},)),
        Sweep("figure1", figure1_point,
              tuple({"agents": agents[:k + 1], "samples": SAMPLES, "seed": SEED} for k in range(len(agents)))),
        Sweep("figure2", figure2_point, tuple({"t2": t, "samples": SAMPLES, "seed": SEED} for t in opponent)),
        Sweep("figure3", figure3_point,
              tuple({"alpha": a, "full_limit": full, "line_limit": line} for a in alphas)),
    ] + claims.sweeps()


def _mep(rows: list[dict[str, Any]]) -> list[MEPOutcome]:
    return [MEPOutcome(r["revenue"], r["welfare"], r["quality"], np.array(r["utilities"])) for r in rows]


def _boundary(record: dict[str, Any]) -> dict[str, Any]:
    """A Figure 3 record's K*(alpha) answer with its status (the certifier's) and the model's limits."""
    model = record["envelope"]["model"]
    answer = result(record)
    existence = answer["certificate"]["existence"]
    return answer | {"status": record["status"], "full_limit": model["full_limit"], "line_limit": model["line_limit"],
                     "on_line": existence is not None and existence["kind"] == LINE_BOUND}


def _plot_figure3(rows: list[dict[str, Any]], folder: Path) -> str:
    """Figure 3: K*(alpha) (:func:`~mechopt.typegrid.figures.draw_disparity`) beside the paper's claim."""
    points = [(r["alpha"], r["max_disparity"], r["status"] == "optimal", r["on_line"]) for r in rows]

    def draw(fig: Any) -> None:
        ax = fig.subplots()
        draw_disparity(ax, points)
        ax.axhline(FIGURE3_CLAIM[1], color="0.5", ls=":", label="paper: 'over 10000' near alpha = -0.66")
        ax.legend(fontsize=8)

    return save_figure(folder, PAPER, "figure3", draw, FIGURE_SIZE, dpi=120, crop=True)


def _k_star(r: dict[str, Any]) -> str:
    """K* when certified, else its certified bounds."""
    return f"= {r['max_disparity']}" if r["status"] == "optimal" else f"in [{r['lower']}, {r['max_disparity']}]"


def _span(xs: list[float]) -> str:
    return f"{xs[0]:.3g} -> {xs[-1]:.3g} (range {min(xs):.3g} .. {max(xs):.3g})"


def section(results: dict[str, list[dict[str, Any]]], folder: Path) -> Section:
    ex, f1, f2, records = (results[k] for k in ("example1", "figure1", "figure2", "figure3"))
    ex = ex[0]
    f3 = [_boundary(r) for r in records]
    agents, by_agents, types, by_types = [r["n"] for r in f1], _mep(f1), [r["t2"] for r in f2], _mep(f2)
    pngs = (save_figure(folder, PAPER, "figure1", lambda fig: plot_mep_agents(agents, by_agents, fig.subplots()),
                        FIGURE_SIZE, dpi=120, crop=True),
            save_figure(folder, PAPER, "figure2", lambda fig: plot_mep_types(types, by_types, fig.subplots()),
                        FIGURE_SIZE, dpi=120, crop=True),
            _plot_figure3(f3, folder))

    ex_table = Table(("agent 1's utility under VCG", "paper", "ours"), (
        ("truthful, t_1 = 10 t_2", "10/11 = 0.9091", f"{ex['truthful']:.4f}"),
        ("reports 3 t_2", "27/28 = 0.9643", f"{ex['lie']:.4f}"),
        ("worst lie on the grid K = 10 (gain)", "-",
         f"true {ex['worst_true']}, report {ex['worst_report']}: +{ex['worst_ic_gain']:.4f}"),
    ), caption="Example 1: VCG is not IC (v_i = q_i / sum_j q_j, Q(s) = s)")
    good = next((r["n"] for r in f1 if r["quality"] > 0.99), None)
    above_welfare = [r["n"] for r in f1 if r["revenue"] > r["welfare"]]
    claims_table = Table(("claim (Section 7.1)", "paper", "ours"), (
        ("model quality close to optimal", f"from {QUALITY_CLAIM} agents on",
         f"quality > 0.99 from n = {good}" if good else "never > 0.99 on this grid"),
        ("revenue may surpass welfare", "yes", f"at n = {above_welfare}" if above_welfare else "never (means of 50 samples)"),
        ("Figure 2: welfare rises with t_2", "yes", _span([r["welfare"] for r in f2])),
        ("Figure 2: uti_2 rises with t_2", "yes", _span([r["utilities"][1] for r in f2])),
        ("Figure 2: revenue almost unaffected", "yes", _span([r["revenue"] for r in f2])),
        ("Figure 2: uti_1 almost unaffected", "yes", _span([r["utilities"][0] for r in f2])),
    ), caption="Figures 1 and 2: the paper's statements beside our sample means")
    exact = [r for r in f3 if r["status"] == "optimal"]
    on_line = [r for r in exact if r["on_line"]]
    bounded = [r for r in f3 if r["status"] != "optimal"]
    k_star = [r["max_disparity"] for r in f3]
    pick = [r for r in f3 if round(r["alpha"], 3) in (-1.0, -0.9, -0.8, -0.75, -0.7, -0.69, -0.68, -0.67, -0.668)]
    f3_table = Table(("alpha", "K*(alpha)", "status", "existence certified up to K", "non-existence certified at K"),
                     tuple((f"{r['alpha']:g}", _k_star(r).removeprefix("= "), r["status"], str(r["lower"]), str(r["upper"]))
                           for r in pick),
                     caption="Figure 3 at selected alphas (the paper gives the curve only, no numbers)")
    last = f3[-1]
    text = Text(
        f"Example 1 by `vcg_payment` on the grid K = 10.  Figures 1 and 2: `figure1_data` / `figure2_data`, "
        f"A_ij ~ U[-1, 1], types ~ U[0, 1], Q(t) = (1 - e^-t)/(1 + e^-t), means of {SAMPLES} samples, seed {SEED}; "
        f"Figure 1 over n = {f1[0]['n']}..{f1[-1]['n']}, Figure 2 over {len(f2)} values of t_2 in [0, 2] with the "
        "same draws of A (common random numbers).  Figure 3: a `disparity_boundary` model for 2 agents at "
        f"{len(f3)} values of alpha in [{f3[0]['alpha']:g}, {last['alpha']:g}] (the profiles (1, K) first, up to "
        f"K = {last['line_limit']}; the full grid up to K = {last['full_limit']} where their certificate does not "
        f"hold): {len(exact)} certified exact (status optimal: existence at K* for every profile, chains at K* + 1), "
        f"{len(on_line)} of them found on the profiles (1, K), with existence from graph B = 1's table and the "
        "continuum bound for every other graph (docs/typegrid.md, 'Beyond the line'), the others on the full grid; "
        f"{len(bounded)} bounded (existence certified up to `full_limit` only, the value is where the "
        f"profiles (1, K) first fail); each answered through the registry and judged by the kind's certifier "
        "(its result envelope is in the sweep store).  K* is non-decreasing in alpha on the grid: "
        f"{all(b >= a for a, b in zip(k_star, k_star[1:]) if a and b)} (the paper: 'when alpha becomes larger, the "
        f"constraint on data size disparity would become looser'); K*({last['alpha']:g}) {_k_star(last)} "
        f"against the paper's 'over {FIGURE3_CLAIM[1]}' near alpha = {FIGURE3_CLAIM[0]}.  Example 1 and Figures 1-2 "
        "are computed values that no certifier judges (their records state no status): they are not certified.")
    blocks: tuple[Any, ...] = (
        text, ex_table, claims_table,
        Figure(pngs[0], "Figure 1 (paper: 'Performance of MEP under different numbers of agents'): "
               "revenue, welfare and best model quality against n"),
        Figure(pngs[1], "Figure 2 (paper: 'Performance of MEP under different types'): t_1 = 1, "
               "welfare, revenue, uti_1 and uti_2 against t_2"),
        f3_table,
        Figure(pngs[2], "Figure 3 (paper: 'The boundary of data disparity for existence of "
               "desirable mechanisms', alpha from -1 to -0.668 step 0.002): K*(alpha), log scale"),
    )
    theorems, t6 = results["theorems"], results["theorem6"]
    below, above = results["below_growth"], results["above_growth"]
    per, t6_table, verdicts, texts = claims.theorem_tables(theorems, t6)
    boundary = claims.boundary_table(below, above)
    blocks += (Text(
        "Theorems 2-5 are checked exhaustively on small grids (every agent, others' profile, report and true type; "
        "`mechopt.typegrid.theorems`): each grid is an `existence` model answered through the registry "
        "(assumption_violated: the certifier proves the pooled allocation inefficient there, so existence speaks of "
        "IC, IR and budget balance under it).  Theorem 6 is the `existence` kind answered by three methods.  "
        "Section 7.2's boundary: the paper calls the market not growing when alpha < -1 (M(q) = (sum_j q_j)^(alpha+1) "
        "decreases); alpha = -1 is the fixed market, which Assumption 4 admits.  Model files take alpha in [-1, 1], so "
        "the points below -1 are solved on the grid through the Python API and judged by the same certifier."),
        per, verdicts, t6_table, boundary)
    certs = tuple(certified(f"K*(alpha = {r['alpha']:g}) {_k_star(r)}", record) for r, record in zip(f3, records))
    certs += tuple(claims.theorem_certificates(theorems, t6) + claims.boundary_certificates(below, above))
    k_minus1 = next((result(r)["max_disparity"] for r in above if result(r)["alpha"] == -1.0), None)
    shrinking = all(not r["exists"] and r["no_sharing_exists"] for r in below)
    diffs = (
        "" if above_welfare else
        "Section 7.1 says the revenue may surpass the welfare; with A_ij ~ U[-1, 1] as stated and Example 2's "
        "efficient allocation (serve j iff sum_k A_kj >= 0) our means of revenue stay below welfare for every n "
        "here; the paper does not state A_ii nor how welfare treats negative column sums (docs/typegrid.md, item 7).",
        "Figure 3: the paper's search is exponential and stops near -0.668 'beyond our computing capability'; "
        "ours scans the profiles (1, K), with every other graph bounded by one continuum problem, and solves the "
        f"full grid up to `full_limit` where that bound does not certify: {len(f3) - len(bounded)} of the "
        f"{len(f3)} values are certified exact"
        + (f", {len(bounded)} only bounded (docs/typegrid.md)." if bounded else
           f", {len(on_line)} of them on the profiles (1, K) (docs/typegrid.md)."),
        "Section 7.2, 'when the market is not growing, there would not be such a desirable mechanism at all': the "
        "paper's not growing is alpha < -1, and at alpha = -1.1, -1.01, -1.001 no mechanism with the pooled "
        "allocation is IR, IC and budget balanced even at K = 1 (K* = 0), so the claim holds for that allocation; "
        "but pooling is then not efficient (the certifier proves the welfare loss), and keeping every agent on its "
        "own model with zero payments is desirable at every K checked: read with Definition 7 (efficient "
        "allocation), a desirable mechanism does exist in a shrinking market.  At alpha = -1 (fixed, growing in "
        f"Assumption 4's weak sense) K* = {k_minus1}, and K* stays {k_minus1} at -0.999 and -0.99: K* jumps from 0 "
        "to its value at -1 (docs/typegrid.md, item 5)." if shrinking else
        "Section 7.2's boundary: see the table (a point below -1 has a mechanism with the pooled allocation).",
        "Theorem 4's condition (5) holds on one instance only (v_i blind to the agent's own model); everywhere "
        "else it fails and the theorem makes no claim.  Theorem 3's (1) speaks of true type 0, off the grid.",
    )
    inventory = _inventory(ex, good, above_welfare, bounded, len(f3), texts, k_minus1)
    return Section(PAPER, TITLE, blocks, certs, tuple(d for d in diffs if d), inventory)


def _inventory(ex: dict[str, Any], good: int | None, above_welfare: list[int], bounded: list[dict[str, Any]],
               points: int, texts: list[str], k_minus1: int | None) -> tuple[Claim, ...]:
    ok = "reproduced"
    diff = "reproduced with a difference"
    return (
        Claim("Example 1 (VCG is not IC)", ok, f"table: 10/11 and 27/28 recomputed ({ex['truthful']:.4f}, "
              f"{ex['lie']:.4f}); the grid's worst lie gains {ex['worst_ic_gain']:.4f}"),
        Claim("Example 2 (linear externalities, efficient allocation)", ok,
              "Figures 1-2 and the Theorem 2-5 instances `linear*`; the column-sum rule is checked efficient in tests"),
        Claim("Theorem 1 (Myerson-Satterthwaite fails here)", ok,
              "desirable mechanisms exist in this setting: K*(alpha) >= 6 is certified at every alpha >= -1 shown "
              "(Figure 3 and boundary tables), and the existence answers with status optimal above"),
        Claim("Theorem 2 (MEP)", ok if texts[0].startswith("holds") else diff, texts[0]),
        Claim("Theorem 3 (necessary condition)", diff, texts[1]),
        Claim("Theorem 4 (sufficient condition)", diff, texts[2]),
        Claim("Theorem 5 (non-competitive markets)", ok if texts[3].startswith("holds") else diff, texts[3]),
        Claim("Theorem 6 and Algorithm 1 (Appendix A.1)", ok if texts[4].startswith("the three") else diff,
              texts[4] + "; the Figure 3 points run the DAG form of Algorithm 1"),
        Claim("Figure 1 (MEP against n)", ok if above_welfare else diff,
              f"figure and claims table: quality > 0.99 from n = {good} (paper: over 12)"
              + ("" if above_welfare else "; revenue never surpasses welfare in our means (see what differs)")),
        Claim("Figure 2 (MEP against t_2)", ok, "figure and claims table"),
        Claim("Figure 3 (K*(alpha))", diff if bounded else ok,
              f"figure and table: {points - len(bounded)} of {points} values certified exact"
              + (f"; {len(bounded)} only bounded (existence certified up to full_limit, non-existence on the "
                 "(1, K) line)" if bounded else "")),
        Claim("Section 7.2: no desirable mechanism when the market is not growing", diff,
              f"boundary table: K* = 0 below alpha = -1 with the pooled allocation, K*(-1) = {k_minus1}; the "
              "no-sharing allocation is efficient there and desirable (see what differs)"),
        Claim("Section 2.2 (learning protocol)", "not reproducible here",
              "a system design (secure training, type validation) with no numeric claim; mechopt takes reported "
              "types as validated"),
    )
