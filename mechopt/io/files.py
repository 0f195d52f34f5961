"""Reading model files and result files.

A model file is TOML with a top-level ``kind`` naming the query; the rest is validated by that
query's pydantic schema.  Model files are data: nothing in them is evaluated.  Every problem is
reported as :class:`ModelFileError` naming the file, the field and what is allowed.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

M = TypeVar("M", bound=BaseModel)


class ModelFileError(ValueError):
    """A malformed model or result file; the message names the field and the valid range."""


def _field(loc: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in loc) or "(top level)"


def validate(schema: type[M], data: dict[str, Any], source: str = "model") -> M:
    """Validate ``data`` against ``schema``; errors name every bad field."""
    try:
        return schema.model_validate(data)
    except ValidationError as err:
        lines = [f"field '{_field(e['loc'])}': {e['msg']}" for e in err.errors()]
        raise ModelFileError(f"{source}: " + "; ".join(lines)) from None


MAX_FILE_BYTES = 512 * 2**20
"""Largest model or result file read (a K = 2000 existence result is about 43 MB)."""


def _read_text(path: Path, what: str) -> str:
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ModelFileError(f"{path}: {what} is larger than {MAX_FILE_BYTES // 2**20} MiB")
        return path.read_bytes().decode("utf-8")
    except OSError as err:
        raise ModelFileError(f"{path}: cannot read {what} ({err.strerror})") from None
    except UnicodeDecodeError as err:
        raise ModelFileError(f"{path}: {what} is not UTF-8 text (byte {err.start}: {err.reason})") from None


def load_model_file(path: str | Path) -> dict[str, Any]:
    """Parse a TOML model file into plain data (validation is done by the query's schema)."""
    path = Path(path)
    text = _read_text(path, "model file")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ModelFileError(f"{path}: not valid TOML ({err})") from None
    except RecursionError:
        raise ModelFileError(f"{path}: not a model file (values nested too deep)") from None
    if "kind" not in data:
        raise ModelFileError(f"{path}: field 'kind' is missing (the query this model poses)")
    return data


def load_result_file(path: str | Path) -> Any:
    """Parse a JSON result file (the envelope is checked by :func:`mechopt.io.envelope.unwrap`)."""
    path = Path(path)
    text = _read_text(path, "result file")
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise ModelFileError(f"{path}: not valid JSON ({err})") from None
    except RecursionError:
        raise ModelFileError(f"{path}: not a result file (values nested too deep)") from None
