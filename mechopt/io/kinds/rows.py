"""Helpers of the summary rows of ``mechopt solve``."""

from __future__ import annotations

from typing import Any

import numpy as np


def short(x: Any, width: int = 4) -> str:
    """A vector as ``(v1, v2, v3, v4, ...)``, ``-`` for None."""
    if x is None:
        return "-"
    x = np.asarray(x)
    body = ", ".join(f"{v:.4g}" for v in x.ravel()[:width])
    return f"({body}{', ...' if x.size > width else ''})"
