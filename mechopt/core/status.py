"""Status vocabulary shared by every result.

Two axes, as in pyomo's results: *why the method stopped* (:class:`Termination`) and *what the
answer is* (:class:`Status`).  Infeasibility, the absence of an equilibrium and violated
assumptions are statuses with evidence, never exceptions.  A status that claims something
(``infeasible``, ``assumption_violated``) is only given when the certificate attached shows it;
a method that failed says so (``failed``) and claims nothing.
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
    """Every method and start tried ended at a profile whose certificate did not verify.  Not a
    proof that no equilibrium exists: the certificate carries the best profile found and, where
    one was found, a best-response cycle as a diagnostic."""
    OPTIMAL = "optimal"
    """An optimum whose optimality certificate verified."""
    EXACT = "exact"
    """A value computed exactly (Shapley values by enumeration, say) whose certificate (an identity
    it must satisfy, such as efficiency) verified."""
    BOUNDED = "bounded"
    """The optimal value lies between two certified bounds; neither is certified optimal."""
    INFEASIBLE = "infeasible"
    """No feasible point (no desirable mechanism) exists; an infeasibility certificate verified."""
    ASSUMPTION_VIOLATED = "assumption_violated"
    """An assumption of the method fails; the certificate shows the point where it fails."""
    UNVERIFIED = "unverified"
    """The method returned an answer but its certificate did not verify at the tolerance asked
    for (the certificate holds the bound it reached)."""
    FAILED = "failed"
    """The method failed (numerical or solver error); nothing is claimed."""
