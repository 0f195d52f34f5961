"""The one registry: kind name -> :class:`~mechopt.io.kind.Kind`.  Every command goes through it.

``solve_model`` validates a parsed model file and returns its certified answer (the verdict
attached); ``verify_envelope`` parses a result envelope strictly and returns the verdict of the
same certifier, recomputed from the model the envelope carries at the verifier's tolerance (the
model's, or the one given), never the tolerances or verdicts stored in the answer.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mechopt.core.result import Answer
from mechopt.core.serialization import MalformedAnswer
from mechopt.core.verdict import Verdict
from mechopt.io.envelope import unwrap, wrap
from mechopt.io.files import ModelFileError, load_model_file, load_result_file, validate
from mechopt.io.kind import Kind
from mechopt.io.kinds import budget, games, mechanism, privacy, typegrid, value_shaping

KINDS: dict[str, Kind] = {k.name: k for module in (games, budget, mechanism, typegrid, value_shaping, privacy)
                          for k in module.KINDS}


def kind_for(name: Any, source: str) -> Kind:
    if not isinstance(name, str) or name not in KINDS:
        raise ModelFileError(f"{source}: field 'kind': expected one of {sorted(KINDS)}, got {name!r}")
    return KINDS[name]


def _check_tol(tol: Any, flag: str) -> float:
    if isinstance(tol, bool) or not isinstance(tol, (int, float)) or not 0 < tol < 1:
        raise ModelFileError(f"{flag}: must be a number in (0, 1), got {tol!r}")
    return float(tol)


def solve_model(raw: dict[str, Any], source: str = "model", *, tol: float | None = None, **options: Any) -> Answer:
    """Validate a parsed model file and return its certified answer.  ``tol`` overrides the
    model's tolerance (the caller records it in the model it saves); ``options`` are solver
    options a command passes to the kind (e.g. ``method`` for ``stackelberg``)."""
    kind = kind_for(raw.get("kind"), source)
    unknown = sorted(set(options) - kind.options)
    if unknown:
        raise ModelFileError(f"{source}: option {unknown[0]!r} does not apply to kind {kind.name!r}")
    model = validate(kind.schema, raw, source=source)
    at = kind.tolerance(model) if tol is None else _check_tol(tol, "--tol")
    try:
        return kind.solve(model, at, **options)
    except ValueError as err:  # a model that validates but that the method refuses
        if isinstance(err, ModelFileError):
            raise
        raise ModelFileError(f"{source}: {err}") from None


def answer_model(raw: dict[str, Any], source: str = "model", **options: Any) -> dict[str, Any]:
    """The result envelope answering a parsed model file."""
    return wrap(raw["kind"], raw, solve_model(raw, source, **options))


def parse_answer(kind: Kind, result: Any, source: str) -> Answer:
    """The answer of an envelope, read strictly by its kind's typed definition."""
    try:
        return kind.answer.from_dict(result, "result")
    except MalformedAnswer as err:
        raise ModelFileError(f"{source}: {err}") from None


def verify_envelope(data: Any, source: str = "result", *, tol: float | None = None) -> Verdict:
    """The verdict of the answer's kind's certifier on a result envelope, recomputed from the model
    it carries with the verifier's tolerance (``tol``, else the model's)."""
    name, model_raw, result = unwrap(data, source)
    kind = kind_for(name, f"{source}: field 'kind'")
    at = None if tol is None else _check_tol(tol, "--tol")
    model = validate(kind.schema, model_raw, source=f"{source}: result.model")
    answer = parse_answer(kind, result, source)
    try:
        return kind.certify(model, answer, kind.tolerance(model) if at is None else at)
    except MalformedAnswer as err:
        raise ModelFileError(f"{source}: result.{err}") from None


def solve(model: dict[str, Any] | str | Path, *, tol: float | None = None, **options: Any) -> Answer:
    """Answer a model, given as a model file's path or its data (a dict with ``kind``): the answer
    comes back certified by its kind's certifier (``answer.status``, ``answer.success``,
    ``answer.message``, ``answer.verdict``)."""
    if isinstance(model, (str, Path)):
        return solve_model(load_model_file(model), str(model), tol=tol, **options)
    if not isinstance(model, dict):
        raise ModelFileError(f"model: expected a model file's path or its data (a dict), got {type(model).__name__}")
    return solve_model(model, tol=tol, **options)


def verify(result: dict[str, Any] | str | Path, *, tol: float | None = None) -> Verdict:
    """The verdict on a saved result: an envelope's path or its data (what ``mechopt verify`` does)."""
    if isinstance(result, (str, Path)):
        return verify_envelope(load_result_file(result), str(result), tol=tol)
    return verify_envelope(result, tol=tol)
