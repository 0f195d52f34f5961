"""The compiled market-growth kernels (002 Section 7.2): the block-skipping scans give exactly the
plain scans' answers, and the compiled code is cached across processes (no JIT cost per run)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from mechopt.typegrid.aggregate import _solve
from mechopt.typegrid.symmetric import _check, monotone, others_sums, power_table


@pytest.mark.parametrize("alpha, n, K", [(-0.69, 2, 600), (-1.0, 2, 300), (-0.8, 3, 40), (0.5, 2, 200),
                                         (-0.9, 1, 50), (-2 / 3, 2, 1300)])
def test_skipping_blocks_changes_nothing(alpha: float, n: int, K: int) -> None:
    """Payments, predecessors, worst IR and IC amounts and their locations: identical, bit for bit,
    with and without skipping (K > 1024 reaches the SUPER blocks)."""
    PT, Bs = power_table(alpha, n, K), others_sums(n, K)
    assert monotone(PT)
    plain, fast = _solve(PT, n, K, Bs, False), _solve(PT, n, K, Bs, True)
    assert np.array_equal(plain[0], fast[0]) and np.array_equal(plain[1][1:], fast[1][1:])
    P = plain[0].copy()
    P[5:, :: 7] -= 1e-3  # a table with IC slack and one with violations: the scans must agree on both
    for table in (plain[0], P):
        a, b = _check(PT, n, K, Bs, table, False), _check(PT, n, K, Bs, table, True)
        assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])


SCRIPT = """
import json
from mechopt.typegrid import aggregate, symmetric
from mechopt.typegrid.existence import solve_existence
from mechopt.typegrid.market_growth import market_growth_grid
r = solve_existence(market_growth_grid(-0.8, 20))
kernels = (aggregate._solve, symmetric._table, symmetric._check)
print(json.dumps({"status": r.status.value, "hits": [sum(f.stats.cache_hits.values()) for f in kernels],
                  "misses": [sum(f.stats.cache_misses.values()) for f in kernels]}))
"""


def _run(env: dict[str, str]) -> dict[str, object]:
    out = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("where", ["package", "NUMBA_CACHE_DIR"])
def test_a_second_process_does_not_recompile(where: str, tmp_path: Path) -> None:
    """Numba's on-disk cache (``cache=True``): next to the sources, or in NUMBA_CACHE_DIR where the
    package directory is read-only (numba's own fallback is the user cache directory).  The first
    process may compile; the second loads every kernel from the cache."""
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    if where == "NUMBA_CACHE_DIR":
        env["NUMBA_CACHE_DIR"] = str(tmp_path)
    first = _run(env)
    second = _run(env)
    assert first["status"] == second["status"] == "optimal"
    assert second["misses"] == [0, 0, 0] and all(h > 0 for h in second["hits"])  # type: ignore[attr-defined]
    if where == "NUMBA_CACHE_DIR":
        assert any(tmp_path.rglob("*.nbi"))
