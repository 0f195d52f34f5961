"""The existence LP (002 Appendix A.1, posed in :mod:`.constraints`) solved with HiGHS.

The LP is solved in units of the grid's value scale (b divided by :attr:`TypeGrid.value_scale`),
so HiGHS' absolute tolerances do not depend on the model's money unit.  When HiGHS finds it
infeasible, its dual ray y >= 0 with A^T y = 0 and b^T y < 0 (Farkas) is the evidence.
"""

from __future__ import annotations

from dataclasses import dataclass

import highspy
import numpy as np

from mechopt.core.quiet import quiet_stdout
from mechopt.typegrid.constraints import ExistenceLP
from mechopt.typegrid.model import TypeGrid
from mechopt.typegrid.properties import batches
from mechopt.typegrid.witness import BASE


@dataclass(frozen=True)
class LPSolution:
    feasible: bool
    payments: np.ndarray | None
    """Optimal payment table (n, K + 1, K^(n-1)) when feasible."""
    dual_ray: np.ndarray | None
    """Farkas multipliers y >= 0 (one per row) when infeasible."""
    status: str
    iterations: int


def solve_existence_lp(lp: ExistenceLP, scale: float = 1.0, time_limit: float | None = None) -> LPSolution:
    """Solve with HiGHS (simplex) in units of ``scale`` (the grid's value scale: HiGHS' tolerances
    are absolute); on infeasibility return the dual ray, signed so y >= 0.  Raises
    ``TimeoutError`` when ``time_limit`` (seconds) runs out."""
    if not (np.isfinite(scale) and scale > 0):
        raise ValueError(f"scale: must be a finite number > 0, got {scale}")
    with quiet_stdout():  # the constructor prints a banner
        h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    if time_limit is not None:
        h.setOptionValue("time_limit", float(time_limit))
    h.setOptionValue("presolve", "off")  # keeps the dual ray available on infeasibility
    A = lp.A.tocsc()
    model = highspy.HighsLp()
    model.num_col_, model.num_row_ = A.shape[1], A.shape[0]
    model.col_cost_ = -lp.c  # HiGHS minimizes
    model.col_lower_ = np.full(A.shape[1], -highspy.kHighsInf)
    model.col_upper_ = np.full(A.shape[1], highspy.kHighsInf)
    model.row_lower_ = np.full(A.shape[0], -highspy.kHighsInf)
    model.row_upper_ = lp.b / scale
    model.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    model.a_matrix_.start_ = A.indptr
    model.a_matrix_.index_ = A.indices
    model.a_matrix_.value_ = A.data
    h.passModel(model)
    h.run()
    status = h.getModelStatus()
    iterations = int(h.getInfo().simplex_iteration_count)
    if status == highspy.HighsModelStatus.kOptimal:
        x = np.asarray(h.getSolution().col_value) * scale
        return LPSolution(True, x.reshape(lp.shape), None, h.modelStatusToString(status), iterations)
    if status == highspy.HighsModelStatus.kInfeasible:
        _, has_ray, ray = h.getDualRay()
        y = None
        if has_ray:
            y = np.asarray(ray, dtype=float)
            y = -y if np.dot(lp.b, y) > 0 else y
        return LPSolution(False, None, y, h.modelStatusToString(status), iterations)
    if status == highspy.HighsModelStatus.kTimeLimit:
        raise TimeoutError(f"HiGHS reached its time limit of {time_limit} s on the existence LP")
    raise RuntimeError(f"HiGHS stopped with status {h.modelStatusToString(status)!r} on the existence LP")


def lp_predecessors(grid: TypeGrid, P: np.ndarray) -> np.ndarray:
    """The witness of an LP table (:mod:`.witness`): for every true type, the IR or IC edge into it
    (from a report 1..t-1) with the least slack at P, pred[i, t - 1, g].  At the revenue-maximal
    vertex these edges are tight (up to HiGHS' tolerance): a shortest path of every graph."""
    n, K = grid.n, grid.K
    pred = np.empty((n, K, K ** (n - 1)), dtype=np.int64)
    for i, g, W in batches(grid):
        pay = P[i][:, g].T  # (G, K + 1)
        for t in range(1, K + 1):
            col = W[:, :, t - 1]
            slack = np.empty((len(g), t))
            slack[:, 0] = col[:, t + 1] - col[:, 0] - pay[:, t]  # IR
            slack[:, 1:] = pay[:, 1:t] + col[:, t + 1, None] - col[:, 2:t + 1] - pay[:, t, None]  # IC from r = 1..t-1
            k = np.argmin(slack, axis=1)
            pred[i, t - 1, g] = np.where(k == 0, BASE, k)
    return pred
