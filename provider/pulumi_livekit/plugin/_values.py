"""The plugin's one boundary between Pulumi property values and the core's dicts.

The engine speaks `PropertyValue`s with camelCase keys (a protobuf field's `json_name`) and secrets
marked on the value. The core speaks the dynamic providers' dicts: snake_case keys (the field's name)
and a dispatch rule's PIN split out of `rule` into a `pin` key of its own. Unknowns are the protocol's
sentinel string on both sides (this SDK unmarshals them as that string, and cannot marshal its own
`Computed`), the core's `UNKNOWN`. Everything crossing is converted here, once, by walking the message
descriptor; credentials are marked secret wherever they appear (`_model.secrets.is_credential`) whatever the program
marked, so a PIN, password or egress upload key is never plaintext in state.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Optional

from google.protobuf.descriptor import Descriptor, FieldDescriptor
from pulumi.provider.experimental.property_value import PropertyValue
from pulumi.runtime import rpc

from .._core.provider import SIPResourceProvider
from .._model.descriptors import fields_by_either_name, is_map
from .._model.kinds import PIN
from .._model.secrets import is_credential


def _field(descriptor: Optional[Descriptor], key: str) -> Optional[FieldDescriptor]:
    """The field `key` names, in the schema's spelling (`json_name`) or the core's (`name`)."""
    if descriptor is None:
        return None
    return fields_by_either_name(descriptor).get(key)


def _nested(field: Optional[FieldDescriptor]) -> Optional[Descriptor]:
    """The message a field's value is an object of; None for scalars and for maps (their keys are data)."""
    if field is None or field.message_type is None or is_map(field):
        return None
    return field.message_type


# ---- engine -> core -------------------------------------------------------------------------

def to_core(provider: SIPResourceProvider, properties: Mapping[str, PropertyValue]) -> dict[str, Any]:
    """A resource's properties as the core's state: snake_case, unknowns as the sentinel, PIN split out."""
    plain = _plain_object(provider.kind.message.DESCRIPTOR, properties)
    return provider.split_secrets(plain)


def plain(value: PropertyValue) -> Any:
    """A value of no message field (a provider setting) as plain Python: lists, dicts, scalars."""
    return _plain(value, None)


def _plain_object(descriptor: Optional[Descriptor], properties: Mapping[str, PropertyValue]) -> dict[str, Any]:
    plain = {}
    for key, value in properties.items():
        field = _field(descriptor, key)
        plain[field.name if field is not None else key] = _plain(value, field)
    return plain


def _plain(value: PropertyValue, field: Optional[FieldDescriptor]) -> Any:
    inner = value.value
    if isinstance(inner, Mapping):
        descriptor = _nested(field)
        if descriptor is None:  # a map (keys are the user's, values as its value field says), or no field at all
            values = field.message_type.fields_by_name["value"] if field is not None and is_map(field) else None
            return {key: _plain(item, values) for key, item in inner.items()}
        return _plain_object(descriptor, inner)
    if isinstance(inner, tuple):
        return [_plain(item, field) for item in inner]
    if _whole_number(inner) and field is not None and field.name == PIN:
        # The engine hands a program a stack config value of digits as a number (`pulumi config set --secret pin
        # 4821` reaches Pulumi YAML as 4821.0), and only a path into a structured value can be typed a string.
        # A PIN is digits alone, and the engine turns into a number only digits without a leading zero (besides
        # signs, which no PIN has): its digits are all the number lost. Anywhere else a string may start with a
        # '+' or a zero, so a number is left for the check to refuse, saying how to keep the string.
        return str(int(inner))
    return inner


def _whole_number(value: Any) -> bool:
    return isinstance(value, float) and value.is_integer() and 0 <= value < 2**53


# ---- core -> engine -------------------------------------------------------------------------

def from_core(provider: SIPResourceProvider, state: Mapping[str, Any]) -> dict[str, PropertyValue]:
    """The core's state (or checked inputs) as the engine's properties: camelCase, PIN back in its rule."""
    joined = provider.join_secrets(_unwrapped(state))
    return _property_object(provider.kind.message.DESCRIPTOR, joined)


def _unwrapped(state: Mapping[str, Any]) -> dict[str, Any]:
    # The core's read wraps secrets as the dynamic-provider protocol wants; here secrets go by field name.
    return {key: rpc.unwrap_rpc_secret(value) for key, value in state.items()}


def _property_object(descriptor: Optional[Descriptor], values: Mapping[str, Any]) -> dict[str, PropertyValue]:
    properties = {}
    for key, value in values.items():
        field = _field(descriptor, key)
        name = field.json_name if field is not None else key
        converted = _property(value, field)
        secret = field is not None and is_credential(field) and value is not None
        properties[name] = converted.with_secret(True) if secret else converted
    return properties


def _property(value: Any, field: Optional[FieldDescriptor]) -> PropertyValue:
    if isinstance(value, Mapping):
        descriptor = _nested(field)
        if descriptor is None:
            return PropertyValue({key: _property(item, None) for key, item in value.items()})
        return PropertyValue(_property_object(descriptor, value))
    if isinstance(value, (list, tuple)):
        return PropertyValue([_property(item, field) for item in value])
    if isinstance(value, int) and not isinstance(value, bool):
        return PropertyValue(float(value))  # the engine's one number type
    return PropertyValue(value)


# ---- names ----------------------------------------------------------------------------------

def _path_fields(provider: SIPResourceProvider, path: str) -> list[tuple[str, Optional[FieldDescriptor]]]:
    """Each segment of a core failure's path with the field it names (None for a map's key)."""
    descriptor: Optional[Descriptor] = provider.kind.message.DESCRIPTOR
    fields = []
    for segment in path.split(".") if path else []:
        key, bracket, index = segment.partition("[")
        field = _field(descriptor, key)
        fields.append((segment, field))
        descriptor = _nested(field)
    return fields


def property_path(provider: SIPResourceProvider, path: str) -> str:
    """A core failure's path (`rule.dispatch_rule_direct.room_name`, `trunk_ids[1]`) in the schema's names."""
    return ".".join(segment if field is None else field.json_name + segment[len(segment.partition("[")[0]):]
                    for segment, field in _path_fields(provider, path))


def property_name(provider: SIPResourceProvider, key: str) -> str:
    """A top-level state key's property: a dispatch rule's split-out PIN lives in `rule`."""
    if key in provider.kind.split_keys:
        return "rule"
    field = _field(provider.kind.message.DESCRIPTOR, key)
    return field.json_name if field is not None else key
