"""Algorithm 1 (002 Appendix A.1) as written: one difference-constraint graph per (agent, t_-i),
solved with networkx's Bellman-Ford from the base vertex.

Vertices are the reports 0..K and the base vertex ``"base"`` (payment zero); edge base -> t has
weight pbar(t) (IR, true types t >= 1) and edge r -> t (r < t) has weight Gap(r, t) (IC).
"""

from __future__ import annotations

import networkx as nx
import numpy as np

from mechopt.typegrid.dag import BASE


def difference_graph(W: np.ndarray) -> nx.DiGraph:
    """The graph of one (agent, t_-i) from its deviation values W of shape (K + 2, K)."""
    K = W.shape[1]
    g = nx.DiGraph()
    g.add_node("base")
    g.add_nodes_from(range(K + 1))
    for t in range(1, K + 1):
        truthful = W[t + 1, t - 1]
        g.add_edge("base", t, weight=float(truthful - W[0, t - 1]))
        g.add_weighted_edges_from((r, t, float(truthful - W[r + 1, t - 1])) for r in range(t))
    return g


def bellman_ford_max_payments(W: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distances (K + 1,) over reports 0..K (+inf when unreachable) and predecessors (``BASE`` for
    the IR edge) of one graph, by ``networkx.single_source_bellman_ford``."""
    K = W.shape[1]
    dist_map, paths = nx.single_source_bellman_ford(difference_graph(W), "base")
    dist = np.full(K + 1, np.inf)
    pred = np.full(K + 1, BASE, dtype=np.int64)
    for v, d in dist_map.items():
        if v != "base":
            dist[v] = d
            before = paths[v][-2]
            pred[v] = BASE if before == "base" else before
    return dist, pred
