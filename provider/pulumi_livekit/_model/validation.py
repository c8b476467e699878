"""Validation of LiveKit-shaped dicts against the official protobuf descriptors.

Users hand us rules and trunks as typed objects, as snake_case dicts, or as the camelCase
JSON of LiveKit's docs and dashboard. Everything is checked against the descriptors of
`livekit-protocol` (never a hand-written copy of the schema), with errors that name the
property path, and comes back with snake_case keys at every level; `canonical` reduces it
to the form that is compared.
"""

from __future__ import annotations

import difflib

# collections.abc, not typing: isinstance() against typing.Mapping goes through typing's slow
# __instancecheck__, and check()/diff() run these tests for every resource on every preview.
from collections.abc import Mapping
from typing import Any

from google.protobuf import duration_pb2
from google.protobuf.descriptor import Descriptor, FieldDescriptor

from .._exceptions import ValidationError
from .canonical import UNKNOWN
from .descriptors import fields_by_either_name, is_map, is_repeated
from .kinds import Kind
from .numbers import normalize_number
from .paths import join

_STRING_TYPES = {FieldDescriptor.TYPE_STRING}
_INT_TYPES = {
    FieldDescriptor.TYPE_INT32, FieldDescriptor.TYPE_SINT32, FieldDescriptor.TYPE_SFIXED32,
    FieldDescriptor.TYPE_INT64, FieldDescriptor.TYPE_SINT64, FieldDescriptor.TYPE_SFIXED64,
}
_UINT_TYPES = {
    FieldDescriptor.TYPE_UINT32, FieldDescriptor.TYPE_FIXED32,
    FieldDescriptor.TYPE_UINT64, FieldDescriptor.TYPE_FIXED64,
}
_FLOAT_TYPES = {FieldDescriptor.TYPE_DOUBLE, FieldDescriptor.TYPE_FLOAT}


_JSON_TYPE_NAMES = {bool: "true/false", int: "a number", float: "a number", str: "a string",
                   list: "a list", tuple: "a list", dict: "an object"}


def field_name(descriptor: Descriptor, key: str) -> str:
    """The snake_case name of the field `key` spells in either case; `key` itself if none."""
    field = fields_by_either_name(descriptor).get(key)
    return field.name if field is not None else key


def type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, Mapping):
        return "an object"
    return _JSON_TYPE_NAMES.get(type(value), type(value).__name__)


def validate_message(descriptor: Descriptor, value: Any, path: str, *, exclude: frozenset = frozenset()) -> dict:
    """Check `value` against `descriptor`; return it with snake_case keys at every level."""
    if not isinstance(value, Mapping):
        raise ValidationError(path, f"expected an object, got {type_name(value)}")
    lookup = fields_by_either_name(descriptor)
    result: dict[str, Any] = {}
    seen_from: dict[str, str] = {}
    for key, item in value.items():
        key_path = join(path, key)
        if not isinstance(key, str):
            raise ValidationError(key_path, "keys must be strings")
        field = lookup.get(key)
        if field is None or field.name in exclude:
            allowed = sorted(f.json_name for f in descriptor.fields if f.name not in exclude)
            raise ValidationError(key_path, f"unknown field;{_nearest(key, descriptor, exclude)} expected one of: "
                                            f"{', '.join(allowed)}")
        if field.name in seen_from:
            raise ValidationError(key_path, f"given twice (also as {seen_from[field.name]!r})")
        seen_from[field.name] = key
        if item is None:
            continue
        result[field.name] = _validate_field(field, item, key_path)
    _check_oneofs(descriptor, result, path)
    return result


def _nearest(key: Any, descriptor: Descriptor, exclude: frozenset) -> str:
    """` did you mean 'roomName'?` for the known field spelt most like `key`, in either spelling."""
    spellings = {}
    for field in descriptor.fields:
        if field.name not in exclude:
            spellings.update({field.name: field.name, field.json_name: field.json_name})
    close = difflib.get_close_matches(str(key), spellings, n=1, cutoff=0.6)
    return f" did you mean {close[0]!r}?" if close else ""


def _check_oneofs(descriptor: Descriptor, value: dict, path: str) -> None:
    for oneof in descriptor.oneofs:
        if oneof.name.startswith("_"):  # proto3 `optional` presence, not a real choice
            continue
        chosen = [f.json_name for f in oneof.fields if f.name in value]
        if len(chosen) > 1:
            raise ValidationError(path, f"set only one of {', '.join(chosen)} (they are alternatives)")


def _validate_field(field: FieldDescriptor, value: Any, path: str) -> Any:
    if value == UNKNOWN:
        return value
    if is_map(field):
        return _validate_map(field, value, path)
    if is_repeated(field):
        if not isinstance(value, (list, tuple)):
            raise ValidationError(path, f"expected a list, got {type_name(value)}")
        items = [_validate_single(field, item, join(path, i)) for i, item in enumerate(value)]
        if field.type in _STRING_TYPES:
            # An empty entry would be sent as is and match nothing (or everything) on the server.
            for index, item in enumerate(items):
                if not item.strip():
                    raise ValidationError(join(path, index), "must not be empty")
        return items
    return _validate_single(field, value, path)


def _validate_map(field: FieldDescriptor, value: Any, path: str) -> dict:
    if not isinstance(value, Mapping):
        raise ValidationError(path, f"expected an object of string keys to values, got {type_name(value)}")
    value_field = field.message_type.fields_by_name["value"]
    result = {}
    for key, item in value.items():
        if not isinstance(key, str):
            raise ValidationError(join(path, key), "keys must be strings")
        result[key] = _validate_single(value_field, item, join(path, key))
    return result


def _validate_single(field: FieldDescriptor, value: Any, path: str) -> Any:
    if value == UNKNOWN:
        return value
    if field.message_type is not None:
        full_name = field.message_type.full_name
        if full_name == "google.protobuf.Duration":
            return _validate_duration(value, path)
        if full_name.startswith("google.protobuf."):
            raise ValidationError(path, "is set by the server and cannot be an input")
        return validate_message(field.message_type, value, path)
    if field.enum_type is not None:
        return _validate_enum(field, value, path)
    if field.type in _STRING_TYPES:
        if not isinstance(value, str):
            raise ValidationError(path, f"expected a string, got {type_name(value)}")
        return value
    if field.type == FieldDescriptor.TYPE_BOOL:
        if not isinstance(value, bool):
            raise ValidationError(path, f"expected true or false, got {type_name(value)}")
        return value
    if field.type in _INT_TYPES | _UINT_TYPES:
        if isinstance(value, float) and value.is_integer():
            value = int(value)  # Pulumi carries every number as a float
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValidationError(path, f"expected a whole number, got {type_name(value)}")
        if field.type in _UINT_TYPES and value < 0:
            raise ValidationError(path, f"must not be negative, got {value}")
        return value
    if field.type in _FLOAT_TYPES:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValidationError(path, f"expected a number, got {type_name(value)}")
        return value
    raise ValidationError(path, f"unsupported field type {field.type}")


def _validate_enum(field: FieldDescriptor, value: Any, path: str) -> str:
    names = [v.name for v in field.enum_type.values]
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        by_number = field.enum_type.values_by_number.get(value)
        if by_number is not None:
            return by_number.name
    elif isinstance(value, str) and value in names:
        return value
    raise ValidationError(path, f"expected one of {', '.join(names)}, got {value!r}")


def _validate_duration(value: Any, path: str) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = f"{value}s"
    if isinstance(value, str):
        try:
            duration_pb2.Duration().FromJsonString(value)
            return value
        except ValueError:
            pass
    raise ValidationError(path, f'expected a duration such as "30s" or a number of seconds, got {value!r}')


def repeated_entries(kind: Kind, desired: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(path, problem) for each entry of a top-level list of `desired` (checked, snake_case) that repeats one before
    it: numbers compared as LiveKit compares them, once normalized, and everything else as written."""
    problems = []
    for field in kind.message.DESCRIPTOR.fields:
        values = desired.get(field.name)
        if field.type not in _STRING_TYPES or not is_repeated(field) or not isinstance(values, list):
            continue  # unset, or a whole list not known until apply
        same = normalize_number if field.name in kind.number_fields else str
        seen: dict[str, int] = {}
        for index, value in enumerate(values):
            if not isinstance(value, str) or value == UNKNOWN:
                continue
            if same(value) in seen:
                problems.append((join(field.name, index), f"{value!r} is listed twice (also {field.name}"
                                                          f"[{seen[same(value)]}]): LiveKit refuses the {kind.noun}"))
            else:
                seen[same(value)] = index
    return problems
