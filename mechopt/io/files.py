"""Reading model files and result files.

A model file is TOML with a top-level ``kind`` naming the query; the rest is validated by that
query's pydantic schema.  Model files are data: nothing in them is evaluated.  Every problem is
reported as :class:`ModelFileError` naming the file, the field and what is allowed.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

if TYPE_CHECKING:
    from pydantic import BaseModel

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

M = TypeVar("M", bound="BaseModel")


class ModelFileError(ValueError):
    """A malformed model or result file; the message names the field and the valid range."""


def _field(loc: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in loc) or "(top level)"


def _tags(schema: type[BaseModel], loc: tuple[Any, ...], name: str) -> list[str]:
    """The values the discriminator field ``name`` may take in the union at ``loc`` of ``schema``."""
    from typing import Literal, get_args, get_origin

    def members(tp: Any) -> list[Any]:  # the types a union (or an Annotated one) admits
        args = get_args(tp)
        if not args or get_origin(tp) is Literal:
            return [tp]
        return [m for a in (args[:1] if get_origin(tp) is Annotated else args) for m in members(a)]

    def field_type(tp: Any, part: Any) -> Any:
        for model in members(tp):
            fields = getattr(model, "model_fields", {})
            if part in fields:
                return fields[part].annotation
        return tp  # a list index or a dict key: the element type is in the same union

    tp: Any = schema
    for part in loc:
        tp = field_type(tp, part)
    return [repr(v) for m in members(tp) if name in getattr(m, "model_fields", {})
            for lit in members(m.model_fields[name].annotation) if get_origin(lit) is Literal for v in get_args(lit)]


def _message(schema: type[BaseModel], error: Any) -> str:
    """One pydantic error as "field 'a.b': what is wrong"; a missing or unknown form (a
    discriminated union's tag) names the tag's field and its valid values."""
    loc, kind, ctx = tuple(error["loc"]), error["type"], error.get("ctx") or {}
    if kind in ("union_tag_not_found", "union_tag_invalid") and "discriminator" in ctx:
        name = ctx["discriminator"].strip("'")
        valid = ", ".join(_tags(schema, loc, name)) or ctx.get("expected_tags", "?")
        given = error.get("input")
        tag = given[name] if isinstance(given, dict) and name in given else ctx.get("tag")
        got = "missing" if kind == "union_tag_not_found" else f"got {tag!r}"
        return f"field '{_field((*loc, name))}': expected one of {valid}; {got}"
    return f"field '{_field(loc)}': {error['msg'].removeprefix('Value error, ')}"


def validate(schema: type[M], data: dict[str, Any], source: str = "model") -> M:
    """Validate ``data`` against ``schema``; errors name every bad field."""
    from pydantic import ValidationError

    try:
        return schema.model_validate(data)
    except ValidationError as err:
        raise ModelFileError(f"{source}: " + "; ".join(_message(schema, e) for e in err.errors())) from None


MAX_FILE_BYTES = 512 * 2**20
"""Largest model or result file read (a K = 2000 existence result is about 43 MB)."""


def _read_text(path: Path, what: str) -> str:
    """The file's text: a regular file (not a device or a pipe, which could be endless), read with
    a size cap, UTF-8."""
    try:
        if not path.is_file():
            kind = "does not exist" if not path.exists() else "is not a regular file (a device, a pipe or a folder)"
            raise ModelFileError(f"{path}: {what} {kind}")
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
        if len(data) > MAX_FILE_BYTES:
            raise ModelFileError(f"{path}: {what} is larger than {MAX_FILE_BYTES // 2**20} MiB")
        return data.decode("utf-8")
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
    except ValueError as err:  # e.g. an integer of more digits than Python converts
        raise ModelFileError(f"{path}: not a valid model file ({_reason(err)})") from None
    if "kind" not in data:
        raise ModelFileError(f"{path}: field 'kind' is missing (the query this model poses)")
    return data


def _reason(err: ValueError) -> str:
    text = str(err)
    if "integer string conversion" in text:
        return f"an integer has more than {sys.get_int_max_str_digits()} digits"
    return text


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ModelFileError(f"field {key!r} appears twice in the same object")
        out[key] = value
    return out


def parse_json(text: str, source: str) -> Any:
    """JSON with every object's keys unique (a repeated key is an error, not 'the last one wins'),
    and a clear error for anything else that is not JSON or too large to hold."""
    try:
        return json.loads(text, object_pairs_hook=_unique_keys)
    except ModelFileError as err:
        raise ModelFileError(f"{source}: {err}") from None
    except json.JSONDecodeError as err:
        raise ModelFileError(f"{source}: not valid JSON ({err})") from None
    except RecursionError:
        raise ModelFileError(f"{source}: not a result file (values nested too deep)") from None
    except ValueError as err:  # e.g. an integer of more digits than Python converts
        raise ModelFileError(f"{source}: not a valid result file ({_reason(err)})") from None


def load_result_file(path: str | Path) -> Any:
    """Parse a JSON result file (the envelope is checked by :func:`mechopt.io.envelope.unwrap`)."""
    path = Path(path)
    return parse_json(_read_text(path, "result file"), str(path))
