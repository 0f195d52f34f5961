"""Paper 001 (Murhekar et al.): Example 1 and Theorem 4.1 computed on instances of M_beta*; from
:mod:`.p001_claims`, Theorem A.2 (no equilibrium, shown exactly), Theorem A.1 and Theorem 3.2's
rate; the section's inventory lists every item of the paper.

Example 1: a(s) = 8 - 1/(s_1 + s_2), costs 5 s_1 and 4 s_2 (models/example1_nash.toml): the NE
(0, 0.5) and its Nash welfare u_1 u_2 = 24 against 25.25 at s' = (0.2, 0.4).  Theorem 4.1: the
certified NE of M_beta* (beta* of (6)) against the certified optimum of the p-mean program (19),
for each p, on instances where the premise s* > 0 holds and where it fails.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from mechopt.games.data_sharing import DataSharingGame
from mechopt.io.schemas.game import NashModel, build_game
from mechopt.reproductions import p001_claims as claims
from mechopt.reproductions import p001_learning as learning
from mechopt.reproductions.records import answered, certified, result
from mechopt.reproductions.report import Claim, Figure, Section, Table, Text, save_figure
from mechopt.sweeps.sweep import Sweep

PAPER = "001"
TITLE = "Incentives in federated learning: equilibria and welfare-maximizing mechanisms"

EXAMPLE1_PAPER = {"ne": (0.0, 0.5), "nash_welfare_ne": 24.0, "nash_welfare_s_prime": 25.25}
"""Example 1 as printed: NE s* = (0, 0.5), u_1 u_2 = 24 at s*, 25.25 at s' = (0.2, 0.4)."""
S_PRIME = (0.2, 0.4)

BUDGET, TAU = 10.0, 20.0
QUASI_LINEAR = {"form": "quasi_linear", "payoff": {"family": "power_law", "coefficient": 1.0, "exponent": 0.5, "shift": 1.0}}
INSTANCES: dict[str, tuple[str, dict[str, Any]]] = {
    "quasi_linear_equal_costs": ("u_i = b_i + 1 - (S + 1)^-0.5, c_i = 0.1 s_i, n = 3 (models/mbeta_equal_costs.toml)",
                                 {"n": 3, "utility": QUASI_LINEAR, "cost": {"slope": 0.1}}),
    "cobb_douglas_equal_costs": ("u_i = b_i^0.5 S^0.5, c_i = s_i, n = 3",
                                 {"n": 3, "utility": {"form": "cobb_douglas", "theta": 0.5}, "cost": {"slope": 1.0}}),
    "cobb_douglas": ("u_i = b_i^0.5 S^0.5, c = (1, 1.2, 1.4), n = 3 (models/mbeta_cobb_douglas.toml)",
                     {"n": 3, "utility": {"form": "cobb_douglas", "theta": 0.5}, "cost": {"slope": [1.0, 1.2, 1.4]}}),
    "cobb_douglas_heterogeneous": ("u_i = b_i^theta_i S^(1 - theta_i), theta = (0.3, 0.5, 0.6), c_i = s_i, n = 3",
                                   {"n": 3, "utility": {"form": "cobb_douglas", "theta": [0.3, 0.5, 0.6]},
                                    "cost": {"slope": 1.0}}),
}
"""Theorem 4.1 instances (parts of an ``mbeta`` model): budgets B_i = 10, action bounds tau = 20."""

EXAMPLE1 = {"kind": "nash", "name": "001 Example 1",
            "game": {"n": 2, "tau": 2.0, "payoff": {"family": "power_law", "coefficient": 1.0, "exponent": 1.0, "shift": 0.0,
                                                     "top": 8.0},
                     "cost": {"slope": [5.0, 4.0]}}}
"""001 Example 1 as a model (models/example1_nash.toml): a(s) = 8 - 1/(s_1 + s_2), costs 5 s_1 and 4 s_2."""

THEOREM32_EPS = 1e-8
"""Theorem 3.2's target ||g(s^T, mu^T)||_2 < eps."""

BR_POINTS = 101
"""Example 1's figure: best responses at this many opponent actions, each over a 2001-point own grid."""


def _best_responses(game: DataSharingGame) -> tuple[np.ndarray, np.ndarray]:
    """Each player's best response (grid argmax of u_i(x, s_-i)) at every opponent action of a grid."""
    others = np.linspace(0.0, 2.0, BR_POINTS)
    own = np.linspace(0.0, 2.0, 2001)
    br = np.empty((2, BR_POINTS))
    for k, o in enumerate(others):
        with np.errstate(divide="ignore"):
            u = game.deviation_utilities(np.array([o, o]), np.tile(own, (2, 1)))
        br[:, k] = own[np.argmax(np.where(np.isfinite(u), u, -np.inf), axis=1)]
    return others, br


def example1_point() -> dict[str, Any]:
    """Example 1's NE, answered through the registry, with the products u_1 u_2 at it and at s', and
    both players' best-response curves (independent of the solver: a grid argmax)."""
    game = build_game(NashModel.model_validate(EXAMPLE1).game)
    others, br = _best_responses(game)

    def extra(answer: Any) -> dict[str, Any]:
        return {"nash_welfare_ne": float(np.prod(answer.utilities)),
                "nash_welfare_s_prime": float(np.prod(game.utilities(np.array(S_PRIME)))),
                "others": others.tolist(), "br1": br[0].tolist(), "br2": br[1].tolist()}

    with np.errstate(divide="ignore"):
        return answered(EXAMPLE1, extra)


def mbeta_model(instance: str, p: str) -> dict[str, Any]:
    """The ``mbeta`` model of one Theorem 4.1 instance at one p."""
    return {"kind": "mbeta", "name": f"001 Theorem 4.1, {instance}", **INSTANCES[instance][1], "budgets": BUDGET,
            "tau": TAU, "welfare_p": [float(p)]}


def theorem41_point(instance: str, p: str) -> dict[str, Any]:
    """NE of M_beta* vs the optimum of (19) for one instance and one p ("-inf" or a number <= 1)."""

    def extra(r: Any) -> dict[str, Any]:
        out: dict[str, Any] = {"instance": instance, "p": p, "beta": float(r.beta), "ne_positive": bool(r.ne_positive)}
        if r.comparisons:
            c = r.comparisons[0]
            out |= {"optimum_status": c.optimum.status.value, "optimum_verified": bool(c.optimum.success),
                    "ne_welfare": float(c.ne_welfare),
                    "opt_welfare": None if c.optimum.welfare is None else float(c.optimum.welfare),
                    "welfare_gap": float(c.welfare_gap), "ne_kkt_verified": bool(c.ne_kkt.verified),
                    "ne_maximizes": c.ne_maximizes}
        return out

    return answered(mbeta_model(instance, p), extra)


def _ps(quick: bool) -> tuple[str, ...]:
    return ("-inf", "-1", "0", "1") if quick else ("-inf", "-4", "-2", "-1", "-0.5", "0", "0.25", "0.5", "0.75", "1")


def sweeps(quick: bool) -> list[Sweep]:
    grid = tuple({"instance": i, "p": p} for i in INSTANCES for p in _ps(quick))
    return [Sweep("example1", example1_point, ({},)), Sweep("theorem41", theorem41_point, grid),
            Sweep("theorem_a2", claims.theorem_a2_point, ({},)), Sweep("theorem_a1", claims.theorem_a1_point, ({},)),
            Sweep("theorem32", claims.theorem32_point, ({"eps": THEOREM32_EPS},)), *learning.sweeps(quick)]


def _num(x: float | None, digits: int = 4) -> str:
    return "-" if x is None else f"{x:.{digits}g}"


def _plot(rows: list[dict[str, Any]], folder: Path) -> str:
    """W_p at the NE and at the optimum (left) and the welfare gap (right) against p, per instance."""
    ps = list(dict.fromkeys(r["p"] for r in rows))
    curves = {name: [(ps.index(r["p"]), r["opt_welfare"], r["ne_welfare"], r["welfare_gap"])
                     for r in rows if r["instance"] == name and "ne_welfare" in r] for name in INSTANCES}

    def draw(fig: Any) -> None:
        left, right = fig.subplots(1, 2)
        for k, (name, mine) in enumerate(curves.items()):
            x = [c[0] for c in mine]
            left.plot(x, [c[1] for c in mine], "-", color=f"C{k}", label=f"{name}: optimum of (19)")
            left.plot(x, [c[2] for c in mine], "o", mfc="none", color=f"C{k}", label=f"{name}: NE of M_beta*")
            right.plot(x, [max(c[3], 1e-12) for c in mine], "o-", color=f"C{k}", label=name)
        for ax, title in ((left, "p-mean welfare W_p"), (right, "welfare gap W_p* - W_p(NE) (floored at 1e-12)")):
            ax.set_xticks(range(len(ps)), ps)
            ax.set_xlabel("p")
            ax.set_title(title)
            ax.grid(True, alpha=0.3)
        right.set_yscale("log")
        left.legend(fontsize=6)
        right.legend(fontsize=7)

    return save_figure(folder, PAPER, "theorem41", draw, (10, 4), dpi=120, crop=True)


def _plot_example1(ex: dict[str, Any], folder: Path) -> str:
    """Both best-response curves on [0, 2]^2, the NE and s'."""
    br1, br2, others, ne = ex["br1"], ex["br2"], ex["others"], result(ex)["profile"]
    state = "certified" if ex["verified"] else f"NOT certified: {ex['status']}"
    welfare_ne, welfare_s_prime = ex["nash_welfare_ne"], ex["nash_welfare_s_prime"]

    def draw(fig: Any) -> None:
        ax = fig.subplots()
        ax.plot(br1, others, "-", label="BR_1(s_2)")
        ax.plot(others, br2, "--", label="BR_2(s_1)")
        ax.plot(*ne, "ko", label=f"NE ({state}), u_1 u_2 = {welfare_ne:.4g}")
        ax.plot(*S_PRIME, "r^", label=f"s' = {S_PRIME}, u_1 u_2 = {welfare_s_prime:.4g}")
        ax.set(xlabel="s_1", ylabel="s_2", xlim=(-0.05, 2.05), ylim=(-0.05, 2.05),
               title="001 Example 1: a(s) = 8 - 1/(s_1 + s_2), c = (5 s_1, 4 s_2)")
        ax.legend(fontsize=7)
        ax.grid(True, alpha=0.3)

    return save_figure(folder, PAPER, "example1", draw, (4.8, 4.2), dpi=120, crop=True)


def section(results: dict[str, list[dict[str, Any]]], folder: Path) -> Section:
    ex = results["example1"][0]
    rows = results["theorem41"]
    theorem41_png, example1_png = _plot(rows, folder), _plot_example1(ex, folder)
    pap = EXAMPLE1_PAPER
    ex_table = Table(("quantity", "paper", "ours"), (
        ("NE s*", str(pap["ne"]), "(" + ", ".join(f"{x:.6g}" for x in result(ex)["profile"]) + ")"
         + ("" if ex["verified"] else f" ({ex['status']})")),
        ("u_1 u_2 at s*", f"{pap['nash_welfare_ne']:g}", _num(ex["nash_welfare_ne"], 8)),
        (f"u_1 u_2 at s' = {S_PRIME}", f"{pap['nash_welfare_s_prime']:g}", _num(ex["nash_welfare_s_prime"], 6)),
    ), caption="Example 1: the NE does not maximize Nash welfare")
    t_rows = tuple(
        (r["instance"], r["p"], f"{r['beta']:.4g}", "yes" if r.get("ne_positive") else "no",
         "NE maximizes W_p" if r.get("ne_positive") else "no claim (premise fails)",
         _num(r.get("ne_welfare"), 6), _num(r.get("opt_welfare"), 6), _num(r.get("welfare_gap"), 3),
         "yes" if r.get("ne_kkt_verified") else "no", str(r.get("ne_maximizes")))
        for r in rows)
    t41 = Table(("instance", "p", "beta*", "s* > 0", "Theorem 4.1 says", "W_p(NE)", "W_p* (19)", "gap",
                 "NE passes KKT of (19)", "NE maximizes (computed)"), t_rows,
                caption="Theorem 4.1: NE of M_beta* against the certified optimum of (19)")
    held = [r for r in rows if r.get("ne_positive")]
    failed = [r for r in held if not (r.get("ne_maximizes") is True and r.get("ne_kkt_verified"))]
    certs = [certified("Example 1 NE", ex)]
    certs += [certified(f"M_beta* study (NE and the optimum of (19)), {r['instance']}, p = {r['p']}", r) for r in rows]
    text = Text(
        "Example 1 is posed as a `nash` model (a(s) = 8 - 1/(s_1 + s_2), c = (5 s_1, 4 s_2), s_i in [0, 2]) and "
        "answered through the registry (Newton, certified Nash gap); every answer below is a result envelope in "
        "the sweep store, judged by its kind's certifier.\n\n"
        "Theorem 4.1 is computed, not assumed (an `mbeta` model per instance and p): the certified NE of "
        f"M_beta* with beta* of (6), budgets B_i = {BUDGET:g}, bounds tau = {TAU:g}, against the certified optimum "
        "of the p-mean program (19) at the same beta, and the KKT certificate (20)-(23) of the NE point itself. "
        "Instances: " + "; ".join(f"`{k}`: {v[0]}" for k, v in INSTANCES.items()) + ". "
        f"On the {len(held)} points where s* > 0 the theorem applies; the NE maximizes W_p on "
        f"{len(held) - len(failed)} of them (KKT certificate of the NE verified).")
    fig = Figure(file=theorem41_png,
                 caption="Theorem 4.1 (the paper has no figure for it): W_p at the NE of M_beta* (circles) and at the "
                         "optimum of (19) (lines), and the welfare gap, against p")
    no_claim = [r for r in rows if "ne_positive" in r and not r["ne_positive"]]
    diffs = (
        f"Example 1: the paper prints {pap['nash_welfare_s_prime']:g} for u_1 u_2 at s' = {S_PRIME}; we compute "
        f"{ex['nash_welfare_s_prime']:.6g} (in closed form 16/3 * 71/15 = {16 / 3 * 71 / 15:.6g})"
        + (", so the paper's number is rounded up" if ex["nash_welfare_s_prime"] < pap["nash_welfare_s_prime"] else "")
        + ".  'Nash welfare 24' "
        "is the product u_1 u_2, not the normalized geometric mean mechopt reports for p = 0 (docs/papers.md).",
        "W_p is the normalized p-mean (1/n sum u_i^p)^(1/p); the paper's (7) mixes it with the p-th power form. "
        "Both have the same maximizers (docs/papers.md).",
        "Theorem 4.1 speaks only of NE with s* > 0 and is proved through a combination of the KKT conditions "
        f"(26).  On the {len(no_claim)} points whose NE leaves an agent at s_i = 0 (instances "
        + ", ".join(dict.fromkeys(r["instance"] for r in no_claim)) + ") the theorem makes no claim; there the "
        "certified optimum of (19) beats the NE by "
        + (f"{min(r['welfare_gap'] for r in no_claim):.3g} to {max(r['welfare_gap'] for r in no_claim):.3g}"
           if no_claim else "-") + " in W_p.",
    )
    ex_fig = Figure(file=example1_png,
                    caption="Example 1 (the paper has no figure for it): both best-response curves (grid argmax of "
                            "each utility, independent of the solver), the solver's NE "
                            + ("(certified)" if ex["verified"] else f"({ex['status']})") + " and s'")
    a2, a1, t32 = results["theorem_a2"][0], results["theorem_a1"][0], results["theorem32"][0]
    certs += [certified("Theorem A.1: NE of the separable game", a1),
              certified("Theorem 3.2: the instance's NE (the dynamics' end point is compared with it)", t32)]
    learned_blocks, learned_certs, learned_diffs, learned_claims = learning.parts(results, folder)
    blocks = (text, ex_table, ex_fig, t41, fig) + _nash_blocks(a2, a1, t32, folder) + learned_blocks
    certs += learned_certs
    lemma1 = [r for r in rows if not 0 <= r["beta"] <= 1 - 1 / INSTANCES[r["instance"]][1]["n"] + 1e-12]
    kkt = [r for r in held if not r.get("ne_kkt_verified")]
    n_games = 1 + sum(1 for r in rows if r.get("verified")) + 2
    inventory = (
        Claim("Proposition 1 (NE = fixed point of the best responses)", "reproduced",
              "Theorem A.2 below decides existence by exactly this characterization"),
        Claim("Theorem 3.1 (NE exists: payoffs concave, costs convex)", "reproduced",
              f"every concave/convex game in this section has a certified NE ({n_games} answers: Example 1, the "
              "M_beta* games, the Theorem 3.2 and A.1 instances)"),
        Claim("Theorem 3.2 (best-response dynamics converge geometrically)",
              "reproduced" if t32["rate_worst"] <= t32["rate_bound"] and t32["iterations"] <= t32["T_bound"]
              else "reproduced with a difference",
              f"table and figure: worst step ratio {t32['rate_worst']:.4f} <= bound {t32['rate_bound']:.4f}; "
              f"{t32['iterations']} iterations against T = {t32['T_bound']:.0f}"),
        Claim("Theorem A.1 (separable payoffs: NE exists)", "reproduced" if a1["verified"] else "reproduced with a difference",
              f"certified NE {tuple(result(a1)['profile'])} of a linear-discovery game, the closed form (1, 0)"),
        Claim("Theorem A.2 (a game without NE)", "reproduced" if a2["equilibria"] == 0 else "reproduced with a difference",
              f"the paper's instance at eps = {a2['eps']}: {len(a2['profiles'])} candidate profiles, "
              f"{a2['equilibria']} equilibria (exact arithmetic, table)"),
        Claim("Example 1", "reproduced with a difference", "table and figure: NE and 24 reproduced, 25.25 is rounded "
              "(see what differs)"),
        Claim("Lemma 1 (beta* in [0, 1 - 1/n])", "reproduced" if not lemma1 else "reproduced with a difference",
              f"the Theorem 4.1 table's beta* column: {len(rows) - len(lemma1)} of {len(rows)} in range"),
        Claim("Theorem 4.1 (NE of M_beta* maximizes W_p when s* > 0)",
              "reproduced" if not failed else "reproduced with a difference",
              f"Theorem 4.1 table: {len(held) - len(failed)} of {len(held)} points with s* > 0"),
        Claim("Lemma 2 (program (19) is convex)", "not reproducible here",
              "a convexity statement with no number to compare, not checked separately (the optima of (19) in the "
              "Theorem 4.1 table are the mbeta kind's certified answers)"),
        Claim("Lemma 3 (the NE with (24)-(25) satisfies the KKT conditions (20)-(23))",
              "reproduced" if not kkt else "reproduced with a difference",
              f"Theorem 4.1 table, 'NE passes KKT': {len(held) - len(kkt)} of {len(held)} points with s* > 0"),
        Claim("Proposition 2 (concave composition)", "not reproducible here", "a general rule with no instance or number"),
    ) + learned_claims
    return Section(PAPER, TITLE, blocks, tuple(certs), diffs + learned_diffs, inventory)


def _nash_blocks(a2: dict[str, Any], a1: dict[str, Any], t32: dict[str, Any], folder: Path) -> tuple[Any, ...]:
    """Theorems A.2, A.1 and 3.2: text, tables, figure."""
    corr = Table(("e(s_j) = E", "agent i's best responses"),
                 tuple(((f"E = {c['E'][0]}" if c["E"][0] == c["E"][1] else f"{c['E'][0]} < E < {c['E'][1]}"),
                        ", ".join(c["best"])) for c in a2["correspondence"]),
                 caption=f"Theorem A.2 (eps = {a2['eps']}): the exact best-response correspondence (every agent alike)")
    prof = Table(("profile (s_1, s_2, s_3)", "best deviation gains (agents 1, 2, 3)", "equilibrium"),
                 tuple((", ".join(p["profile"]), ", ".join(p["gains"]), "yes" if p["equilibrium"] else "no")
                       for p in a2["profiles"]),
                 caption="Theorem A.2: every profile of the actions best responses use, with exact gains")
    lam, L = t32["lambda"], t32["L"]
    rate = Table(("quantity", "Theorem 3.2", "measured"), (
        ("lambda (G + lambda I negative semi-definite)", f"{lam:g} (= kappa)", "-"),
        ("L (|G_ij| <= L)", f"{L:g} (= |a''(0)| + kappa)", "-"),
        ("step delta = lambda / (n^2 L^2)", f"{t32['step']:.6g}", "same"),
        ("||g^(t+1)||^2 / ||g^t||^2", f"<= 1 - lambda^2/(n^2 L^2) = {t32['rate_bound']:.6f}",
         f"worst {t32['rate_worst']:.6f}, last {t32['rate_last']:.6f}"),
        (f"iterations to ||g|| < {t32['eps']:g} from ||g^0|| = {t32['g0']:.4g}", f"T = {t32['T_bound']:.0f}",
         str(t32["iterations"])),
        ("end point", "an approximate NE", "(" + ", ".join(f"{x:.6f}" for x in t32["end"]) + ") within "
         f"{t32['distance']:.2g} of the certified NE ({t32['status']})"),
    ), caption="Theorem 3.2 on a(S) = 1 - (S + 1)^-1/2, c_i = c_i s + kappa s^2/2, c = "
               f"{claims.SLOPES}, kappa = {claims.KAPPA:g}, s_i in [0, {claims.TAU:g}], n = {claims.N}, from s = 0")
    text = Text(
        "Theorem A.2 is decided exactly (rational arithmetic, `mechopt.reproductions.p001_claims`): u_i is piecewise "
        "linear in s_i with breakpoints 0, 1/2 - eps, 1/2 + eps, 1, and linear in E = e(s_j) at each breakpoint, so "
        "the best-response correspondence changes only at the listed values of E; every best response uses "
        f"{' or '.join(a2['actions'])}, so every equilibrium (Proposition 1) is one of the {len(a2['profiles'])} "
        f"profiles below, and each has an agent with a positive gain: {a2['equilibria']} pure equilibria (no "
        "certifier kind decides non-existence; this exhaustion is the proof).  The payoff e is not concave, which "
        "Theorem 3.1 needs.  Theorem A.1: the linear-discovery game a = W s, W = "
        f"{claims.SEPARABLE['payoff']['W']}, c = {claims.SEPARABLE['cost']['slope']}, tau = 1, is separable; its NE "
        f"{tuple(result(a1)['profile'])} is certified ({a1['status']}), the closed form (1, 0).  Theorem 3.2: the "
        "dynamics (4) with the theorem's step, measured (independent of the solvers: the update is written out "
        "in closed form); its end point is compared with the NE the `nash` kind certifies.")
    fig = Figure(_plot_theorem32(t32, folder), "Theorem 3.2 (the paper has no figure for it): ||g(s^t, mu^t)||_2 "
                 "of the dynamics (4) against the theorem's bound ||g^0|| (1 - lambda^2/(n^2 L^2))^(t/2)")
    return (text, corr, prof, rate, fig)


def _plot_theorem32(t32: dict[str, Any], folder: Path) -> str:
    norms = np.array(t32["norms"])
    t = np.array(t32["norm_t"], dtype=float)
    bound, eps = t32["g0"] * t32["rate_bound"] ** (t / 2), t32["eps"]

    def draw(fig: Any) -> None:
        ax = fig.subplots()
        ax.semilogy(t, norms, "-", label="measured ||g^t||")
        ax.semilogy(t, bound, "--", label="Theorem 3.2's bound")
        ax.axhline(eps, color="0.5", ls=":", label=f"eps = {eps:g}")
        ax.set(xlabel="iteration t", ylabel="||g(s^t, mu^t)||_2", title="001 Theorem 3.2: best-response dynamics (4)")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7)

    return save_figure(folder, PAPER, "theorem32", draw, (5.6, 3.8), dpi=120, crop=True)
