"""The provider plugin (`pulumi-resource-livekit`) through the engine, from Pulumi YAML programs: what only a
regular provider can do (CLI import, explicit providers, detailed diffs; a provider that moves projects is in
test_moves.py) and the guarantees the dynamic resources give (check before any request, declared conflicts,
secrets)."""

from __future__ import annotations

import json
from typing import Any

import yaml
from livekit import api as lkapi

from support import PLUGIN_DIR, Oracle, yaml_program
from pulumi_livekit.plugin import VERSION
from pulumi_livekit.testing import Fault, FaultProxy


def object_ids(stack) -> set[str]:
    """The IDs of the LiveKit objects a stack's state holds."""
    return {r["id"] for r in stack.resources() if r["type"].startswith("livekit:index:")}


def callee_rule(prefix: str = "number-", **properties: Any) -> dict[str, Any]:
    return {"type": "livekit:index:DispatchRule",
            "properties": {"rule": {"dispatchRuleCallee": {"roomPrefix": prefix}}, **properties}}


BAD_PIN = "12ab9988776655"
# The engine stops at a program's first refused resource, but the provider's check names every bad field of that
# resource: one program per resource, each resource with as many bad fields as do not hide one another (Pulumi YAML
# refuses an unknown field itself, before the provider; a number in a list hides a repeat in the same list).
BAD_INPUTS = {  # resource -> (its type and properties, what its errors must say)
    "emptyRoomLettersInPin": ({"type": "livekit:index:DispatchRule",
                               "properties": {"rule": {"dispatchRuleDirect": {"roomName": "", "pin": BAD_PIN}}}},
                              ["rule.dispatchRuleDirect.roomName", "is required",
                               "rule.dispatchRuleDirect.pin", "digits 0-9"]),
    "unknownField": ({"type": "livekit:index:DispatchRule",
                      "properties": {"rule": {"dispatchRuleIndividual": {"roomPrefx": "call-"}}}},
                     ["roomPrefx"]),
    "twiceNegativeDurations": ({"type": "livekit:index:InboundTrunk", "properties": {
        "numbers": ["+15550100", "+15550100"], "ringingTimeout": "-5s", "maxCallDuration": -30}},
        ["numbers[1]", "listed twice",
         "ringingTimeout", "must not be negative, got -5s", "maxCallDuration", "must not be negative, got -30s"]),
    "sipUriBareNumber": ({"type": "livekit:index:OutboundTrunk", "properties": {
        "address": "sip:carrier@sip.example.com", "numbers": ["+15550103", 15550104]}},
        ["address", "not a SIP URI", "numbers[1]: expected a string, got the number 15550104", "quote it"]),
}


def test_bad_inputs_are_refused_at_check_naming_the_field_with_no_request(tmp_path, pulumi_stack, livekit):
    with FaultProxy(livekit.credentials.url) as proxy:
        for name, (resource, expected) in BAD_INPUTS.items():  # one refused resource per program (see above)
            stack = pulumi_stack(yaml_program(tmp_path / name, {name: resource}))
            stack.set_config("livekit:url", proxy.url)
            preview = stack.preview(check=False)
            assert preview.returncode != 0 and "{<nil>}" not in preview.output, (name, preview.output)
            assert all(text in preview.output for text in expected), (name, preview.output)
            assert BAD_PIN not in preview.output  # the engine quotes a failing property's value: never the PIN's
        assert proxy.count() == 0, proxy.counts


def test_a_value_of_the_wrong_kind_is_refused_by_the_schema_before_the_provider(tmp_path, pulumi_stack):
    program = yaml_program(tmp_path / "enum", {"out": {"type": "livekit:index:OutboundTrunk", "properties": {
        "address": "sip.example.com", "numbers": ["+15550101"], "transport": "SIP_TRANSPORT_CARRIER_PIGEON"}}})
    preview = pulumi_stack(program).preview(check=False)
    assert preview.returncode != 0
    assert "transport" in preview.output and "SIP_TRANSPORT_TLS" in preview.output  # the enum, from the schema


def test_conflicting_declared_rules_fail_the_preview_naming_both(tmp_path, pulumi_stack, oracle):
    program = yaml_program(tmp_path / "conflict", {"first": callee_rule("a-"), "second": callee_rule("b-")})
    stack = pulumi_stack(program)
    preview = stack.preview(check=False)
    assert preview.returncode != 0
    text = "\n".join(preview.messages().values())
    assert '"first"' in text or '"second"' in text, text
    named = [name for name in ("first", "second") if name in preview.messages()]
    assert len(named) == 1 and ({"first", "second"} - set(named)).pop() in preview.messages()[named[0]]
    up = stack.up(check=False)
    assert up.returncode != 0
    assert len(oracle.rules()) <= 1  # LiveKit would refuse the second; the engine never sent it


def test_cli_import_with_no_program_generates_code_that_previews_clean(tmp_path, pulumi_stack, oracle):
    trunk = oracle.call("create_inbound_trunk", lkapi.CreateSIPInboundTrunkRequest(trunk=lkapi.SIPInboundTrunkInfo(
        name="Main line", numbers=["+15105550100"], krisp_enabled=True, headers={"X-Line": "main"})))
    rule = oracle.call("create_dispatch_rule", lkapi.CreateSIPDispatchRuleRequest(dispatch_rule=lkapi.SIPDispatchRuleInfo(
        name="to agent", trunk_ids=[trunk.sip_trunk_id],
        rule=lkapi.SIPDispatchRule(dispatch_rule_individual=lkapi.SIPDispatchRuleIndividual(room_prefix="call-")),
        room_config=lkapi.RoomConfiguration(agents=[lkapi.RoomAgentDispatch(agent_name="inbound-agent")]))))
    # No `plugins:` entry: the plugin installed into the plugin cache, as `pulumi import` alone needs it.
    program = yaml_program(tmp_path / "import", {}, plugin_entry=False)
    stack = pulumi_stack(program)
    stack.run("plugin", "install", "resource", "livekit", VERSION, "--file", str(PLUGIN_DIR / "pulumi-resource-livekit"))
    generated = {}
    for token, name, object_id in (("livekit:index:InboundTrunk", "line", trunk.sip_trunk_id),
                                   ("livekit:index:DispatchRule", "toAgent", rule.sip_dispatch_rule_id)):
        out = tmp_path / f"{name}.yaml"
        stack.run("import", token, name, object_id, "--yes", "--out", str(out))
        generated.update(yaml.safe_load(out.read_text())["resources"])
    assert generated["toAgent"]["properties"]["roomConfig"] == {"agents": [{"agentName": "inbound-agent"}]}
    assert generated["line"]["properties"]["headers"] == {"X-Line": "main"}
    project = yaml.safe_load((stack.program_dir / "Pulumi.yaml").read_text())
    project["resources"] = generated
    (stack.program_dir / "Pulumi.yaml").write_text(yaml.safe_dump(project))
    stack.preview("--expect-no-changes")
    assert {r["id"] for r in stack.resources("livekit:index:DispatchRule")} == {rule.sip_dispatch_rule_id}
    assert [t.sip_trunk_id for t in oracle.inbound_trunks()] == [trunk.sip_trunk_id]  # adopted, not re-created


PROVIDERS_CONFIG = {"otherUrl": {"type": "string"}, "otherKey": {"type": "string"},
                    "otherSecret": {"type": "string", "secret": True}}


def test_two_explicit_providers_manage_two_projects_in_one_program(tmp_path, pulumi_stack, oracle, other_project):
    other = Oracle(other_project.credentials)
    program = yaml_program(tmp_path / "two", {
        "other": {"type": "pulumi:providers:livekit",
                  "properties": {"url": "${otherUrl}", "apiKey": "${otherKey}", "apiSecret": "${otherSecret}"}},
        # The same rule in both projects: each project's own (it would conflict within one).
        "here": callee_rule(),
        "there": {**callee_rule(), "options": {"provider": "${other}"}},
    }, config=PROVIDERS_CONFIG)
    stack = pulumi_stack(program)
    stack.set_config("otherUrl", other_project.credentials.url)
    stack.set_config("otherKey", other_project.credentials.api_key)
    stack.set_config("otherSecret", other_project.credentials.api_secret, secret=True)
    stack.up()
    ids = {r["urn"].rsplit("::", 1)[-1]: r["id"] for r in stack.resources("livekit:index:DispatchRule")}
    assert [r.sip_dispatch_rule_id for r in oracle.rules()] == [ids["here"]]
    assert [r.sip_dispatch_rule_id for r in other.rules()] == [ids["there"]]
    stack.preview("--expect-no-changes")
    assert other_project.credentials.api_secret not in json.dumps(stack.export())
    stack.destroy()
    assert not oracle.rules() and not other.rules()


def test_preview_diff_details_each_changed_field(tmp_path, pulumi_stack, oracle):
    program = yaml_program(tmp_path / "diff", {"rule": callee_rule(name="before", metadata="m")})
    stack = pulumi_stack(program)
    stack.up()
    (rule_id,) = [r.sip_dispatch_rule_id for r in oracle.rules()]
    program = yaml_program(stack.program_dir, {"rule": callee_rule("room-", name="after", krispEnabled=True)})
    preview = stack.preview()
    (step,) = preview.steps("update")
    assert set(step.detailed_diff) == {"name", "rule", "metadata", "krispEnabled"}, step.detailed_diff
    assert {key: diff.diff_kind.value for key, diff in step.detailed_diff.items()} == {
        "name": "update", "rule": "update", "metadata": "delete", "krispEnabled": "add"}
    assert '"before" => "after"' in preview.output and '"number-" => "room-"' in preview.output, preview.output
    stack.up()
    (after,) = oracle.rules()
    assert (after.sip_dispatch_rule_id, after.name, after.metadata, after.krisp_enabled) == (rule_id, "after", "", True)
    assert after.rule.dispatch_rule_callee.room_prefix == "room-"


def test_lost_answers_are_adopted_and_errors_never_show_a_secret(tmp_path, pulumi_stack, livekit, oracle):
    pin, password, wrong_secret = "4471902365", "trunk-pass-5508213", "not-the-secret-0937715"
    resources = {
        "line": {"type": "livekit:index:InboundTrunk",
                 "properties": {"numbers": ["+15105550100"], "authUsername": "carrier", "authPassword": password}},
        "pinned": {"type": "livekit:index:DispatchRule", "properties": {
            "trunkIds": ["${line.sipTrunkId}"], "rule": {"dispatchRuleDirect": {"roomName": "r", "pin": pin}}}},
    }
    with FaultProxy(livekit.credentials.url) as proxy:
        stack = pulumi_stack(yaml_program(tmp_path / "faults", resources))
        stack.set_config("livekit:url", proxy.url)
        proxy.inject("CreateSIPInboundTrunk", Fault.status_code(503), times=2)
        proxy.inject("CreateSIPDispatchRule", Fault.drop_after_forward())  # created, its answer lost
        up = stack.up()
        assert proxy.count("CreateSIPDispatchRule") == 1  # found on the server and adopted, not sent again
        (rule,) = oracle.rules()
        (trunk,) = oracle.inbound_trunks()
        assert object_ids(stack) == {rule.sip_dispatch_rule_id, trunk.sip_trunk_id}
        assert (rule.rule.dispatch_rule_direct.pin, trunk.auth_password) == (pin, password)

        # The same project with a wrong secret: the provider is updated, not replaced, and LiveKit refuses it.
        stack.set_config("livekit:apiSecret", wrong_secret, secret=True)
        resources["pinned"]["properties"]["name"] = "renamed"
        yaml_program(stack.program_dir, resources)
        refused = stack.up(check=False)
    assert refused.returncode != 0 and list(refused.messages()) == ["line"], refused.messages()
    told = refused.messages()["line"]
    # The first check verifies the connection (one listing, `_core.provider`): refused there, nothing is written.
    assert "ListSIPDispatchRule: LiveKit at" in told and "livekit:apiSecret" in told
    assert proxy.count("UpdateSIPDispatchRule") == 0
    assert 'File "' not in told  # our errors are told as they are, not as a traceback
    outputs = up.output + refused.output + json.dumps(stack.export())
    assert not any(secret in outputs for secret in (pin, password, wrong_secret, livekit.credentials.api_secret))
    assert oracle.rule(rule.sip_dispatch_rule_id).name == ""


def test_an_object_deleted_out_of_band_leaves_the_state_at_refresh_and_is_made_again(tmp_path, pulumi_stack, oracle):
    stack = pulumi_stack(yaml_program(tmp_path / "gone", {"rule": callee_rule(name="kept")}))
    stack.up()
    (rule,) = oracle.rules()
    oracle.call("delete_dispatch_rule", lkapi.DeleteSIPDispatchRuleRequest(sip_dispatch_rule_id=rule.sip_dispatch_rule_id))
    refreshed = stack.refresh()
    assert refreshed.changes == {"delete": 1} and not object_ids(stack)
    stack.up()
    (again,) = oracle.rules()
    assert again.name == "kept" and object_ids(stack) == {again.sip_dispatch_rule_id} != {rule.sip_dispatch_rule_id}


def test_a_provider_without_settings_is_refused_naming_each_and_how_to_set_it(tmp_path, pulumi_stack):
    stack = pulumi_stack(yaml_program(tmp_path / "unset", {"rule": callee_rule()}), config=False)
    stack.env = {key: value for key, value in stack.env.items() if not key.startswith("LIVEKIT_")}
    stack.set_config("livekit:url", "wss://example.livekit.cloud")  # the other two unset
    preview = stack.preview(check=False)
    assert preview.returncode != 0
    told = preview.messages()["default"]
    assert "apiKey" in told and "pulumi config set livekit:apiKey" in told and "LIVEKIT_API_KEY" in told
    assert "pulumi config set --secret livekit:apiSecret" in told and "property url " not in told
