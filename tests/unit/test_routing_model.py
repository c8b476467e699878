"""Unit tests of the pure routing model (pulumi_livekit.routing). The same behaviour is checked
against the real server, call by call, in tests/server/test_routing_oracle.py."""

from __future__ import annotations

import hashlib

import pytest
from livekit.protocol import sip as sip_pb

from pulumi_livekit.routing import (
    ACCEPT, DROP, REQUEST_PIN, Call, evaluate, normalize_number, rule_conflicts, rule_priority, trunk_conflicts,
)

CALLER, CALLED = "+15550001111", "+15559990000"


def trunk(trunk_id: str, **fields) -> dict:
    return {"sip_trunk_id": trunk_id, **fields}


def rule(rule_id: str, kind: str = "individual", **fields) -> dict:
    body = {key: fields.pop(key) for key in ("room_prefix", "room_name", "pin", "no_randomness", "randomize")
            if key in fields}
    return {"sip_dispatch_rule_id": rule_id, "rule": {f"dispatch_rule_{kind}": body}, **fields}


def call(**fields) -> Call:
    return Call(**{"from_number": CALLER, "to_number": CALLED, "src_address": "10.0.0.5", **fields})


@pytest.mark.parametrize("raw, normalized", [
    ("+15550001111", "+15550001111"),
    ("15550001111", "+15550001111"),
    ("+1 (555) 000-1111", "+15550001111"),
    ("555 000 1111", "+5550001111"),
    ("alice", "alice"),
    ("+1.555", "+1.555"),
    ("", ""),
])
def test_numbers_are_normalized_by_stripping_formatting_and_adding_a_plus(raw, normalized):
    assert normalize_number(raw) == normalized


def test_the_first_example_of_the_issue():
    rules = [rule("SDR_1", room_prefix="call-", metadata="job", attributes={"team": "support"},
                  room_config={"agents": [{"agent_name": "inbound-agent"}]})]
    decision = evaluate([], rules, call(from_host="carrier.example", call_id="SCL_1"))
    assert decision.to_json() == {
        "result": "ACCEPT",
        "sipDispatchRuleId": "SDR_1",
        "roomName": "call-_+15550001111_{random}",
        "participantIdentity": "sip_+15550001111",
        "participantName": "Phone +15550001111",
        "participantMetadata": "job",
        "participantAttributes": {
            "team": "support", "sip.callID": "SCL_1", "sip.trunkID": "", "sip.phoneNumber": CALLER,
            "sip.hostname": "carrier.example", "sip.trunkPhoneNumber": CALLED, "sip.ruleID": "SDR_1",
        },
        "roomConfig": {"agents": [{"agentName": "inbound-agent"}]},
        "media": {},  # the server gives every call media settings; none set here
    }


def test_an_answer_shows_the_room_configurations_egress_credentials_as_secret():
    egress = {"room": {"file": {"gcp": {"credentials": '{"private_key": "k"}', "bucket": "calls"}},
                       "webhooks": [{"url": "https://hooks.example.com/egress", "signing_key": "whsec"}]}}
    decision = evaluate([], [rule("SDR_1", room_config={"egress": egress})], call())
    shown = decision.to_json()["roomConfig"]["egress"]["room"]
    assert shown["file"]["gcp"] == {"credentials": "[secret]", "bucket": "calls"}
    assert shown["webhooks"] == [{"url": "https://hooks.example.com/egress", "signingKey": "[secret]"}]
    assert decision.room_config["egress"]["room"]["file"]["gcp"]["credentials"] == '{"private_key": "k"}'


@pytest.mark.parametrize("kind, fields, room", [
    ("individual", {"room_prefix": "call"}, "call_+15550001111_{random}"),
    ("individual", {"room_prefix": "call", "no_randomness": True}, "call_+15550001111"),
    ("individual", {}, "+15550001111_{random}"),
    ("callee", {"room_prefix": "line"}, "line_+15559990000"),
    ("callee", {"room_prefix": "line", "randomize": True}, "line_+15559990000_{random}"),
    ("callee", {}, "+15559990000"),
    ("direct", {"room_name": "lobby"}, "lobby"),
])
def test_room_name_per_rule_kind(kind, fields, room):
    assert evaluate([], [rule("SDR_1", kind, **fields)], call()).room_name == room


def test_a_hidden_number_shows_only_its_last_four_digits_and_a_hashed_identity():
    decision = evaluate([], [rule("SDR_1", room_prefix="c", hide_phone_number=True)], call())
    assert decision.participant_identity == "sip_" + hashlib.sha256(CALLER.encode()).hexdigest()[:16]
    assert decision.participant_name == "Phone 1111"
    assert decision.room_name == "c_1111_{random}"
    assert not {"sip.phoneNumber", "sip.hostname", "sip.trunkPhoneNumber"} & set(decision.participant_attributes)


def test_an_anonymous_caller_is_routed_by_its_empty_number_and_fails_a_rule_that_hides_it():
    trunks = [trunk("ST_open", numbers=[CALLED]), trunk("ST_known", numbers=["+15559990001"], allowed_numbers=[CALLER])]
    rules = [rule("SDR_open", trunk_ids=["ST_open"], room_prefix="call-"),
             rule("SDR_vip", "direct", trunk_ids=["ST_open"], room_name="vip", inbound_numbers=[CALLER]),
             rule("SDR_hidden", "callee", trunk_ids=["ST_known"], room_prefix="c", hide_phone_number=True)]
    anonymous = evaluate(trunks, rules, call(from_number=""))
    assert (anonymous.result, anonymous.rule_id, anonymous.room_name) == (ACCEPT, "SDR_open", "call-__{random}")
    assert (anonymous.participant_identity, anonymous.participant_attributes["sip.phoneNumber"]) == ("sip_", "")
    # The trunk that lists its callers takes no anonymous call: only a rule of any trunk could.
    assert evaluate(trunks, rules, call(from_number="", to_number="+15559990001")).result == DROP
    hidden = evaluate([], [rule("SDR_hidden", "direct", room_name="r", pin="1234", hide_phone_number=True)],
                      call(from_number=""))
    assert hidden.error is not None and "hide_phone_number" in hidden.error.message


def test_extra_attributes_override_the_rules_and_the_server_sets_its_own_last():
    rules = [rule("SDR_1", attributes={"a": "rule", "sip.ruleID": "forged"})]
    attributes = evaluate([], rules, call(extra_attributes={"a": "call", "b": "call"})).participant_attributes
    assert (attributes["a"], attributes["b"], attributes["sip.ruleID"]) == ("call", "call", "SDR_1")


def test_a_trunk_serving_the_called_number_wins_over_a_default_trunk_in_any_spelling():
    trunks = [trunk("ST_default", allowed_addresses=["10.0.0.0/8"]), trunk("ST_line", numbers=["1 (555) 999-0000"])]
    rules = [rule("SDR_line", trunk_ids=["ST_line"]), rule("SDR_default", trunk_ids=["ST_default"])]
    assert evaluate(trunks, rules, call()).rule_id == "SDR_line"
    assert evaluate(trunks, rules, call(to_number="+15550000000")).rule_id == "SDR_default"


@pytest.mark.parametrize("fields, allowed", [
    ({"allowed_numbers": ["15550001111"]}, True),
    ({"allowed_numbers": ["+15550002222"]}, False),
    ({"allowed_addresses": ["10.0.0.0/24"]}, True),
    ({"allowed_addresses": ["10.0.0.5"]}, True),
    ({"allowed_addresses": ["10.0.1.0/24"]}, False),
    ({"allowed_addresses": ["carrier.example"]}, True),  # the calling host, as written
    ({"allowed_addresses": ["10.0.1.0/24, 10.0.0.0/24"]}, True),  # not an address: ignored, so nothing left to refuse
])
def test_a_trunk_admits_callers_by_number_and_source(fields, allowed):
    trunks = [trunk("ST_1", numbers=[CALLED], **fields)]
    decision = evaluate(trunks, [rule("SDR_1", trunk_ids=["ST_1"])], call(from_host="carrier.example"))
    assert (decision.result == ACCEPT) is allowed
    assert decision.trunk_id == ("ST_1" if allowed else "")


def test_a_call_without_source_address_passes_any_address_filter():
    trunks = [trunk("ST_1", numbers=[CALLED], allowed_addresses=["192.0.2.1"])]
    assert evaluate(trunks, [rule("SDR_1", trunk_ids=["ST_1"])], call(src_address="")).result == ACCEPT


def test_a_malformed_source_address_is_an_error():
    assert evaluate([], [rule("SDR_1")], call(src_address="not-an-ip")).error.code == "invalid_argument"


def test_two_trunks_taking_the_same_call_is_an_error_at_call_time():
    trunks = [trunk("ST_a", numbers=[CALLED]), trunk("ST_b", numbers=[CALLED], allowed_numbers=[CALLER])]
    assert trunk_conflicts(trunks) == []  # LiveKit stores both...
    decision = evaluate(trunks, [rule("SDR_1")], call())  # ...and refuses the call they both take
    assert decision.error.code == "failed_precondition"
    assert decision.error.message == f'Multiple SIP Trunks matched for "{CALLED}"'


def test_a_named_trunk_that_does_not_serve_the_call_leaves_only_wildcard_rules():
    trunks = [trunk("ST_a", numbers=["+15551112222"]), trunk("ST_b", numbers=[CALLED])]
    rules = [rule("SDR_b", trunk_ids=["ST_b"]), rule("SDR_any", "direct", room_name="lobby")]
    assert evaluate(trunks, rules, call()).rule_id == "SDR_b"
    decision = evaluate(trunks, rules, call(trunk_id="ST_a"))
    assert (decision.rule_id, decision.trunk_id, decision.participant_attributes["sip.trunkID"]) == ("SDR_any", "", "ST_a")


def test_rule_numbers_compare_exactly_as_written_unlike_trunk_numbers():
    rules = [rule("SDR_1", numbers=["15559990000"]), rule("SDR_2", inbound_numbers=["15550001111"])]
    assert evaluate([], rules, call()).result == DROP
    assert evaluate([], rules, call(to_number="15559990000")).rule_id == "SDR_1"


def test_priority_pin_rules_first_then_direct_individual_callee_then_filters():
    rules = {
        "direct_pin": rule("a", "direct", room_name="r", pin="1"),
        "individual_pin": rule("b", pin="1"),
        "callee_pin": rule("c", "callee", pin="1"),
        "direct": rule("d", "direct", room_name="r"),
        "individual_numbers": rule("e", numbers=[CALLED], inbound_numbers=[CALLER]),
        "individual_called": rule("f", numbers=[CALLED]),
        "individual": rule("g"),
    }
    priorities = {name: rule_priority(sip_pb.SIPDispatchRuleInfo(**_message(r))) for name, r in rules.items()}
    assert priorities == {"direct_pin": 2000, "individual_pin": 2001, "callee_pin": 2002, "direct": 2100,
                          "individual_numbers": 101, "individual_called": 1101, "individual": 2101}


def _message(r: dict) -> dict:
    from google.protobuf import json_format
    return {"rule": json_format.ParseDict(r["rule"], sip_pb.SIPDispatchRule()),
            **{k: v for k, v in r.items() if k not in ("rule", "sip_dispatch_rule_id")}}


def test_a_rule_for_the_trunk_wins_over_a_better_wildcard_rule():
    trunks = [trunk("ST_1", numbers=[CALLED])]
    rules = [rule("SDR_wild", "direct", room_name="lobby", numbers=[CALLED], inbound_numbers=[CALLER]),
             rule("SDR_trunk", "callee", trunk_ids=["ST_1"])]
    assert evaluate(trunks, rules, call()).rule_id == "SDR_trunk"


def test_equal_priority_goes_to_the_smaller_room_then_to_the_smaller_id():
    rules = [rule("SDR_b", room_prefix="a", numbers=[CALLED]), rule("SDR_a", room_prefix="b", inbound_numbers=[CALLER])]
    assert evaluate([], rules, call()).rule_id == "SDR_b"


@pytest.mark.parametrize("pin, no_pin, expected", [
    ("", False, (REQUEST_PIN, "SDR_pin")),   # the PIN rule outranks the open one: ask for the PIN
    ("1234", False, (ACCEPT, "SDR_pin")),
    ("9999", False, (DROP, "")),             # a wrong PIN never falls back to the open rule
    ("", True, (ACCEPT, "SDR_open")),        # the caller declined: only open rules
])
def test_pin_protected_rules(pin, no_pin, expected):
    rules = [rule("SDR_pin", "direct", room_name="vip", pin="1234"), rule("SDR_open", "direct", room_name="lobby")]
    decision = evaluate([], rules, call(pin=pin, no_pin=no_pin))
    assert (decision.result, decision.rule_id) == expected
    assert "1234" not in str(decision.to_json())


def test_no_rule_drops_the_call_naming_the_trunk():
    decision = evaluate([trunk("ST_1", numbers=[CALLED])], [rule("SDR_1", trunk_ids=["ST_other"])], call())
    assert decision.to_json() == {"result": "DROP", "sipTrunkId": "ST_1"}


def test_rule_conflicts_mirror_what_create_refuses():
    assert len(rule_conflicts([rule("a"), rule("b")])) == 1  # two catch-alls
    assert rule_conflicts([rule("a"), rule("b", pin="1")]) == []
    assert rule_conflicts([rule("a", trunk_ids=["T"]), rule("b")]) == []  # the trunk's rule is more specific
    assert len(rule_conflicts([rule("a", numbers=["+15559990000"]), rule("b", numbers=["1 555 999 0000"])])) == 1
    assert len(rule_conflicts([rule("a", trunk_ids=["T1", "T2"]), rule("b", trunk_ids=["T2"])])) == 1
    assert len(rule_conflicts([rule("a", numbers=["+15559990000", "15559990000"])])) == 1  # with itself


def test_trunk_conflicts_mirror_what_create_refuses():
    assert len(trunk_conflicts([trunk("", numbers=[CALLED]), trunk("", numbers=["15559990000"])])) == 1
    assert trunk_conflicts([trunk("", numbers=[CALLED]), trunk("", numbers=[CALLED], allowed_numbers=[CALLER])]) == []
    assert len(trunk_conflicts([trunk("", allowed_addresses=["10.0.0.1"]), trunk("", allowed_addresses=["10.0.0.2"])])) == 1
