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
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.field_mask_pb2 import FieldMask
from google.protobuf.message import Message

from .descriptors import is_repeated
from .stored import OUTPUT_ONLY, as_stored

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
    return prune(json_format.MessageToDict(as_stored(message), preserving_proto_field_name=True)) or {}


def prune(value: Any) -> Optional[Any]:
    """Drop None, empty strings/lists/objects and False/0 at every level (they mean "unset")."""
    if isinstance(value, Mapping):
        pruned = {k: p for k, v in value.items() if (p := prune(v)) is not None}
        return pruned or None
    if isinstance(value, (list, tuple)):
        # A list keeps every element, each in its own type: an element pruned to nothing stays an empty one.
        return [_empty_like(v) if (p := prune(v)) is None else p for v in value] or None
    if value is None or value == "" or value is False:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value == 0:
        return None
    return value


def _empty_like(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {}
    if isinstance(value, (list, tuple)):
        return []
    return value  # "", False, 0 or None: already the empty value of its type


def onto_stored(stored: Message, declared: Message) -> Message:
    """The message an update sends: what the server stores now, with the fields whose canonical form differs from
    what the program declares taken from `declared`.

    A replace stores exactly what it carries, so an update built from the declared fields alone would erase what
    the program cannot say: fields of a newer LiveKit that the installed stubs do not know (protobuf keeps them,
    unread, in the message the server answered, and writes them back), and the server's own spelling of what it
    holds (the empty `media` it adds to every object). Starting from the object as the server answers it just
    before the update, rather than from a copy kept in state, also keeps what was set in the dashboard since the
    last refresh, costs the state nothing and keeps no secret there. Singular messages are compared field by
    field, so that what the program cannot see inside them survives too; lists and maps are replaced whole."""
    merged = type(stored)()
    merged.CopyFrom(stored)
    _overlay_changes(merged, declared, canonical_from_message(stored), canonical_from_message(declared))
    for name in OUTPUT_ONLY:
        if name in merged.DESCRIPTOR.fields_by_name:
            merged.ClearField(name)
    return merged


def _overlay_changes(target: Message, declared: Message, stored_canonical: Mapping, declared_canonical: Mapping
                     ) -> None:
    for field in target.DESCRIPTOR.fields:
        name = field.name
        stored_value, declared_value = stored_canonical.get(name), declared_canonical.get(name)
        if stored_value == declared_value:
            continue  # unchanged: kept as the server spells it
        if _compared_inside(field) and target.HasField(name):
            _overlay_changes(getattr(target, name), getattr(declared, name), stored_value or {}, declared_value or {})
        else:
            FieldMask(paths=[name]).MergeMessage(declared, target, replace_message_field=True,
                                                 replace_repeated_field=True)


def _compared_inside(field: FieldDescriptor) -> bool:
    """A singular message whose canonical form is an object (not a map, a list or a well-known type's string)."""
    return (field.message_type is not None and not is_repeated(field)
            and not field.message_type.full_name.startswith("google.protobuf."))
