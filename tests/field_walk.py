"""The field walk (issue "Verdicts that hold under attack", item 4): every field of an answer is
either bound by a check of its kind's certifier or listed by it as carried but unchecked; changing
a bound field makes the answer not established (or the file malformed), changing an unchecked one
changes nothing.

Paths look like ``certificate.gains`` or ``comparisons[0].optimum.b``; an array of numbers is one
leaf; ``[*]`` in an unchecked path stands for every index.
"""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Callable, Iterator
from typing import Any

from mechopt.core.verdict import Verdict
from mechopt.io.files import ModelFileError

_TOKEN = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def _steps(path: str) -> list[str | int]:
    return [name if name else int(index) for name, index in _TOKEN.findall(path)]


def _numeric_array(value: Any) -> bool:
    return isinstance(value, list) and all(not isinstance(v, (dict, bool)) and (
        isinstance(v, (int, float, str)) or _numeric_array(v)) for v in value)


def leaves(value: Any, path: str = "") -> Iterator[str]:
    """Every leaf path of plain data (objects and lists of objects are walked into)."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from leaves(item, f"{path}.{key}" if path else key)
    elif isinstance(value, list) and value and not _numeric_array(value):
        for k, item in enumerate(value):
            yield from leaves(item, f"{path}[{k}]")
    else:
        yield path


def get(data: Any, path: str) -> Any:
    for step in _steps(path):
        data = data[step]
    return data


def with_value(data: Any, path: str, value: Any) -> Any:
    out = copy.deepcopy(data)
    *parents, last = _steps(path)
    target = out
    for step in parents:
        target = target[step]
    target[last] = value
    return out


def _pattern(path: str) -> re.Pattern[str]:
    return re.compile(re.escape(path).replace(r"\[\*\]", r"\[\d+\]") + r"(?:$|[.\[])")


def covered(path: str, verdict: Verdict) -> bool:
    """The leaf is under a checked field or an unchecked one."""
    return any(_pattern(f).match(path) for f in (*(c.field for c in verdict.checks), *verdict.unchecked))


def unchecked(path: str, verdict: Verdict) -> bool:
    return any(_pattern(f).match(path) for f in verdict.unchecked)


def tampered(value: Any) -> list[Any]:
    """Changed versions of a leaf value."""
    if isinstance(value, bool):
        return [not value]
    if isinstance(value, int):
        return [value + 1, value - 1]
    if isinstance(value, float):
        return [value * (1 + 1e-3) + 1e-3, "nan"] if math.isfinite(value) else [0.0]
    if isinstance(value, str):
        return [value + "x"] if value not in ("inf", "-inf", "nan") else [0.0]
    if value is None:
        return [0.0]
    if isinstance(value, list):
        if not value:
            return [[0.0]]
        first = value[0]
        while isinstance(first, list) and first:
            first = first[0]
        return [with_value(value, _first_path(value), tampered(first)[0])]
    return []


def _first_path(value: list) -> str:
    steps = []
    while isinstance(value, list) and value:
        steps.append("[0]")
        value = value[0]
    return "".join(steps)


def walk(envelope: dict[str, Any], verify: Callable[[dict[str, Any]], Verdict]) -> dict[str, list[str]]:
    """The field walk of one honest envelope: leaves nothing covers, tamperings of bound fields that
    were still established, and tamperings of unchecked fields that changed the verdict."""
    honest = verify(envelope)
    assert honest.established, honest.failed
    found: dict[str, list[str]] = {"uncovered": [], "accepted": [], "changed": []}
    for path in leaves(envelope["result"]):
        if not covered(path, honest):
            found["uncovered"].append(path)
            continue
        for value in tampered(get(envelope["result"], path)):
            forged = with_value(envelope, f"result.{path}", value)
            try:
                verdict = verify(forged)
            except ModelFileError:
                verdict = None
            if unchecked(path, honest):  # a value its type rejects makes the file malformed (exit 2): fine
                if verdict is not None and (verdict.established, verdict.status) != (honest.established, honest.status):
                    found["changed"].append(f"{path} = {value!r}")
            elif verdict is not None and verdict.established:
                found["accepted"].append(f"{path} = {value!r}")
    return found
