"""Paper 004 (fair value of data under privacy levels): Examples 1-2, Figures 5-7 and Section 5.1's
thresholds as sweeps, and the section.

Figure 5 (Section 4.1): N = 10 users, 5 federating (eps = 1), 4 direct (eps = 2), 1 out; each user's
Theorem-2 value (alpha = 1) minus U/N for (s^2, t^2) = (100, 1), (1, 10), (0.1, 100).  The paper does
not list the n_i; its "four types" are taken as eps in {1, 2} x n in {10, 100}: federating n = (10, 10,
10, 100, 100), direct (10, 10, 100, 100), the one out 10.  Figure 5(b): one user's a_i = 100.
Figure 6 (Section 5.1): the optimum of (19) against c, with its certificate.  Figure 7 (Section 5.2):
the optimum of (25) over a grid of (c_1, c_2), one point per c_1 row.

Each optimum of (19) is a ``stackelberg`` model answered through the registry: its record carries
the result envelope and the verdict of the kind's certifier.  (25) has no kind: its values are
plain data whose status is the verdict of ``certify_two_group`` on each answer (a Figure 7 row is
verified when every cell's answer is).  Examples 1-2 and Figure 5 (closed-form fair values) have no
certifier: their records state no status.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from mechopt.privacy.fairvalue import fair_values_at, fair_values_platform, fair_values_users
from mechopt.privacy.federated import FederatedPopulation
from mechopt.privacy.mean_estimation import mean_estimation_game
from mechopt.privacy.stackelberg import STACKELBERG_TOL
from mechopt.privacy.twogroup import solve_two_group
from mechopt.reproductions.records import answered, certified, result
from mechopt.reproductions.report import Certified, Figure, Section, Table, Text, save_figure
from mechopt.sweeps.sweep import Sweep

PAPER = "004"
TITLE = "The fair value of data under heterogeneous privacy constraints"

LEVELS_5 = (1, 1, 1, 1, 1, 2, 2, 2, 2, 0)
SAMPLES_5 = (10.0, 10.0, 10.0, 100.0, 100.0, 10.0, 10.0, 100.0, 100.0, 10.0)
REGIMES_5 = ((100.0, 1.0), (1.0, 10.0), (0.1, 100.0))
STAR_5 = 7
"""Figure 5(b): a direct user with n = 100 gets a_i = 100."""
F = Fraction
PAPER_EXAMPLES = {
    "U (10)": [[F(0), F(2, 3)], [F(2, 3), F(1)]],
    "Phi_p (11), Theorem 1": [[F(0), F(1, 3)], [F(1, 3), F(5, 9)]],
    "Phi_1 (11), Theorem 1": [[F(0), F(1, 3)], [F(0), F(2, 9)]],
    "Phi_2 (11), Theorem 1": [[F(0), F(0)], [F(1, 3), F(2, 9)]],
    "Phi_1 (13), Theorem 2, A = 1": [[F(0), F(2, 3)], [F(0), F(1, 2)]],
    "Phi_2 (13), Theorem 2, A = 1": [[F(0), F(0)], [F(2, 3), F(1, 2)]],
}
"""The paper's printed matrices (other user on the rows for Phi_1, Phi_2: our transposes)."""
PAPER_C_TH, PAPER_GAMMA_MAX, PAPER_GAMMA_MIN = F(1, 3), F(2, 3), F(1, 2)
"""Section 5.1's c_th and gamma_max; gamma_min = gamma(0) read off (13) (a sharer among sharers gets 1/2)."""
SECTION_51_C = (0.25, 0.45, 0.6)
Record = dict[str, Any]


# ---- points -------------------------------------------------------------------------------------


def examples_point() -> Record:
    """Examples 1 and 2: U of (10), Theorem 1's values (11) and Theorem 2's with alpha = 1 (13)."""
    g = mean_estimation_game()
    f1, f2 = fair_values_platform(g), fair_values_users(g, alpha=1.0)
    # ours index user 1 on the rows; the paper prints Phi_i with the other user on the rows: transpose
    return {"U (10)": g.table.tolist(), "Phi_p (11), Theorem 1": f1.platform.tolist(),
            "Phi_1 (11), Theorem 1": f1.users[0].T.tolist(), "Phi_2 (11), Theorem 1": f1.users[1].T.tolist(),
            "Phi_1 (13), Theorem 2, A = 1": f2.users[0].T.tolist(),
            "Phi_2 (13), Theorem 2, A = 1": f2.users[1].T.tolist()}


def figure5_point(s2: float, t2: float, star: int | None) -> Record:
    """Figure 5: phi_i - U/N for every user at Section 4.1's level vector (Theorem 2, alpha = 1)."""
    importance = np.ones(len(SAMPLES_5))
    if star is not None:
        importance[star] = 100.0
    pop = FederatedPopulation(np.array(SAMPLES_5), importance, s2, t2)
    phi, _, _ = fair_values_at(lambda e: pop.utility(list(e)), LEVELS_5)
    u = pop.utility(list(LEVELS_5))
    return {"s2": s2, "t2": t2, "star": star, "U": float(u), "excess": [float(x) for x in phi - u / len(SAMPLES_5)]}


def stackelberg_model(c: float) -> Record:
    """The ``stackelberg`` model of (19) at sensitivity c (models/privacy_mean_estimation.toml)."""
    return {"kind": "stackelberg", "name": f"004 (19) at c = {c:g}", "sensitivity": c,
            "game": {"utility": "mean_estimation"}}


def stackelberg_point(c: float) -> Record:
    """Figure 6 / Section 5.1: the optimum of (19) at sensitivity c (Theorem 3), answered through the
    registry, and (25)'s value at c_1 = c_2 = c (asymmetric equilibria allowed) for comparison, with
    the status ``certify_two_group`` gave it."""
    both = solve_two_group(mean_estimation_game(), c, c)
    plain = {"c": c, "platform_25": float(both.platform_utility), "status_25": both.status.value,
             "verified_25": bool(both.success)}
    return answered(stackelberg_model(c), lambda answer: plain)


def two_group_row(c1: float, points: int) -> Record:
    """Figure 7: one row c_1 of the optimum of (25) over c_2 in linspace(0, 1, points).  Its status
    is that of the first cell whose answer ``certify_two_group`` did not establish, else the cells'
    (all established); ``verified`` when every cell's answer is established."""
    game = mean_estimation_game()
    cs = np.linspace(0.0, 1.0, points)
    rs = [solve_two_group(game, c1, float(c2)) for c2 in cs]
    failed = [r for r in rs if not r.success]
    return {"status": (failed or rs)[0].status.value, "verified": not failed, "c1": c1,
            "not_established": [float(c2) for c2, r in zip(cs, rs) if not r.success],
            "c2": cs.tolist(), "payment1": [float(r.payments[0]) for r in rs],
            "payment2": [float(r.payments[1]) for r in rs], "platform": [float(r.platform_utility) for r in rs],
            "share1": [float(r.x[1]) for r in rs], "share2": [float(r.y[1]) for r in rs],
            "max_regret": max(float(r.max_regret) for r in rs),
            "max_relative_regret": max(float(r.max_regret) / r.certificate.scale for r in rs)}


# ---- sweeps -------------------------------------------------------------------------------------


def sweeps(quick: bool) -> list[Sweep]:
    n6, n7 = (9, 6) if quick else (121, 100)
    return [
        Sweep("examples", examples_point, ({},)),
        Sweep("figure5", figure5_point,
              tuple({"s2": s2, "t2": t2, "star": star} for star in (None, STAR_5) for s2, t2 in REGIMES_5)),
        Sweep("figure6", stackelberg_point, tuple({"c": float(c)} for c in np.linspace(0.0, 0.8, n6))),
        Sweep("section51", stackelberg_point, tuple({"c": c} for c in SECTION_51_C)),
        Sweep("figure7", two_group_row, tuple({"c1": float(c), "points": n7} for c in np.linspace(0.0, 1.0, n7))),
    ]


# ---- drawing ------------------------------------------------------------------------------------


def _save(folder: Path, name: str, draw, size: tuple[float, float]) -> str:  # type: ignore[no-untyped-def]
    return save_figure(folder, PAPER, name, draw, size)


def draw_figure5(records: list[Record], folder: Path, star: int | None) -> str:
    rs = [r for r in records if r["star"] == star]
    colors = ["tab:blue" if e == 1 else ("tab:orange" if e == 2 else "grey") for e in LEVELS_5]
    labels = [f"{int(n)}" + ("*" if i == star else "") for i, n in enumerate(SAMPLES_5)]

    def draw(fig):  # type: ignore[no-untyped-def]
        for k, r in enumerate(rs):
            ax = fig.add_subplot(1, len(rs), k + 1)
            ax.bar(range(len(LEVELS_5)), r["excess"], color=colors)
            ax.set_xticks(range(len(LEVELS_5)), labels, fontsize=7)
            ax.set_xlabel("users (n_i)", fontsize=8)
            ax.set_title(f"s2 = {r['s2']:g}, t2 = {r['t2']:g}", fontsize=9)
            ax.axhline(0, color="k", lw=0.5)
        fig.axes[0].set_ylabel("phi_i - U/N (blue: eps=1, orange: eps=2, grey: out)", fontsize=8)

    return _save(folder, "figure5a_fair_values" if star is None else f"figure5b_star{star}", draw, (9.0, 3.4))


def draw_figure6(records: list[Record], folder: Path) -> str:
    cs = [r["c"] for r in records]

    def draw(fig):  # type: ignore[no-untyped-def]
        ax = fig.add_subplot(1, 1, 1)
        ax.plot(cs, [r["platform"] for r in records], label="platform (1 - alpha) U")
        ax.plot(cs, [r["users"] for r in records], label="users' payments alpha U")
        ax.plot(cs, [r["total"] for r in records], "--", label="total U(p*)")
        ax.plot(cs, [r["platform_25"] for r in records], ":", label="platform, (25) with c1 = c2 = c")
        for x in (records[0]["c_th"], records[0]["gamma_max"]):
            ax.axvline(x, color="grey", lw=0.6)
        ax.set_xlabel("privacy sensitivity c")
        ax.set_ylabel("utility")
        ax.set_title("004 Figure 6: optimum of (19) (grey: c_th, gamma_max)", fontsize=9)
        ax.legend(fontsize=8)

    return _save(folder, "figure6_stackelberg", draw, (6.0, 4.0))


def _grid(records: list[Record], key: str) -> np.ndarray:
    """Rows c_1, columns c_2."""
    return np.array([r[key] for r in records])


def draw_figure7(records: list[Record], folder: Path) -> str:
    def draw(fig):  # type: ignore[no-untyped-def]
        for k, (key, title) in enumerate((("payment2", "payment to user 2"), ("platform", "platform's share"))):
            ax = fig.add_subplot(1, 2, k + 1)
            im = ax.imshow(_grid(records, key).T, origin="lower", extent=(0, 1, 0, 1), aspect="auto")
            ax.set_xlabel("c_1")
            ax.set_ylabel("c_2")
            ax.set_title(title, fontsize=9)
            fig.colorbar(im, ax=ax)

    return _save(folder, "figure7_two_groups", draw, (9.0, 3.8))


# ---- section ------------------------------------------------------------------------------------


def _matrix(m: list[list[Any]], exact: bool) -> str:
    cell = (lambda x: str(x)) if exact else (lambda x: f"{x:.6g}")
    return "[" + "; ".join(", ".join(cell(x) for x in row) for row in m) + "]"


def _figure5_claims(records: list[Record]) -> list[tuple[str, str, str]]:
    """Section 4.1's qualitative claims on the Figure 5 records."""
    eps, n = np.array(LEVELS_5), np.array(SAMPLES_5)
    by = {(r["s2"], r["t2"], r["star"]): np.array(r["excess"]) for r in records}
    het, hom = by[(*REGIMES_5[0], None)], by[(*REGIMES_5[-1], None)]
    star = by.get((*REGIMES_5[0], STAR_5))
    rows = [("Figure 5(a), most heterogeneous: eps = 2 users above the average, eps = 1 below", "yes",
             str(bool(het[eps == 2].min() > 0 > het[eps == 1].max()))),
            ("Figure 5(a), least heterogeneous: more data is paid more", "yes",
             str(bool(hom[(n == 100) & (eps > 0)].min() > hom[(n == 10) & (eps > 0)].max())))]
    if star is not None:
        rows.append((f"Figure 5(b): the user with a_i = 100 (user {STAR_5 + 1}) is paid the most (heterogeneous)", "yes",
                     str(int(np.argmax(star)) == STAR_5)))
    return rows


def _figure7_claims(records: list[Record]) -> list[tuple[str, str, str]]:
    """Section 5.2's claims as fractions of the grid cells in each region where they hold."""
    c1 = np.array([r["c1"] for r in records])[:, None]
    c2 = np.array(records[0]["c2"])[None, :]
    s1, s2 = _grid(records, "share1"), _grid(records, "share2")
    platform = _grid(records, "platform")
    paid = _grid(records, "payment1") + _grid(records, "payment2")
    gap = 2 * np.maximum(c1, c2) - np.minimum(c1, c2) - 1 / 3
    regions = (
        ("c_1, c_2 < 1/3 and |c_1 - c_2| < 0.05: both users share", (c1 < 1 / 3) & (c2 < 1 / 3) & (abs(c1 - c2) < 0.05),
         (s1 == 1) & (s2 == 1)),
        ("1/3 < c_2 < c_1 < 2/3: only user 2 shares", (c1 > c2) & (c2 > 1 / 3) & (c1 < 2 / 3), (s1 == 0) & (s2 == 1)),
        ("1/3 < c_1 < c_2 < 2/3: only user 1 shares", (c2 > c1) & (c1 > 1 / 3) & (c2 < 2 / 3), (s1 == 1) & (s2 == 0)),
        ("c_1, c_2 > 2/3: nothing is paid, the platform gets 0", (c1 > 2 / 3) & (c2 > 2 / 3), (paid == 0) & (platform == 0)),
        # ours: both sharing (1 - 2 max c) beats only the less sensitive sharing ((1 - 1.5 min c) 2/3) iff
        # 2 max c - min c <= 1/3; on ties (within 1e-9) either answer is optimal
        ("c_1, c_2 < 1/3: both share iff 2 max c - min c <= 1/3 (our reading of 'close')", (c1 < 1 / 3) & (c2 < 1 / 3),
         (((s1 == 1) & (s2 == 1)) == (gap <= 0)) | (abs(gap) < 1e-9)),
    )
    rows = []
    for claim, region, holds in regions:
        cells = int(np.broadcast_to(region, holds.shape).sum())
        ok = int((holds & region).sum())
        rows.append((f"Figure 7: {claim}", "holds", f"{ok} of {cells} grid cells"))
    return rows


def optimum(record: Record) -> Record:
    """A Figure 6 / Section 5.1 record's values: the (19) answer's (its envelope) and (25)'s."""
    r = result(record)
    return {"c": record["c"], "alpha": r["alpha"], "p": r["p"], "platform": r["platform_utility"],
            "users": float(np.sum(r["payments"])), "total": r["total_utility"], "c_th": r["c_th"],
            "gamma_min": r["gamma_min"], "gamma_max": r["gamma_max"], "regime": r["regime"],
            "platform_25": record["platform_25"]}


def section(results: dict[str, list[Record]], folder: Path) -> Section:
    (ex,) = results["examples"]
    fig5, fig7 = results["figure5"], results["figure7"]
    fig6, s51 = ([optimum(r) for r in results[k]] for k in ("figure6", "section51"))
    at = {r["c"]: r for r in s51}
    c0 = SECTION_51_C[0]
    r0, alpha0 = at[c0], c0 / PAPER_GAMMA_MIN  # Theorem 3, c < c_th: the smallest alpha with p = 0
    examples = Table(("matrix (paper's printed orientation)", "paper", "ours"),
                     tuple((name, _matrix(m, True), _matrix(ex[name], False)) for name, m in PAPER_EXAMPLES.items()),
                     caption="Examples 1 and 2 (mean estimation, levels {0, inf}): fair values, paper vs ours")
    thresholds = Table(
        ("quantity", "paper", "ours"),
        (("c_th (22)", str(PAPER_C_TH), f"{r0['c_th']:.8f}"),
         ("gamma_max", str(PAPER_GAMMA_MAX), f"{r0['gamma_max']:.8f}"),
         ("gamma_min = gamma(0) (from (13): a sharer among sharers gets 1/2)", str(PAPER_GAMMA_MIN), f"{r0['gamma_min']:.8f}"),
         (f"c = {c0}: regime", "all share (c < c_th)", r0["regime"]),
         (f"c = {c0}: alpha* (Theorem 3: c / gamma_min)", f"{float(alpha0):g}", f"{r0['alpha']:.6g}"),
         (f"c = {c0}: platform's share (1 - alpha*) U(0)", f"{float(1 - alpha0):g}", f"{r0['platform']:.6g}"),
         *((f"c = {c}: alpha*, p*, platform (19)", "mixed regime (no numbers)",
            f"{at[c]['alpha']:.4g}, {at[c]['p']:.4g}, {at[c]['platform']:.4g}") for c in SECTION_51_C[1:]),
         *((f"c = {c}: platform with asymmetric equilibria ((25), c_1 = c_2 = c)", "not considered",
            f"{at[c]['platform_25']:.4g}") for c in SECTION_51_C[1:])),
        caption="Section 5.1 (Figure 6): thresholds of Theorem 3 and the optimum of (19)")
    claims = Table(("claim", "paper", "ours"), tuple(_figure5_claims(fig5) + _figure7_claims(fig7)),
                   caption="Sections 4.1 and 5.2: the paper's qualitative claims on our grids")
    figures = (
        Figure(draw_figure5(fig5, folder, None), "Paper Figure 5(a): difference from the average utility U/N per user "
               "for three regimes of s^2, t^2 (heterogeneity decreasing left to right). Ours: Theorem-2 values at "
               "Section 4.1's level vector, our choice of n_i (the paper does not list them)."),
        Figure(draw_figure5(fig5, folder, STAR_5), f"Paper Figure 5(b): the same with one user's importance a_i = 100. "
               f"Ours: user {STAR_5 + 1} (direct, n = 100, starred) has a_i = 100."),
        Figure(draw_figure6(fig6, folder), "Paper Figure 6: utility awarded to users and platform when the platform "
               "solves (19); three regions (Theorem 3). Ours: the certified optimum of (19) at each c, and (dotted) the "
               "platform's value when asymmetric equilibria are allowed ((25) with c_1 = c_2 = c)."),
        Figure(draw_figure7(fig7, folder), "Paper Figure 7: (left) payments to user 2, (right) the platform's share at "
               f"the optimal alpha* for a range of (c_1, c_2). Ours: (25) on a {len(fig7)} x {len(fig7)} grid over [0, 1]^2."),
    )
    certs = tuple(certified(f"{name} optimum of (19), c = {r['c']:.4g} (`stackelberg` answer)", r)
                  for name, key in (("Figure 6", "figure6"), ("Section 5.1", "section51")) for r in results[key])
    certs += tuple(Certified(f"Section 5.1 optimum of (25) with c_1 = c_2 = {r['c']:.4g}: the users' equilibrium at "
                             "alpha* (certify_two_group)", r["status_25"], r["verified_25"])
                   for r in results["section51"])
    certs += tuple(certified(f"Figure 7 row c_1 = {r['c1']:.4g}: the users' equilibria at alpha* (certify_two_group "
                             f"at each of its {len(r['c2'])} cells)", r) for r in fig7)
    regret, relative = max(r["max_regret"] for r in fig7), max(r["max_relative_regret"] for r in fig7)
    ok25 = sum(r["verified_25"] for r in results["figure6"])
    text = Text(
        "Computed: Examples 1-2 (U of (10), Theorems 1 and 2); Figure 5 with N = 10 users (5 at eps = 1, 4 at eps = 2, "
        f"1 out) for (s^2, t^2) in {list(REGIMES_5)}; the platform's program (19) for the two-user mean-estimation game "
        f"at {len(fig6)} values of c in [0, 0.8] (Figure 6) and at c in {list(SECTION_51_C)}; (25) on a "
        f"{len(fig7)} x {len(fig7)} grid of (c_1, c_2) in [0, 1]^2 (Figure 7). Each optimum of (19) is a `stackelberg` "
        "model answered through the registry (its result envelope is in the sweep store, judged by the kind's "
        "certifier).  (25) has no kind: its solver enumerates exact candidates and each answer's verdict is "
        "`certify_two_group`'s, the users' regrets against every pure level at most "
        f"{STACKELBERG_TOL:g} max(|A|, |B|) (largest over the grid {regret:.2g}, {relative:.2g} of its scale), while "
        "alpha*'s optimality rests on the exact candidate enumeration and is checked against an alpha grid in "
        "tests/privacy and benchmarks/privacy_figure7.py; (25) with c_1 = c_2 = c beside Figure 6: "
        f"{ok25} of {len(fig6)} equilibria established.  Examples 1-2 and Figure 5 are closed-form fair values with no "
        "certifier: they are not certified.")
    differences = (
        "The paper prints Phi_1, Phi_2 of (11) and (13) with the other user on the rows; we index user 1 on the rows "
        "and compare the transposes (papers/README).",
        "Figure 5's n_i are not given by the paper: we take eps in {1, 2} x n in {10, 100}; the claims are checked on "
        "that instance only.",
        "Theorem 2's pseudo-efficiency (B.ii) needs U(0) = 0 (the proof drops the empty coalition's term); every "
        "utility here has U(0) = 0.",
        "(19) restricted to symmetric equilibria loses value: with two users the asymmetric pure equilibria (one shares) "
        "give the platform more for c between c_th and gamma_max: "
        + "; ".join(f"c = {c}: {at[c]['platform_25']:.4g} against {at[c]['platform']:.4g}" for c in SECTION_51_C[1:])
        + ". The threshold c_th is the same.",
        "Section 5.2's 'both small and close: both share' needs 'close' to shrink as c grows: comparing (25)'s two pure "
        "options (both share: 1 - 2 max c; only the less sensitive one: (1 - 1.5 min c) 2/3), both share iff "
        "2 max c - min c <= 1/3, which the grid confirms (table above); near c = 1/3 even a gap of 0.03 leaves one out.",
        "(25) is read as maximizing (1 - alpha) x'Uy with payoffs alpha Phi_i (the printed objective and (23)-(24) "
        "without alpha are garbled); optimistic equilibrium selection, the smallest optimal alpha.",
        "c_th is computed by bisection (60 steps) on the exact solver of (19), hence its last digits.",
    )
    return Section(PAPER, TITLE, (text, examples, thresholds, claims, *figures), certs, differences)
