"""Validation of LiveKit-shaped dicts against the official protobuf descriptors.

Users hand us rules and trunks as typed objects, as snake_case dicts, or as the camelCase
JSON of LiveKit's docs and dashboard. Everything is checked against the descriptors of
`livekit-protocol` (never a hand-written copy of the schema), with errors that name the
property path, and comes back with snake_case keys at every level; `canonical` reduces it
to the form that is compared.
"""

from __future__ import annotations

import difflib
import math

# collections.abc, not typing: isinstance() against typing.Mapping goes through typing's slow
# __instancecheck__, and check()/diff() run these tests for every resource on every preview.
from collections.abc import Mapping
from typing import Any

from google.protobuf import duration_pb2
from google.protobuf.descriptor import Descriptor, FieldDescriptor

from .._exceptions import ValidationError
from .canonical import UNKNOWN
from .descriptors import fields_by_either_name, is_choice, is_map, is_repeated
from .kinds import Kind
from .numbers import normalize_number
from .paths import join
from .secrets import is_credential

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
_INT_RANGES = {
    **dict.fromkeys((FieldDescriptor.TYPE_INT32, FieldDescriptor.TYPE_SINT32, FieldDescriptor.TYPE_SFIXED32),
                    (-2**31, 2**31 - 1)),
    **dict.fromkeys((FieldDescriptor.TYPE_INT64, FieldDescriptor.TYPE_SINT64, FieldDescriptor.TYPE_SFIXED64),
                    (-2**63, 2**63 - 1)),
    **dict.fromkeys((FieldDescriptor.TYPE_UINT32, FieldDescriptor.TYPE_FIXED32), (0, 2**32 - 1)),
    **dict.fromkeys((FieldDescriptor.TYPE_UINT64, FieldDescriptor.TYPE_FIXED64), (0, 2**64 - 1)),
}
# Durations LiveKit bounds, in seconds: livekit/protocol's MaxSIPMediaTimeout (SIPMediaConfig.Validate).
_LONGEST = {"livekit.SIPMediaConfig.media_timeout": 600}
# How a number given where a string belongs is refused (the plugin adds how to keep one a string in Pulumi YAML).
NUMBER_NOT_STRING = "expected a string, got the number"


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
        chosen = [f.json_name for f in oneof.fields if is_choice(f) and f.name in value]
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
        if not key.strip():
            raise ValidationError(join(path, key), "a key must not be empty")
        checked = _validate_single(value_field, item, join(path, key))
        if checked == "":
            # Dropped from the canonical form, so it would never be sent: say so rather than lose it silently.
            raise ValidationError(join(path, key), "must not be empty: remove the entry, or give it a value")
        result[key] = checked
    return result


def _validate_single(field: FieldDescriptor, value: Any, path: str) -> Any:
    if value == UNKNOWN:
        return value
    if field.message_type is not None:
        full_name = field.message_type.full_name
        if full_name == "google.protobuf.Duration":
            return _validate_duration(field, value, path)
        if full_name.startswith("google.protobuf."):
            raise ValidationError(path, "is set by the server and cannot be an input")
        return validate_message(field.message_type, value, path)
    if field.enum_type is not None:
        return _validate_enum(field, value, path)
    if field.type in _STRING_TYPES:
        if _is_number(value) and not is_credential(field):
            raise ValidationError(path, f"{NUMBER_NOT_STRING} {_shown(value)}: a number loses a leading '+' or zero, "
                                        "so give it as a string")
        if not isinstance(value, str):
            raise ValidationError(path, f"expected a string, got {type_name(value)}")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ValidationError(path, "must be text LiveKit can store (UTF-8): it holds a lone surrogate") from None
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
        low, high = _INT_RANGES[field.type]
        if not low <= value <= high:
            raise ValidationError(path, f"must be at most {high}" if value > high else f"must be at least {low}")
        return value
    if field.type in _FLOAT_TYPES:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValidationError(path, f"expected a number, got {type_name(value)}")
        if not math.isfinite(value):
            raise ValidationError(path, f"must be a finite number, got {value}")
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


def _validate_duration(field: FieldDescriptor, value: Any, path: str) -> str:
    """A duration in its JSON spelling ("30s"), from that spelling or a number of seconds."""
    duration = duration_pb2.Duration()
    try:
        if _is_number(value) and math.isfinite(value):
            duration.FromNanoseconds(round(value * 1e9))
        elif isinstance(value, str):
            duration.FromJsonString(value)
        else:
            raise ValueError(value)
        spelled = duration.ToJsonString()
    except (ValueError, OverflowError):
        raise ValidationError(path, f'expected a duration such as "30s" or a number of seconds, got {value!r}') \
            from None
    if duration.ToNanoseconds() < 0:
        raise ValidationError(path, f"must not be negative, got {spelled}")
    most = _LONGEST.get(field.full_name)
    if most is not None and duration.ToNanoseconds() > most * 10**9:
        raise ValidationError(path, f"must be at most {most}s, got {spelled} (LiveKit's limit)")
    return spelled


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _shown(number: float) -> str:
    """A number as written: Pulumi carries every number as a float (15550002222.0)."""
    whole = isinstance(number, float) and number.is_integer() and abs(number) < 2**63
    return str(int(number)) if whole else str(number)


# What LiveKit does with an entry named twice; a trunk stores it twice, to no purpose.
_REPEAT_CONSEQUENCE = {"DispatchRule": ": LiveKit refuses a rule that names it twice (it conflicts with itself)"}


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
                first = seen[same(value)]
                problems.append((join(field.name, index), f"{value!r} is listed twice (also {field.name}[{first}])"
                                                          f"{_REPEAT_CONSEQUENCE.get(kind.name, '')}"))
            else:
                seen[same(value)] = index
    return problems
