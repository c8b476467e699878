"""Every property described, once (`_model/descriptions.py`): the plugin's schema carries a description for each of
its properties and types, a field of a newer livekit-protocol fails here until it is described, and an entry that
describes nothing, or names a field that is not there, fails too."""

from __future__ import annotations

import json
import re
from typing import Iterator

import pytest
from google.protobuf.descriptor import Descriptor, EnumDescriptor, FieldDescriptor

from pulumi_livekit._core.connection import SETTINGS
from pulumi_livekit._core.silencing import IGNORE_SETTING
from pulumi_livekit._model.descriptions import DESCRIPTIONS
from pulumi_livekit._model.descriptors import is_map
from pulumi_livekit._model.kinds import KINDS, PLUGIN_PACKAGE
from pulumi_livekit._model.secrets import is_credential
from pulumi_livekit._model.stored import OUTPUT_ONLY
from pulumi_livekit.plugin import schema

SCHEMA = json.loads(schema())


def reachable() -> Iterator[Descriptor | FieldDescriptor | EnumDescriptor]:
    """The resources' messages, and every message, field and enum a user can set in them, once each."""
    seen: set[str] = set()
    pending = [kind.message.DESCRIPTOR for kind in KINDS]
    while pending:
        message = pending.pop()
        if message.full_name in seen:
            continue
        seen.add(message.full_name)
        yield message
        for field in message.fields:
            if field.name in OUTPUT_ONLY and field.name != kind_id(message):
                continue
            yield field
            if field.enum_type is not None and field.enum_type.full_name not in seen:
                seen.add(field.enum_type.full_name)
                yield field.enum_type
            if field.message_type is not None and not is_map(field) and field.message_type.full_name.startswith("livekit."):
                pending.append(field.message_type)


def kind_id(message: Descriptor) -> str | None:
    return next((kind.id_field for kind in KINDS if kind.message.DESCRIPTOR is message), None)


def schema_properties() -> Iterator[tuple[str, dict]]:
    for token, resource in SCHEMA["resources"].items():
        yield token, resource
        for group in ("inputProperties", "properties"):
            for name, spec in resource[group].items():
                yield f"{token}.{group}.{name}", spec
    for token, type_spec in SCHEMA["types"].items():
        yield token, type_spec
        for name, spec in type_spec.get("properties", {}).items():
            yield f"{token}.{name}", spec
    for group, properties in (("config", SCHEMA["config"]["variables"]),
                              ("provider", SCHEMA["provider"]["inputProperties"])):
        for name, spec in properties.items():
            yield f"{group}.{name}", spec


def test_every_property_and_type_of_the_schema_has_a_description():
    undescribed = [path for path, spec in schema_properties() if not spec.get("description")]
    assert undescribed == []
    # Every field named in one is spelt as the schema spells it.
    assert [path for path, spec in schema_properties() if "[[" in spec["description"]] == []
    rule = SCHEMA["types"]["livekit:index:SIPDispatchRule"]["description"]
    trunk = SCHEMA["resources"]["livekit:index:InboundTrunk"]["description"]
    assert "`allowedAddresses`" in trunk and "`authUsername`" in trunk and "exactly one" in rule


def test_every_field_a_user_can_set_is_described_and_every_description_describes_something():
    keys = {item.full_name for item in reachable()}
    keys |= {config_key for _, config_key, _ in SETTINGS} | {f"{PLUGIN_PACKAGE}:{IGNORE_SETTING}"}
    assert sorted(keys - set(DESCRIPTIONS)) == []  # a new field of livekit-protocol, say
    assert sorted(set(DESCRIPTIONS) - keys) == []  # a field gone, or a misspelt key


def _fields_named(key: str) -> list[tuple[str, Descriptor]]:
    """Each `[[path]]` in the description of `key`, with the message its first name is looked up in: the message
    described, or the one holding the field described (or the field's own message)."""
    names = re.findall(r"\[\[([A-Za-z0-9_.]+)\]\]", DESCRIPTIONS[key])
    return [(name, where) for name in names for where in [_scope(key, name.split(".")[0])]]


def _scope(key: str, first: str) -> Descriptor | None:
    items = {item.full_name: item for item in reachable()}
    item = items.get(key)
    if isinstance(item, Descriptor):
        return item if first in item.fields_by_name else None
    if isinstance(item, FieldDescriptor):
        for message in (item.containing_type, item.message_type):
            if message is not None and first in message.fields_by_name:
                return message
    return None


@pytest.mark.parametrize("key", sorted(key for key in DESCRIPTIONS if "[[" in DESCRIPTIONS[key]))
def test_a_field_a_description_names_is_there(key):
    for path, scope in _fields_named(key):
        assert scope is not None, f"{key}: [[{path}]] names no field near it"
        message = scope
        for name in path.split("."):
            assert message is not None and name in message.fields_by_name, f"{key}: [[{path}]]"
            message = message.fields_by_name[name].message_type


def test_a_description_calls_a_field_a_secret_exactly_when_it_is_one():
    fields = [item for item in reachable() if isinstance(item, FieldDescriptor)]
    assert [field.full_name for field in fields
            if ("a secret" in DESCRIPTIONS[field.full_name]) != is_credential(field)] == []
