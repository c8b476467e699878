"""`InboundTrunk` and `OutboundTrunk`: the SIP trunks dispatch rules serve and calls leave by."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Optional, Sequence, Union

import pulumi

from .._core.trunks import INBOUND_PROVIDER, OUTBOUND_PROVIDER
from .inputs import Connection, SIPMediaConfig
from .resource import SIPResource, declared_inputs

StrInput = pulumi.Input[Optional[str]]
StrList = Optional[pulumi.Input[Sequence[pulumi.Input[str]]]]
StrMap = Optional[pulumi.Input[Mapping[str, pulumi.Input[str]]]]
# google.protobuf.Duration: "30s", "1.5s", or a number of seconds.
DurationInput = pulumi.Input[Optional[Union[str, int, float]]]
MediaInput = Optional[pulumi.Input[Union[SIPMediaConfig, Mapping[str, Any]]]]


class _Trunk(SIPResource):
    """The outputs both kinds of trunk have."""

    if TYPE_CHECKING:  # for type checkers: the SDK would evaluate these again for every resource
        sip_trunk_id: pulumi.Output[str]
        name: pulumi.Output[Optional[str]]
        metadata: pulumi.Output[Optional[str]]
        auth_username: pulumi.Output[Optional[str]]
        auth_password: pulumi.Output[Optional[str]]
        headers: pulumi.Output[Optional[dict]]
        headers_to_attributes: pulumi.Output[Optional[dict]]
        attributes_to_headers: pulumi.Output[Optional[dict]]
        include_headers: pulumi.Output[Optional[str]]
        media_encryption: pulumi.Output[Optional[str]]
        media: pulumi.Output[Optional[dict]]


class InboundTrunk(_Trunk):
    """Accepts calls to `numbers` from your SIP provider (`livekit.SIPInboundTrunkInfo`).

    Every field of the message is an input; dicts in LiveKit's JSON shape (camelCase or
    snake_case) are accepted for `media`. Enums are given by name:
    `include_headers` (`SIP_NO_HEADERS`, `SIP_X_HEADERS`, `SIP_ALL_HEADERS`),
    `media_encryption` (`SIP_MEDIA_ENCRYPT_DISABLE`, `..._ALLOW`, `..._REQUIRE`),
    `ringing_timeout_status` (a `SIPStatusCode` name). Durations (`ringing_timeout`,
    `max_call_duration`) are `"30s"` strings or numbers of seconds.

    LiveKit requires at least one of `numbers`, `allowed_addresses` or
    `auth_username` + `auth_password`. `auth_password` is a secret in state. Every field
    updates in place; the trunk ID (`sip_trunk_id`, also the resource id) never changes.
    """

    _provider = INBOUND_PROVIDER

    if TYPE_CHECKING:  # for type checkers: the SDK would evaluate these again for every resource
        numbers: pulumi.Output[Optional[list]]
        allowed_addresses: pulumi.Output[Optional[list]]
        allowed_numbers: pulumi.Output[Optional[list]]
        auth_realm: pulumi.Output[Optional[str]]
        ringing_timeout: pulumi.Output[Optional[str]]
        ringing_timeout_status: pulumi.Output[Optional[str]]
        max_call_duration: pulumi.Output[Optional[str]]
        krisp_enabled: pulumi.Output[Optional[bool]]

    def __init__(
        self,
        resource_name: str,
        *,
        numbers: StrList = None,
        name: StrInput = None,
        metadata: StrInput = None,
        allowed_addresses: StrList = None,
        allowed_numbers: StrList = None,
        auth_username: StrInput = None,
        auth_password: StrInput = None,
        auth_realm: StrInput = None,
        headers: StrMap = None,
        headers_to_attributes: StrMap = None,
        attributes_to_headers: StrMap = None,
        include_headers: StrInput = None,
        ringing_timeout: DurationInput = None,
        ringing_timeout_status: StrInput = None,
        max_call_duration: DurationInput = None,
        krisp_enabled: pulumi.Input[Optional[bool]] = None,
        media_encryption: StrInput = None,
        media: MediaInput = None,
        connection: Optional[Connection] = None,
        opts: Optional[pulumi.ResourceOptions] = None,
    ) -> None:
        self._declare(resource_name, declared_inputs(locals()), connection, opts)



class OutboundTrunk(_Trunk):
    """Places calls through `address` from `numbers` (`livekit.SIPOutboundTrunkInfo`).

    Every field of the message is an input. `address` and `from_host` are hostnames or IPs
    (optionally with a port), not SIP URIs. Enums are given by name: `transport`
    (`SIP_TRANSPORT_AUTO`, `..._UDP`, `..._TCP`, `..._TLS`), `include_headers`,
    `media_encryption`. `auth_password` is a secret in state. Every field updates in place;
    the trunk ID (`sip_trunk_id`, also the resource id) never changes.
    """

    _provider = OUTBOUND_PROVIDER

    if TYPE_CHECKING:  # for type checkers: the SDK would evaluate these again for every resource
        address: pulumi.Output[str]
        destination_country: pulumi.Output[Optional[str]]
        transport: pulumi.Output[Optional[str]]
        numbers: pulumi.Output[list]
        from_host: pulumi.Output[Optional[str]]

    def __init__(
        self,
        resource_name: str,
        *,
        address: StrInput = None,
        numbers: StrList = None,
        name: StrInput = None,
        metadata: StrInput = None,
        destination_country: StrInput = None,
        transport: StrInput = None,
        auth_username: StrInput = None,
        auth_password: StrInput = None,
        headers: StrMap = None,
        headers_to_attributes: StrMap = None,
        attributes_to_headers: StrMap = None,
        include_headers: StrInput = None,
        media_encryption: StrInput = None,
        media: MediaInput = None,
        from_host: StrInput = None,
        connection: Optional[Connection] = None,
        opts: Optional[pulumi.ResourceOptions] = None,
    ) -> None:
        self._declare(resource_name, declared_inputs(locals()), connection, opts)
