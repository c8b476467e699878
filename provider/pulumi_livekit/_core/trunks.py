"""The providers of `InboundTrunk` and `OutboundTrunk`: the rules of a trunk LiveKit holds, checked before any
request."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi.dynamic import CheckFailure

from .._model import canonical
from .._model.kinds import AUTH_PASSWORD, INBOUND_TRUNK, OUTBOUND_TRUNK
from .livekit_rules import check_allowed_addresses, check_headers
from .provider import SIPResourceProvider

AUTH_USERNAME = "auth_username"

def _set(value: Any) -> bool:
    """Given (known or not yet known) and not empty."""
    return value == canonical.UNKNOWN or bool(canonical.prune(value))


def _check_host(desired: Mapping[str, Any], key: str, failures: list[CheckFailure]) -> None:
    value = desired.get(key)
    if not isinstance(value, str) or value == canonical.UNKNOWN:
        return
    if "transport=" in value:
        failures.append(CheckFailure(key, "must not carry a transport parameter: set `transport` instead"))
    elif any(c in value for c in "@;") or value.startswith(("sip:", "sips:")):
        failures.append(CheckFailure(key, f"must be a hostname or IP (optionally :port), not a SIP URI (got {value!r})"))
    elif any(c.isspace() for c in value):
        failures.append(CheckFailure(key, f"must be a hostname or IP without spaces (got {value!r})"))


class _TrunkProvider(SIPResourceProvider):
    def validate(self, desired: dict[str, Any], failures: list[CheckFailure]) -> None:
        super().validate(desired, failures)
        # Digest authentication needs both halves. Never echo the password: it is a secret.
        if _set(desired.get(AUTH_PASSWORD)) and not _set(desired.get(AUTH_USERNAME)):
            failures.append(CheckFailure(AUTH_USERNAME, "is required when auth_password is set"))
        if _set(desired.get(AUTH_USERNAME)) and not _set(desired.get(AUTH_PASSWORD)):
            failures.append(CheckFailure(AUTH_PASSWORD, "is required when auth_username is set"))
        check_headers(desired, failures)


class InboundTrunkProvider(_TrunkProvider):
    kind = INBOUND_TRUNK

    def validate(self, desired: dict[str, Any], failures: list[CheckFailure]) -> None:
        super().validate(desired, failures)
        check_allowed_addresses(desired, failures)
        # LiveKit's own rule (SIPInboundTrunkInfo.Validate), checked before any request.
        if not any(_set(desired.get(k)) for k in ("numbers", "allowed_addresses", AUTH_USERNAME, AUTH_PASSWORD)):
            failures.append(CheckFailure(
                "numbers", "for security, set at least one of: numbers, allowed_addresses, "
                           "or auth_username + auth_password"))


class OutboundTrunkProvider(_TrunkProvider):
    kind = OUTBOUND_TRUNK

    def validate(self, desired: dict[str, Any], failures: list[CheckFailure]) -> None:
        super().validate(desired, failures)
        # LiveKit's own rules (SIPOutboundTrunkInfo.Validate), checked before any request.
        if not _set(desired.get("address")):
            failures.append(CheckFailure("address", "is required: the SIP host calls are sent to"))
        if not _set(desired.get("numbers")):
            failures.append(CheckFailure("numbers", "is required: at least one number calls are placed from"))
        _check_host(desired, "address", failures)
        _check_host(desired, "from_host", failures)


INBOUND_PROVIDER = InboundTrunkProvider()
OUTBOUND_PROVIDER = OutboundTrunkProvider()
