"""LiveKit messages from what a Pulumi stack records of a resource (`pulumi stack export`, with or without
`--show-secrets`, or `pulumi preview --json`): either entrance's spelling (the dynamic resources' snake_case, the
plugin's camelCase), a dispatch rule's PIN where each keeps it (a key of its own, or in the rule's kind), secrets
taken when shown and left out when encrypted or masked."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from google.protobuf import json_format
from google.protobuf.message import Message

from .kinds import Kind
from .secrets import SECRET_MARK, join_pin, without_credentials
from .stored import as_stored

# How a stack export marks a secret value: beside this key, its `ciphertext`, or its `plaintext` (as JSON) when shown.
SECRET_SIG = "4dabf18193072939515e22adb298388d"


def is_hidden(value: Any) -> bool:
    """A secret whose value is not there: encrypted in an export, or masked in `pulumi preview --json`."""
    encrypted = isinstance(value, Mapping) and ("ciphertext" in value or (SECRET_SIG in value and "plaintext" not in value))
    return encrypted or value == SECRET_MARK


def shown(value: Any) -> Any:
    """`value` with every shown secret replaced by its value, and every hidden one (see `is_hidden`) left out."""
    if isinstance(value, Mapping):
        if SECRET_SIG in value and "plaintext" in value:
            return shown(json.loads(value["plaintext"]))
        return {key: shown(item) for key, item in value.items() if not is_hidden(item)}
    if isinstance(value, list):
        return [shown(item) for item in value if not is_hidden(item)]
    return value


def recorded_message(kind: Kind, properties: Mapping[str, Any]) -> Message:
    """The object a resource's recorded inputs or outputs describe, its ID included (its timestamps left out)."""
    state = join_pin(shown(properties))
    fields = kind.message.DESCRIPTOR.fields
    names = {name for field in fields if field.name not in ("created_at", "updated_at")
             for name in (field.name, field.json_name)}
    return json_format.ParseDict({key: value for key, value in state.items() if key in names and value is not None},
                                 kind.message(), ignore_unknown_fields=True)


def comparable(message: Message) -> bytes:
    """What a stack export can show of an object, as bytes that compare equal when that is equal: the object as
    LiveKit stores it (`as_stored`), without its credentials."""
    return as_stored(without_credentials(message)).SerializeToString(deterministic=True)
