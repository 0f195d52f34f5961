"""The game value shaping (11) induces, as a generic :class:`~mechopt.games.base.ContinuousGame`.

u_i(s) = [M(s)]_i - c_i s_i on boxes [0, sup v / c_i] (Theorem II's box).  It lets the generic
solvers (:func:`mechopt.solvers.nash.solve_nash`) and the generic Nash certificate attack the same
equilibrium the structured solver of :mod:`.equilibrium` computes in closed form (the benchmark
compares the two).  Utilities are not concave in the own action (the max(0, .) and the kink at
m_i^max); a Lipschitz constant is declared instead: the mechanism's slope is at most
max(b'(m0), c_i + eps) (v' <= b'(m0) where v > 0; the linear piece has slope c_i + eps), so
L_i = max(b'(max(m0, 0+)), c_i + eps) + c_i.
"""

from __future__ import annotations

import numpy as np

from mechopt.core.structured import DiagPlusLowRank, Jacobian
from mechopt.games.base import ContinuousGame
from mechopt.valueshaping.curve import first_crossing, piecewise_value
from mechopt.valueshaping.solo import check_costs, solo_contributions
from mechopt.valueshaping.value import ValueOfData


class ValueShapingGame(ContinuousGame):
    """The game of (11) for the value of data ``value``, marginal costs ``costs`` and ``eps >= 0``."""

    def __init__(self, value: ValueOfData, costs: np.ndarray, eps: float = 0.0) -> None:
        c = check_costs(costs)
        self.value, self.costs, self.eps = value, c, float(eps)
        self.solo, _, _ = solo_contributions(value, c)
        self.lower = np.zeros_like(c)
        self.upper = value.sup / c
        slope0 = float(value.db(max(value.m0, 1e-12)))
        self._lipschitz = np.maximum(slope0, c + self.eps) + c

    @property
    def own_concave(self) -> bool:
        return False

    @property
    def own_lipschitz(self) -> np.ndarray:
        return self._lipschitz

    def _tops(self, s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        S = s.sum() - s
        return first_crossing(self.value, self.solo, self.costs + self.eps, S, guess=s), S

    def utilities(self, s: np.ndarray) -> np.ndarray:
        s = np.asarray(s, float)
        top, S = self._tops(s)
        return piecewise_value(self.value, s, self.solo, self.costs + self.eps, top, S) - self.costs * s

    def own_gradient(self, s: np.ndarray) -> np.ndarray:
        s = np.asarray(s, float)
        top, S = self._tops(s)
        v = self.value
        slope = np.where(s < self.solo, v.dv(s), np.where(s < top, self.costs + self.eps, v.dv(s + S)))
        return slope - self.costs

    def own_jacobian(self, s: np.ndarray) -> Jacobian:
        """dF_i/ds_j: b''(s_i) on the diagonal on the solo piece, 0 on the linear piece, b''(sum s)
        in every column on the last piece (F_i = v'(sum s) - c_i there): diagonal plus rank one."""
        s = np.asarray(s, float)
        top, _ = self._tops(s)
        with np.errstate(all="ignore"):
            d2_own = np.nan_to_num(np.asarray(self.value.b.d2(s), float))
            d2_all = float(np.nan_to_num(np.asarray(self.value.b.d2(s.sum()), float)))
        last = s >= top
        return DiagPlusLowRank(np.where(s < self.solo, d2_own, 0.0), np.where(last, d2_all, 0.0)[:, None],
                               np.ones((s.size, 1)))

    def deviation_utilities(self, s: np.ndarray, x: np.ndarray) -> np.ndarray:
        s = np.asarray(s, float)
        top, S = self._tops(s)
        cols = lambda a: np.asarray(a, float)[:, None]  # noqa: E731
        got = piecewise_value(self.value, x, cols(self.solo), cols(self.costs + self.eps), cols(top), cols(S))
        return got - cols(self.costs) * x
