"""What an update sends and what it leaves stored, on both entrances (their providers called in this process as
the engine calls them; tests/entrances.py), against livekit-server behind the counting proxy.

- An update that removes a message field (a rule's `room_config`) stores what a create of the new declaration
  stores: no `roomConfig: {}` left behind.
- A rename is one request, LiveKit's field-wise update, and keeps the fields of a newer LiveKit the server holds;
  a change it cannot express is a read and a replace that keeps them too.
"""

from __future__ import annotations

import dataclasses
from typing import Iterator

import pytest
from livekit.protocol import sip as sip_pb

from pulumi_livekit._model.stored import OUTPUT_ONLY
from pulumi_livekit.testing import FaultProxy, unknown_field, with_unknown_field

from entrances import PluginEntrance, PythonEntrance
from support import Oracle

NEWER = unknown_field(999, b"set in the dashboard of a newer LiveKit")
AGENTS = {"agents": [{"agentName": "support-agent", "metadata": "queue=support"}]}
RULE = {"rule": {"dispatchRuleIndividual": {"roomPrefix": "call-"}}, "trunkIds": ["ST_support"]}


@pytest.fixture(params=["python", "plugin"])
def entrance(request, livekit) -> Iterator[tuple]:
    """An entrance reaching the server through a counting proxy, and the proxy."""
    with FaultProxy(livekit.credentials.url) as proxy:
        credentials = dataclasses.replace(livekit.credentials, url=proxy.url)
        yield (PythonEntrance(credentials) if request.param == "python" else PluginEntrance(credentials)), proxy


def declare(entrance, kind: str, declaration: dict, olds=None):
    checked = entrance.check(kind, "r", olds, declaration)
    assert checked.failures == [], checked.failures
    return checked.inputs


def stored(message) -> bytes:
    """An object as the server stores it, without its ID and timestamps: every byte, presence included."""
    copy = type(message)()
    copy.CopyFrom(message)
    for name in OUTPUT_ONLY & set(copy.DESCRIPTOR.fields_by_name):
        copy.ClearField(name)
    return copy.SerializeToString(deterministic=True)


def test_an_update_that_drops_room_config_stores_what_a_create_of_the_new_declaration_stores(entrance, oracle):
    entrance, proxy = entrance
    with_agents = declare(entrance, "DispatchRule", {**RULE, "roomConfig": AGENTS})
    rule_id, state = entrance.create("DispatchRule", "r", with_agents)
    without = declare(entrance, "DispatchRule", RULE, with_agents)
    assert entrance.diff("DispatchRule", rule_id, state, without)
    proxy.clear()
    state = entrance.update("DispatchRule", "r", rule_id, state, without)
    assert dict(proxy.counts) == {"ListSIPDispatchRule": 1, "UpdateSIPDispatchRule": 1}  # not field-wise: read, replace
    updated = oracle.rule(rule_id)
    assert not updated.HasField("room_config"), updated

    entrance.delete("DispatchRule", "r", rule_id, state)
    created_id, _ = entrance.create("DispatchRule", "r", without)
    assert stored(updated) == stored(oracle.rule(created_id))


def test_a_rename_is_one_field_wise_update_that_keeps_a_newer_livekits_fields(entrance, oracle):
    entrance, proxy = entrance
    inputs = declare(entrance, "DispatchRule", {**RULE, "name": "support"})
    rule_id, state = entrance.create("DispatchRule", "r", inputs)
    # The server's answers carry a field the stubs do not know; an update it cannot say field-wise (krisp) reads
    # the rule and replaces it, which stores that field on the server.
    proxy.rewrite_answers("ListSIPDispatchRule", with_unknown_field(sip_pb.ListSIPDispatchRuleResponse, NEWER))
    krisp = declare(entrance, "DispatchRule", {**RULE, "name": "support", "krispEnabled": True}, inputs)
    state = entrance.update("DispatchRule", "r", rule_id, state, krisp)
    assert NEWER in oracle.rule(rule_id).SerializeToString()

    proxy.clear()
    renamed = declare(entrance, "DispatchRule", {**RULE, "name": "front desk", "krispEnabled": True}, krisp)
    state = entrance.update("DispatchRule", "r", rule_id, state, renamed)
    assert dict(proxy.counts) == {"UpdateSIPDispatchRule": 1}
    [body] = proxy.bodies("UpdateSIPDispatchRule")
    request = sip_pb.UpdateSIPDispatchRuleRequest.FromString(body)
    assert request.WhichOneof("action") == "update" and request.update.name == "front desk"
    rule = oracle.rule(rule_id)
    assert NEWER in rule.SerializeToString() and (rule.name, rule.krisp_enabled) == ("front desk", True)
    assert entrance.read("DispatchRule", "r", rule_id, state)[0] == state  # nothing this package cannot show


def test_a_trunks_numbers_and_password_change_in_one_request_keeping_a_newer_livekits_fields(entrance, oracle):
    entrance, proxy = entrance
    declaration = {"numbers": ["+15550100"], "authUsername": "pbx", "authPassword": "Pa55-word-1"}
    inputs = declare(entrance, "InboundTrunk", declaration)
    trunk_id, state = entrance.create("InboundTrunk", "t", inputs)
    proxy.rewrite_answers("ListSIPInboundTrunk", with_unknown_field(sip_pb.ListSIPInboundTrunkResponse, NEWER))
    headers = declare(entrance, "InboundTrunk", {**declaration, "headers": {"X-Org": "acme"}}, inputs)
    state = entrance.update("InboundTrunk", "t", trunk_id, state, headers)
    proxy.clear()

    changed = {"numbers": ["+15550101", "+15550102"], "authUsername": "pbx", "authPassword": "Pa55-word-2",
               "headers": {"X-Org": "acme"}}
    state = entrance.update("InboundTrunk", "t", trunk_id, state, declare(entrance, "InboundTrunk", changed, headers))
    assert dict(proxy.counts) == {"UpdateSIPInboundTrunk": 1}
    [trunk] = oracle.inbound_trunks()
    assert NEWER in trunk.SerializeToString()
    assert (list(trunk.numbers), trunk.auth_password) == (["+15550101", "+15550102"], "Pa55-word-2")
    assert entrance.read("InboundTrunk", "t", trunk_id, state)[0] == state


def test_a_rule_kind_with_every_option_at_its_default_is_created_and_switched_to_as_declared(entrance, oracle):
    entrance, _ = entrance
    callee = {"rule": {"dispatchRuleCallee": {}}, "trunkIds": ["ST_support"]}
    inputs = declare(entrance, "DispatchRule", callee)
    rule_id, state = entrance.create("DispatchRule", "r", inputs)
    assert oracle.rule(rule_id).rule.HasField("dispatch_rule_callee")
    individual = declare(entrance, "DispatchRule", {**callee, "rule": {"dispatchRuleIndividual": {}}}, inputs)
    assert entrance.diff("DispatchRule", rule_id, state, individual)
    state = entrance.update("DispatchRule", "r", rule_id, state, individual)
    updated = oracle.rule(rule_id)
    assert updated.rule.WhichOneof("rule") == "dispatch_rule_individual"

    entrance.delete("DispatchRule", "r", rule_id, state)
    created_id, _ = entrance.create("DispatchRule", "r", individual)
    assert stored(updated) == stored(oracle.rule(created_id))


def test_encryption_given_inside_media_alone_stays_as_a_create_stores_it_through_a_rename(entrance, oracle):
    entrance, proxy = entrance
    declaration = {"address": "sip.example.com", "numbers": ["+15550100"],
                   "media": {"encryption": "SIP_MEDIA_ENCRYPT_REQUIRE"}}
    inputs = declare(entrance, "OutboundTrunk", declaration)
    trunk_id, state = entrance.create("OutboundTrunk", "t", inputs)
    proxy.clear()
    renamed = declare(entrance, "OutboundTrunk", {**declaration, "name": "carrier"}, inputs)
    state = entrance.update("OutboundTrunk", "t", trunk_id, state, renamed)
    assert dict(proxy.counts) == {"UpdateSIPOutboundTrunk": 1}  # LiveKit's update sets the legacy field from it
    [updated] = oracle.outbound_trunks()
    assert entrance.read("OutboundTrunk", "t", trunk_id, state)[0] == state

    entrance.delete("OutboundTrunk", "t", trunk_id, state)
    entrance.create("OutboundTrunk", "t", renamed)
    [created] = oracle.outbound_trunks()
    assert stored(updated) == stored(created)
