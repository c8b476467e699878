"""What an update keeps, and where it goes, through the real engine and livekit-server.

- An update keeps what the server keeps: a field a newer LiveKit holds that the installed stubs do not
  know (the fault proxy adds one to the server's answers; a read and replace stores it, a rename's one
  field-wise update leaves it) and the empty `media` LiveKit stores on every object it creates; a refresh
  or an import of such an object changes nothing.
- A stack whose connection (stack config) moves to another LiveKit project sends that project nothing
  with an old ID: preview and destroy fail saying what to do, and refresh then up make the objects there."""

from __future__ import annotations

import dataclasses
import json
import uuid

from livekit.protocol import sip as sip_pb

from pulumi_livekit.testing import FaultProxy, unknown_field, with_unknown_field

from support import PROGRAMS, Oracle, configure_for, make_stack

NEWER = unknown_field(999, b"set in the dashboard of a newer LiveKit")
# What must never reach a project with an ID from another.
WRITES = ("Update", "Delete")


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
    assert dict(proxy.counts) == {"UpdateSIPDispatchRule": 1}
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


def test_a_stack_connection_moved_to_another_project_sends_no_old_id_there(pulumi_stack, livekit, oracle,
                                                                          other_project):
    with FaultProxy(other_project.credentials.url) as there:
        stack = pulumi_stack(PROGRAMS / "rule")
        stack.set_config("spec", json.dumps(rule_spec("front desk")))
        old_id = stack.up().outputs["rule_id"]

        configure_for(stack, dataclasses.replace(other_project.credentials, url=there.url))
        for refused in (stack.preview(check=False), stack.up(check=False)):
            assert refused.returncode != 0
            assert f"DispatchRule {old_id} is in another LiveKit project" in refused.output, refused.output
            assert "pulumi refresh" in refused.output and "pulumi destroy" in refused.output
        assert [m for m in there.counts if m.startswith(WRITES)] == [], dict(there.counts)
        assert [r.sip_dispatch_rule_id for r in oracle.rules()] == [old_id]  # the old project untouched

        stack.refresh()  # the new project does not hold it: forgotten here, left in the old project
        new_id = stack.up().outputs["rule_id"]
        assert new_id != old_id
        assert [r.sip_dispatch_rule_id for r in Oracle(other_project.credentials).rules()] == [new_id]
        assert [m for m in there.counts if m.startswith(WRITES)] == [], dict(there.counts)
        assert not any(old_id.encode() in body for body in there.bodies())
        assert [r.sip_dispatch_rule_id for r in oracle.rules()] == [old_id]
        stack.preview("--expect-no-changes")


def test_destroy_after_the_stack_connection_moved_removes_the_objects_where_they_are(pulumi_stack, oracle,
                                                                                     other_project):
    """`pulumi destroy` runs on the provider configuration the state recorded (the engine's), so it deletes in
    the project the objects were made in, and sends the new one nothing."""
    with FaultProxy(other_project.credentials.url) as there:
        stack = pulumi_stack(PROGRAMS / "rule")
        stack.set_config("spec", json.dumps(rule_spec("front desk")))
        stack.up()
        configure_for(stack, dataclasses.replace(other_project.credentials, url=there.url))
        stack.destroy()
        assert oracle.rules() == []
        assert dict(there.counts) == {}


def test_with_the_environment_moved_to_another_project_destroy_fails_and_sends_nothing_there(tmp_path, livekit,
                                                                                             oracle, other_project):
    """LIVEKIT_* are read by the provider process, not recorded by the engine: a destroy would reach the new
    project, so it fails as preview does, and the object stays where it is."""
    with FaultProxy(other_project.credentials.url) as there:
        stack = make_stack(tmp_path, PROGRAMS / "rule", livekit, config={"spec": rule_spec("front desk")})
        old_id = stack.up().outputs["rule_id"]
        elsewhere = other_project.credentials
        stack.env = {**stack.env, "LIVEKIT_URL": there.url, "LIVEKIT_API_KEY": elsewhere.api_key,
                     "LIVEKIT_API_SECRET": elsewhere.api_secret}
        for refused in (stack.preview(check=False), stack.destroy(check=False)):
            assert refused.returncode != 0
            assert f"DispatchRule {old_id} is in another LiveKit project" in refused.output, refused.output
        assert dict(there.counts) == {}
        assert [r.sip_dispatch_rule_id for r in oracle.rules()] == [old_id]
