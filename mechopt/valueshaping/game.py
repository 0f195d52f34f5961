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

from mechopt.core.structured import Jacobian
from mechopt.games.base import ContinuousGame
from mechopt.valueshaping.mechanisms import ValueShaping, first_crossing, piecewise_value


class ValueShapingGame(ContinuousGame):
    def __init__(self, mechanism: ValueShaping) -> None:
        self.mech = mechanism
        c = mechanism.costs
        self.lower = np.zeros_like(c)
        self.upper = mechanism.value.sup / c
        v = mechanism.value
        slope0 = float(v.db(max(v.m0, 1e-12)))
        self._lipschitz = np.maximum(slope0, c + mechanism.eps) + c

    @property
    def own_concave(self) -> bool:
        return False

    @property
    def own_lipschitz(self) -> np.ndarray:
        return self._lipschitz

    def _tops(self, s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        S = s.sum() - s
        return first_crossing(self.mech.value, self.mech.solo, self.mech.costs + self.mech.eps, S, guess=s), S

    def utilities(self, s: np.ndarray) -> np.ndarray:
        s = np.asarray(s, float)
        top, S = self._tops(s)
        m = self.mech
        return piecewise_value(m.value, s, m.solo, m.costs + m.eps, top, S) - m.costs * s

    def own_gradient(self, s: np.ndarray) -> np.ndarray:
        s = np.asarray(s, float)
        top, S = self._tops(s)
        m = self.mech
        slope = np.where(s < m.solo, m.value.dv(s), np.where(s < top, m.costs + m.eps, m.value.dv(s + S)))
        return slope - m.costs

    def own_jacobian(self, s: np.ndarray) -> Jacobian:
        s = np.asarray(s, float)
        top, S = self._tops(s)
        m = self.mech
        with np.errstate(all="ignore"):
            d2_own = np.nan_to_num(np.asarray(m.value.b.d2(s), float))
            d2_all = float(np.nan_to_num(np.asarray(m.value.b.d2(s.sum()), float)))
        piece3 = s >= top
        J = np.where(piece3[:, None], d2_all, 0.0)
        np.fill_diagonal(J, np.where(s < m.solo, d2_own, np.where(piece3, d2_all, 0.0)))
        return J

    def deviation_utilities(self, s: np.ndarray, x: np.ndarray) -> np.ndarray:
        s = np.asarray(s, float)
        top, S = self._tops(s)
        m = self.mech
        cols = lambda a: np.asarray(a, float)[:, None]  # noqa: E731
        got = piecewise_value(m.value, x, cols(m.solo), cols(m.costs + m.eps), cols(top), cols(S))
        return got - cols(m.costs) * x
