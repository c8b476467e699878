"""What an update keeps, through the real engine and livekit-server: what the server keeps, a field a newer LiveKit
holds that the installed stubs do not know (the fault proxy adds one to the server's answers; a read and replace
stores it, a rename's one field-wise update leaves it) and the empty `media` LiveKit stores on every object it
creates; a refresh or an import of such an object changes nothing. (Where an update goes when the connection moves
to another project: tests/engine/test_moves.py.)"""

from __future__ import annotations

import dataclasses
import json
import uuid

from livekit.protocol import sip as sip_pb

from pulumi_livekit.testing import unknown_field, with_unknown_field

from support import PROGRAMS, configure_for

NEWER = unknown_field(999, b"set in the dashboard of a newer LiveKit")


def rule_spec(name: str) -> dict:
    return {"kind": "direct", "rule": {"room_name": "lobby", "pin": "4321"}, "name": name,
            "trunk_ids": [f"ST_{uuid.uuid4().hex[:12]}"]}


def test_an_update_keeps_the_fields_this_package_does_not_know_and_the_servers_media(pulumi_stack, livekit, oracle,
                                                                                      proxy):
    stack = pulumi_stack(PROGRAMS / "rule", config=False)
    configure_for(stack, dataclasses.replace(livekit.credentials, url=proxy.url))
    spec = rule_spec("front desk")
    stack.set_config("spec", json.dumps(spec))
    rule_id = stack.up().outputs["rule_id"]
    assert oracle.rule(rule_id).HasField("media")  # LiveKit adds an empty one to every object it creates

    proxy.rewrite_answers("ListSIPDispatchRule", with_unknown_field(sip_pb.ListSIPDispatchRuleResponse, NEWER))
    assert stack.refresh().changes == {}
    stack.preview("--expect-no-changes")

    spec["name"], spec["krisp_enabled"] = "reception", True  # krisp: a change LiveKit's field-wise update cannot say
    stack.set_config("spec", json.dumps(spec))
    assert stack.up().changes == {"update": 1}
    [body] = proxy.bodies("UpdateSIPDispatchRule")
    sent = sip_pb.UpdateSIPDispatchRuleRequest.FromString(body).replace
    assert NEWER in sent.SerializeToString()
    assert sent.name == "reception" and sent.HasField("media")
    stored = oracle.rule(rule_id)
    assert (stored.name, stored.rule.dispatch_rule_direct.pin) == ("reception", "4321")
    assert stored.HasField("media") and NEWER in stored.SerializeToString()  # kept though never declared

    proxy.clear()
    spec["name"] = "front desk"  # a rename: one field-wise update, which the server applies to what it holds
    stack.set_config("spec", json.dumps(spec))
    assert stack.up().changes == {"update": 1}
    assert dict(proxy.counts) == {"ListSIPDispatchRule": 1, "UpdateSIPDispatchRule": 1}  # the check, the update
    stored = oracle.rule(rule_id)
    assert stored.name == "front desk" and NEWER in stored.SerializeToString()
    stack.preview("--expect-no-changes")


def test_an_import_of_an_object_with_a_field_of_a_newer_livekit_shows_no_change(pulumi_stack, livekit, oracle, proxy):
    spec = rule_spec("made by hand")
    made = oracle.call("create_dispatch_rule", sip_pb.CreateSIPDispatchRuleRequest(dispatch_rule=sip_pb.SIPDispatchRuleInfo(
        name=spec["name"], trunk_ids=spec["trunk_ids"], rule=sip_pb.SIPDispatchRule(
            dispatch_rule_direct=sip_pb.SIPDispatchRuleDirect(room_name="lobby", pin="4321")))))
    proxy.rewrite_answers("ListSIPDispatchRule", with_unknown_field(sip_pb.ListSIPDispatchRuleResponse, NEWER))
    stack = pulumi_stack(PROGRAMS / "rule", config=False)
    configure_for(stack, dataclasses.replace(livekit.credentials, url=proxy.url))
    stack.set_config("spec", json.dumps(spec))
    stack.set_config("importId", made.sip_dispatch_rule_id)
    assert stack.up().changes == {"create": 1, "import": 1}  # the stack, and the rule: no update
    stack.preview("--expect-no-changes")
    assert [m for m in proxy.counts if not m.startswith("List")] == [], dict(proxy.counts)  # reads only
