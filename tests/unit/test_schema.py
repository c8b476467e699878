"""Pure functions: validation, normalisation and spec loading (no server, no engine)."""

from __future__ import annotations

import inspect

import pytest
from google.protobuf import json_format
from livekit.protocol import sip as sip_pb

import pulumi_livekit as livekit
from pulumi_livekit import ValidationError
from pulumi_livekit._core.dispatch_rule import DispatchRuleProvider
from pulumi_livekit._core.trunks import InboundTrunkProvider, OutboundTrunkProvider
from pulumi_livekit._model.canonical import UNKNOWN, canonical_from_message, prune, to_message
from pulumi_livekit._model.stored import OUTPUT_ONLY
from pulumi_livekit._model.validation import validate_message
from pulumi_livekit._model.spec import load_spec

RULE = sip_pb.SIPDispatchRuleInfo.DESCRIPTOR


def canonicalize(message_type, value):
    """What check stores: the value through the message, in the server's spelling."""
    return canonical_from_message(to_message(message_type, value))


def test_camel_and_snake_case_give_the_same_canonical_form():
    camel = {"rule": {"dispatchRuleIndividual": {"roomPrefix": "call-"}}, "roomConfig":
             {"agents": [{"agentName": "inbound-agent"}]}, "hidePhoneNumber": False, "trunkIds": []}
    snake = {"rule": {"dispatch_rule_individual": {"room_prefix": "call-"}}, "room_config":
             {"agents": [{"agent_name": "inbound-agent"}]}}
    expected = {"rule": {"dispatch_rule_individual": {"room_prefix": "call-"}},
                "room_config": {"agents": [{"agent_name": "inbound-agent"}]}}
    for spelling in (camel, snake):
        assert canonicalize(sip_pb.SIPDispatchRuleInfo, validate_message(RULE, spelling, "")) == expected


@pytest.mark.parametrize("value,path,problem", [
    ({"nmae": "x"}, "nmae", "unknown field"),
    ({"name": "a", "Name": "b"}, "Name", "unknown field"),
    ({"trunkIds": ["a"], "trunk_ids": ["b"]}, "trunk_ids", "given twice"),
    ({"attributes": {"a": 1}}, "attributes.a", "expected a string, got the number 1: a number loses a leading"),
    ({"attributes": ["a"]}, "attributes", "expected an object"),
    ({"hidePhoneNumber": "true"}, "hidePhoneNumber", "expected true or false, got a string"),
    ({"roomConfig": {"emptyTimeout": 1.5}}, "roomConfig.emptyTimeout", "whole number"),
    ({"roomConfig": {"agents": [{"agentName": 3}]}}, "roomConfig.agents[0].agentName", "expected a string"),
    ({"rule": {"dispatchRuleDirect": {}, "dispatchRuleIndividual": {}}}, "rule", "only one of"),
    ({"mediaEncryption": "MAYBE"}, "mediaEncryption", "SIP_MEDIA_ENCRYPT_REQUIRE"),
    ({"createdAt": "2024-01-01T00:00:00Z"}, "createdAt", "unknown field"),
    ({"media": {"mediaTimeout": "soon"}}, "media.mediaTimeout", "duration"),
])
def test_validation_names_the_path_and_the_problem(value, path, problem):
    with pytest.raises(ValidationError) as raised:
        validate_message(RULE, value, "", exclude=frozenset({"created_at", "updated_at", "sip_dispatch_rule_id"}))
    assert raised.value.path == path
    assert problem in raised.value.problem


def test_numbers_from_pulumi_arrive_as_floats_and_are_accepted_as_whole_numbers():
    checked = validate_message(RULE, {"roomConfig": {"maxParticipants": 3.0}}, "")
    assert checked == {"room_config": {"max_participants": 3}}


def test_unknown_values_pass_validation_untouched():
    checked = validate_message(RULE, {"trunkIds": [UNKNOWN], "name": UNKNOWN}, "")
    assert checked == {"trunk_ids": [UNKNOWN], "name": UNKNOWN}


# Canonical (snake_case) forms, which to_message builds with the message constructor, and JSON spellings
# the constructor refuses (camelCase, durations, 64-bit integers as strings), which it hands to ParseDict.
MESSAGES = [
    (sip_pb.SIPDispatchRuleInfo, {"rule": {"dispatch_rule_individual": {}}, "trunk_ids": ["ST_a", "ST_b"]}),
    (sip_pb.SIPDispatchRuleInfo, {
        "rule": {"dispatch_rule_callee": {"room_prefix": "c-", "randomize": True, "pin": "1234"}},
        "attributes": {"team": "support"}, "media_encryption": "SIP_MEDIA_ENCRYPT_REQUIRE", "krisp_enabled": True,
        "room_config": {"agents": [{"agent_name": "a", "metadata": "{}"}, {"agent_name": "b"}], "max_participants": 3,
                        "empty_timeout": 60}}),
    (sip_pb.SIPDispatchRuleInfo, {"rule": {"dispatchRuleDirect": {"roomName": "r"}}, "hidePhoneNumber": True}),
    (sip_pb.SIPDispatchRuleInfo, {"room_config": {"egress": {"room": {"advanced": {"key_frame_interval": 2.5}}}}}),
    (sip_pb.SIPDispatchRuleInfo, {"media": {"media_timeout": "15s", "encryption": "SIP_MEDIA_ENCRYPT_ALLOW"}}),
    (sip_pb.SIPInboundTrunkInfo, {"numbers": ["+15550100"], "allowed_addresses": ["10.0.0.0/8"], "headers": {"X-A": "1"},
                                  "headers_to_attributes": {"X-A": "a"}, "ringing_timeout": "30s",
                                  "max_call_duration": "3600s", "krisp_enabled": True}),
    (sip_pb.SIPOutboundTrunkInfo, {"address": "sip.example.com", "numbers": ["+15550100"], "transport": "SIP_TRANSPORT_TCP",
                                   "destination_country": "US", "auth_username": "u"}),
]


@pytest.mark.parametrize("message_type,fields", MESSAGES, ids=[str(i) for i in range(len(MESSAGES))])
def test_to_message_builds_what_parse_dict_builds(message_type, fields):
    assert to_message(message_type, fields) == json_format.ParseDict(fields, message_type())


def test_to_message_leaves_invalid_values_to_parse_dict_errors():
    with pytest.raises(json_format.ParseError):
        to_message(sip_pb.SIPDispatchRuleInfo, {"media_encryption": "MAYBE"})
    with pytest.raises(json_format.ParseError):
        to_message(sip_pb.SIPDispatchRuleInfo, {"nmae": "x"})


def test_legacy_media_encryption_is_also_spelled_as_media_encryption():
    assert canonicalize(sip_pb.SIPDispatchRuleInfo, {"media_encryption": "SIP_MEDIA_ENCRYPT_ALLOW"}) == {
        "media_encryption": "SIP_MEDIA_ENCRYPT_ALLOW", "media": {"encryption": "SIP_MEDIA_ENCRYPT_ALLOW"}}


def test_prune_drops_unset_values_but_keeps_list_positions():
    assert prune({"a": "", "b": [], "c": {"d": None}, "e": 0, "f": False, "g": [{}, {"h": 1}]}) == {
        "g": [{}, {"h": 1}]}


def test_an_alternative_chosen_with_every_option_at_its_default_is_kept_given_the_descriptor():
    declared = {"rule": {"dispatchRuleCallee": {"roomPrefix": ""}}, "room_config": {"agents": []}}
    assert prune(declared, sip_pb.SIPDispatchRuleInfo.DESCRIPTOR) == {"rule": {"dispatchRuleCallee": {}}}
    assert prune(declared) is None  # without it, no object can be told from a choice
    assert canonicalize(sip_pb.SIPDispatchRuleInfo, declared) == {"rule": {"dispatch_rule_callee": {}}}


def test_prune_never_changes_the_type_of_a_list_element():
    assert prune({"numbers": ["", "+15550100"], "flags": [False, 0], "nested": [[], {"a": None}]}) == {
        "numbers": ["", "+15550100"], "flags": [False, 0], "nested": [[], {}]}


CONNECTION = {"url": "http://x", "api_key": "k", "api_secret": "s"}
# Every repeated string field of every resource, at the index where the empty entry stands.
EMPTY_LIST_ENTRIES = [
    (DispatchRuleProvider, {"rule": {"dispatchRuleDirect": {"roomName": "r"}}, "numbers": ["", "+15550100"]},
     "numbers[0]"),
    (DispatchRuleProvider, {"rule": {"dispatchRuleDirect": {"roomName": "r"}}, "trunkIds": ["ST_a", " "]},
     "trunkIds[1]"),
    (DispatchRuleProvider, {"rule": {"dispatchRuleDirect": {"roomName": "r"}}, "inbound_numbers": ["+1555", ""]},
     "inbound_numbers[1]"),
    (InboundTrunkProvider, {"numbers": ["+15550100", ""]}, "numbers[1]"),
    (InboundTrunkProvider, {"numbers": ["+15550100"], "allowedAddresses": [""]}, "allowedAddresses[0]"),
    (InboundTrunkProvider, {"numbers": ["+15550100"], "allowed_numbers": ["", "+1"]}, "allowed_numbers[0]"),
    (OutboundTrunkProvider, {"address": "sip.example.com", "numbers": ["", "+15550100"]}, "numbers[0]"),
    (DispatchRuleProvider, {"rule": {"dispatchRuleDirect": {"roomName": "r"}}, "numbers": ["+1", "\t"]},
     "numbers[1]"),
]


@pytest.mark.parametrize("provider,news,path", EMPTY_LIST_ENTRIES, ids=[e[2] for e in EMPTY_LIST_ENTRIES])
def test_an_empty_string_in_any_list_field_is_refused_at_check_naming_the_index(provider, news, path):
    result = provider().check_inputs({}, {**news, "connection": CONNECTION})
    assert [(f.property, f.reason) for f in result.failures] == [(path, "must not be empty")]


def test_a_rule_unknown_at_preview_passes_check_with_its_pin_unknown_too():
    result = DispatchRuleProvider().check_inputs({}, {"rule": UNKNOWN, "pin": UNKNOWN, "name": "x", "connection": CONNECTION})
    assert result.failures == []
    assert result.inputs == {"rule": UNKNOWN, "pin": UNKNOWN, "name": "x", "connection": CONNECTION}
    partly = DispatchRuleProvider().check_inputs({}, {"rule": {"dispatchRuleDirect": UNKNOWN}, "pin": UNKNOWN,
                                               "connection": CONNECTION})
    assert partly.failures == []


@pytest.mark.parametrize("pin", ["١٢٣٤", "１２３４", "12³4", "12 34"])
def test_a_pin_is_ascii_digits_only(pin):
    result = DispatchRuleProvider().check_inputs({}, {"rule": {"dispatchRuleDirect": {"roomName": "r"}}, "pin": pin,
                                               "connection": CONNECTION})
    assert [(f.property, f.reason) for f in result.failures] == [
        ("rule.dispatch_rule_direct.pin", "must contain the digits 0-9 only (callers type it on a keypad)")]
    assert pin not in str(result.failures[0].reason)


@pytest.mark.parametrize("spec", [
    '{"dispatch_rule": {"rule": {"dispatchRuleDirect": {"roomName": "r"}}, "name": "n",}}',
    '{"rule": {"dispatchRuleDirect": {"roomName": "r"}}, "name": "n"}',
    {"dispatchRule": {"rule": {"dispatch_rule_direct": {"room_name": "r"}}, "name": "n"}},
])
def test_load_spec_accepts_every_spelling_lk_and_the_dashboard_use(spec):
    fields = load_spec(spec, sip_pb.SIPDispatchRuleInfo, envelope="dispatch_rule")
    assert fields == {"rule": {"dispatch_rule_direct": {"room_name": "r"}}, "name": "n"}


def test_load_spec_keeps_commas_inside_strings():
    fields = load_spec('{"name": "a,}", "metadata": "[1,]"}', sip_pb.SIPDispatchRuleInfo, envelope="dispatch_rule")
    assert fields == {"name": "a,}", "metadata": "[1,]"}


@pytest.mark.parametrize("spec,path,problem", [
    ('{"rule": ', "spec", "not valid JSON"),
    ("/nonexistent/rule.json", "/nonexistent/rule.json", "cannot read"),
    ('{"dispatch_rule": {"rule": {}, "colour": "red"}}', "dispatch_rule.colour", "unknown field"),
    ("[1, 2]", "spec", "expected a JSON object"),
])
def test_load_spec_errors_name_the_source_and_field(spec, path, problem):
    with pytest.raises(ValidationError) as raised:
        load_spec(spec, sip_pb.SIPDispatchRuleInfo, envelope="dispatch_rule")
    assert raised.value.path == path
    assert problem in raised.value.problem


@pytest.mark.parametrize("resource", [livekit.DispatchRule, livekit.InboundTrunk, livekit.OutboundTrunk],
                         ids=lambda r: r.__name__)
def test_every_constructor_takes_exactly_the_input_fields_of_its_message(resource):
    """A livekit-protocol release with a new field fails here, not in a user's `from_json` (a TypeError)."""
    parameters = set(inspect.signature(resource.__init__).parameters) - {"self", "resource_name", "connection", "opts"}
    fields = {f.name for f in resource._provider.kind.message.DESCRIPTOR.fields} - OUTPUT_ONLY
    assert parameters == fields
