"""examples/yaml, LiveKit's dispatch-rule examples in Pulumi YAML, on the provider plugin: the whole life
of a stack against the real server, read back with the livekit-api oracle."""

from __future__ import annotations

import json
import re

import yaml

from livekit import api as lkapi

from support import EXAMPLES, livekit_routes

# Distinctive, so finding it anywhere in state or output can only be a leak.
PIN = "7305918264"


def test_yaml_program_up_preview_refresh_drift_destroy(pulumi_stack, oracle, livekit):
    stack = pulumi_stack(EXAMPLES / "yaml")
    program = stack.program_dir / "Pulumi.yaml"
    project = yaml.safe_load(program.read_text())
    project["resources"]["openRoom"]["properties"]["rule"]["dispatchRuleDirect"]["pin"] = PIN
    program.write_text(yaml.safe_dump(project))
    outputs = []

    planned = stack.preview()  # the rule's trunkIds unknown until the trunk exists
    assert planned.changes == {"create": 5}, planned.output
    up = stack.up()
    outputs.append(up.output)
    ids = up.outputs
    (trunk,) = oracle.inbound_trunks()
    assert trunk.sip_trunk_id == ids["trunkId"] and list(trunk.numbers) == ["+15105550100"] and trunk.krisp_enabled
    rules = {rule.sip_dispatch_rule_id: rule for rule in oracle.rules()}
    assert set(rules) == {ids["agentRuleId"], ids["pinRuleId"], ids["calleeRuleId"]}
    to_agent = rules[ids["agentRuleId"]]
    assert list(to_agent.trunk_ids) == [trunk.sip_trunk_id]  # the declared trunk's output
    assert to_agent.rule.dispatch_rule_individual.room_prefix == "call-"
    assert [(a.agent_name, a.metadata) for a in to_agent.room_config.agents] == [("inbound-agent", '{"line": "main"}')]
    open_room = rules[ids["pinRuleId"]]
    assert (open_room.rule.dispatch_rule_direct.room_name, open_room.rule.dispatch_rule_direct.pin) == ("open-room", PIN)
    assert rules[ids["calleeRuleId"]].rule.dispatch_rule_callee.room_prefix == "number-"

    outputs.append(stack.preview("--expect-no-changes").output)
    # livekit-routes reads the plugin's stack as it reads the dynamic resources': the PIN known to be there, never shown.
    table = livekit_routes("table", "--stack-export", "-", stdin=json.dumps(stack.export())).stdout
    rows = {rule_id: next(line for line in table.splitlines() if rule_id in line) for rule_id in rules}
    assert "inbound-agent" in rows[ids["agentRuleId"]] and trunk.sip_trunk_id in table
    assert re.search(r"open-room\s+yes", rows[ids["pinRuleId"]]) and PIN not in table
    refreshed = stack.refresh("--expect-no-changes")
    outputs.append(refreshed.output)
    assert not refreshed.changes

    # Out of band: someone moves the PIN room elsewhere, with another PIN.
    drifted = lkapi.SIPDispatchRuleInfo()
    drifted.CopyFrom(open_room)
    drifted.rule.dispatch_rule_direct.room_name = "elsewhere"
    drifted.rule.dispatch_rule_direct.pin = "4444"
    oracle.call("update_dispatch_rule", open_room.sip_dispatch_rule_id, drifted)
    assert oracle.rule(open_room.sip_dispatch_rule_id).rule.dispatch_rule_direct.room_name == "elsewhere"

    seen = stack.preview("--refresh")  # with --diff: what changes, secrets masked
    outputs.append(seen.output)
    assert seen.changes == {"update": 1} and '"elsewhere" => "open-room"' in seen.output, seen.output
    assert "4444" not in seen.output

    repaired = stack.up("--refresh")
    outputs.append(repaired.output)
    assert repaired.changes == {"update": 1}
    back = oracle.rule(open_room.sip_dispatch_rule_id)  # the same rule, put back: no new ID
    assert (back.rule.dispatch_rule_direct.room_name, back.rule.dispatch_rule_direct.pin) == ("open-room", PIN)
    outputs.append(stack.preview("--expect-no-changes").output)

    # The PIN and the API secret: encrypted in state, never in the engine's output.
    exported = json.dumps(stack.export())
    for secret in (PIN, livekit.credentials.api_secret):
        assert secret not in exported
        assert all(secret not in text for text in outputs)
    state = {r["urn"].rsplit("::", 1)[-1]: r for r in stack.resources("DispatchRule")}
    assert "ciphertext" in json.dumps(state["openRoom"]["outputs"]["rule"])
    assert "__provider" not in exported  # no Python pickled into state

    # A change reviewed with livekit-routes diff, from the plugin's preview.
    project["resources"]["toAgent"]["properties"]["rule"]["dispatchRuleIndividual"]["roomPrefix"] = "agent-"
    program.write_text(yaml.safe_dump(project))
    review = livekit_routes("diff", stdin=stack.run("preview", "--json", "--show-sames").stdout)
    assert "1 of 2 calls change route" in review.stdout and "room agent-_{caller}_{random}" in review.stdout, review
    assert PIN not in review.stdout + review.stderr

    destroyed = stack.destroy()
    assert destroyed.changes == {"delete": 5}  # 4 resources and the stack
    assert not oracle.rules() and not oracle.inbound_trunks()
