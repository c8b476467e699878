"""LiveKit's own rules for the objects it stores, checked at preview; and the nonsense it would store, refused.

The rules are those of livekit/protocol's `Validate` methods as livekit-server 1.13.5 runs them on every create and
update (`SIPInboundTrunkInfo`, `SIPOutboundTrunkInfo`, `SIPDispatchRuleInfo`, `SIPMediaConfig`, `SIPCodec`, and the
SIP header checks they call). Besides, what LiveKit stores but cannot mean: media encryption given two ways that
disagree (its update keeps one and overwrites the other), and an allowed address LiveKit's call matching ignores
(a trunk whose every address it ignores takes calls from anywhere). The functions take the checked fields
(snake_case, before pruning) and add a failure per problem, naming its path; unknown values are left alone.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from typing import Any

from pulumi.dynamic import CheckFailure

from .._model.canonical import UNKNOWN

# RFC 3261 `token`, 1-255 characters: a SIP header name (livekit/protocol's ValidateHeaderName).
_HEADER_NAME = re.compile(r"[A-Za-z0-9\-.!%*_+`'~]{1,255}")
_HEADER_NAME_HINT = "must be a SIP header name: 1-255 letters, digits or -.!%*_+`'~"
# Headers LiveKit sets itself, which a trunk's `headers` may not (ForbiddenSipHeaderNames), compared lower-case.
_FORBIDDEN_HEADERS = frozenset({
    "accept", "accept-encoding", "accept-language", "allow", "allow-events", "call-id", "contact",
    "content-encoding", "content-length", "content-type", "cseq", "event", "expires", "from", "max-forwards",
    "record-route", "refer-to", "reply-to", "k", "l", "m", "o", "r", "t", "u", "v",
})
_LONGEST_HEADER_VALUE = 1024
# What LiveKit's address matching drops as no address at all (livekit/protocol sip.isValidMask).
_IGNORED_ADDRESS = re.compile(r"[()+*;, \t\n\r]|://")


def _known(value: Any) -> bool:
    return isinstance(value, str) and value != UNKNOWN


def check_media(desired: Mapping[str, Any], failures: list[CheckFailure]) -> None:
    """`SIPMediaConfig.Validate` (each codec named, a name without spaces or '/'), and media encryption given
    both ways alike."""
    media = desired.get("media")
    if not isinstance(media, Mapping):
        return
    codecs = media.get("codecs")
    for index, codec in enumerate(codecs if isinstance(codecs, list) else []):
        name = codec.get("name") if isinstance(codec, Mapping) else UNKNOWN
        path = f"media.codecs[{index}].name"
        if name is None or name == "":
            failures.append(CheckFailure(path, "is required: the codec's name, such as PCMU or opus"))
        elif not _known(name):
            continue
        elif any(c.isspace() for c in name):
            failures.append(CheckFailure(path, f"must not contain spaces (got {name!r})"))
        elif "/" in name:
            failures.append(CheckFailure(path, f"must be the codec's name alone, its rate in `rate` (got {name!r})"))
    legacy, encryption = desired.get("media_encryption"), media.get("encryption")
    if _known(legacy) and _known(encryption) and legacy != encryption:
        failures.append(CheckFailure("media.encryption", f"is {encryption} while media_encryption is {legacy}: "
                                                         "LiveKit keeps one and overwrites the other; set one of "
                                                         "them, or both alike"))


def check_headers(desired: Mapping[str, Any], failures: list[CheckFailure]) -> None:
    """A trunk's headers as LiveKit checks them: `headers` (names it does not set itself, values of printable
    text up to 1024 characters), the header names that are `headers_to_attributes`' keys and
    `attributes_to_headers`' values."""
    headers = desired.get("headers")
    for name, value in (headers.items() if isinstance(headers, Mapping) else ()):
        path = f"headers.{name}"
        if not _HEADER_NAME.fullmatch(name):
            failures.append(CheckFailure(path, f"{name!r} {_HEADER_NAME_HINT}"))
        elif name.lower() in _FORBIDDEN_HEADERS:
            failures.append(CheckFailure(path, f"{name} is a header LiveKit sets itself; it cannot be overridden"))
        elif _known(value) and len(value) > _LONGEST_HEADER_VALUE:
            failures.append(CheckFailure(path, f"must be at most {_LONGEST_HEADER_VALUE} characters "
                                               f"(got {len(value)})"))
        elif _known(value) and any(ord(c) < 0x20 and c != "\t" or ord(c) == 0x7F for c in value):
            failures.append(CheckFailure(path, "must be printable text: no control characters or line breaks"))
    for key, names_are in (("headers_to_attributes", "keys"), ("attributes_to_headers", "values")):
        mapping = desired.get(key)
        for map_key, map_value in (mapping.items() if isinstance(mapping, Mapping) else ()):
            name = map_key if names_are == "keys" else map_value
            if _known(name) and not _HEADER_NAME.fullmatch(name):
                failures.append(CheckFailure(f"{key}.{map_key}", f"{name!r} {_HEADER_NAME_HINT}"))


def check_allowed_addresses(desired: Mapping[str, Any], failures: list[CheckFailure]) -> None:
    """Each allowed address one LiveKit matches calls against: an IP, a CIDR range or a host name. LiveKit drops
    one with spaces, commas, parentheses and the like (so a trunk whose every address it drops takes calls from
    anywhere), and a malformed range matches nothing."""
    addresses = desired.get("allowed_addresses")
    for index, address in enumerate(addresses if isinstance(addresses, list) else []):
        if not _known(address):
            continue
        path = f"allowed_addresses[{index}]"
        if _IGNORED_ADDRESS.search(address):
            failures.append(CheckFailure(path, f"must be one IP address, CIDR range or host name (got {address!r}): "
                                               "LiveKit ignores this one, and a trunk whose every address it ignores "
                                               "takes calls from anywhere"))
        elif "/" in address:
            try:
                ipaddress.ip_network(address, strict=False)
            except ValueError:
                failures.append(CheckFailure(path, f"must be a CIDR range such as 203.0.113.0/24 (got {address!r}): "
                                                   "LiveKit matches no call against this one"))
