"""Studies built from games, mechanisms, programs, solvers and certificates."""
