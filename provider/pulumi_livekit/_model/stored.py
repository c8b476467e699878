"""What LiveKit stores: which fields the server assigns, and how it respells what it is sent.

Each quirk is one function here, so that what was sent and what is stored compare equal wherever they are
compared: the providers' diffs, a create looking for what it stored, code generation.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from google.protobuf.message import Message

M = TypeVar("M", bound=Message)

# Server-assigned fields: never inputs, never part of what is compared.
OUTPUT_ONLY = frozenset({"created_at", "updated_at", "sip_dispatch_rule_id", "sip_trunk_id"})


def upgraded(message: M) -> M:
    """A copy of `message` as LiveKit's field-wise update leaves an object (livekit/protocol's `Upgrade`, then its
    legacy field set from the new one): a `media` always, `media.encryption` taken from the legacy
    `media_encryption` when unset, then `media_encryption` from `media.encryption`.

    What every write sends: a create stores what it is sent (a dispatch rule's only after the same `Upgrade`,
    without the second step), a replace exactly what it is sent, and a field-wise update leaves the object so.
    Sent in this form, all three store the same object, and a rename never moves the legacy field."""
    result = type(message)()
    result.CopyFrom(message)
    media = result.media  # present from here on, as on the server
    media.SetInParent()
    if not media.HasField("encryption") and result.media_encryption:
        media.encryption = result.media_encryption
    result.media_encryption = media.encryption
    return result


def as_stored(message: M) -> M:
    """`message` without what the server assigns, as LiveKit stores it once written (`upgraded`), for comparing:
    an empty `media`, which LiveKit adds to every dispatch rule it creates, and a trunk made elsewhere may lack,
    is left out."""
    stored = upgraded(message)
    for name in OUTPUT_ONLY:
        if name in stored.DESCRIPTOR.fields_by_name:
            stored.ClearField(name)
    if stored.media == type(stored.media)():
        stored.ClearField("media")
    return stored


def without_media_copy(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Canonical fields as a person would declare them: without the `media.encryption` that only
    repeats `media_encryption` (the copy `as_stored` makes; declaring it is redundant)."""
    declared = dict(fields)
    if declared.get("media_encryption") and declared.get("media") == {"encryption": declared["media_encryption"]}:
        del declared["media"]
    return declared


def object_id(message: Message) -> str:
    """The ID the server gave a dispatch rule or trunk."""
    return getattr(message, "sip_dispatch_rule_id", "") or getattr(message, "sip_trunk_id", "")
