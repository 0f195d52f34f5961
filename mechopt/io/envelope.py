"""The result envelope every result file shares: ``{format, version, kind, model, result}``.

``model`` is the model-file data the result answers (what ``mechopt verify`` recomputes from);
``result`` is the result's plain data.  Core functions neither build model dicts nor know about
files: the envelope is made here, from the model as the user gave it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mechopt.core.result import Result
from mechopt.io.files import ModelFileError, load_model_file

FORMAT = "mechopt-result"
VERSION = 3
"""Version 3: answers read by their kind's typed definition (best point always present, a message);
version 2 introduced the envelope (version 1 stored the model inside the result)."""


def wrap(kind: str, model: dict[str, Any], result: Result) -> dict[str, Any]:
    """The envelope of ``result``, the answer to ``model`` (a model file's data) of query ``kind``."""
    return {"format": FORMAT, "version": VERSION, "kind": kind, "model": model, "result": result.to_dict()}


def envelope(result: Result, model: dict[str, Any] | str | Path) -> dict[str, Any]:
    """The envelope of a result computed in Python, for ``mechopt verify``: ``model`` is the model
    it answers, as a model file's data or the path of the TOML file (whose ``kind`` must be the
    result's)."""
    data = load_model_file(model) if isinstance(model, (str, Path)) else model
    if not isinstance(data, dict) or data.get("kind") != result.kind:
        got = data.get("kind") if isinstance(data, dict) else type(data).__name__
        raise ModelFileError(f"model: field 'kind': expected {result.kind!r} (the result's kind), got {got!r}")
    return wrap(result.kind, data, result)


def unwrap(data: Any, source: str = "result") -> tuple[str, dict[str, Any], dict[str, Any]]:
    """(kind, model, result) of an envelope; a clear error for anything else."""
    if not isinstance(data, dict):
        raise ModelFileError(f"{source}: expected a JSON object (a mechopt result envelope), got {type(data).__name__}")
    if data.get("format") != FORMAT:
        raise ModelFileError(f"{source}: field 'format': expected {FORMAT!r}, got {data.get('format')!r}")
    version = data.get("version")
    if version != VERSION or isinstance(version, bool):
        raise ModelFileError(f"{source}: field 'version': this mechopt reads version {VERSION}, got {version!r}")
    kind, model, result = data.get("kind"), data.get("model"), data.get("result")
    if not isinstance(kind, str):
        raise ModelFileError(f"{source}: field 'kind': expected the query name as a string, got {kind!r}")
    for name, value in (("model", model), ("result", result)):
        if not isinstance(value, dict):
            raise ModelFileError(f"{source}: field '{name}': expected an object, got {type(value).__name__}")
    if model.get("kind") != kind:
        raise ModelFileError(f"{source}: field 'model.kind': {model.get('kind')!r} does not match 'kind' {kind!r}")
    if result.get("kind") != kind:
        raise ModelFileError(f"{source}: field 'result.kind': {result.get('kind')!r} does not match 'kind' {kind!r}")
    return kind, model, result
