"""KKT multipliers of a concave program at a point, fitted by non-negative least squares: the
witness the KKT certificate (:func:`mechopt.certificates.kkt.kkt_certificate`) evaluates."""

from __future__ import annotations

import numpy as np
from scipy.optimize import lsq_linear

from mechopt.certificates.kkt import ConcaveProgram, kkt_pieces, multiplier_names


def fit_multipliers(program: ConcaveProgram, x: np.ndarray) -> dict[str, np.ndarray]:
    """z >= 0 minimizing ||w (M z - rhs)||^2 + ||slack z||^2 (the two terms of the certificate's
    gap bound, sum |residual_j| w_j and the slackness, both in the objective's units), with the
    piece weights of a max-min objective summing to 1.  Columns are scaled to unit norm first."""
    x = np.asarray(x, dtype=float)
    M, rhs, slack, widths, pieces = kkt_pieces(program, x)
    z = np.zeros(M.shape[1])
    if all(np.all(np.isfinite(a)) for a in (M, rhs, slack, widths)):
        WM, Wr = widths[:, None] * M, widths * rhs
        norms = np.linalg.norm(WM, axis=0)
        norms = np.where(norms > 0, norms, 1.0)
        Ms = WM / norms
        rows, targets = [Ms, np.diag(slack / norms)], [Wr, np.zeros(M.shape[1])]
        if pieces:
            weight = 10.0 * max(float(np.linalg.norm(Ms[:, :pieces])), 1.0)
            row = np.zeros((1, M.shape[1]))
            row[0, :pieces] = weight / norms[:pieces]
            rows.append(row)
            targets.append(np.array([weight]))
        A, y = np.vstack(rows), np.concatenate(targets)
        zs = lsq_linear(A, y, bounds=(0.0, np.inf), method="bvls").x
        zs = _refined(A, y, zs)
        z = zs / norms
        if pieces and z[:pieces].sum() > 0:
            z[:pieces] /= z[:pieces].sum()
    out, start = {}, 0
    for name, size in multiplier_names(program, x):
        out[name] = z[start:start + size]
        start += size
    return out


def _refined(A: np.ndarray, y: np.ndarray, z: np.ndarray) -> np.ndarray:
    """The bounded least-squares solution re-solved exactly (``lstsq``) on its positive entries,
    kept when it stays non-negative and fits at least as well (the bounded solver stops at its
    own tolerance)."""
    active = z > 0
    if not active.any():
        return z
    sub = np.linalg.lstsq(A[:, active], y, rcond=None)[0]
    if np.any(sub < 0):
        return z
    exact = np.zeros_like(z)
    exact[active] = sub
    return exact if np.linalg.norm(A @ exact - y) <= np.linalg.norm(A @ z - y) else z
