"""The Pulumi package schema, generated from the protobuf descriptors the core validates against.

Every input field of a resource's message is an input property under its `json_name`; every
message a field holds becomes an object type and every enum an enum type, named after the
protobuf type (`livekit:index:SIPDispatchRuleDirect`, `livekit:index:SIPMediaEncryption`).
Outputs are the same fields plus the ID the server assigns. Nothing here is written by hand but
the descriptions (`_model/descriptions.py`): a new field in livekit-protocol is a new property with the next
release.
"""

from __future__ import annotations

import functools
import json
from typing import Any

from google.protobuf.descriptor import Descriptor, EnumDescriptor, FieldDescriptor

from .._core.connection import SETTINGS
from .._core.silencing import IGNORE_SETTING
from .._model.descriptions import described, json_name
from .._model.descriptors import is_map, is_repeated
from .._model.kinds import Kind
from .._model.secrets import is_credential
from .._model.stored import OUTPUT_ONLY
from .._version import VERSION
from ._kinds import FUNCTIONS, KINDS, PACKAGE

_SCALARS = {
    FieldDescriptor.TYPE_STRING: "string",
    FieldDescriptor.TYPE_BOOL: "boolean",
    FieldDescriptor.TYPE_DOUBLE: "number",
    FieldDescriptor.TYPE_FLOAT: "number",
}


def _described(key: str) -> str:
    """A description, fields named as the schema names them; a key without one (a field of a newer livekit-protocol)
    gets none: tests/unit/test_descriptions.py asks for it."""
    return described(key, json_name) or ""


def config_name(config_key: str) -> str:
    """A connection setting's provider property: its stack config key without the package (`apiKey`)."""
    return config_key.split(":", 1)[1]


class _Builder:
    def __init__(self) -> None:
        self.types: dict[str, Any] = {}

    def token(self, full_name: str) -> str:
        return f"{PACKAGE}:index:{full_name.rsplit('.', 1)[-1]}"

    def properties(self, descriptor: Descriptor) -> dict[str, Any]:
        return {field.json_name: self.field(field) for field in descriptor.fields
                if field.name not in OUTPUT_ONLY}

    def field(self, field: FieldDescriptor) -> dict[str, Any]:
        if is_map(field):
            spec = {"type": "object", "additionalProperties": self.single(field.message_type.fields_by_name["value"])}
        elif is_repeated(field):
            spec = {"type": "array", "items": self.single(field)}
        else:
            spec = self.single(field)
        if is_credential(field):
            spec["secret"] = True
        spec["description"] = _described(field.full_name)
        return spec

    def single(self, field: FieldDescriptor) -> dict[str, Any]:
        if field.message_type is not None:
            if field.message_type.full_name == "google.protobuf.Duration":
                return {"type": "string"}  # "30s": the field's description says so
            return {"$ref": f"#/types/{self.message(field.message_type)}"}
        if field.enum_type is not None:
            return {"$ref": f"#/types/{self.enum(field.enum_type)}"}
        return {"type": _SCALARS.get(field.type, "integer")}

    def message(self, descriptor: Descriptor) -> str:
        token = self.token(descriptor.full_name)
        if token not in self.types:
            self.types[token] = {}  # a message may hold itself, through others
            self.types[token] = {"type": "object", "description": _described(descriptor.full_name),
                                 "properties": self.properties(descriptor)}
        return token

    def enum(self, descriptor: EnumDescriptor) -> str:
        token = self.token(descriptor.full_name)
        self.types[token] = {"type": "string", "description": _described(descriptor.full_name),
                             "enum": [{"name": value.name, "value": value.name} for value in descriptor.values]}
        return token


def _config_properties() -> dict[str, Any]:
    properties = {}
    for setting, config_key, env_var in SETTINGS:
        properties[config_name(config_key)] = {
            "type": "string", "description": f"{_described(config_key)} Unset: `{env_var}`.",
            **({"secret": True} if setting == "api_secret" else {})}
    properties[IGNORE_SETTING] = {"type": "array", "items": {"type": "string"},
                                  "description": _described(f"{PACKAGE}:{IGNORE_SETTING}")}
    return properties


_LOOKUP_KEYS = {
    "id": "The object's ID.",
    "name": "Its name, as LiveKit holds it.",
    "number": "A number it serves (`numbers`), compared as LiveKit compares numbers.",
}


def _function(kind: Kind, one: bool, info_type: str, outputs: dict[str, Any], required: list[str]) -> dict[str, Any]:
    """A lookup of `kind`: the object (its outputs inline), or every match (a list of `info_type`)."""
    noun = kind.noun
    if one:
        what = (f"The {noun} matching every key given; the preview fails when none matches or several do. The "
                f"stack reads it without managing it.")
        returns = {"properties": outputs, "required": required}
    else:
        what = f"Every {noun} matching every key given (with none, every {noun})."
        returns = {"properties": {"items": {"type": "array", "items": {"$ref": f"#/types/{info_type}"},
                                            "description": f"The {noun}s found."}},
                   "required": ["items"]}
    return {"description": f"{what} Secrets in what it returns are secret.",
            "inputs": {"properties": {key: {"type": "string", "description": text}
                                      for key, text in _LOOKUP_KEYS.items()}},
            "outputs": returns}


@functools.cache
def schema() -> str:
    builder = _Builder()
    resources, functions = {}, {}
    for token, provider in KINDS.items():
        kind = provider.kind
        descriptor = kind.message.DESCRIPTOR
        inputs = builder.properties(descriptor)
        id_field = descriptor.fields_by_name[kind.id_field]
        id_property = id_field.json_name
        outputs = {**inputs, id_property: {"type": "string", "description": _described(id_field.full_name)}}
        resources[token] = {
            "description": _described(descriptor.full_name),
            "inputProperties": inputs,
            "properties": outputs,
            "required": [id_property],
        }
        # The object as a lookup finds it: the list form's items.
        info_type = builder.token(descriptor.full_name)
        builder.types[info_type] = {"type": "object", "description": _described(descriptor.full_name),
                                    "properties": outputs, "required": [id_property]}
        for function_token, function in FUNCTIONS.items():
            if function.provider is provider:
                functions[function_token] = _function(kind, function.one, info_type, outputs, [id_property])
    config = _config_properties()
    return json.dumps({
        "name": PACKAGE,
        "version": VERSION,
        "displayName": "LiveKit SIP",
        "description": "LiveKit SIP telephony as code: dispatch rules, inbound and outbound trunks.",
        "keywords": ["pulumi", "livekit", "sip", "telephony"],
        "license": "Apache-2.0",
        "config": {"variables": config},
        "provider": {"description": "A LiveKit project: its URL and API credentials.",
                     "inputProperties": config, "properties": config},
        "resources": resources,
        "functions": functions,
        "types": builder.types,
        "language": {
            "nodejs": {"packageName": "@pulumi-livekit/livekit", "dependencies": {"@pulumi/pulumi": "^3.0.0"}},
            "go": {"importBasePath": "github.com/pulumi-livekit/pulumi-livekit/sdk/go/livekit"},
            "python": {"packageName": "pulumi_livekit_sdk"},
        },
    }, indent=2, sort_keys=True)
