"""The Pulumi package schema, generated from the protobuf descriptors the core validates against.

Every input field of a resource's message is an input property under its `json_name`; every
message a field holds becomes an object type and every enum an enum type, named after the
protobuf type (`livekit:index:SIPDispatchRuleDirect`, `livekit:index:SIPMediaEncryption`).
Outputs are the same fields plus the ID the server assigns. Nothing here is written by hand but
the descriptions: a new field in livekit-protocol is a new property with the next release.
"""

from __future__ import annotations

import functools
import json
from typing import Any

from google.protobuf.descriptor import Descriptor, EnumDescriptor, FieldDescriptor

from .._core.connection import SETTINGS
from .._core.silencing import IGNORE_SETTING
from .._model.descriptors import is_map, is_repeated
from .._model.secrets import is_credential
from .._model.stored import OUTPUT_ONLY
from .._version import VERSION
from ._kinds import KINDS, PACKAGE

_SCALARS = {
    FieldDescriptor.TYPE_STRING: "string",
    FieldDescriptor.TYPE_BOOL: "boolean",
    FieldDescriptor.TYPE_DOUBLE: "number",
    FieldDescriptor.TYPE_FLOAT: "number",
}

_DESCRIPTIONS = {
    "DispatchRule": "A LiveKit SIP dispatch rule (`livekit.SIPDispatchRuleInfo`): which room, and which agents, "
                    "an inbound call lands in. Exactly one rule kind (`dispatchRuleIndividual`, "
                    "`dispatchRuleDirect`, `dispatchRuleCallee`); its `pin` is a secret. Every field updates in "
                    "place; the ID never changes.",
    "InboundTrunk": "A LiveKit SIP inbound trunk (`livekit.SIPInboundTrunkInfo`): accepts calls to `numbers` from "
                    "your SIP provider. Needs `numbers`, `allowedAddresses` or `authUsername` + `authPassword` "
                    "(a secret).",
    "OutboundTrunk": "A LiveKit SIP outbound trunk (`livekit.SIPOutboundTrunkInfo`): places calls through "
                     "`address` (a hostname or IP, not a SIP URI) from `numbers`. `authPassword` is a secret.",
}

_CONFIG = {
    "url": "The LiveKit project's URL (wss://, https://, ws:// or http://). Falls back to LIVEKIT_URL.",
    "api_key": "The API key. Falls back to LIVEKIT_API_KEY.",
    "api_secret": "The API secret. Falls back to LIVEKIT_API_SECRET.",
}


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
        return spec

    def single(self, field: FieldDescriptor) -> dict[str, Any]:
        if field.message_type is not None:
            if field.message_type.full_name == "google.protobuf.Duration":
                return {"type": "string", "description": 'A duration such as "30s".'}
            return {"$ref": f"#/types/{self.message(field.message_type)}"}
        if field.enum_type is not None:
            return {"$ref": f"#/types/{self.enum(field.enum_type)}"}
        return {"type": _SCALARS.get(field.type, "integer")}

    def message(self, descriptor: Descriptor) -> str:
        token = self.token(descriptor.full_name)
        if token not in self.types:
            self.types[token] = {}  # a message may hold itself, through others
            self.types[token] = {"type": "object", "description": f"`{descriptor.full_name}`.",
                                 "properties": self.properties(descriptor)}
        return token

    def enum(self, descriptor: EnumDescriptor) -> str:
        token = self.token(descriptor.full_name)
        self.types[token] = {"type": "string", "description": f"`{descriptor.full_name}`, by name.",
                             "enum": [{"name": value.name, "value": value.name} for value in descriptor.values]}
        return token


def _config_properties() -> dict[str, Any]:
    properties = {}
    for setting, config_key, _ in SETTINGS:
        properties[config_name(config_key)] = {"type": "string", "description": _CONFIG[setting],
                                            **({"secret": True} if setting == "api_secret" else {})}
    properties[IGNORE_SETTING] = {
        "type": "array", "items": {"type": "string"},
        "description": "Routing warnings not to give: a warning code (everywhere), `<code>:<resource name>` (one "
                       "resource) or `*` (none). Each warning names the entry that silences it."}
    return properties


@functools.cache
def schema() -> str:
    builder = _Builder()
    resources = {}
    for token, provider in KINDS.items():
        descriptor = provider.kind.message.DESCRIPTOR
        inputs = builder.properties(descriptor)
        id_property = descriptor.fields_by_name[provider.kind.id_field].json_name
        resources[token] = {
            "description": _DESCRIPTIONS[token.rsplit(":", 1)[-1]],
            "inputProperties": inputs,
            "properties": {**inputs, id_property: {"type": "string", "description": "The ID LiveKit assigned."}},
            "required": [id_property],
        }
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
        "types": builder.types,
        "language": {
            "nodejs": {"packageName": "@pulumi-livekit/livekit", "dependencies": {"@pulumi/pulumi": "^3.0.0"}},
            "go": {"importBasePath": "github.com/pulumi-livekit/pulumi-livekit/sdk/go/livekit"},
            "python": {"packageName": "pulumi_livekit_sdk"},
        },
    }, indent=2, sort_keys=True)
