"""Paper 003 (Murhekar et al.): Examples 3, 4 and 7 and Table 1 (Section 5.1, Appendix E).

Every number is taken at certified equilibria of M^0, M^BG and M^Shap (``reciprocity.metrics.evaluate``,
multi-start); a Table 1 point is ``table1.table_row``'s computation for one (dataset, seed, beta),
keeping each mechanism's equilibrium certificate.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from mechopt.data.functions import PowerLaw, linear_cost
from mechopt.data.payoffs import LinearIndexPayoff
from mechopt.mechanisms.mshap import shapley_payments
from mechopt.reciprocity.metrics import MECHANISMS, MechanismOutcome, data_gain, evaluate
from mechopt.reciprocity.table1 import PAPER as TABLE1_PAPER, W, table_row
from mechopt.reproductions.report import Certified, Figure, Section, Table, Text
from mechopt.sweeps.sweep import Sweep

PAPER = "003"
TITLE = "You get what you give: reciprocally fair federated learning (M^Shap)"

LABELS = {"none": "M^0", "budget_balanced": "M^BG", "shapley": "M^Shap"}
EXAMPLES_PAPER = {"ne_none": (2.16, 0.0), "ne_shapley": (3.0, 1.17), "s7": (3.98, 2.46), "phi7": (0.9538, 0.7772),
                  "a7": 0.8656, "reciprocity7": 0.9}
"""Examples 3, 4 and 7: a(s) = 1 - 1/(||s||_1 + 1), costs 0.1 s_1 and 0.25 s_2."""
PUBLIC_BETA = 0.8
"""beta of M^BG in the public code for the paper (docs/reciprocity.md)."""
METRICS = (("data_share", "data share (% of all batches)", 0), ("data_gain", "data gain (5)", 1),
           ("accuracy_gain", "accuracy gain (6)", 2), ("reciprocity", "reciprocity (4)", 3))


def _finite(x: float | None) -> float | None:
    return float(x) if x is not None and math.isfinite(x) else None


def _certs(certs: list[list[Any]]) -> dict[str, Any]:
    """Every equilibrium's [label, status, verified], the first status that is not "equilibrium"
    (else "equilibrium") and whether all verified."""
    return {"status": next((c[1] for c in certs if c[1] != "equilibrium"), "equilibrium"),
            "verified": all(c[2] for c in certs), "certificates": certs}


def _outcome_certs(out: dict[str, MechanismOutcome]) -> dict[str, Any]:
    return _certs([[LABELS[m], o.status.value, bool(getattr(o.certificate, "verified", False))]
                   for m, o in out.items()])


def examples_point() -> dict[str, Any]:
    """Examples 3 and 4 (NE of M^0, M^BG, M^Shap on [0, 100]^2) and Example 7's reciprocity at (3.98, 2.46)."""
    payoff = LinearIndexPayoff.aggregate(PowerLaw(alpha=1.0, beta=1.0, shift=1.0), 2)
    cost = linear_cost(np.array([0.1, 0.25]))
    out = {m: evaluate(m, payoff, cost, 100.0) for m in MECHANISMS}
    base = out["none"].equilibria
    s7 = np.array(EXAMPLES_PAPER["s7"])
    _, phi7 = shapley_payments(payoff, s7)
    a7 = float(payoff.values(s7)[0])
    return _outcome_certs(out) | {
        "profiles": {LABELS[m]: None if o.equilibrium.profile is None else [float(x) for x in o.equilibrium.profile]
                     for m, o in out.items()},
        "beta": float(out["budget_balanced"].beta),
        "reciprocity": {LABELS[m]: _finite(o.reciprocity) for m, o in out.items()},
        "data_gain": {LABELS[m]: _finite(data_gain(o, base, payoff)) for m, o in out.items()},
        "phi7": [float(x) for x in phi7.values], "a7": a7, "reciprocity7": a7 / float(phi7.values[0])}


def table1_point(dataset: str, seed: int, beta: float | None) -> dict[str, Any]:
    """One Table 1 row (``table1.table_row``) with each mechanism's equilibrium certificate."""
    row = table_row(dataset, seed, beta=beta)
    out = _certs([[LABELS[m], status, ok] for m, status, ok in row.certificates]) | {
        "dataset": dataset, "seed": seed, "beta_given": beta, "beta": float(row.beta),
        "equilibria_found": list(row.equilibria_found), "shapley_unique": row.shapley_unique}
    if not row.certified:
        return out
    return out | {"data_share": list(row.data_share), "data_gain": [_finite(x) for x in row.data_gain],
                  "accuracy_gain": [_finite(x) for x in row.accuracy_gain],
                  "reciprocity": [_finite(x) for x in row.reciprocity]}


def sweeps(quick: bool) -> list[Sweep]:
    seeds, betas = ((0,), (None,)) if quick else (tuple(range(5)), (None, PUBLIC_BETA))
    grid = tuple({"dataset": d, "seed": s, "beta": b} for b in betas for d in W for s in seeds)
    return [Sweep("examples", examples_point, ({},)), Sweep("table1", table1_point, grid)]


def _values(rows: list[dict[str, Any]], dataset: str, beta: float | None, metric: str, k: int) -> list[float]:
    return [r[metric][k] for r in rows if r["dataset"] == dataset and r["beta_given"] == beta
            and metric in r and r[metric][k] is not None]


def _stat(xs: list[float]) -> str:
    """Mean and [min, max] over seeds."""
    if not xs:
        return "-"
    return f"{np.mean(xs):.3g}" if len(xs) == 1 else f"{np.mean(xs):.3g} [{min(xs):.3g}, {max(xs):.3g}]"


def _metric_table(rows: list[dict[str, Any]], metric: str, title: str, j: int) -> Table:
    body = []
    for d in W:
        paper = TABLE1_PAPER[d][j]
        body.append((d, _stat(_values(rows, d, None, metric, 0)), f"{paper[0]:g}",
                     _stat(_values(rows, d, None, metric, 1)), _stat(_values(rows, d, PUBLIC_BETA, metric, 1)),
                     f"{paper[1]:g}", _stat(_values(rows, d, None, metric, 2)), f"{paper[2]:g}"))
    return Table(("dataset", "M^0 ours", "M^0 paper", "M^BG ours (beta*)", f"M^BG ours (beta = {PUBLIC_BETA:g})",
                  "M^BG paper", "M^Shap ours", "M^Shap paper"), tuple(body),
                 caption=f"Table 1, {title}: ours as mean [min, max] over seeds, beside the paper's")


def _plot(rows: list[dict[str, Any]], path: Path) -> None:
    """Table 1 as bars: our means (min-max whiskers over seeds, beta*) beside the paper's (hatched)."""
    from matplotlib.figure import Figure as MplFigure

    fig = MplFigure(figsize=(11, 7))
    axes = fig.subplots(2, 2).ravel()
    x = np.arange(len(W))
    for ax, (metric, title, j) in zip(axes, METRICS):
        for k, m in enumerate(MECHANISMS):
            vals = [_values(rows, d, None, metric, k) for d in W]
            mean = np.array([np.mean(v) if v else np.nan for v in vals])
            err = np.array([[mu - min(v), max(v) - mu] if v else [0.0, 0.0] for mu, v in zip(mean, vals)]).T
            ax.bar(x + (2 * k - 2.5) * 0.13, mean, 0.13, yerr=err, color=f"C{k}", label=f"{LABELS[m]} ours")
            ax.bar(x + (2 * k - 1.5) * 0.13, [TABLE1_PAPER[d][j][k] for d in W], 0.13, color=f"C{k}", alpha=0.4,
                   hatch="//", label=f"{LABELS[m]} paper")
        ax.set_xticks(x, list(W), fontsize=8)
        ax.set_title(title)
        ax.grid(True, axis="y", alpha=0.3)
        if metric == "data_gain":
            ax.set_yscale("log")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=6, fontsize=8, bbox_to_anchor=(0.5, -0.04))
    fig.savefig(path, dpi=110, bbox_inches="tight")


def section(results: dict[str, list[dict[str, Any]]], folder: Path) -> Section:
    ex = results["examples"][0]
    rows = results["table1"]
    (folder / "figures").mkdir(parents=True, exist_ok=True)
    _plot(rows, folder / "figures" / f"{PAPER}_table1.png")
    P = EXAMPLES_PAPER
    fmt = lambda xs: "-" if xs is None else "(" + ", ".join(f"{v:.4g}" for v in xs) + ")"
    shap, none = ex["profiles"]["M^Shap"], ex["profiles"]["M^0"]
    ex_table = Table(("quantity", "paper", "ours"), (
        ("Example 3: NE of M^0", fmt(P["ne_none"]), fmt(none)),
        ("Example 4: NE of M^Shap", fmt(P["ne_shapley"]), fmt(shap)),
        ("Example 4: data of M^Shap / M^0", "almost twice", f"{ex['data_gain']['M^Shap']:.4g}"),
        (f"NE of M^BG (beta* = {ex['beta']:.4g})", "-", fmt(ex["profiles"]["M^BG"])),
        ("reciprocity M^0, M^BG, M^Shap", "< 1, < 1, 1",
         ", ".join("-" if ex["reciprocity"][k] is None else f"{ex['reciprocity'][k]:.4g}" for k in LABELS.values())),
        (f"Example 7: phi(s) at s = {P['s7']}", fmt(P["phi7"]), fmt(ex["phi7"])),
        ("Example 7: a(s), reciprocity a(s) / phi_1(s)", f"{P['a7']:g}, {P['reciprocity7']:g}",
         f"{ex['a7']:.4f}, {ex['reciprocity7']:.4f}"),
    ), caption="Examples 3, 4 and 7: a(s) = 1 - 1/(||s||_1 + 1), c = (0.1 s_1, 0.25 s_2), s_i in [0, 100]")
    full = [r for r in rows if "data_gain" in r]
    tol = 1e-12
    ordered = [r for r in full if all(r[m][2] >= r[m][1] - tol and r[m][1] >= r[m][0] - tol and abs(r[m][0] - 1) <= tol
                                      for m in ("data_gain", "accuracy_gain"))]
    rec1 = max((abs(r["reciprocity"][2] - 1.0) for r in full), default=float("nan"))
    seeds = sorted({r["seed"] for r in rows})
    public = f" and with beta = {PUBLIC_BETA:g}" if any(r["beta_given"] == PUBLIC_BETA for r in rows) else ""
    text = Text(
        f"Table 1 recomputed with `reciprocity.table1` (Appendix E's fitted w; costs gamma_i ~ U[0, 0.001] drawn with "
        f"each seed; seeds {seeds}; M^BG with beta* of 001 (6){public}) at certified "
        f"equilibria (multi-start Newton, exact Shapley values).  {len(full)} of {len(rows)} rows have every "
        f"mechanism's equilibrium certified.  Reciprocity of M^Shap: 1 up to {rec1:.1e} on every row (Theorem 4.7).  "
        f"The ordering M^Shap >= M^BG >= M^0 = 1 of data and accuracy gains holds on {len(ordered)} of {len(full)} "
        "rows (the paper's ordering).  M^Shap's equilibrium is proven unique (strict monotonicity, "
        f"`mechanisms.mshap.strict_monotonicity`) on {sum(r['shapley_unique'] for r in rows)} of {len(rows)} rows, "
        "so its metrics are exact there.")
    blocks = (text, ex_table, *(_metric_table(rows, m, t, j) for m, t, j in METRICS),
              Figure(f"figures/{PAPER}_table1.png",
                     "Table 1 (the paper has it as a table only) as bars: our means over seeds with min-max whiskers "
                     "(M^BG at beta*) beside the paper's numbers (hatched); data gain on a log scale"))
    certs = [Certified(f"Examples 3-4: NE of {what}", status, ok) for what, status, ok in ex["certificates"]]
    certs += [Certified(f"{r['dataset']} seed {r['seed']} beta {r['beta']:.3g}: NE of {what}", status, ok)
              for r in rows for what, status, ok in r["certificates"]]
    diffs = (
        "Magnitudes do not reproduce (docs/reciprocity.md): under the stated costs and fitted w every agent's marginal "
        "Shapley value exceeds its cost at the bounds, so M^Shap's NE shares all data (paper 54.9% for MNIST) and M^0 "
        "keeps the low-cost agents at their bounds; the paper's NE are end points of 1 000 BR steps on trained "
        "accuracies, not equilibria of the closed-form game.",
        "beta* of (6) is small when one cost is near 0, so M^BG at beta* is close to M^0; the public code's "
        f"beta = {PUBLIC_BETA:g} is shown beside it.",
        "Shapley values are exact (multilinear engine at n = 30, enumeration at n = 2) where the paper sampled 102 "
        "permutations.  For M^0 and M^BG the min/max over equilibria of (4)-(6) run over the distinct certified "
        "equilibria of 4 starts ('equilibria_found'): on the 30-agent instances their games (linear costs, payoffs "
        "of three group sums) have a singular Jacobian, so uniqueness cannot be shown the way it is for M^Shap; "
        "for Lumpy-Skin-Disease no such proof is implemented.",
        "Lumpy-Skin-Disease's costs and batch counts are not stated (we take U[0, 0.001] and 200); MNIST and "
        "FashionMNIST batch counts are drawn from the stated ranges; the Quadratic (synthetic) row has no published "
        "w and is not recomputed.",
        f"Example 7: the paper rounds a(s) / phi_1(s) = {ex['reciprocity7']:.4f} to 0.9; its phi_2 = 0.7772 comes "
        "from the unrounded s.",
    )
    return Section(PAPER, TITLE, blocks, tuple(certs), diffs)
