"""Methods: equilibrium methods returning a :class:`~mechopt.solvers.outcome.MethodOutcome` (certified in :mod:`.nash`),
and program solvers (:mod:`.welfare`).  Each maps its own codes to mechopt's statuses."""
