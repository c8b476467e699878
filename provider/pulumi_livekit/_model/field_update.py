"""LiveKit's field-wise update: one request for an update whose every change it can say.

`UpdateSIPDispatchRule`, `UpdateSIPInboundTrunk` and `UpdateSIPOutboundTrunk` take either a whole object to
store (`replace`) or a field-wise update (`update`: `SIPDispatchRuleUpdate`, `SIPInboundTrunkUpdate`,
`SIPOutboundTrunkUpdate`), which livekit-server applies to the object it holds (livekit/protocol's `Apply`):
a field the update sets replaces the stored one, a list is set or cleared (`ListUpdate`), a rule's
`attributes` are set or deleted key by key, and everything else stays as stored, the fields of a newer LiveKit
that the installed stubs do not know included. So no read is needed to keep those.

It cannot say everything. Fields its message lacks (a rule's `room_config`, `numbers`, `krisp_enabled`, a
trunk's `headers`, durations, ...) it cannot change. A message it sets (`rule`, `media`) replaces the stored
one whole, dropping the unknown fields inside it. And `media_encryption` set alone is undone by the same
`Apply`, which then copies the legacy field back from the `media.encryption` it keeps. An update changing any
of those is a read and a replace instead (`canonical.onto_stored`).
"""

from __future__ import annotations

from typing import Optional

from google.protobuf.message import Message

from .canonical import same_field
from .descriptors import is_map
from .kinds import kind_of_message
from .stored import OUTPUT_ONLY

# Fields an update message has that it cannot change without losing something (see above).
_NOT_FIELD_WISE = frozenset({"rule", "media", "media_encryption"})


def field_update(previous: Message, declared: Message) -> Optional[Message]:
    """The field-wise update that takes the object `previous` describes to `declared` (both as every write sends
    them, `stored.upgraded`), or None when one cannot say every change."""
    update_type = kind_of_message(type(previous)).methods.fieldwise
    targets = update_type.DESCRIPTOR.fields_by_name
    update = update_type()
    for field in previous.DESCRIPTOR.fields:
        name = field.name
        if name in OUTPUT_ONLY or same_field(previous, declared, field):
            continue
        target = targets.get(name)
        if target is None or name in _NOT_FIELD_WISE:
            return None
        value = getattr(declared, name)
        if is_map(target):  # set key by key; an empty value deletes the key
            changes = getattr(update, name)
            changes.update(value)
            changes.update({key: "" for key in getattr(previous, name) if key not in value})
        elif target.message_type is not None:  # a ListUpdate: the list set whole, or cleared
            listed = getattr(update, name)
            if value:
                listed.set.extend(value)
            else:
                listed.clear = True
        else:  # an optional scalar: set, to its default too
            setattr(update, name, value)
    return update
