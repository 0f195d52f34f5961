"""Schema of ``kind = "mechanism"`` model files (003 Sections 3-4): a mechanism's certified
equilibrium, its payments, and reciprocity (4), data gain (5), accuracy gain (6) against M^0.

```toml
kind = "mechanism"
mechanism = "shapley"          # "none" (M^0) | "budget_balanced" (M^BG, 001's M_beta) | "shapley" (M^Shap (7))
beta = "optimal"               # M^BG only: beta* of 001 (6), or a number in [0, 1]
[game]                         # exactly as in kind = "nash"
n = 2
tau = 100.0
[game.payoff]
family = "power_law"           # power_law, pac_bound, linear or grouped (payoffs of a linear index)
alpha = 1.0
beta = 1.0
shift = 1.0
[game.cost]
slope = [0.1, 0.25]
[solver]                       # as in kind = "nash"
method = "newton"
```
"""

from __future__ import annotations

from typing import Annotated, Literal, Union

import numpy as np
from pydantic import Field, model_validator

from mechopt.io.schemas.game import (GameSpec, GroupedSpec, NashSolverSpec, PowerLawSpec, RandomCoverageSpec, Strict,
                                     build_cost, build_payoff)
from mechopt.mechanisms.catalog import mechanism
from mechopt.mechanisms.quasilinear import QuasiLinearMechanism, empty_payoffs, nonvanishing_agent
from mechopt.valuation.shapley import (AUTO_ENUMERATION, EXACT_MAX_PLAYERS, MULTILINEAR_MAX_BYTES, multilinear_bytes,
                                       multilinear_t_nodes)


def _exact_beyond_enumeration(game: GameSpec) -> bool:
    """The multilinear engine applies: 003's grouped payoff, or a power law with one alpha, beta, top
    for all agents and shift > 0."""
    p = game.payoff
    if isinstance(p, GroupedSpec):
        return True
    return isinstance(p, PowerLawSpec) and p.shift > 0 and not any(isinstance(v, list) for v in (p.coefficient, p.exponent, p.top))


def _multilinear_bytes(game: GameSpec, n: int) -> int:
    """Memory of the multilinear engine at the largest profile, tau, of ``game`` with n agents in
    place of game.n (the same per-agent bound for a scalar power law of the total, the same index
    rows and nodes for a grouped payoff)."""
    p = game.payoff
    if isinstance(p, GroupedSpec):
        tau = np.broadcast_to(np.asarray(game.tau, dtype=float), (game.n,))
        w, groups = np.asarray(p.weights, dtype=float), np.asarray(p.groups)
        rows = np.unique(w[np.unique(groups)], axis=0)
        totals = np.bincount(groups, weights=tau, minlength=w.shape[0])
        return multilinear_bytes(n, rows.shape[0], multilinear_t_nodes(1.0, 1.0, float(np.max(rows @ totals)) + 1.0).size)
    assert isinstance(p, PowerLawSpec)
    total = float(np.sum(game.tau)) if isinstance(game.tau, list) else n * game.tau
    return multilinear_bytes(n, 1, multilinear_t_nodes(float(p.exponent), p.shift, total + p.shift).size)


def _check_shapley_memory(game: GameSpec) -> None:
    """Refuse a game whose Shapley values (every mechanism's reciprocity (4) needs them) would take
    the multilinear engine beyond ``MULTILINEAR_MAX_BYTES``, before anything is allocated; the
    largest n within it is found by bisection (memory grows with n)."""
    needed = _multilinear_bytes(game, game.n)
    if needed > MULTILINEAR_MAX_BYTES:
        lo, hi = 1, game.n  # fits at lo, not at hi
        while hi - lo > 1:
            mid = (lo + hi) // 2
            lo, hi = (mid, hi) if _multilinear_bytes(game, mid) <= MULTILINEAR_MAX_BYTES else (lo, mid)
        raise ValueError(f"game.n: the mechanism kind computes Shapley values (reciprocity (4), M^Shap's payments) with "
                         f"the multilinear engine, which needs about {needed / 2**30:.3g} GiB at n = {game.n} (its limit "
                         f"is {MULTILINEAR_MAX_BYTES / 2**30:g} GiB: n <= {lo} for this payoff)")


def _check_empty_coalition(game: GameSpec) -> None:
    """003's premise a_i(0) = 0 (A(s[empty]) = 0), naming the power law's fields when it fails."""
    payoff = build_payoff(game)
    i = nonvanishing_agent(payoff)
    if i is None:
        return
    a0 = float(empty_payoffs(payoff)[0][i])
    why = ("003's mechanisms need payoffs that vanish without data, A(s[empty]) = sum_i a_i(0) = 0 (Lemma 2.3, on "
           "which M^Shap's budget balance, Lemma 4.2, and reciprocity (4) rest)")
    p = game.payoff
    if isinstance(p, PowerLawSpec):
        if p.shift == 0:
            raise ValueError(f"game.payoff.shift: {why}; with shift = 0 the power law has a(0) = top - coefficient 0^-exponent = "
                             "-inf (003 (12) takes shift = 1)")
        need = float(np.broadcast_to(np.asarray(p.top, dtype=float), (game.n,))[i] - a0)
        raise ValueError(f"game.payoff.top: {why}; here agent {i} has a(0) = top - coefficient shift^-exponent = "
                         f"{a0:.6g}: set top = coefficient shift^-exponent = {need!r} (or change coefficient, exponent or "
                         "shift)")
    raise ValueError(f"game.payoff: {why}; here agent {i} has a(0) = {a0:.6g}")


class MechanismModel(Strict):
    kind: Literal["mechanism"]
    name: str = ""
    description: str = ""
    mechanism: Literal["none", "budget_balanced", "shapley"]
    beta: Union[Literal["optimal"], Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]] = "optimal"
    game: GameSpec
    solver: NashSolverSpec = NashSolverSpec()

    @model_validator(mode="after")
    def _check(self) -> MechanismModel:
        if isinstance(self.game.payoff, RandomCoverageSpec):
            raise ValueError("game.payoff: the mechanism kind needs a payoff of a linear index (power_law, pac_bound, "
                             "linear or grouped); random_coverage has no exact Shapley engine here")
        if self.beta != "optimal" and self.mechanism != "budget_balanced":
            raise ValueError(f"beta: only mechanism 'budget_balanced' takes it, not {self.mechanism!r}")
        if self.mechanism == "budget_balanced":
            if self.game.n < 2:
                raise ValueError(f"game.n: M^BG (001's M_beta) needs n >= 2 agents, got {self.game.n}")
            if self.beta == "optimal" and np.any(np.asarray(self.game.cost.slope) <= 0):
                raise ValueError("game.cost.slope: beta* of 001 (6) needs every linear cost slope > 0; give beta as a "
                                 "number in [0, 1] instead")
        if self.game.n > EXACT_MAX_PLAYERS and not _exact_beyond_enumeration(self.game):
            raise ValueError(f"game.n: exact Shapley values by enumeration take n <= {EXACT_MAX_PLAYERS}, got "
                             f"{self.game.n}; larger games need the multilinear engine: a grouped payoff, or a "
                             "power law with scalar alpha, beta, top and shift > 0")
        if self.game.n > AUTO_ENUMERATION and _exact_beyond_enumeration(self.game):
            _check_shapley_memory(self.game)
        if self.solver.batch is not None and self.solver.batch > self.game.n:
            raise ValueError(f"solver.batch: must be at most game.n = {self.game.n}, got {self.solver.batch}")
        _check_empty_coalition(self.game)
        return self


def build_mechanism(model: MechanismModel) -> QuasiLinearMechanism:
    """The model's mechanism on its setting (payoff, cost, tau)."""
    game = model.game
    tau = np.broadcast_to(np.asarray(game.tau, dtype=float), (game.n,)).copy()
    return mechanism(model.mechanism, build_payoff(game), build_cost(game.cost), tau,
                     beta=None if model.beta == "optimal" else float(model.beta))
