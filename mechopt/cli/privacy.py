"""``mechopt stackelberg``: the platform's share alpha* of (19) (paper 004 Section 5)."""

from __future__ import annotations

import math
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from mechopt.cli.common import emit, fail
from mechopt.io.files import ModelFileError, load_model_file
from mechopt.privacy.game import MAX_MAGNITUDE


class Method(str, Enum):
    """``--method`` choices (``privacy.stackelberg.METHODS``)."""

    candidates = "candidates"
    mip = "mip"


def stackelberg(
    model: Annotated[Path, typer.Argument(help="A model file of kind 'stackelberg' (TOML).")],
    sensitivity: Annotated[float | None, typer.Option("--sensitivity", help="Privacy sensitivity c of (18), in "
                                                      f"[0, {MAX_MAGNITUDE:g}] (overrides the model file's).")] = None,
    method: Annotated[Method, typer.Option("--method", help="candidates: exact polynomial candidates (any N); "
                                           "mip: the MPEC (pyomo.mpec) as a MILP solved by HiGHS (N = 2 users only).")
                      ] = Method.candidates,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result envelope as JSON.")] = False,
    out: Annotated[Path | None, typer.Option("--out", help="Also write the envelope to this file.")] = None,
) -> None:
    """Solve the platform's program (19): alpha*, the users' equilibrium, both sides' utilities."""
    from mechopt.io.envelope import wrap
    from mechopt.io.registry import KINDS, solve_model

    if sensitivity is not None and not (math.isfinite(sensitivity) and 0.0 <= sensitivity <= MAX_MAGNITUDE):
        fail(f"--sensitivity (field 'sensitivity'): must be a finite number in [0, {MAX_MAGNITUDE:g}], "
             f"got {sensitivity:g}")
    try:
        raw = load_model_file(model)
        if raw.get("kind") != "stackelberg":
            fail(f"{model}: field 'kind': expected 'stackelberg', got {raw.get('kind')!r}")
        if sensitivity is not None:
            raw["sensitivity"] = sensitivity
        result = solve_model(raw, source=str(model), method=method.value)
    except ModelFileError as err:
        fail(err)
    emit(wrap("stackelberg", raw, result), as_json, out,
         f"{result.status.value}: {KINDS['stackelberg'].summary(result)}")
