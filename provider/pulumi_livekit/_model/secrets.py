"""How this package's secrets travel: a rule's PIN split out of the rule into a secret of its own (and joined
back), how a hidden secret reads, and which fields hold credentials wherever they appear (a PIN, a password, an
egress's upload keys).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any, Callable, Optional

from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message
from livekit.protocol import sip as sip_pb
from livekit.protocol.logger_pb import options as logger_options

from .descriptors import fields_by_either_name, is_map, is_repeated
from .kinds import PIN, RULE_KINDS

# How Pulumi shows a secret value (outputs, `pulumi preview --json`), and how this package
# writes a secret it leaves out of text.
SECRET_MARK = "[secret]"

# Credentials LiveKit's descriptors leave unmarked (see `is_credential`): an RTMP/SRT stream URL ends in the
# stream key (whoever has it broadcasts on the channel), and a webhook signing key signs the egress's webhooks.
# A webhook's URL is not here: the signature, not the address, is what a receiver trusts.
_UNMARKED_CREDENTIALS = frozenset({"livekit.StreamOutput.urls", "livekit.StreamDestination.url",
                                   "livekit.WebhookConfig.signing_key"})

_RULE_KIND_KEYS = {key: field.name for field in sip_pb.SIPDispatchRule.DESCRIPTOR.fields
                   if field.name in RULE_KINDS for key in (field.name, field.json_name)}


# ---- the PIN: in the rule on the server, a secret of its own in state --------------------


def rule_kind(rule: Any) -> Optional[str]:
    """The key of a rule dict's single kind (either spelling), if it has exactly one."""
    if not isinstance(rule, Mapping):
        return None
    kinds = [key for key in rule if _RULE_KIND_KEYS.get(key) is not None]
    return kinds[0] if len(kinds) == 1 else None


def pin_of(rule: Any) -> Optional[str]:
    """The PIN a rule dict carries in its kind's body, if any."""
    kind = rule_kind(rule)
    if kind is None or not isinstance(rule[kind], Mapping):
        return None
    return rule[kind].get(PIN)


def _at_once(value: Any, function: Callable[[Any], Any]) -> Any:
    return function(value)


def without_pin(rule: Any, lift: Callable[[Any, Callable[[Any], Any]], Any] = _at_once) -> Any:
    """The rule with no PIN anywhere in it (a malformed rule, with two kinds or a misspelt one, too:
    the engine echoes an invalid property's value in its error).

    `lift(value, function)` applies `function` to a value at each level: at once by default; the
    program side passes one that applies inside an Output, so that a rule is only as secret as what
    the user marked secret in it besides the PIN."""

    def body_without_pin(body: Any) -> Any:
        return {f: v for f, v in body.items() if f != PIN} if isinstance(body, Mapping) else body

    def rule_without_pin(value: Any) -> Any:
        if not isinstance(value, Mapping):
            return value
        return {k: lift(body, body_without_pin) for k, body in value.items() if k != PIN}

    return lift(rule, rule_without_pin)


def split_pin(fields: Mapping[str, Any]) -> dict[str, Any]:
    """State from a rule's fields: its PIN moved out of `rule` into the key `pin`."""
    pin = pin_of(fields.get("rule"))
    state = {**fields, "rule": without_pin(fields["rule"])} if "rule" in fields else dict(fields)
    if pin:
        state[PIN] = pin
    return state


def join_pin(state: Mapping[str, Any]) -> dict[str, Any]:
    """The inverse of `split_pin`: the PIN put back into the rule's kind."""
    joined = {k: v for k, v in state.items() if k != PIN}
    kind = rule_kind(joined.get("rule"))
    if state.get(PIN) and kind is not None:
        joined["rule"] = {**joined["rule"], kind: {**joined["rule"][kind], PIN: state[PIN]}}
    return joined


# ---- credentials: secrets wherever they appear --------------------------------------------


@functools.cache  # descriptors are immutable and few
def is_credential(field: FieldDescriptor) -> bool:
    """Whether a field holds a credential: a PIN, a trunk password, an egress's upload keys, a stream key.

    LiveKit marks them in its own descriptors (`(logger.sensitivity) = SENSITIVITY_SECRET`, what its logs
    redact), so a new one in livekit-protocol is a secret here with the next release."""
    marked = field.GetOptions().Extensions[logger_options.sensitivity] == logger_options.SENSITIVITY_SECRET
    return marked or field.full_name in _UNMARKED_CREDENTIALS


def holding_credentials(descriptor: Descriptor, apart: tuple[str, ...] = ()) -> tuple[str, ...]:
    """The fields of `descriptor`'s message that can hold a credential nested in them (a rule's `room_config`, its
    egress's upload keys), besides the credentials kept `apart` (a rule's PIN, split out of `rule`)."""

    def reaches(message: Descriptor, outer: frozenset[str]) -> bool:
        if message.full_name in outer:  # a message that holds itself, through others
            return False
        return any((is_credential(field) and field.name not in apart)
                   or (field.message_type is not None and reaches(field.message_type, outer | {message.full_name}))
                   for field in message.fields)

    return tuple(field.name for field in descriptor.fields
                 if field.message_type is not None and reaches(field.message_type, frozenset()))


def replace_credentials(descriptor: Descriptor, value: Any, replace: Callable[[str, Any], Any], path: str = "") -> Any:
    """`value`, a dict shaped as `descriptor`'s message (keys in either spelling), with each credential in it,
    at any depth, replaced by `replace(path, credential)`; an item of a repeated credential one by one.
    What is not a dict where a message belongs (an Output, an unknown) is left as it is."""
    if not isinstance(value, Mapping):
        return value
    replaced = {}
    for key, item in value.items():
        field = fields_by_either_name(descriptor).get(key)
        where = f"{path}.{key}" if path else key
        if field is None or item is None:
            replaced[key] = item
        elif is_credential(field):
            replaced[key] = ([replace(f"{where}[{index}]", each) for index, each in enumerate(item)]
                             if is_repeated(field) and isinstance(item, list) else replace(where, item))
        elif field.message_type is None or is_map(field):
            replaced[key] = item
        elif is_repeated(field) and isinstance(item, list):
            replaced[key] = [replace_credentials(field.message_type, each, replace, f"{where}[{index}]")
                             for index, each in enumerate(item)]
        else:
            replaced[key] = replace_credentials(field.message_type, item, replace, where)
    return replaced


def credentials_in(descriptor: Descriptor, value: Any) -> dict[str, Any]:
    """The credentials a dict shaped as `descriptor`'s message holds, by path (`replace_credentials`)."""
    found: dict[str, Any] = {}
    replace_credentials(descriptor, value, found.setdefault)
    return {path: credential for path, credential in found.items() if credential not in ("", None)}


def without_credentials(message: Message) -> Message:
    """A copy of `message` with every credential in it cleared, at any depth: what a stack export shows of it."""
    copy = type(message)()
    copy.CopyFrom(message)
    _clear_credentials(copy)
    return copy


def _clear_credentials(message: Message) -> None:
    for field, value in message.ListFields():
        if is_credential(field):
            message.ClearField(field.name)
        elif field.message_type is not None and not is_map(field):
            for item in value if is_repeated(field) else [value]:
                _clear_credentials(item)
