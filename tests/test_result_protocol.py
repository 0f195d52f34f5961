"""Every result type conforms to one Result protocol (issue "One judge per kind", done-when): a
walk over the package finds every dataclass named like a result and checks its fields."""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import pkgutil

import mechopt
from mechopt.core.result import Answer
from mechopt.core.status import Status
from mechopt.core.verdict import Verdict


def _classes() -> list[type]:
    found = []
    for info in pkgutil.walk_packages(mechopt.__path__, "mechopt."):
        if info.name.startswith(("mechopt.cli", "mechopt.reproductions")):
            continue
        module = importlib.import_module(info.name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == module.__name__ and dataclasses.is_dataclass(cls):
                found.append(cls)
    return found


def _has_status(cls: type) -> bool:
    return any(f.name == "status" and f.type in (Status, "Status") for f in dataclasses.fields(cls))


def test_every_result_type_is_an_answer() -> None:
    """A dataclass named ...Result or ...Answer, or holding a Status, is an Answer (the verdict
    itself aside)."""
    stray = [c.__qualname__ for c in _classes() if not issubclass(c, Answer) and c is not Verdict and (
        c.__name__.endswith(("Result", "Answer")) or _has_status(c))]
    assert not stray, stray


def test_every_answer_has_the_protocol_fields() -> None:
    answers = [c for c in _classes() if issubclass(c, Answer)]
    assert len(answers) >= 10
    for cls in answers:
        fields = {f.name: f for f in dataclasses.fields(cls)}
        for name in ("kind", "status", "message", "stats", "verdict"):
            assert name in fields, (cls.__qualname__, name)
        assert fields["status"].type in (Status, "Status"), cls.__qualname__
        assert fields["verdict"].metadata.get("transient"), cls.__qualname__
        assert ("certificate" in fields or hasattr(cls, "certificate")) and hasattr(cls, "success"), cls.__qualname__
        assert all(hasattr(cls, m) for m in ("to_dict", "from_dict")), cls.__qualname__


def test_results_show_briefly_in_a_console_and_a_notebook() -> None:
    """A result's repr is one short line with its verdict; its HTML is one table with the status,
    the verdict's basis and the answer's fields."""
    import copy

    from honest_models import HONEST_MODELS
    from mechopt.io.registry import solve_model

    for name in ("nash", "mbeta", "existence_symmetric", "stackelberg"):
        answer = solve_model(copy.deepcopy(HONEST_MODELS[name]))
        text = repr(answer)
        assert "\n" not in text and len(text) < 600 and answer.message in text, text
        page = answer._repr_html_()
        assert page.startswith("<table>") and answer.status.value in page and answer.verdict.basis.value in page
