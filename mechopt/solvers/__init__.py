"""Equilibrium methods: each returns an :class:`Iterate`; certificates are computed elsewhere."""

from ..best_response import best_response_cycle
from .br_dynamics import br_dynamics_solve
from .common import Iterate
from .newton import newton_solve
from .pyomo_mcp import pyomo_mip_solve

__all__ = ["Iterate", "best_response_cycle", "br_dynamics_solve", "newton_solve", "pyomo_mip_solve"]
