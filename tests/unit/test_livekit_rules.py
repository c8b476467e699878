"""Each check made at preview that goes beyond a field's type, one case each: LiveKit's own rules
(livekit/protocol's `Validate` methods), the ranges of the descriptors and of the server, and the nonsense
LiveKit would store. docs/resources.md lists them; a refused value fails the check, so no request is made."""

from __future__ import annotations

import pytest

from pulumi_livekit._core.dispatch_rule import DispatchRuleProvider
from pulumi_livekit._core.trunks import InboundTrunkProvider, OutboundTrunkProvider

INBOUND = {"numbers": ["+15550100"]}
OUTBOUND = {"address": "sip.example.com", "numbers": ["+15550100"]}
RULE = {"rule": {"dispatch_rule_individual": {"room_prefix": "call-"}}}

REFUSED = [
    # durations: never negative; media_timeout up to LiveKit's 10 minutes
    (InboundTrunkProvider, {**INBOUND, "ringing_timeout": "-5s"}, "ringing_timeout", "must not be negative, got -5s"),
    (InboundTrunkProvider, {**INBOUND, "max_call_duration": -30.0}, "max_call_duration", "must not be negative"),
    (OutboundTrunkProvider, {**OUTBOUND, "media": {"media_timeout": "600.5s"}}, "media.media_timeout",
     "must be at most 600s"),
    (InboundTrunkProvider, {**INBOUND, "ringing_timeout": "soon"}, "ringing_timeout", 'such as "30s"'),
    # numbers: in their type's range, finite
    (DispatchRuleProvider, {**RULE, "room_config": {"max_participants": 2.0**32}}, "room_config.max_participants",
     "must be at most 4294967295"),
    (DispatchRuleProvider, {**RULE, "room_config": {"egress": {"room": {"advanced": {"width": -2.0**31 - 1}}}}},
     "room_config.egress.room.advanced.width", "must be at least -2147483648"),
    (DispatchRuleProvider, {**RULE, "room_config": {"egress": {"room": {"advanced": {
        "key_frame_interval": float("inf")}}}}}, "room_config.egress.room.advanced.key_frame_interval", "finite"),
    # strings: a number is refused (a '+' or leading zero may be gone), and text must be storable
    (InboundTrunkProvider, {"numbers": ["+15550100", 15550002222.0]}, "numbers[1]",
     "expected a string, got the number 15550002222: a number loses a leading '+' or zero"),
    (DispatchRuleProvider, {**RULE, "name": "caf\udce9"}, "name", "UTF-8"),
    # maps: no empty key, no empty value (it would never be sent)
    (DispatchRuleProvider, {**RULE, "attributes": {"": "x"}}, "attributes.", "a key must not be empty"),
    (DispatchRuleProvider, {**RULE, "attributes": {"tier": ""}}, "attributes.tier", "remove the entry"),
    # headers (SIPInboundTrunkInfo/SIPOutboundTrunkInfo.Validate)
    (InboundTrunkProvider, {**INBOUND, "headers": {"Contact": "sip:a@b"}}, "headers.Contact", "LiveKit sets itself"),
    (OutboundTrunkProvider, {**OUTBOUND, "headers": {"X-A": "line\nbreak"}}, "headers.X-A", "control characters"),
    (OutboundTrunkProvider, {**OUTBOUND, "headers": {"X-A": "v" * 1025}}, "headers.X-A", "at most 1024"),
    (InboundTrunkProvider, {**INBOUND, "headers": {"X A": "v"}}, "headers.X A", "SIP header name"),
    (InboundTrunkProvider, {**INBOUND, "attributes_to_headers": {"a": "Bad Header"}}, "attributes_to_headers.a",
     "SIP header name"),
    # media (SIPMediaConfig.Validate, SIPCodec.Validate) and encryption given two ways
    (DispatchRuleProvider, {**RULE, "media": {"codecs": [{"rate": 8000}]}}, "media.codecs[0].name", "is required"),
    (InboundTrunkProvider, {**INBOUND, "media": {"codecs": [{"name": "PCMU/8000"}]}}, "media.codecs[0].name",
     "its rate in `rate`"),
    (OutboundTrunkProvider, {**OUTBOUND, "media_encryption": "SIP_MEDIA_ENCRYPT_ALLOW",
                             "media": {"encryption": "SIP_MEDIA_ENCRYPT_REQUIRE"}}, "media.encryption",
     "while media_encryption is SIP_MEDIA_ENCRYPT_ALLOW"),
    # allowed addresses LiveKit's matching would drop or never match
    (InboundTrunkProvider, {"allowed_addresses": ["203.0.113.1, 203.0.113.2"]}, "allowed_addresses[0]",
     "takes calls from anywhere"),
    (InboundTrunkProvider, {"allowed_addresses": ["203.0.113.0/33"]}, "allowed_addresses[0]", "matches no call"),
]


@pytest.mark.parametrize("provider,inputs,path,problem", REFUSED, ids=[case[2] for case in REFUSED])
def test_refused_at_check_naming_the_path(provider, inputs, path, problem):
    failures = {f.property: f.reason for f in provider().check_inputs({}, inputs).failures}
    assert path in failures, failures
    assert problem in failures[path]


ACCEPTED = [
    (InboundTrunkProvider, {"numbers": ["agent", "15550100", "+1 555 0101"], "ringing_timeout": 0.0,
                            "max_call_duration": "0s"}),  # SIP users, non-E.164 numbers, zero durations
    (InboundTrunkProvider, {"allowed_addresses": ["203.0.113.7", "198.51.100.0/24", "pbx.example.com",
                                                  "2001:db8::/32"]}),
    (OutboundTrunkProvider, {**OUTBOUND, "headers": {"X-Display": "Caf\u00e9 \"Ops\"\t1"},
                             "media": {"media_timeout": 600, "codecs": [{"name": "opus", "rate": 48000}]}}),
    (OutboundTrunkProvider, {**OUTBOUND, "media_encryption": "SIP_MEDIA_ENCRYPT_ALLOW",
                             "media": {"encryption": "SIP_MEDIA_ENCRYPT_ALLOW"}}),
]


@pytest.mark.parametrize("provider,inputs", ACCEPTED)
def test_what_livekit_takes_and_means_passes(provider, inputs, monkeypatch):
    monkeypatch.setenv("LIVEKIT_URL", "http://livekit.test:7880")
    monkeypatch.setenv("LIVEKIT_API_KEY", "key")
    monkeypatch.setenv("LIVEKIT_API_SECRET", "secret-that-is-long-enough-for-hs256")
    assert provider().check_inputs({}, inputs).failures == []
