"""Sweep records of answers: a point that answers a model returns :func:`answered`, which solves the
model through the registry (so the answer is judged by its kind's one certifier) and carries the
result envelope and the verdict.  A report reads statuses from these records and never decides one
(:func:`certified`).  Envelopes can be checked again with ``mechopt verify`` after extracting them."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from mechopt.core.result import Answer
from mechopt.io.envelope import wrap
from mechopt.io.registry import solve_model
from mechopt.reproductions.report import Certified


def answered(model: dict[str, Any], extra: Callable[[Answer], dict[str, Any]] | None = None,
             **options: Any) -> dict[str, Any]:
    """The record of ``model``'s certified answer: ``status`` and ``verified`` (the verdict's
    status, and whether it established the answer), ``basis`` and ``message``, the ``envelope``,
    and ``extra(answer)`` (plain values the report's tables read)."""
    answer = solve_model(copy.deepcopy(model), **options)
    verdict = answer.verdict
    assert verdict is not None
    record = {"status": answer.status.value, "verified": bool(answer.success), "basis": verdict.basis.value,
              "message": answer.message, "envelope": wrap(model["kind"], model, answer)}
    return record | (extra(answer) if extra is not None else {})


def certified(what: str, record: dict[str, Any]) -> Certified:
    """The report's line for one answered record: its verdict as the certifier gave it."""
    return Certified(what, record["status"], record["verified"])


def result(record: dict[str, Any]) -> dict[str, Any]:
    """The answer (plain data) of an answered record."""
    return record["envelope"]["result"]
