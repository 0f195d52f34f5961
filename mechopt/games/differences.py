"""Steps and stencils of the difference quotients of games given by callables (scalar and
generalized alike)."""

from __future__ import annotations

import numpy as np

FD_STEP = float(np.finfo(float).eps ** 0.2)
"""Relative step of the fourth-order difference (balances h^4 truncation and eps/h rounding)."""
JACOBIAN_STEP = 1e-4
"""Relative step of the Jacobian's central difference of a difference-quotient gradient."""
JACOBIAN_STEP_EXACT = float(np.finfo(float).eps ** (1.0 / 3.0))
"""Relative step of the Jacobian's central difference of user-supplied gradients."""
VALUE_NOISE = 4.0
"""Rounding error of one utility value taken as VALUE_NOISE * eps * |u| in the error estimates."""
CENTRAL_STENCIL = (np.array([-2.0, -1.0, 1.0, 2.0]), np.array([1.0, -8.0, 8.0, -1.0]) / 12.0)
FORWARD_STENCIL = (np.arange(5.0), np.array([-25.0, 48.0, -36.0, 16.0, -3.0]) / 12.0)
