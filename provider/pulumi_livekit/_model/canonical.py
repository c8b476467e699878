"""The canonical form of a LiveKit object: what desired and actual state are compared in.

snake_case keys, enums by name, defaults and empty values dropped, unknowns (values not known
until an apply) spelled as one sentinel. The canonical form of what a user declares (once
validated, see `validation`) is exactly what `canonical_from_message` gives for what the server
stores, so comparing desired and actual state is plain dict equality.
"""

from __future__ import annotations

# collections.abc, not typing: isinstance() against typing.Mapping goes through typing's slow
# __instancecheck__, and check()/diff() run these tests for every resource on every preview.
from collections.abc import Mapping
from typing import Any, Callable, Optional

from google.protobuf import json_format
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.field_mask_pb2 import FieldMask
from google.protobuf.message import Message

from .descriptors import fields_by_either_name, is_choice, is_map, is_repeated
from .stored import OUTPUT_ONLY, as_stored, upgraded

# pulumi.runtime.rpc.UNKNOWN: a value not known until an apply (e.g. a trunk ID during preview).
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"


def any_leaf(value: Any, predicate: Callable[[Any], bool]) -> bool:
    """Whether `predicate` holds for any value inside nested dicts and lists."""
    if isinstance(value, _SCALARS):  # most leaves: skip the slower Mapping check
        return predicate(value)
    items = value.values() if isinstance(value, Mapping) else value if isinstance(value, (list, tuple)) else None
    if items is None:
        return predicate(value)
    for item in items:  # a loop, not any(): this runs for every input of every resource
        if any_leaf(item, predicate):
            return True
    return False


_SCALARS = (str, int, float, type(None))


def contains_unknown(value: Any) -> bool:
    return any_leaf(value, lambda leaf: leaf == UNKNOWN)


def to_message(message_type: type[Message], fields: Mapping[str, Any]) -> Message:
    """The message holding `fields`, given in either spelling of the proto3 JSON mapping."""
    try:
        # Message constructors take the snake_case form, nested dicts included, about twenty times
        # faster than ParseDict: this runs in every check, create and update.
        return message_type(**fields)
    except (TypeError, ValueError, AttributeError):  # AttributeError: a duration that is not a timedelta
        # What constructors refuse: camelCase keys, and JSON spellings of values (durations as "5s",
        # 64-bit integers as strings). ParseDict reads those, and reports what is truly invalid.
        return json_format.ParseDict(fields, message_type())


def canonical_from_message(message: Message) -> dict:
    """The canonical form of what the server stores for `message` (see `stored.as_stored`)."""
    stored = json_format.MessageToDict(as_stored(message), preserving_proto_field_name=True)
    return prune(stored, message.DESCRIPTOR) or {}


def prune(value: Any, descriptor: Optional[Descriptor] = None) -> Optional[Any]:
    """Drop None, empty strings/lists/objects and False/0 at every level (they mean "unset").

    Given the descriptor of the message `value` is shaped as (keys in either spelling), an object chosen in a
    `oneof` stays even when empty: the choice is its value (`rule: {dispatch_rule_callee: {}}` is a callee rule
    with every option at its default, which LiveKit stores as such)."""
    if isinstance(value, Mapping):
        fields = fields_by_either_name(descriptor) if descriptor is not None else {}
        pruned = {}
        for key, item in value.items():
            field = fields.get(key)
            kept = prune(item, _message_of(field))
            if kept is None and field is not None and is_choice(field) and isinstance(item, Mapping):
                kept = {}
            if kept is not None:
                pruned[key] = kept
        return pruned or None
    if isinstance(value, (list, tuple)):
        # A list keeps every element, each in its own type: an element pruned to nothing stays an empty one.
        return [_empty_like(v) if (p := prune(v, descriptor)) is None else p for v in value] or None
    if value is None or value == "" or value is False:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value == 0:
        return None
    return value


def _message_of(field: Optional[FieldDescriptor]) -> Optional[Descriptor]:
    """The message a field's value (or each item of its list) is shaped as; None for scalars, maps and
    well-known types (whose canonical form is a string)."""
    if field is None or field.message_type is None or is_map(field):
        return None
    return None if field.message_type.full_name.startswith("google.protobuf.") else field.message_type


def _empty_like(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {}
    if isinstance(value, (list, tuple)):
        return []
    return value  # "", False, 0 or None: already the empty value of its type


def onto_stored(stored: Message, declared: Message) -> Message:
    """The message a replace sends: `declared` (as every write sends it, `stored.upgraded`), with the fields of a
    newer LiveKit that the object the server answered holds and the installed stubs do not know.

    A replace stores exactly what it carries, so one built from the declared fields alone would erase those
    (protobuf keeps them, unread, in the message the server answered, and writes them back). Starting from the
    object as the server answers it just before the update, rather than from a copy kept in state, also keeps such
    fields set in the dashboard since the last refresh, costs the state nothing and keeps no secret there. A
    singular message both hold is compared field by field, so that the unknown fields inside it survive too; one
    the program no longer declares is removed, unless it holds unknown fields, which stay (in the message, its
    known fields cleared). Every field this package knows ends as a create of the declaration stores it, presence
    included."""
    merged = type(stored)()
    merged.CopyFrom(stored)
    _overlay(merged, upgraded(declared))
    for name in OUTPUT_ONLY:
        if name in merged.DESCRIPTOR.fields_by_name:
            merged.ClearField(name)
    return merged


def _overlay(target: Message, source: Message) -> None:
    for field in target.DESCRIPTOR.fields:
        name = field.name
        if same_field(target, source, field):
            continue  # kept as stored, unknown fields inside included
        singular_message = field.message_type is not None and not is_repeated(field)
        if singular_message and target.HasField(name) and (
                source.HasField(name) or holds_unknown_fields(getattr(target, name))):
            _overlay(getattr(target, name), getattr(source, name))
        else:
            FieldMask(paths=[name]).MergeMessage(source, target, replace_message_field=True,
                                                 replace_repeated_field=True)


def same_field(a: Message, b: Message, field: FieldDescriptor) -> bool:
    """Whether two messages of one type hold the same value, presence included, in `field`, fields the installed
    stubs do not know left aside."""
    if field.has_presence and a.HasField(field.name) != b.HasField(field.name):
        return False
    return _known_value(a, field) == _known_value(b, field)


def _known_value(message: Message, field: FieldDescriptor) -> Any:
    value = getattr(message, field.name)
    if is_map(field):
        return dict(value)
    if is_repeated(field):
        return [_known(item) for item in value] if field.message_type is not None else list(value)
    return _known(value) if field.message_type is not None else value


def _known(message: Message) -> Message:
    known = type(message)()
    known.CopyFrom(message)
    known.DiscardUnknownFields()
    return known


def holds_unknown_fields(message: Message) -> bool:
    """Whether `message`, at any depth, holds fields the installed stubs do not know (a newer LiveKit's)."""
    return _known(message).ByteSize() != message.ByteSize()
