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


def as_stored(message: M) -> M:
    """`message` without what the server assigns, as LiveKit stores it.

    LiveKit adds an empty `media` to every object, and reads the legacy `media_encryption` as
    `media.encryption` when that is unset (a create stores both spellings, a replace only the
    legacy one): the copy made here is the server's, so that what was sent and what is stored
    compare equal."""
    stored = type(message)()
    stored.CopyFrom(message)
    for name in OUTPUT_ONLY:
        if name in stored.DESCRIPTOR.fields_by_name:
            stored.ClearField(name)
    if stored.media_encryption and not stored.media.encryption:
        stored.media.encryption = stored.media_encryption
    if stored.HasField("media") and stored.media == type(stored.media)():
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
