"""The witness of the maximal payments p^max (002 Theorem 6): one predecessor per payment.

For agent i and the others' types t_-i the constraints on p(r) = p_i(r, t_-i) are
    IR  p(t) <= pbar(t) = W[t, t] - W[NO, t]              (true types t >= 1),
    IC  p(t) <= p(r) + Gap(r, t), Gap(r, t) = W[t, t] - W[r, t]   (reports r < t),
edges of a DAG from a base vertex (payment 0) through the reports in increasing order.  A
predecessor table names, for every true type t, one edge into it: the IR edge (``BASE``) or the
IC edge from a report r in 1..t-1.  Following it gives a path to every t, and the table of path
lengths P (:func:`per_agent_table`; :func:`~mechopt.typegrid.symmetric.symmetric_table` for the
market-growth family) with P(0) the least payment meeting every IC edge out of report 0.

Why it proves p^max: a path length is at least the shortest distance, which is p^max(t); and a
table meeting every IR and IC edge is a feasible potential, so at most p^max.  A table that is
both (every edge checked exhaustively) is p^max, to the tolerance of the check.  Without that
check the path lengths still bound every IR and IC payment from above, which is all a proof of
non-existence needs (the chains of :func:`chain` at one profile).

Text forms: a table as base64 of little-endian float64 (exact); predecessors as base64 of the
zlib-compressed (run-length strategy) little-endian int32 differences along t of each graph's
column (docs/typegrid.md, *Size*).  Answers written with bz2 (data starting with ``BZh``) are
still read.
"""

from __future__ import annotations

import base64
import binascii
import bz2
import zlib

import numpy as np

from mechopt.core.serialization import MalformedAnswer
from mechopt.typegrid.model import TypeGrid
from mechopt.typegrid.properties import Violation, batch_violations, batches, worse

BASE = -1
"""Predecessor marking the IR edge from the base vertex."""


def encode_table(P: np.ndarray) -> str:
    """Exact, compact text form of a float64 table (base64 of little-endian bytes)."""
    return base64.b64encode(np.ascontiguousarray(P, dtype="<f8").data).decode("ascii")


def _bytes(text: str, field: str) -> bytes:
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, ValueError, UnicodeEncodeError):
        raise MalformedAnswer(f"{field}: not base64 text") from None


def decode_table(text: str, shape: tuple[int, ...], field: str) -> np.ndarray:
    """The float64 table of ``shape`` that :func:`encode_table` wrote; a clear error otherwise."""
    raw = _bytes(text, field)
    if len(raw) != 8 * int(np.prod(shape)):
        raise MalformedAnswer(f"{field}: expected {int(np.prod(shape))} float64 values (shape {shape}), "
                              f"got {len(raw)} bytes")
    return np.frombuffer(raw, dtype="<f8").reshape(shape).astype(float)


def encode_predecessors(pred: np.ndarray) -> str:
    """Text form of predecessors pred[..., t - 1, c] (t = 1..K, c a graph): per graph, the
    differences along t as int32, compressed with zlib's run-length strategy, in base64."""
    x = np.moveaxis(np.asarray(pred), -2, -1)
    steps = np.empty(x.shape, dtype="<i4")
    np.subtract(x[..., :1], BASE, out=steps[..., :1], casting="unsafe")
    np.subtract(x[..., 1:], x[..., :-1], out=steps[..., 1:], casting="unsafe")
    deflate = zlib.compressobj(1, zlib.DEFLATED, 15, 9, zlib.Z_RLE)
    data = deflate.compress(steps.data) + deflate.flush()
    return base64.b64encode(data).decode("ascii")


def decode_predecessors(text: str, shape: tuple[int, ...], field: str) -> np.ndarray:
    """The predecessors of ``shape`` (..., K, graphs) that :func:`encode_predecessors` wrote, each
    checked to be ``BASE`` or a report 1..t-1; a clear error otherwise.  Decompression stops at
    the expected size, so a file cannot make it allocate more."""
    expected = 4 * int(np.prod(shape))
    data = _bytes(text, field)
    inflate = bz2.BZ2Decompressor() if data.startswith(b"BZh") else zlib.decompressobj()
    try:
        raw = inflate.decompress(data, expected + 1)
    except (OSError, EOFError, ValueError, zlib.error):
        raise MalformedAnswer(f"{field}: not zlib- or bz2-compressed data") from None
    if len(raw) != expected or not inflate.eof or inflate.unused_data:
        raise MalformedAnswer(f"{field}: expected {int(np.prod(shape))} predecessors (shape {shape})")
    *lead, K, C = shape
    steps = np.frombuffer(raw, dtype="<i4").astype(np.int64).reshape(*lead, C, K)
    pred = np.moveaxis(BASE + np.cumsum(steps, axis=-1), -1, -2)
    t = np.arange(1, K + 1)[:, None]
    bad = (pred != BASE) & ((pred < 1) | (pred >= t))
    if bad.any():
        where = tuple(int(x) for x in np.argwhere(bad)[0])
        raise MalformedAnswer(f"{field}: the predecessor of true type {where[-2] + 1} (index {where}) is "
                              f"{int(pred[where])}; expected {BASE} (the IR edge) or a report in 1..{where[-2]}")
    return pred


def per_agent_table(grid: TypeGrid, pred: np.ndarray) -> tuple[np.ndarray, Violation, Violation]:
    """The table P[i, r, g] (reports 0..K) that predecessors pred[i, t - 1, g] define, and its
    worst IR and IC violations over every edge of every graph (one pass over the grid)."""
    n, K = grid.n, grid.K
    P = np.empty((n, K + 1, K ** (n - 1)))
    ir, ic = Violation("IR", -np.inf), Violation("IC", -np.inf)
    t_all = np.arange(1, K + 1)
    for i, g, W in batches(grid):
        rows = np.arange(len(g))
        d = np.empty((len(g), K + 1))
        for t in t_all:
            col = W[:, :, t - 1]
            r = pred[i, t - 1, g]
            edge = col[:, t + 1] - col[rows, np.maximum(r, -1) + 1]  # Gap(r, t), or pbar(t) for BASE = NO
            d[:, t] = np.where(r == BASE, 0.0, d[rows, np.maximum(r, 0)]) + edge
        d[:, 0] = np.max(W[:, 1, :] - W[:, t_all + 1, t_all - 1] + d[:, 1:], axis=1)
        P[i][:, g] = d.T
        ir, ic = worse(ir, ic, *batch_violations(grid, i, g, W, d))
    return P, ir, ic


def chain(pred: np.ndarray, t: int) -> list[int]:
    """The path's vertices (reports) ending at t, from the one its IR edge enters; ``pred`` is one
    graph's column indexed by report (pred[r] the predecessor of r, pred[0] unused)."""
    path = [t]
    while pred[path[-1]] != BASE:
        path.append(int(pred[path[-1]]))
    return path[::-1]


def chain_bound(grid: TypeGrid, agent: int, profile: tuple[int, ...], vertices: tuple[int, ...]) -> float:
    """pbar(v_0) + sum_k Gap(v_k, v_(k+1)) at the others' types of ``profile``, from the model (only
    the values on the chain's edges are evaluated); NaN when the vertices are not an increasing
    path of true types ending at the agent's type."""
    v = [int(x) for x in vertices]
    if not v or v[-1] != profile[agent] or v[0] < 1 or any(b <= a for a, b in zip(v, v[1:])):
        return float("nan")
    truthful_at = np.array(v)
    deviation = np.array([-1] + v[:-1])  # NO, then each edge's report
    reports = np.tile(np.asarray(profile, dtype=np.int64), (len(v), 2, 1))
    types = reports.copy()
    reports[:, 0, agent], types[:, 0, agent] = truthful_at, truthful_at
    reports[:, 1, agent], types[:, 1, agent] = deviation, truthful_at
    with np.errstate(all="ignore"):
        W = grid.values(reports, types)[..., agent]
    return float(np.sum(W[:, 0] - W[:, 1]))
