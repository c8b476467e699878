"""The media settings a call gets: the trunk's and the rule's, merged as livekit-server merges them.
The same merge is checked against the real server in tests/server/test_routing_oracle.py."""

from __future__ import annotations

import pytest
from google.protobuf import duration_pb2
from livekit.protocol import sip as sip_pb

from pulumi_livekit.routing import ACCEPT, DROP, REQUEST_PIN, Call, call_media, evaluate

DISABLE, ALLOW, REQUIRE = (sip_pb.SIPMediaEncryption.Value(f"SIP_MEDIA_ENCRYPT_{name}")
                           for name in ("DISABLE", "ALLOW", "REQUIRE"))
UNSET = None
PCMU, OPUS = sip_pb.SIPCodec(name="PCMU"), sip_pb.SIPCodec(name="opus", rate=48000)


def media(encryption=UNSET, **fields) -> sip_pb.SIPMediaConfig:
    config = sip_pb.SIPMediaConfig(**fields)
    if encryption is not UNSET:
        config.encryption = encryption
    return config


def trunk(**fields) -> sip_pb.SIPInboundTrunkInfo:
    return sip_pb.SIPInboundTrunkInfo(sip_trunk_id="ST_line", **fields)


def rule(**fields) -> sip_pb.SIPDispatchRuleInfo:
    return sip_pb.SIPDispatchRuleInfo(sip_dispatch_rule_id="SDR_rule", **fields)


def encryption_of(config: sip_pb.SIPMediaConfig):
    return config.encryption if config.HasField("encryption") else UNSET


def seconds(value: float) -> duration_pb2.Duration:
    duration = duration_pb2.Duration()
    duration.FromNanoseconds(int(value * 1e9))
    return duration


@pytest.mark.parametrize("on_trunk, on_rule, merged", [
    (UNSET, UNSET, UNSET),
    (REQUIRE, UNSET, REQUIRE),
    (UNSET, ALLOW, ALLOW),
    (ALLOW, REQUIRE, REQUIRE),
    (REQUIRE, ALLOW, ALLOW),
    (REQUIRE, DISABLE, REQUIRE),  # the rule's DISABLE yields to the trunk's choice
    (DISABLE, ALLOW, ALLOW),
    (DISABLE, UNSET, DISABLE),
    (UNSET, DISABLE, DISABLE),
])
def test_the_rules_encryption_wins_unless_it_is_disable(on_trunk, on_rule, merged):
    merged_media = call_media(trunk(media=media(on_trunk)), rule(media=media(on_rule)))
    assert encryption_of(merged_media) == merged


@pytest.mark.parametrize("legacy, config, upgraded", [
    (REQUIRE, None, REQUIRE),
    (ALLOW, media(), ALLOW),
    (DISABLE, None, UNSET),  # DISABLE is the legacy field's default: it says nothing
    (REQUIRE, media(ALLOW), ALLOW),  # `media` speaks first
    (REQUIRE, media(DISABLE), DISABLE),
])
def test_the_deprecated_media_encryption_counts_when_media_sets_none(legacy, config, upgraded):
    settings = {"media_encryption": legacy, **({"media": config} if config is not None else {})}
    assert encryption_of(call_media(trunk(**settings), rule())) == upgraded
    assert encryption_of(call_media(None, rule(**settings))) == upgraded


def test_without_a_trunk_the_call_gets_the_rules_media_alone():
    alone = call_media(None, rule(media=media(DISABLE, codecs=[PCMU], media_timeout=seconds(20))))
    assert alone == media(DISABLE, codecs=[PCMU], media_timeout=seconds(20))
    assert call_media(None, rule()) == sip_pb.SIPMediaConfig()


@pytest.mark.parametrize("on_trunk, on_rule, merged", [
    (seconds(30), None, seconds(30)),
    (seconds(30), seconds(15), seconds(15)),
    (seconds(30), seconds(0), seconds(0)),  # set to zero is set: the server's default timeout
    (None, None, None),
])
def test_the_rules_media_timeout_wins_when_set(on_trunk, on_rule, merged):
    def settings(timeout):
        return media() if timeout is None else media(media_timeout=timeout)

    merged_media = call_media(trunk(media=settings(on_trunk)), rule(media=settings(on_rule)))
    assert (merged_media.media_timeout if merged_media.HasField("media_timeout") else None) == merged


def test_a_rule_without_codecs_takes_the_trunks_codecs_and_only_listed_codecs():
    line = trunk(media=media(codecs=[PCMU, OPUS], only_listed_codecs=True))
    assert call_media(line, rule()) == media(codecs=[PCMU, OPUS], only_listed_codecs=True)
    # The rule's `only_listed_codecs` goes with its codecs: without any, the trunk's (here unset) replaces it.
    assert call_media(trunk(), rule(media=media(only_listed_codecs=True))) == media()


def test_a_rule_with_codecs_keeps_its_own_list_and_only_listed_codecs():
    line = trunk(media=media(codecs=[PCMU], only_listed_codecs=True))
    assert call_media(line, rule(media=media(codecs=[OPUS]))) == media(codecs=[OPUS])


def test_the_merge_leaves_the_trunk_and_rule_alone():
    line, chosen = trunk(media_encryption=REQUIRE), rule(media=media(DISABLE))
    call_media(line, chosen)
    assert not line.HasField("media") and chosen.media == media(DISABLE)


CALLER, CALLED = "+15550001111", "+15559990000"


def test_the_answer_carries_media_as_protobuf_json_writes_it():
    line = trunk(numbers=[CALLED], media=media(REQUIRE, media_timeout=seconds(1.5)))
    room = {"dispatch_rule_direct": sip_pb.SIPDispatchRuleDirect(room_name="lobby")}
    decision = evaluate([line], [rule(rule=sip_pb.SIPDispatchRule(**room))], Call(CALLER, CALLED))
    assert decision.media_encryption == "SIP_MEDIA_ENCRYPT_REQUIRE"
    accepted = decision.to_json()
    assert accepted["result"] == ACCEPT
    assert accepted["media"] == {"encryption": "SIP_MEDIA_ENCRYPT_REQUIRE", "mediaTimeout": "1.500s"}
    assert accepted["mediaEncryption"] == "SIP_MEDIA_ENCRYPT_REQUIRE"
    pin_room = {"dispatch_rule_direct": sip_pb.SIPDispatchRuleDirect(room_name="lobby", pin="1234")}
    asked = evaluate([trunk(numbers=[CALLED])], [rule(rule=sip_pb.SIPDispatchRule(**pin_room))],
                     Call(CALLER, CALLED)).to_json()
    assert asked["result"] == REQUEST_PIN
    # Nothing set: an empty message, still written; DISABLE, the enum's zero, left out.
    assert asked["media"] == {} and "mediaEncryption" not in asked
    disabled = evaluate([], [rule(rule=sip_pb.SIPDispatchRule(**room), media=media(DISABLE))],
                        Call(CALLER, CALLED)).to_json()
    assert disabled["media"] == {"encryption": "SIP_MEDIA_ENCRYPT_DISABLE"} and "mediaEncryption" not in disabled
    dropped = evaluate([], [], Call(CALLER, CALLED)).to_json()
    assert dropped["result"] == DROP and "media" not in dropped
