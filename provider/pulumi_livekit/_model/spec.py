"""Reading the JSON specs that `lk sip ... create` and the LiveKit dashboard take."""

from __future__ import annotations

import json
import os
from typing import Any, Mapping

from google.protobuf.message import Message

from .._exceptions import ValidationError
from . import validation
from .paths import join
from .stored import OUTPUT_ONLY


def load_spec(spec: Any, message_type: type[Message], *, envelope: str) -> dict[str, Any]:
    """Validate `spec` against `message_type`; return its fields with snake_case keys.

    Accepts a dict, a JSON string or a path to a JSON file; with or without the outer
    envelope key (`"dispatch_rule"`, `"trunk"`) in either spelling.
    """
    source, data = _load(spec)
    if not isinstance(data, Mapping):
        raise ValidationError(source or "spec", f"expected a JSON object, got {type(data).__name__}")
    envelope_keys = {envelope, _camel(envelope)}
    if len(data) == 1 and next(iter(data)) in envelope_keys:
        source = join(source, next(iter(data)))
        data = next(iter(data.values()))
    fields = validation.validate_message(
        message_type.DESCRIPTOR, data, source, exclude=OUTPUT_ONLY)
    return fields


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _load(spec: Any) -> tuple[str, Any]:
    if isinstance(spec, Mapping):
        return "", spec
    if isinstance(spec, os.PathLike) or (isinstance(spec, str) and not spec.lstrip().startswith(("{", "["))):
        path = os.fspath(spec)
        try:
            with open(path, encoding="utf-8") as handle:
                text = handle.read()
        except OSError as error:
            raise ValidationError(path, f"cannot read the spec file: {error.strerror}") from None
        return path, _parse(text, path)
    if isinstance(spec, str):
        return "", _parse(spec, "spec")
    raise ValidationError("spec", f"expected a path, a JSON string or a dict, got {type(spec).__name__}")


def _parse(text: str, source: str) -> Any:
    try:
        return json.loads(_drop_trailing_commas(text))
    except json.JSONDecodeError as error:
        raise ValidationError(source, f"is not valid JSON: {error.msg} at line {error.lineno} column {error.colno}") from None


def _drop_trailing_commas(text: str) -> str:
    """LiveKit's own docs paste JSON with trailing commas (`{"a": 1,}`); the dashboard accepts it."""
    out: list[str] = []
    in_string = escaped = False
    for index, char in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
            out.append(char)
            continue
        if char == '"':
            in_string = True
        elif char == ",":
            rest = text[index + 1:].lstrip()
            if rest[:1] in ("}", "]"):
                continue
        out.append(char)
    return "".join(out)
