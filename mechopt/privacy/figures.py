"""Reproductions of 004's Figures 5, 6 and 7 as PNG files (matplotlib Agg, imported lazily).  Each
function returns the data it plotted.

Figure 5 (Section 4.1): N = 10 users, 5 federating (eps = 1), 4 direct (eps = 2), 1 out; each
user's Theorem-2 value (alpha = 1) minus U/N, for the three regimes (s^2, t^2) = (100, 1), (1, 10),
(0.1, 100).  The paper does not list the n_i; we take its "four types" as eps in {1, 2} x
n in {10, 100}: federating n = (10, 10, 10, 100, 100), direct (10, 10, 100, 100), the one out 10.
Figure 5(b): the same with one user's a_i = 100 (``star``).
Figure 6 (Section 5.1): platform and users' utility at the optimum of (19) against c.
Figure 7 (Section 5.2): over a grid of (c_1, c_2), user 2's payment and the platform's share at the
optimum of (25).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from mechopt.privacy.fairvalue import fair_values_at
from mechopt.privacy.federated import FederatedPopulation
from mechopt.privacy.mean_estimation import mean_estimation_game
from mechopt.privacy.stackelberg import solve_stackelberg
from mechopt.privacy.symmetric import SymmetricPrivacyGame
from mechopt.privacy.twogroup import solve_two_group

LEVELS_5 = (1, 1, 1, 1, 1, 2, 2, 2, 2, 0)
SAMPLES_5 = np.array([10.0, 10, 10, 100, 100, 10, 10, 100, 100, 10])
REGIMES_5 = ((100.0, 1.0), (1.0, 10.0), (0.1, 100.0))


def _fig(path: Path, draw, size=(9.0, 3.4)) -> Path:  # type: ignore[no-untyped-def]
    from matplotlib.figure import Figure

    fig = Figure(figsize=size)
    draw(fig)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    return path


def figure5_values(s2: float, t2: float, star: int | None = None) -> tuple[np.ndarray, float]:
    """(phi_i - U/N for every user, U) at Section 4.1's level vector."""
    importance = np.ones(10)
    if star is not None:
        importance[star] = 100.0
    pop = FederatedPopulation(SAMPLES_5, importance, s2, t2)
    phi, _, _ = fair_values_at(lambda e: pop.utility(list(e)), LEVELS_5)
    u = pop.utility(list(LEVELS_5))
    return phi - u / 10, u


def figure5(out: Path, star: int | None = None) -> dict:
    data = {r: figure5_values(*r, star=star)[0] for r in REGIMES_5}

    def draw(fig):  # type: ignore[no-untyped-def]
        for k, (r, d) in enumerate(data.items()):
            ax = fig.add_subplot(1, 3, k + 1)
            colors = ["tab:blue" if e == 1 else ("tab:orange" if e == 2 else "grey") for e in LEVELS_5]
            ax.bar(range(10), d, color=colors)
            ax.set_xticks(range(10), [f"{int(n)}" + ("*" if i == star else "") for i, n in enumerate(SAMPLES_5)],
                          fontsize=7)
            ax.set_title(f"s2 = {r[0]:g}, t2 = {r[1]:g}", fontsize=9)
            ax.axhline(0, color="k", lw=0.5)
        fig.axes[0].set_ylabel("phi_i - U/N (blue: eps=1, orange: eps=2)", fontsize=8)

    name = "figure5a_fair_values.png" if star is None else f"figure5b_star{star}.png"
    _fig(out / name, draw)
    return data


def figure6(out: Path, points: int = 121) -> dict:
    game = SymmetricPrivacyGame(mean_estimation_game())
    cs = np.linspace(0.0, 0.8, points)
    rs = [solve_stackelberg(game, float(c)) for c in cs]
    platform = np.array([r.platform_utility for r in rs])
    users = np.array([r.payments.sum() for r in rs])
    total = np.array([r.total_utility for r in rs])

    def draw(fig):  # type: ignore[no-untyped-def]
        ax = fig.add_subplot(1, 1, 1)
        ax.plot(cs, platform, label="platform (1 - alpha) U")
        ax.plot(cs, users, label="users' payments alpha U")
        ax.plot(cs, total, "--", label="total U(p*)")
        for x in (rs[0].c_th, rs[0].gamma_max):
            ax.axvline(x, color="grey", lw=0.6)
        ax.set_xlabel("privacy sensitivity c")
        ax.legend(fontsize=8)

    _fig(out / "figure6_stackelberg.png", draw, size=(6.0, 4.0))
    return {"c": cs, "platform": platform, "users": users, "total": total}


def figure7_grid(points: int = 100, top: float = 1.0) -> dict:
    """User 2's payment and the platform's share at the optimum of (25) on a points x points grid."""
    game = mean_estimation_game()
    cs = np.linspace(0.0, top, points)
    pay2 = np.empty((points, points))
    share = np.empty((points, points))
    for i, c1 in enumerate(cs):
        for j, c2 in enumerate(cs):
            r = solve_two_group(game, float(c1), float(c2))
            pay2[i, j], share[i, j] = r.payments[1], r.platform_utility
    return {"c": cs, "payment2": pay2, "platform": share}


def figure7(out: Path, points: int = 100) -> dict:
    data = figure7_grid(points)

    def draw(fig):  # type: ignore[no-untyped-def]
        for k, (key, title) in enumerate((("payment2", "payment to user 2"), ("platform", "platform's share"))):
            ax = fig.add_subplot(1, 2, k + 1)
            im = ax.imshow(data[key].T, origin="lower", extent=(0, 1, 0, 1), aspect="auto")
            ax.set_xlabel("c_1")
            ax.set_ylabel("c_2")
            ax.set_title(title, fontsize=9)
            fig.colorbar(im, ax=ax)

    _fig(out / "figure7_two_groups.png", draw, size=(9.0, 3.8))
    return data
