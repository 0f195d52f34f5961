"""Private binary costs (000 Appendix D): mechanism (15), (17) and the expected data of (22) in
closed form, for the solver (:mod:`.contracts`) and the certifier alike.  Nothing here searches.

One agent i has low cost c_lo with probability p and high cost c_hi otherwise; Delta = sum_{j != i} m_j.
With eps -> 0, (15) gives v(x) up to m_hi* (the high type's solo optimum), a line of slope c_hi from
A = (m_hi*, v(m_hi*)) up to m_up, a line of slope c_lo ending at D = (m_down, v(m_down + Delta)),
and v(x + Delta) after m_down.  (17) fixes m_up given m_down:
    (c_hi - c_lo) m_up = v(m_down + Delta) - c_lo m_down - v(m_hi*) + c_hi m_hi*,
so the expected data E = (1 - p) m_up + p m_down is concave in m_down (b concave), over
[m_hi^max, m_lo^max] (the two types' m^max of (11) facing Delta).

**Feasibility** (Definition A).  With phi(x) = v(x + Delta) - c_lo x, the c_lo-line through D lies
below v(. + Delta) back to m_up iff phi(m_up) >= phi(m_down), and with (17) that holds iff
phi(m_down) <= phi(m_hi^max).  phi is concave where v > 0 and peaks at x_hat (b'(x_hat + Delta) =
c_lo), so the feasible m_down are [L, m_lo^max] with L = m_hi^max when x_hat <= m_hi^max, else the
point past x_hat where phi falls to phi(m_hi^max); none when phi(m_lo^max) > phi(m_hi^max).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from mechopt.valueshaping.curve import first_crossing
from mechopt.valueshaping.solo import solo_contributions
from mechopt.valueshaping.value import ValueOfData


def check_binary_costs(c_lo: float, c_hi: float, p: float) -> None:
    if not (np.isfinite(c_lo) and np.isfinite(c_hi) and 0 < c_lo < c_hi):
        raise ValueError(f"cost.low, cost.high: need 0 < low < high, got {c_lo!r}, {c_hi!r}")
    if not 0 < p < 1:
        raise ValueError(f"cost.p_low: the probability of the low cost must lie in (0, 1), got {p!r}")


@dataclass(frozen=True)
class BinaryCosts:
    """(15)-(17) for one agent of unknown binary cost facing the others' total ``delta``."""

    value: ValueOfData
    c_lo: float
    c_hi: float
    p: float
    delta: float

    @cached_property
    def solos(self) -> tuple[float, float, float, float]:
        """(m_lo*, m_hi*, u_lo*, u_hi*) of Theorem I."""
        m, u, _ = solo_contributions(self.value, np.array([self.c_lo, self.c_hi]))
        return float(m[0]), float(m[1]), float(u[0]), float(u[1])

    @cached_property
    def bounds(self) -> tuple[float, float]:
        """(m_hi^max, m_lo^max): the first crossings of (11) for each type facing Delta."""
        ml, mh, _, _ = self.solos
        top = first_crossing(self.value, np.array([ml, mh]), np.array([self.c_lo, self.c_hi]),
                             np.array([self.delta, self.delta]))
        return float(top[1]), float(top[0])

    @cached_property
    def peak(self) -> float:
        """x_hat: the maximizer of phi on [m0 - Delta, inf), b'(x_hat + Delta) = c_lo."""
        return float(self.value.inverse_slope(np.array(self.c_lo))) - self.delta

    def phi(self, x: float) -> float:
        return float(self.value.v(x + self.delta)) - self.c_lo * x

    def m_up(self, m_down: float) -> float:
        """(17)."""
        _, mh, _, _ = self.solos
        K = float(self.value.v(mh)) - self.c_hi * mh
        return (float(self.value.v(m_down + self.delta)) - self.c_lo * m_down - K) / (self.c_hi - self.c_lo)

    def expected(self, m_down: float) -> float:
        """E = (1 - p) m_up + p m_down, the objective of (22)."""
        return (1 - self.p) * self.m_up(m_down) + self.p * m_down

    def derivative(self, m_down: float) -> float:
        """E'(m_down) = (1 - p)(b'(m_down + Delta) - c_lo)/(c_hi - c_lo) + p."""
        return (1 - self.p) * (float(self.value.dv(m_down + self.delta)) - self.c_lo) / (self.c_hi - self.c_lo) + self.p

    def utilities(self, m_down: float) -> tuple[float, float, float]:
        """(high type's utility, low type's utility, information rent) at the equilibrium of (15)
        (Theorem VIII): the high type keeps its solo utility; the rent is the low type's gain over
        its utility at m_lo^max, where full information would put it."""
        _, mh, _, _ = self.solos
        _, m_lo_max = self.bounds
        low = self.phi(m_down)
        return float(self.value.v(mh)) - self.c_hi * mh, low, low - self.phi(m_lo_max)

    def infeasible(self) -> bool:
        """(15) is infeasible for every m_down in (m_hi^max, m_lo^max]: phi(m_lo^max) > phi(m_hi^max)
        beyond rounding, with the peak of phi past m_hi^max (module doc)."""
        lo, hi = self.bounds
        return self.peak > lo and self.phi(hi) > self.phi(lo) + self.rounding(hi)

    def rounding(self, x: float) -> float:
        """Rounding allowed in a value of phi at x (256 eps of its terms)."""
        return 256 * np.finfo(float).eps * (self.value.sup + self.c_lo * abs(x))

    def closed_form(self, slope: float, lower: float | None = None) -> float:
        """b'^-1(slope) - Delta clipped to [lower (default m_hi^max), m_lo^max]; m_lo^max when slope <= 0."""
        lo, hi = self.bounds
        lo = lo if lower is None else lower
        if slope <= 0:
            return hi
        return float(np.clip(float(self.value.inverse_slope(np.array(slope))) - self.delta, lo, hi))

    def derived_closed_form(self, lower: float | None) -> float:
        """dE/dm_down = 0: b'(m_down + Delta) = c_lo - p/(1-p) (c_hi - c_lo), clipped to [L, m_lo^max]."""
        return self.closed_form(self.c_lo - self.p / (1 - self.p) * (self.c_hi - self.c_lo), lower)

    def paper_closed_form(self) -> float:
        """(21) as printed: b'(m_down + Delta) = c_lo - p/(1-p) c_hi, clipped to [m_hi^max, m_lo^max]."""
        return self.closed_form(self.c_lo - self.p / (1 - self.p) * self.c_hi)

    def mechanism_15(self, m_down: float, x: np.ndarray) -> np.ndarray:
        """[M]_i of (15) (eps -> 0) at own contributions x."""
        _, mh, _, _ = self.solos
        m_up = self.m_up(m_down)
        x = np.asarray(x, float)
        a = float(self.value.v(mh)) + self.c_hi * (x - mh)
        d = float(self.value.v(m_down + self.delta)) - self.c_lo * (m_down - x)
        return np.where(x <= mh, self.value.v(x),
                        np.where(x <= m_up, a, np.where(x <= m_down, d, self.value.v(x + self.delta))))
