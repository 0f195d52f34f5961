"""Named default tolerances.  Every call that uses one takes it as an overridable argument."""

NASH_GAIN_TOL = 1e-9
"""Largest best-response gain max_i [max_x u_i(x, s_-i) - u_i(s)] accepted as an equilibrium."""

RESIDUAL_TOL = 1e-10
"""Natural-map complementarity residual at which equilibrium solvers stop."""

KKT_TOL = 1e-6
"""Largest scaled KKT residual (stationarity, feasibility, slackness) accepted for a program."""

CONCAVITY_TOL = 1e-8
"""Largest own-action second derivative accepted as concave at a point."""

FEASIBILITY_TOL = 1e-9
"""Largest constraint violation accepted by exhaustive constraint checks."""
