"""What the registry knows of a kind of answer: its model schema, its answer type, how to solve a
model (the answer comes back certified), its one certifier, its tolerance and its summary row.

Adding a kind is one :class:`Kind` in a module of :mod:`mechopt.io.kinds` (listed in
:mod:`mechopt.io.registry`) plus its schema.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from mechopt.core.result import Answer
from mechopt.core.verdict import Verdict


@dataclass(frozen=True)
class Kind:
    """One kind of answer.

    ``solve(model, tol, **options)`` answers a validated model and returns the answer certified by
    ``certify`` at ``tol`` (its status is that verdict's); ``certify(model, answer, tol)`` is the
    kind's one judge, used by ``mechopt solve`` and ``mechopt verify`` alike; ``tol_path`` is where
    a model file holds its tolerance (``default_tol`` when it gives none), ``method_path`` where it
    names its method (None when the kind has none in the file); ``summary(answer)`` is the answer
    column of the ``mechopt solve`` table.
    """

    name: str
    schema: type[BaseModel]
    answer: type[Answer]
    solve: Callable[..., Answer]
    certify: Callable[[Any, Any, float], Verdict]
    default_tol: float
    summary: Callable[[Any], str]
    tol_path: tuple[str, ...] = ("tol",)
    method_path: tuple[str, ...] | None = None
    options: frozenset[str] = field(default_factory=frozenset)
    """Solver options a command may pass to ``solve`` (``method`` for stackelberg, say)."""

    def tolerance(self, model: Any) -> float:
        """The tolerance the validated model asks for, else the kind's default."""
        value = model
        for name in self.tol_path:
            value = getattr(value, name, None)
        return self.default_tol if value is None else float(value)
