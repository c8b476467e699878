"""The plugin's schema, generated from livekit-protocol's descriptors, and its one conversion of values
between the engine and the core (pure functions: no engine, no server)."""

from __future__ import annotations

import asyncio
import json

import pytest
from google.protobuf import struct_pb2
from livekit.protocol import sip as sip_pb
from pulumi.provider.experimental.property_value import PropertyValue
from pulumi.provider.experimental.provider import CheckRequest

from pulumi_livekit._core import dispatch_rule as _dispatch_rule
from pulumi_livekit._core import trunks as _trunks
from pulumi_livekit._model.stored import OUTPUT_ONLY
from pulumi_livekit.plugin import schema
from pulumi_livekit.plugin._kinds import KINDS
from pulumi_livekit.plugin._provider import LiveKitProvider
from pulumi_livekit.plugin._values import from_core, property_path, to_core

SCHEMA = json.loads(schema())
RESOURCES = {"DispatchRule": sip_pb.SIPDispatchRuleInfo, "InboundTrunk": sip_pb.SIPInboundTrunkInfo,
             "OutboundTrunk": sip_pb.SIPOutboundTrunkInfo}


def _shape(spec: dict) -> dict:
    """A property's type and marks, without its description."""
    return {key: value for key, value in spec.items() if key != "description"}


def _resolve(spec: dict) -> dict:
    return SCHEMA["types"][spec["$ref"].removeprefix("#/types/")] if "$ref" in spec else spec


def _walk(descriptor, properties: dict, path: str, seen: set) -> list[str]:
    """Every field of the message, recursively, that the schema's properties leave out."""
    missing = []
    if descriptor.full_name in seen:
        return missing
    seen.add(descriptor.full_name)
    for field in descriptor.fields:
        if field.name in OUTPUT_ONLY:
            continue
        spec = properties.get(field.json_name)
        if spec is None:
            missing.append(f"{path}{field.json_name}")
            continue
        nested = field.message_type
        if nested is not None and not nested.GetOptions().map_entry and not nested.full_name.startswith("google."):
            item = spec["items"] if field.is_repeated else spec
            missing += _walk(nested, _resolve(item)["properties"], f"{path}{field.json_name}.", seen)
    return missing


@pytest.mark.parametrize("name", RESOURCES)
def test_every_input_field_of_the_message_is_a_property(name):
    resource = SCHEMA["resources"][f"livekit:index:{name}"]
    assert _walk(RESOURCES[name].DESCRIPTOR, resource["inputProperties"], "", set()) == []
    assert set(resource["properties"]) - set(resource["inputProperties"]) == {
        "sipDispatchRuleId" if name == "DispatchRule" else "sipTrunkId"}


def test_secrets_are_marked_and_rule_kinds_are_typed():
    types = SCHEMA["types"]
    for kind in ("SIPDispatchRuleIndividual", "SIPDispatchRuleDirect", "SIPDispatchRuleCallee"):
        assert _shape(types[f"livekit:index:{kind}"]["properties"]["pin"]) == {"type": "string", "secret": True}
    for trunk in ("InboundTrunk", "OutboundTrunk"):
        assert SCHEMA["resources"][f"livekit:index:{trunk}"]["inputProperties"]["authPassword"]["secret"] is True
    assert SCHEMA["config"]["variables"]["apiSecret"]["secret"] is True
    assert set(SCHEMA["provider"]["inputProperties"]) == {"url", "apiKey", "apiSecret", "ignoreRoutingWarnings"}
    assert SCHEMA["config"]["variables"]["ignoreRoutingWarnings"]["items"] == {"type": "string"}
    encryption = types["livekit:index:SIPMediaEncryption"]["enum"]
    assert [value["value"] for value in encryption] == [v.name for v in sip_pb.SIPMediaEncryption.DESCRIPTOR.values]
    agents = types["livekit:index:RoomConfiguration"]["properties"]["agents"]
    assert _shape(agents) == {"type": "array", "items": {"$ref": "#/types/livekit:index:RoomAgentDispatch"}}
    # Egress credentials inside a rule's roomConfig, wherever their message appears.
    s3 = types["livekit:index:S3Upload"]["properties"]
    assert s3["secret"]["secret"] is s3["accessKey"]["secret"] is True and "secret" not in s3["bucket"]
    assert _shape(types["livekit:index:StreamOutput"]["properties"]["urls"]) == {
        "type": "array", "items": {"type": "string"}, "secret": True}


def test_values_cross_once_each_way():
    engine = {
        "trunkIds": PropertyValue([PropertyValue("ST_1")]),
        "rule": PropertyValue({"dispatchRuleDirect": PropertyValue({
            "roomName": PropertyValue("open-room"), "pin": PropertyValue("1234")})}),
        "roomConfig": PropertyValue({"agents": PropertyValue([PropertyValue({
            "agentName": PropertyValue("a"), "attributes": PropertyValue({"someKey": PropertyValue("v")})})])}),
        "attributes": PropertyValue({"callerKind": PropertyValue("x")}),
    }
    core = to_core(_dispatch_rule.PROVIDER, engine)
    assert core == {"trunk_ids": ["ST_1"], "rule": {"dispatch_rule_direct": {"room_name": "open-room"}}, "pin": "1234",
                    "room_config": {"agents": [{"agent_name": "a", "attributes": {"someKey": "v"}}]},
                    "attributes": {"callerKind": "x"}}  # map keys are data: never renamed
    back = from_core(_dispatch_rule.PROVIDER, core)
    pin = back["rule"].value["dispatchRuleDirect"].value["pin"]
    assert pin.is_secret and pin.value == "1234"  # marked whatever the program marked
    assert back == {**engine, "rule": PropertyValue({"dispatchRuleDirect": PropertyValue({
        "roomName": PropertyValue("open-room"), "pin": PropertyValue("1234", is_secret=True)})})}

    trunk = from_core(_trunks.INBOUND_PROVIDER, {"auth_password": "pw", "ringing_timeout": "30s", "numbers": ["+1"]})
    assert trunk == {"authPassword": PropertyValue("pw", is_secret=True), "ringingTimeout": PropertyValue("30s"),
                     "numbers": PropertyValue([PropertyValue("+1")])}
    assert from_core(_trunks.INBOUND_PROVIDER, {"krisp_enabled": True, "max_call_duration": 5})["maxCallDuration"] \
        == PropertyValue(5.0)  # the engine's one number type


def test_failure_paths_are_named_as_the_schema_names_them():
    assert property_path(_dispatch_rule.PROVIDER, "rule.dispatch_rule_direct.room_name") == "rule.dispatchRuleDirect.roomName"
    assert property_path(_dispatch_rule.PROVIDER, "trunk_ids[1]") == "trunkIds[1]"
    assert property_path(_dispatch_rule.PROVIDER, "room_config.agents[0].agent_name") == "roomConfig.agents[0].agentName"
    assert property_path(_trunks.INBOUND_PROVIDER, "headers.X-Custom_header") == "headers.X-Custom_header"
    assert property_path(_dispatch_rule.PROVIDER, "") == ""


def test_each_egress_credential_is_marked_secret_where_it_is_and_nothing_around_it():
    core = {"room_config": {"egress": {"tracks": {"filepath": "f", "s3": {"secret": "SK", "bucket": "b"}}}}}
    tracks = from_core(_dispatch_rule.PROVIDER, core)["roomConfig"].value["egress"].value["tracks"]
    s3 = tracks.value["s3"]
    assert s3.value["secret"] == PropertyValue("SK", is_secret=True) and s3.value["bucket"] == PropertyValue("b")
    assert not (s3.is_secret or tracks.is_secret or tracks.value["filepath"].is_secret)


def test_a_whole_number_is_taken_as_digits_for_a_pin_alone():
    # What the engine hands a YAML program for `pulumi config set --secret pin 551230087764`: a PIN is digits
    # alone, and the engine makes a number only of digits without a leading zero, so nothing was lost.
    engine = {
        "rule": PropertyValue({"dispatchRuleDirect": PropertyValue({
            "roomName": PropertyValue(100.0), "pin": PropertyValue(551230087764.0, is_secret=True)})}),
        "attributes": PropertyValue({"tier": PropertyValue(5.0)}),
        "inboundNumbers": PropertyValue([PropertyValue(15550002222.0)]),
        "roomConfig": PropertyValue({"maxParticipants": PropertyValue(4.0)}),
    }
    core = to_core(_dispatch_rule.PROVIDER, engine)
    assert core["pin"] == "551230087764"
    # Elsewhere a string may have started with a '+' or a zero the engine dropped: left for the check to refuse.
    assert core["rule"]["dispatch_rule_direct"]["room_name"] == 100.0 and core["attributes"] == {"tier": 5.0}
    assert core["inbound_numbers"] == [15550002222.0]
    assert core["room_config"]["max_participants"] == 4.0  # a number field keeps its number
    assert to_core(_dispatch_rule.PROVIDER, {"rule": PropertyValue({"dispatchRuleDirect": PropertyValue({
        "pin": PropertyValue(-12.0)})})})["pin"] == -12.0  # not digits: left for the check, which refuses it
    failures = _dispatch_rule.PROVIDER.check_inputs({}, {"rule": {"dispatch_rule_direct": {"room_name": "r"}},
                                                         "pin": 12.5}).failures
    assert [(f.property, f.reason) for f in failures] == [
        ("rule.dispatch_rule_direct.pin", "expected a string of digits, got a number")]


def plugin_check(provider, properties: dict) -> list[tuple[str, str]]:
    """The plugin's check failures for these properties (as Pulumi YAML gives them), as the engine gets them."""
    news = PropertyValue.unmarshal_map(_struct(properties))
    request = CheckRequest(f"urn:pulumi:s::p::{_kind_token(provider)}::r", {}, news, b"")
    return [(f.property, f.reason) for f in asyncio.run(LiveKitProvider().check(request)).failures]


def _struct(values: dict):
    struct = struct_pb2.Struct()
    struct.update(values)
    return struct


def _kind_token(provider) -> str:
    return next(token for token, kind in KINDS.items() if kind is provider)


def test_a_number_where_the_schema_says_string_is_refused_on_its_property_saying_how_to_keep_the_string():
    failures = plugin_check(_trunks.INBOUND_PROVIDER, {"numbers": ["+15550100", 15550002222]})
    [(prop, reason)] = failures
    assert prop == "numbers"  # a property the engine can show: never `numbers[1]` and `value {<nil>}`
    assert reason.startswith("numbers[1]: expected a string, got the number 15550002222: a number loses a leading '+'")
    assert "pulumi config set --type string --path" in reason


def test_a_nested_failure_is_on_its_top_level_property_unless_that_shows_a_credential():
    [(prop, reason)] = plugin_check(_trunks.INBOUND_PROVIDER, {"numbers": ["+15550100", None]})
    assert (prop, reason) == ("", "numbers[1]: expected a string, got null")  # the engine prints null as {<nil>}
    [(prop, reason)] = plugin_check(_dispatch_rule.PROVIDER, {"rule": {"dispatchRuleDirect": {
        "roomName": "", "pin": "1234"}}})
    assert prop == "" and reason.startswith("rule.dispatchRuleDirect.roomName: is required")  # `rule` holds the PIN
    [(prop, reason)] = plugin_check(_dispatch_rule.PROVIDER, {"rule": {"dispatchRuleDirect": {"roomName": ""}}})
    assert prop == "rule" and reason.startswith("rule.dispatchRuleDirect.roomName: is required")
