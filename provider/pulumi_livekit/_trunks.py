"""`InboundTrunk` and `OutboundTrunk`: the SIP trunks dispatch rules serve and calls leave by."""

from __future__ import annotations

from typing import Any, Mapping, Optional, Sequence

import pulumi
from livekit.protocol import sip as sip_pb
from pulumi.dynamic import CheckFailure

from ._client import SIPClient
from ._provider import SIPResourceProvider
from ._resource import SIPResource, declared_inputs
from ._types import Connection, SIPMediaConfig

AUTH_PASSWORD = "auth_password"


class _TrunkProvider(SIPResourceProvider):
    id_field = "sip_trunk_id"
    secret_keys = (AUTH_PASSWORD,)

    def validate(self, desired: dict[str, Any], failures: list[CheckFailure]) -> None:
        for index, number in enumerate(desired.get("numbers") or []):
            if isinstance(number, str) and not number.strip():
                failures.append(CheckFailure(f"numbers[{index}]", "must not be empty"))
        if desired.get(AUTH_PASSWORD) and not desired.get("auth_username"):
            failures.append(CheckFailure("auth_username", "is required when auth_password is set"))

    def api_delete(self, client: SIPClient, object_id: str) -> None:
        client.delete_trunk(object_id)


class InboundTrunkProvider(_TrunkProvider):
    message_type = sip_pb.SIPInboundTrunkInfo

    def api_create(self, client: SIPClient, message: sip_pb.SIPInboundTrunkInfo) -> sip_pb.SIPInboundTrunkInfo:
        return client.create_inbound_trunk(message)

    def api_update(self, client: SIPClient, object_id: str, message: sip_pb.SIPInboundTrunkInfo):
        return client.update_inbound_trunk(object_id, message)

    def api_get(self, client: SIPClient, object_id: str) -> Optional[sip_pb.SIPInboundTrunkInfo]:
        return client.get_inbound_trunk(object_id)


class OutboundTrunkProvider(_TrunkProvider):
    message_type = sip_pb.SIPOutboundTrunkInfo

    def validate(self, desired: dict[str, Any], failures: list[CheckFailure]) -> None:
        super().validate(desired, failures)
        if not desired.get("address"):
            failures.append(CheckFailure("address", "is required: the SIP host calls are sent to"))

    def api_create(self, client: SIPClient, message: sip_pb.SIPOutboundTrunkInfo) -> sip_pb.SIPOutboundTrunkInfo:
        return client.create_outbound_trunk(message)

    def api_update(self, client: SIPClient, object_id: str, message: sip_pb.SIPOutboundTrunkInfo):
        return client.update_outbound_trunk(object_id, message)

    def api_get(self, client: SIPClient, object_id: str) -> Optional[sip_pb.SIPOutboundTrunkInfo]:
        return client.get_outbound_trunk(object_id)


StrList = Optional[pulumi.Input[Sequence[pulumi.Input[str]]]]
StrMap = Optional[pulumi.Input[Mapping[str, pulumi.Input[str]]]]


class InboundTrunk(SIPResource, module="livekit", name="InboundTrunk"):
    """Accepts calls to `numbers` from your SIP provider. `auth_password` is a secret in state."""

    _provider = InboundTrunkProvider()
    _envelope = "trunk"

    sip_trunk_id: pulumi.Output[str]
    numbers: pulumi.Output[Optional[list]]

    def __init__(
        self,
        resource_name: str,
        *,
        numbers: StrList = None,
        name: pulumi.Input[Optional[str]] = None,
        metadata: pulumi.Input[Optional[str]] = None,
        allowed_addresses: StrList = None,
        allowed_numbers: StrList = None,
        auth_username: pulumi.Input[Optional[str]] = None,
        auth_password: pulumi.Input[Optional[str]] = None,
        auth_realm: pulumi.Input[Optional[str]] = None,
        headers: StrMap = None,
        headers_to_attributes: StrMap = None,
        attributes_to_headers: StrMap = None,
        include_headers: pulumi.Input[Optional[str]] = None,
        ringing_timeout: pulumi.Input[Optional[str]] = None,
        ringing_timeout_status: pulumi.Input[Optional[str]] = None,
        max_call_duration: pulumi.Input[Optional[str]] = None,
        krisp_enabled: pulumi.Input[Optional[bool]] = None,
        media_encryption: pulumi.Input[Optional[str]] = None,
        media: Optional[pulumi.Input[SIPMediaConfig | Mapping[str, Any]]] = None,
        connection: Optional[Connection] = None,
        opts: Optional[pulumi.ResourceOptions] = None,
    ) -> None:
        super().__init__(resource_name, declared_inputs(locals()), connection, opts)


class OutboundTrunk(SIPResource, module="livekit", name="OutboundTrunk"):
    """Places calls through `address` from `numbers`. `auth_password` is a secret in state."""

    _provider = OutboundTrunkProvider()
    _envelope = "trunk"

    sip_trunk_id: pulumi.Output[str]
    numbers: pulumi.Output[Optional[list]]

    def __init__(
        self,
        resource_name: str,
        *,
        address: pulumi.Input[Optional[str]] = None,
        numbers: StrList = None,
        name: pulumi.Input[Optional[str]] = None,
        metadata: pulumi.Input[Optional[str]] = None,
        destination_country: pulumi.Input[Optional[str]] = None,
        transport: pulumi.Input[Optional[str]] = None,
        auth_username: pulumi.Input[Optional[str]] = None,
        auth_password: pulumi.Input[Optional[str]] = None,
        headers: StrMap = None,
        headers_to_attributes: StrMap = None,
        attributes_to_headers: StrMap = None,
        include_headers: pulumi.Input[Optional[str]] = None,
        media_encryption: pulumi.Input[Optional[str]] = None,
        media: Optional[pulumi.Input[SIPMediaConfig | Mapping[str, Any]]] = None,
        from_host: pulumi.Input[Optional[str]] = None,
        connection: Optional[Connection] = None,
        opts: Optional[pulumi.ResourceOptions] = None,
    ) -> None:
        super().__init__(resource_name, declared_inputs(locals()), connection, opts)
