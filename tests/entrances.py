"""Each entrance's provider, called in this process as the engine calls it, over the engine's wire format.

- `PythonEntrance`: the core provider the dynamic resources run on, given the inputs a Python program registers
  (top-level keys in snake_case, a rule's PIN split out of `rule` by `DispatchRule`, a `connection`), carried
  through protobuf's `Struct` as the engine carries them (every number a float).
- `PluginEntrance`: the provider plugin (`LiveKitProvider`), given what Pulumi YAML hands it (the schema's
  camelCase names, the PIN inside `rule`), each request and answer through `Struct` as its gRPC server does.

Both take a declaration in LiveKit's JSON shape and keep state as the engine would; `core_state` gives either's
state in the core's form (snake_case, the PIN split out), so a test compares the entrances directly.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any, Optional

from google.protobuf import json_format, struct_pb2
from pulumi.provider.experimental.property_value import PropertyValue
from pulumi.provider.experimental.provider import (
    CheckRequest,
    ConfigureRequest,
    CreateRequest,
    DeleteRequest,
    DiffRequest,
    ReadRequest,
    UpdateRequest,
)

from pulumi_livekit._core.declared import checking
from pulumi_livekit._core.provider import CONNECTION, PROJECT_KEY, SIPResourceProvider
from pulumi_livekit._core.providers import PROVIDERS as BY_KIND
from pulumi_livekit._core.sdk import unwrap_secret
from pulumi_livekit._model import kinds
from pulumi_livekit._model.descriptors import fields_by_either_name
from pulumi_livekit._model.secrets import pin_of, without_pin
from pulumi_livekit.plugin._provider import LiveKitProvider
from pulumi_livekit.plugin._values import to_core
from pulumi_livekit.testing import Credentials

KINDS = tuple(kind.name for kind in kinds.KINDS)
PROVIDERS: dict[str, SIPResourceProvider] = {kind.name: provider for kind, provider in BY_KIND.items()}


def wire(values: dict[str, Any]) -> dict[str, Any]:
    """Plain values as they arrive after the engine carried them (`Struct`: every number a float)."""
    struct = struct_pb2.Struct()
    struct.update(values)
    return json_format.MessageToDict(struct)


@dataclass
class Checked:
    inputs: Any  # the checked inputs, in the entrance's own form; None when refused
    failures: list[tuple[str, str]] = field(default_factory=list)  # (property, reason), as the engine shows them


@dataclass
class PythonEntrance:
    """Resources of a Python program reaching LiveKit through `connection`."""

    credentials: Credentials
    name: str = "python"

    @property
    def connection(self) -> dict[str, str]:
        return {"url": self.credentials.url, "api_key": self.credentials.api_key,
                "api_secret": self.credentials.api_secret}

    def urn(self, kind: str, resource: str) -> str:
        return f"urn:pulumi:test::differential::{kinds.kind_named(kind).dynamic_token}::{resource}"

    def registered(self, kind: str, declaration: dict[str, Any]) -> dict[str, Any]:
        """What the resource's constructor registers for a declaration: keyword arguments by field name."""
        fields = fields_by_either_name(PROVIDERS[kind].kind.message.DESCRIPTOR)
        inputs = {(fields[key].name if key in fields else key): value for key, value in declaration.items()}
        if kind == "DispatchRule" and "rule" in inputs:
            rule = inputs["rule"]
            inputs.update(rule=without_pin(rule), pin=pin_of(rule))
        inputs = {key: value for key, value in inputs.items() if value is not None}
        return wire({**inputs, CONNECTION: self.connection})

    def check(self, kind: str, resource: str, olds: Optional[dict], declaration: dict[str, Any]) -> Checked:
        with checking(self.urn(kind, resource)):
            result = PROVIDERS[kind].check(olds or {}, self.registered(kind, declaration))
        if result.failures:
            return Checked(None, [(f.property, f.reason) for f in result.failures])
        return Checked(wire(result.inputs))

    def diff(self, kind: str, object_id: str, state: dict, inputs: dict) -> bool:
        return bool(PROVIDERS[kind].diff(object_id, state, inputs).changes)

    def create(self, kind: str, resource: str, inputs: dict) -> tuple[str, dict]:
        result = PROVIDERS[kind].create(inputs)
        return result.id, _unwrapped(result.outs)

    def update(self, kind: str, resource: str, object_id: str, state: dict, inputs: dict) -> dict:
        return _unwrapped(PROVIDERS[kind].update(object_id, state, inputs).outs)

    def read(self, kind: str, resource: str, object_id: str, state: Optional[dict]) -> Optional[tuple[dict, dict]]:
        """A refresh with `state`, or an import (`state` None: the host hands the provider the connection alone)."""
        result = PROVIDERS[kind].read(object_id, state if state is not None else {CONNECTION: self.connection})
        if not result.id:
            return None
        return _unwrapped(result.outs), wire(_unwrapped(result.inputs))

    def delete(self, kind: str, resource: str, object_id: str, state: dict) -> None:
        PROVIDERS[kind].delete(object_id, state)

    def core_state(self, kind: str, state: dict) -> dict:
        return {k: v for k, v in state.items() if k not in (CONNECTION, PROJECT_KEY, PROVIDERS[kind].kind.id_field)}


def _unwrapped(values: dict) -> dict:
    return {key: unwrap_secret(value) for key, value in values.items()}


class PluginEntrance:
    """Resources of a Pulumi YAML program, on a provider plugin configured for one LiveKit project."""

    name = "plugin"

    def __init__(self, credentials: Credentials) -> None:
        self.provider = LiveKitProvider()
        self._run(self.provider.configure(ConfigureRequest(variables={}, args=_over_the_wire({
            "url": PropertyValue(credentials.url), "apiKey": PropertyValue(credentials.api_key),
            "apiSecret": PropertyValue(credentials.api_secret, is_secret=True)}), accept_secrets=True,
            accept_resources=True)))

    @staticmethod
    def _run(call: Any) -> Any:
        return asyncio.run(call)

    def urn(self, kind: str, resource: str) -> str:
        return f"urn:pulumi:test::differential::{kinds.kind_named(kind).plugin_token}::{resource}"

    def check(self, kind: str, resource: str, olds: Optional[dict], declaration: dict[str, Any]) -> Checked:
        news = PropertyValue.unmarshal_map(_struct(declaration))
        response = self._run(self.provider.check(CheckRequest(self.urn(kind, resource), olds or {}, news, b"")))
        if response.failures:
            return Checked(None, [(f.property, f.reason) for f in response.failures])
        return Checked(_over_the_wire(response.inputs))

    def diff(self, kind: str, object_id: str, state: dict, inputs: dict) -> bool:
        request = DiffRequest(self.urn(kind, "r"), object_id, state, inputs, [])
        return bool(self._run(self.provider.diff(request)).changes)

    def create(self, kind: str, resource: str, inputs: dict) -> tuple[str, dict]:
        response = self._run(self.provider.create(CreateRequest(self.urn(kind, resource), inputs, 60, False)))
        return response.resource_id, _over_the_wire(response.properties)

    def update(self, kind: str, resource: str, object_id: str, state: dict, inputs: dict) -> dict:
        request = UpdateRequest(self.urn(kind, resource), object_id, state, inputs, 60, [], False)
        return _over_the_wire(self._run(self.provider.update(request)).properties)

    def read(self, kind: str, resource: str, object_id: str, state: Optional[dict]) -> Optional[tuple[dict, dict]]:
        request = ReadRequest(self.urn(kind, resource), object_id, state or {}, {})
        response = self._run(self.provider.read(request))
        if not response.resource_id:
            return None
        return _over_the_wire(response.properties), _over_the_wire(response.inputs)

    def delete(self, kind: str, resource: str, object_id: str, state: dict) -> None:
        self._run(self.provider.delete(DeleteRequest(self.urn(kind, resource), object_id, state, 60)))

    def core_state(self, kind: str, state: dict) -> dict:
        core = to_core(PROVIDERS[kind], state)
        return {k: v for k, v in core.items() if k != PROVIDERS[kind].kind.id_field}


def _struct(values: dict[str, Any]) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    struct.update(values)
    return struct


def _over_the_wire(properties: dict[str, PropertyValue]) -> dict[str, PropertyValue]:
    return PropertyValue.unmarshal_map(PropertyValue.marshal_map(properties))
