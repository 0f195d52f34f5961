"""Status vocabulary shared by every result.

Two axes, as in pyomo's results: *why the method stopped* (:class:`Termination`) and *what the
answer is* (:class:`Status`).  Infeasibility, the absence of an equilibrium and violated
assumptions are statuses with evidence, never exceptions.
"""

from __future__ import annotations

from enum import Enum


class Termination(str, Enum):
    """Why a method stopped."""

    CONVERGED = "converged"
    MAX_ITERATIONS = "max_iterations"
    STALLED = "stalled"
    NUMERICAL_ERROR = "numerical_error"
    SOLVER_ERROR = "solver_error"
    EXHAUSTIVE = "exhaustive"
    """A finite search (grid, graph) was completed."""


class Status(str, Enum):
    """What the answer is."""

    EQUILIBRIUM = "equilibrium"
    """A profile whose Nash certificate verified."""
    NO_EQUILIBRIUM_FOUND = "no_equilibrium_found"
    """No profile passed the certificate; evidence is attached."""
    OPTIMAL = "optimal"
    """An optimum whose optimality certificate verified."""
    INFEASIBLE = "infeasible"
    """No feasible point exists; an infeasibility certificate verified."""
    ASSUMPTION_VIOLATED = "assumption_violated"
    """An assumption of the method fails; the certificate shows the point where it fails."""
    UNVERIFIED = "unverified"
    """The method returned an answer but its certificate did not verify."""
