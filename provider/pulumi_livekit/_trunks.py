"""`InboundTrunk` and `OutboundTrunk`: the SIP trunks dispatch rules serve and calls leave by."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Optional, Sequence, Union

import pulumi
from livekit.protocol import sip as sip_pb
from pulumi.dynamic import CheckFailure

from . import _canonical
from ._inputs import Connection, SIPMediaConfig
from ._livekit_rules import check_allowed_addresses, check_headers
from ._provider import SIPResourceProvider
from ._resource import SIPResource, declared_inputs

if TYPE_CHECKING:  # the client (httpx, jwt) is imported when the provider first calls the API
    from ._client import SIPClient

AUTH_USERNAME = "auth_username"
AUTH_PASSWORD = "auth_password"


def _set(value: Any) -> bool:
    """Given (known or not yet known) and not empty."""
    return value == _canonical.UNKNOWN or bool(_canonical.prune(value))


def _check_unique(desired: Mapping[str, Any], key: str, failures: list[CheckFailure]) -> None:
    values = desired.get(key)
    if not isinstance(values, list):  # unset, or a whole list not known until apply
        return
    seen: dict[str, int] = {}
    for index, value in enumerate(values):
        if not isinstance(value, str) or value == _canonical.UNKNOWN:
            continue
        if value in seen:
            failures.append(CheckFailure(f"{key}[{index}]", f"{value!r} is listed twice (also {key}[{seen[value]}])"))
        else:
            seen[value] = index


def _check_host(desired: Mapping[str, Any], key: str, failures: list[CheckFailure]) -> None:
    value = desired.get(key)
    if not isinstance(value, str) or value == _canonical.UNKNOWN:
        return
    if "transport=" in value:
        failures.append(CheckFailure(key, "must not carry a transport parameter: set `transport` instead"))
    elif any(c in value for c in "@;") or value.startswith(("sip:", "sips:")):
        failures.append(CheckFailure(key, f"must be a hostname or IP (optionally :port), not a SIP URI (got {value!r})"))
    elif any(c.isspace() for c in value):
        failures.append(CheckFailure(key, f"must be a hostname or IP without spaces (got {value!r})"))


class _TrunkProvider(SIPResourceProvider):
    id_field = "sip_trunk_id"
    secret_keys = (AUTH_PASSWORD,)

    def validate(self, desired: dict[str, Any], failures: list[CheckFailure]) -> None:
        for key in ("numbers", "allowed_addresses", "allowed_numbers"):
            _check_unique(desired, key, failures)
        # Digest authentication needs both halves. Never echo the password: it is a secret.
        if _set(desired.get(AUTH_PASSWORD)) and not _set(desired.get(AUTH_USERNAME)):
            failures.append(CheckFailure(AUTH_USERNAME, "is required when auth_password is set"))
        if _set(desired.get(AUTH_USERNAME)) and not _set(desired.get(AUTH_PASSWORD)):
            failures.append(CheckFailure(AUTH_PASSWORD, "is required when auth_username is set"))
        check_headers(desired, failures)

    def api_delete(self, client: SIPClient, object_id: str) -> None:
        client.delete_trunk(object_id)


class InboundTrunkProvider(_TrunkProvider):
    message_type = sip_pb.SIPInboundTrunkInfo

    def validate(self, desired: dict[str, Any], failures: list[CheckFailure]) -> None:
        super().validate(desired, failures)
        check_allowed_addresses(desired, failures)
        # LiveKit's own rule (SIPInboundTrunkInfo.Validate), checked before any request.
        if not any(_set(desired.get(k)) for k in ("numbers", "allowed_addresses", AUTH_USERNAME, AUTH_PASSWORD)):
            failures.append(CheckFailure(
                "numbers", "for security, set at least one of: numbers, allowed_addresses, "
                           "or auth_username + auth_password"))

    def api_create(self, client: SIPClient, message: sip_pb.SIPInboundTrunkInfo) -> sip_pb.SIPInboundTrunkInfo:
        return client.create_inbound_trunk(message)

    def api_get(self, client: SIPClient, object_id: str) -> Optional[sip_pb.SIPInboundTrunkInfo]:
        return client.get_inbound_trunk(object_id)

    def api_update(self, client: SIPClient, object_id: str, message: sip_pb.SIPInboundTrunkInfo):
        return client.update_inbound_trunk(object_id, message)

    def api_list(self, client: SIPClient) -> list[sip_pb.SIPInboundTrunkInfo]:
        return client.list_inbound_trunks()


class OutboundTrunkProvider(_TrunkProvider):
    message_type = sip_pb.SIPOutboundTrunkInfo

    def validate(self, desired: dict[str, Any], failures: list[CheckFailure]) -> None:
        super().validate(desired, failures)
        # LiveKit's own rules (SIPOutboundTrunkInfo.Validate), checked before any request.
        if not _set(desired.get("address")):
            failures.append(CheckFailure("address", "is required: the SIP host calls are sent to"))
        if not _set(desired.get("numbers")):
            failures.append(CheckFailure("numbers", "is required: at least one number calls are placed from"))
        _check_host(desired, "address", failures)
        _check_host(desired, "from_host", failures)

    def api_create(self, client: SIPClient, message: sip_pb.SIPOutboundTrunkInfo) -> sip_pb.SIPOutboundTrunkInfo:
        return client.create_outbound_trunk(message)

    def api_get(self, client: SIPClient, object_id: str) -> Optional[sip_pb.SIPOutboundTrunkInfo]:
        return client.get_outbound_trunk(object_id)

    def api_update(self, client: SIPClient, object_id: str, message: sip_pb.SIPOutboundTrunkInfo):
        return client.update_outbound_trunk(object_id, message)

    def api_list(self, client: SIPClient) -> list[sip_pb.SIPOutboundTrunkInfo]:
        return client.list_outbound_trunks()


StrInput = pulumi.Input[Optional[str]]
StrList = Optional[pulumi.Input[Sequence[pulumi.Input[str]]]]
StrMap = Optional[pulumi.Input[Mapping[str, pulumi.Input[str]]]]
# google.protobuf.Duration: "30s", "1.5s", or a number of seconds.
DurationInput = pulumi.Input[Optional[Union[str, int, float]]]
MediaInput = Optional[pulumi.Input[Union[SIPMediaConfig, Mapping[str, Any]]]]


class _Trunk(SIPResource):
    """The outputs both kinds of trunk have."""

    _envelope = "trunk"

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


INBOUND_PROVIDER = InboundTrunkProvider()


class InboundTrunk(_Trunk, module="livekit", name="InboundTrunk"):
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


OUTBOUND_PROVIDER = OutboundTrunkProvider()


class OutboundTrunk(_Trunk, module="livekit", name="OutboundTrunk"):
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
