"""Lookups and read-only references through the real engine, on both entrances: objects another team manages
(made out of band here) found by ID, by name and by number, and read with `get`; a lookup finding none or
several failing the preview; secrets staying secret; one request per distinct lookup, counted at the proxy; a
`get` never updated or deleted, and its drift shown by refresh. Server state is read and changed with the
official SDK (`oracle`)."""

from __future__ import annotations

import json

from livekit import api as lkapi
from livekit.protocol import sip as sip_pb

from pulumi_livekit.testing import FaultProxy, resource_name

from support import (PROGRAMS, create_inbound, create_outbound, create_rule, policy_findings, policy_pack,
                     warnings_of, yaml_program)

PASSWORD = "Telephony-Pa55word-5521"  # the other team's secrets: never in plaintext in this stack
CARRIER_PASSWORD = "Carrier-Pa55word-7340"
PIN = "38227104"
WRITES = ("Create", "Update", "Delete")


def other_teams_objects(oracle) -> dict:
    """What the telephony team manages: the trunks and a rule this stack finds and reads."""
    main = create_inbound(oracle, name="Main line", numbers=["+15550100"], auth_username="pbx",
                          auth_password=PASSWORD)
    twins = [create_inbound(oracle, name="Twin line", numbers=[number]) for number in ("+15550101", "+15550102")]
    carrier = create_outbound(oracle, name="Carrier", address="sip.carrier.example.com", numbers=["+15550200"],
                              auth_username="acme", auth_password=CARRIER_PASSWORD)
    lobby = create_rule(oracle, "direct", {"room_name": "lobby", "pin": PIN}, name="Lobby")
    return {"main": main, "twins": twins, "carrier": carrier, "lobby": lobby}


def list_filters(proxy, method: str, request_type) -> list[dict]:
    """The filters of each List request of `method` the proxy saw (in no particular order: a `sorted` list)."""
    found = []
    for body in proxy.bodies(method):
        request = request_type.FromString(body)
        found.append({field.name: list(value) for field, value in request.ListFields() if field.name != "page"})
    return in_order(found)


def in_order(filters: list[dict]) -> list[dict]:
    return sorted(filters, key=json.dumps)


def writes(proxy) -> dict[str, int]:
    return {method: count for method, count in proxy.counts.items() if method.startswith(WRITES)}


def test_python_lookups_by_each_key_gets_and_rules_routed_to_what_they_found(pulumi_stack, oracle, livekit):
    objects = other_teams_objects(oracle)
    trunk_id, rule_id = objects["main"].sip_trunk_id, objects["lobby"].sip_dispatch_rule_id
    with FaultProxy(livekit.credentials.url) as proxy:
        stack = pulumi_stack(PROGRAMS / "lookups")
        stack.set_config("livekit:url", proxy.url)
        stack.set_config("trunkId", trunk_id)
        stack.set_config("ruleId", rule_id)

        preview = stack.preview()
        # Known at preview: the rule is routed to the trunk the lookup found.
        [support] = [step for step in preview.steps("create") if resource_name(step.urn) == "support"]
        assert support.new.inputs["trunk_ids"] == [trunk_id]
        # Judged against the trunk it will really use: its numbers are known, and it is never warned about.
        assert warnings_of(preview) == {"stray": {"unserved-number"}}
        # One request per distinct lookup: by ID, by number, and one for every lookup with no filter (both by
        # name, the same again, the list by name); the get's read lists the kind in the provider.
        assert list_filters(proxy, "ListSIPInboundTrunk", sip_pb.ListSIPInboundTrunkRequest) == in_order([
            {}, {}, {"numbers": ["+1 555 0100", "+15550100"]}, {"trunk_ids": [trunk_id]}])
        assert list_filters(proxy, "ListSIPOutboundTrunk", sip_pb.ListSIPOutboundTrunkRequest) == [
            {"numbers": ["+15550200"]}]
        # The rule by name and every rule share one; the provider lists once for its read and conflict checks.
        assert proxy.count("ListSIPDispatchRule") == 2 and writes(proxy) == {}

        proxy.clear()
        up = stack.up()
        assert writes(proxy) == {"CreateSIPDispatchRule": 2}
        out = up.outputs
        assert out["ids"] == [trunk_id] * 4
        assert out["twin_ids"] == sorted(t.sip_trunk_id for t in objects["twins"])
        assert out["carrier"] == {"id": objects["carrier"].sip_trunk_id, "address": "sip.carrier.example.com",
                                  "password": "[secret]"}
        assert out["lobby"] == {"id": rule_id, "room": {"room_name": "lobby"}, "pin": "[secret]"}
        assert out["rule_count"] == 1  # what the lookup saw: before this stack's rules
        assert out["main_password"] == "[secret]"
        assert out["read"] == {"name": "Main line", "numbers": ["+15550100"], "password": "[secret]",
                               "lobby_name": "Lobby", "lobby_pin": "[secret]"}
        assert list(oracle.rule(out["support_id"]).trunk_ids) == [trunk_id]
        # A secret field stays secret: in the engine's output, in state (the reads' too), in the stack's outputs.
        exported = json.dumps(stack.export())
        for secret in (PASSWORD, CARRIER_PASSWORD, PIN):
            assert secret not in up.output and secret not in exported
        for read in stack.resources():
            if read.get("external"):
                secret_key = "auth_password" if "Trunk" in read["type"] else "pin"
                assert "ciphertext" in read["outputs"][secret_key], read["urn"]
        secrets = stack.outputs(show_secrets=True)
        assert (secrets["main_password"], secrets["lobby"]["pin"], secrets["carrier"]["password"]) == (
            PASSWORD, PIN, CARRIER_PASSWORD)

        # The policy pack is handed neither lookups nor gets: it reads the trunk the rules name, in one request,
        # and finds what the preview's own review finds.
        proxy.clear()
        reviewed = stack.preview("--expect-no-changes", "--policy-pack", policy_pack())
        assert policy_findings(reviewed) == warnings_of(reviewed) == {"stray": {"unserved-number"}}
        assert list_filters(proxy, "ListSIPInboundTrunk", sip_pb.ListSIPInboundTrunkRequest) == in_order([
            {}, {}, {"numbers": ["+1 555 0100", "+15550100"]}, {"trunk_ids": [trunk_id]}, {"trunk_ids": [trunk_id]}])
        assert PASSWORD not in reviewed.output and PIN not in reviewed.output

        # The telephony team changes its trunk and its rule: a refresh shows it; `up` writes nothing back, and
        # `destroy` deletes the rules this stack manages alone.
        oracle.call("update_inbound_trunk_fields", trunk_id, metadata='{"region": "eu"}')
        oracle.call("update_dispatch_rule_fields", rule_id, metadata='{"floor": 2}')
        proxy.clear()
        refresh = stack.refresh()
        changed = {resource_name(step.urn): step.new.outputs.get("metadata") for step in refresh.applied("update")}
        assert changed == {"main": '{"region": "eu"}', "lobby": '{"floor": 2}'}
        assert stack.up().changes == {} and writes(proxy) == {}
        assert stack.destroy().changes == {"delete": 3, "discard": 2}  # the stack, its rules; the reads let go
        assert writes(proxy) == {"DeleteSIPDispatchRule": 2}
    [main] = [t for t in oracle.inbound_trunks() if t.sip_trunk_id == trunk_id]
    assert main.metadata == '{"region": "eu"}'
    assert [(r.sip_dispatch_rule_id, r.metadata) for r in oracle.rules()] == [(rule_id, '{"floor": 2}')]


def test_python_lookups_finding_none_or_several_fail_the_preview_naming_what_they_searched(pulumi_stack, oracle,
                                                                                           livekit):
    objects = other_teams_objects(oracle)
    twins = sorted(t.sip_trunk_id for t in objects["twins"])
    with FaultProxy(livekit.credentials.url) as proxy:
        stack = pulumi_stack(PROGRAMS / "lookups")
        stack.set_config("livekit:url", proxy.url)
        stack.set_config("mode", "none")
        none = stack.preview(check=False)
        assert none.returncode != 0
        text = none.messages()[""]
        assert ('get_inbound_trunk: found no inbound trunk with name "Backup line" in the LiveKit project at '
                f'{proxy.url}: searched 3 inbound trunks: ') in text, text
        assert all(f'{t.sip_trunk_id} "{t.name}"' in text for t in (objects["main"], *objects["twins"]))
        assert "Traceback" not in text and PASSWORD not in none.output

        stack.set_config("mode", "several")
        several = stack.preview(check=False)
        assert several.returncode != 0
        assert (f'get_inbound_trunk: found 2 inbound trunks with name "Twin line" in the LiveKit project at '
                f'{proxy.url}, where one was expected: ') in several.messages()[""]
        assert all(twin in several.messages()[""] for twin in twins)
        assert proxy.count("ListSIPInboundTrunk") == 2 and writes(proxy) == {}


def invoke(function: str, **arguments: str) -> dict:
    return {"fn::invoke": {"function": f"livekit:index:{function}", "arguments": arguments}}


def test_yaml_lookups_and_gets_on_the_plugin(tmp_path, pulumi_stack, oracle, livekit):
    objects = other_teams_objects(oracle)
    trunk_id, rule_id = objects["main"].sip_trunk_id, objects["lobby"].sip_dispatch_rule_id
    program = yaml_program(
        tmp_path / "yaml-lookups",
        config={"trunkId": {"type": "string"}, "ruleId": {"type": "string"}},
        variables={
            "byId": invoke("getInboundTrunk", id="${trunkId}"),
            "byName": invoke("getInboundTrunk", name="Main line"),
            "again": invoke("getInboundTrunk", name="Main line"),
            "byNumber": invoke("getInboundTrunk", number="+1 555 0100"),
            "twins": {"fn::invoke": {"function": "livekit:index:getInboundTrunks", "arguments": {"name": "Twin line"},
                                     "return": "items"}},
            "carrier": invoke("getOutboundTrunk", number="+15550200"),
            "lobby": invoke("getDispatchRule", name="Lobby"),
        },
        resources={
            "main": {"type": "livekit:index:InboundTrunk", "get": {"id": "${trunkId}"}},
            "lobbyRead": {"type": "livekit:index:DispatchRule", "get": {"id": "${ruleId}"}},
            "support": {"type": "livekit:index:DispatchRule", "properties": {
                "trunkIds": ["${byNumber.sipTrunkId}"], "rule": {"dispatchRuleIndividual": {"roomPrefix": "s-"}}}},
            # A number the looked-up trunk does not serve: the policy pack reads the trunk to tell.
            "stray": {"type": "livekit:index:DispatchRule", "properties": {
                "trunkIds": ["${main.sipTrunkId}"], "numbers": ["+15559999"],
                "rule": {"dispatchRuleDirect": {"roomName": "stray"}}}},
        },
        outputs={"ids": ["${byId.sipTrunkId}", "${byName.sipTrunkId}", "${again.sipTrunkId}"],
                 "twinNames": ["${twins[0].name}", "${twins[1].name}"], "carrierAddress": "${carrier.address}",
                 "lobbyPin": "${lobby.rule.dispatchRuleDirect.pin}", "readNumbers": "${main.numbers}",
                 "readPassword": "${main.authPassword}", "readLobbyPin": "${lobbyRead.rule.dispatchRuleDirect.pin}"})
    with FaultProxy(livekit.credentials.url) as proxy:
        stack = pulumi_stack(program)
        stack.set_config("livekit:url", proxy.url)
        stack.set_config("trunkId", trunk_id)
        stack.set_config("ruleId", rule_id)
        preview = stack.preview("--policy-pack", policy_pack())
        assert preview.changes == {"create": 3}  # the stack and its rules; the reads are not its to create
        # The pack reads the trunk the rules name, which the engine does not hand it.
        assert policy_findings(preview) == {"stray": {"unserved-number"}}
        # One request per distinct lookup, as from Python; the reads list each kind once in the provider; the
        # pack's by ID.
        assert list_filters(proxy, "ListSIPInboundTrunk", sip_pb.ListSIPInboundTrunkRequest) == in_order([
            {}, {}, {"numbers": ["+1 555 0100", "+15550100"]}, {"trunk_ids": [trunk_id]}, {"trunk_ids": [trunk_id]}])
        assert proxy.count("ListSIPOutboundTrunk") == 1 and proxy.count("ListSIPDispatchRule") == 2
        assert writes(proxy) == {}

        up = stack.up()
        assert {r.name or r.rule.WhichOneof("rule"): list(r.trunk_ids) for r in oracle.rules()
                if r.sip_dispatch_rule_id != rule_id} == {"dispatch_rule_individual": [trunk_id],
                                                          "dispatch_rule_direct": [trunk_id]}
        out = up.outputs
        # Pulumi YAML marks a whole invoke result secret when it holds a secret: the IDs of a trunk with a password
        # too. A get's outputs are secret one by one, and a result without a secret is not secret at all.
        assert {key: value for key, value in out.items() if value == "[secret]"}.keys() == {
            "ids", "carrierAddress", "lobbyPin", "readPassword", "readLobbyPin"}
        assert (out["twinNames"], out["readNumbers"]) == (["Twin line", "Twin line"], ["+15550100"])
        shown = stack.outputs(show_secrets=True)
        assert (shown["ids"], shown["carrierAddress"], shown["lobbyPin"], shown["readPassword"],
                shown["readLobbyPin"]) == ([trunk_id] * 3, "sip.carrier.example.com", PIN, PASSWORD, PIN)
        exported = json.dumps(stack.export())
        for secret in (PASSWORD, CARRIER_PASSWORD, PIN):
            assert secret not in up.output and secret not in exported
        reads = {resource_name(r["urn"]): r for r in stack.resources() if r.get("external")}
        assert reads["main"]["type"] == "livekit:index:InboundTrunk" and reads["main"]["outputs"]["numbers"] == [
            "+15550100"]  # in state as the trunk it is, for whatever reads the state
        assert "ciphertext" in reads["main"]["outputs"]["authPassword"]
        assert "ciphertext" in reads["lobbyRead"]["outputs"]["rule"]["dispatchRuleDirect"]["pin"]

        oracle.call("update_inbound_trunk_fields", trunk_id, metadata='{"region": "eu"}')
        proxy.clear()
        refresh = stack.refresh()
        assert {resource_name(step.urn): step.new.outputs.get("metadata") for step in refresh.applied("update")} == {
            "main": '{"region": "eu"}'}
        assert stack.destroy().changes == {"delete": 3, "discard": 2}
        assert writes(proxy) == {"DeleteSIPDispatchRule": 2}
    assert [t.metadata for t in oracle.inbound_trunks() if t.sip_trunk_id == trunk_id] == ['{"region": "eu"}']
    assert [r.sip_dispatch_rule_id for r in oracle.rules()] == [rule_id]


def test_yaml_a_lookup_finding_none_or_several_and_a_get_of_nothing_fail_the_preview(tmp_path, pulumi_stack, oracle,
                                                                                      livekit):
    twins = [twin.sip_trunk_id for twin in other_teams_objects(oracle)["twins"]]
    cases = {
        "none": ({"variables": {"found": invoke("getInboundTrunk", number="+15550999")},
                  "outputs": {"id": "${found.sipTrunkId}"}},
                 'found no inbound trunk with number "+15550999" in the LiveKit project at '),
        "several": ({"variables": {"found": invoke("getInboundTrunk", name="Twin line")},
                     "outputs": {"id": "${found.sipTrunkId}"}},
                    'found 2 inbound trunks with name "Twin line" in the LiveKit project at '),
        "getNothing": ({"resources": {"gone": {"type": "livekit:index:DispatchRule", "get": {"id": "SDR_gone"}}}},
                       "DispatchRule SDR_gone not found: the LiveKit project at "),
    }
    for name, (program, expected) in cases.items():
        stack = pulumi_stack(yaml_program(tmp_path / name, program.get("resources", {}),
                                          variables=program.get("variables"), outputs=program.get("outputs")))
        preview = stack.preview(check=False)
        assert preview.returncode != 0, name
        assert expected + livekit.credentials.url in preview.output, preview.output
        assert PASSWORD not in preview.output
        assert all(twin in preview.output for twin in twins) == (name == "several")
