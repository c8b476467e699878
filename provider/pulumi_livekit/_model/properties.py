"""This package's resources as Pulumi holds them, read into messages: a resource's stored outputs or inputs, or what a
policy pack is handed, in either entrance's spelling (the dynamic resources' snake_case with a rule's PIN in `pin`,
the plugin's camelCase with the PIN inside `rule`)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Callable, Iterable, Optional, Sequence

from google.protobuf import json_format
from google.protobuf.message import Message

from .canonical import UNKNOWN
from .kinds import DISPATCH_RULE, kind_of_token
from .secrets import SECRET_MARK, join_pin, pin_of, replace_credentials, without_credentials
from .stored import as_stored

# How a stack export marks a secret value: beside this key, its `ciphertext`, or its `plaintext` (as JSON) when shown.
SECRET_SIG = "4dabf18193072939515e22adb298388d"


def _shown_as_secret(_credential: Any) -> str:
    return SECRET_MARK


def message_from_state(resource_type: str, props: Mapping[str, Any],
                       hide: Optional[Callable[[Any], str]] = _shown_as_secret) -> Optional[Message]:
    """The dispatch rule or trunk that a resource's properties describe (its stored outputs, its inputs, or
    what a policy pack is handed), in either entrance's spelling; None for any other resource type.

    No credential is read into the message: a rule's PIN and a trunk's password read `hide(value)` (by default
    "[secret]"), so that the routing model knows there is one, never what it is; the others (an egress's keys)
    are left out. So are fields that are secret in the properties (encrypted in an export, masked in a preview).
    With `hide` None, every credential reads as the properties give it (`shown`, from `--show-secrets`)."""
    kind = kind_of_token(resource_type)
    if kind is None:
        return None
    # The dynamic resources keep the PIN in `pin`, the plugin in the rule's kind.
    fields = join_pin(props) if kind is DISPATCH_RULE else dict(props)
    readable = fields if hide is None else replace_credentials(kind.message.DESCRIPTOR, fields,
                                                               lambda _path, _credential: None)
    # Each field by the one name it has in these properties: the dynamic resources' snake_case, else the plugin's
    # camelCase (`json_name`).
    names = [f.name if f.name in fields else f.json_name for f in kind.message.DESCRIPTOR.fields
             if f.name not in ("created_at", "updated_at")]
    message = json_format.ParseDict(_plain(readable, names), kind.message(), ignore_unknown_fields=True)
    if hide is None:
        return message
    if kind is DISPATCH_RULE:
        pin, rule_kind = pin_of(fields.get("rule")), message.rule.WhichOneof("rule")
        if pin not in (None, "") and rule_kind:
            getattr(message.rule, rule_kind).pin = hide(pin)
    else:
        password = fields.get("auth_password", fields.get("authPassword"))
        if password not in (None, ""):
            message.auth_password = hide(password)
    return message


def shown(value: Any) -> Any:
    """`value` with each secret a stack export shows (`pulumi stack export --show-secrets`) replaced by its value."""
    if isinstance(value, Mapping):
        if SECRET_SIG in value and "plaintext" in value:
            return shown(json.loads(value["plaintext"]))
        return {key: shown(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shown(item) for item in value]
    return value


def comparable(message: Message) -> bytes:
    """What a stack can show of an object, as bytes that compare equal when that is equal: the object as LiveKit
    stores it (`as_stored`), without its credentials."""
    return as_stored(without_credentials(message)).SerializeToString(deterministic=True)


def with_trunks_resolved(props: Mapping[str, Any], dependencies: Mapping[str, Sequence[str]],
                         pending_ids: Mapping[str, str], unresolved: str = UNKNOWN) -> dict[str, Any]:
    """A rule's properties with each unknown trunk ID (a trunk not created yet, at preview) replaced by the ID
    that trunk stands under until then. The engine names the resources a property's value came from
    (`dependencies`: property -> URNs, in the order the program gave them); `pending_ids` maps the URN of each
    trunk not created yet to its placeholder ID. An unknown no such trunk explains reads `unresolved`."""
    resolved = dict(props)
    for key in ("trunk_ids", "trunkIds"):
        trunk_ids = resolved.get(key)
        if not isinstance(trunk_ids, list) or UNKNOWN not in trunk_ids:
            continue
        pending = iter([pending_ids[urn] for urn in dependencies.get(key) or [] if urn in pending_ids])
        resolved[key] = [next(pending, unresolved) if trunk == UNKNOWN else trunk for trunk in trunk_ids]
    return resolved


def _plain(outputs: Mapping[str, Any], names: Iterable[str]) -> dict[str, Any]:
    """The message's fields, leaving out unset ones and secrets (encrypted in the export), at every level."""
    return {k: _without_secrets(outputs[k]) for k in names
            if k in outputs and outputs[k] is not None and not _is_secret(outputs[k])}


def _without_secrets(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _without_secrets(v) for k, v in value.items() if not _is_secret(v)}
    if isinstance(value, list):
        return [_without_secrets(v) for v in value]
    return value


def _is_secret(value: Any) -> bool:
    """Encrypted in a stack export, or masked in `pulumi preview --json`."""
    return (isinstance(value, Mapping) and "ciphertext" in value) or value == SECRET_MARK
