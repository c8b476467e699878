"""What a protobuf field holds, asked one way on every protobuf release the dependency admits.

protobuf 6.31 added `FieldDescriptor.is_repeated`, 6.32 deprecated `label` in its favour and 7 removed
`label`; the oldest Pulumi SDK this package admits (3.200) requires protobuf 5.29, which has `label` alone.
"""

from __future__ import annotations

import functools

from google.protobuf.descriptor import Descriptor, FieldDescriptor

_HAS_IS_REPEATED = hasattr(FieldDescriptor, "is_repeated")


def is_map(field: FieldDescriptor) -> bool:
    """A `map<K, V>` field: repeated entries in protobuf, one object in JSON and in Pulumi."""
    return field.message_type is not None and field.message_type.GetOptions().map_entry


def is_repeated(field: FieldDescriptor) -> bool:
    """A field that holds a list (a map, too: of its entries)."""
    return field.is_repeated if _HAS_IS_REPEATED else field.label == FieldDescriptor.LABEL_REPEATED


@functools.cache  # callers only read the dict
def fields_by_either_name(descriptor: Descriptor) -> dict[str, FieldDescriptor]:
    """A message's fields by name (`room_config`) and by JSON name (`roomConfig`): programs, specs and the
    plugin spell them either way."""
    return {**{field.json_name: field for field in descriptor.fields},
            **{field.name: field for field in descriptor.fields}}


def is_choice(field: FieldDescriptor) -> bool:
    """A member of a real `oneof` (one of alternatives), not of the synthetic one proto3 `optional` makes."""
    oneof = field.containing_oneof
    return oneof is not None and not oneof.name.startswith("_")
