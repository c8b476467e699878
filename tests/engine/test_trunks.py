"""InboundTrunk and OutboundTrunk acceptance tests: the real Pulumi engine against a real livekit-server.

Server state is read (and changed out of band) with the official `livekit-api` SDK (`oracle`).
"""

from __future__ import annotations

import asyncio
import json

import yaml
from google.protobuf import json_format
from livekit import api as lkapi

from pulumi_livekit.testing import resource_name

from support import EXAMPLES, PROGRAMS, example_stack

TRUNKS = PROGRAMS / "trunks"
INBOUND_PASSWORD = "inbound-Pa55word-7731"  # literals of tests/programs/trunks/__main__.py
OUTBOUND_PASSWORD = "outbound-Pa55word-9917"


def sip(oracle, call):
    """`await call(client.sip)` with the official SDK (for methods taking keyword arguments)."""
    creds = oracle.credentials

    async def run():
        async with lkapi.LiveKitAPI(creds.url, creds.api_key, creds.api_secret) as client:
            return await call(client.sip)
    return asyncio.run(run())


def by_id(items, id_field="sip_trunk_id") -> dict:
    return {getattr(item, id_field): item for item in items}


def changed_outputs(step) -> set[str]:
    """The outputs a finished step changed."""
    old, new = step.old.outputs, step.new.outputs
    return {key for key in old.keys() | new.keys() if old.get(key) != new.get(key)}


def assert_no_plaintext(stack, *secrets: str) -> None:
    exported = json.dumps(stack.export())
    for secret in secrets:
        assert secret not in exported, "a trunk password is in plaintext in `pulumi stack export`"
    trunks = [r for r in stack.resources() if "Trunk" in r["type"]]
    assert trunks
    for resource in trunks:
        for section in ("inputs", "outputs"):
            if resource[section].get("auth_password") is not None:
                assert "ciphertext" in resource[section]["auth_password"], (resource["urn"], section)


def test_composite_program_up_update_numbers_in_place_and_destroy(pulumi_stack, oracle):
    stack = pulumi_stack(TRUNKS)

    # Preview of a fresh stack: the rules' trunk_ids are unknown until the trunk exists.
    assert stack.preview().changes == {"create": 5}

    up = stack.up()
    assert up.changes == {"create": 5}
    out = up.outputs
    inbound_id, outbound_id, rule_ids = out["inbound_id"], out["outbound_id"], out["rule_ids"]
    assert inbound_id.startswith("ST_") and outbound_id.startswith("ST_")

    [inbound] = oracle.inbound_trunks()
    assert inbound.sip_trunk_id == inbound_id
    assert list(inbound.numbers) == ["+15550100", "+15550101"]
    assert list(inbound.allowed_addresses) == ["203.0.113.0/24"]
    assert (inbound.auth_username, inbound.auth_password, inbound.auth_realm) == (
        "support-in", INBOUND_PASSWORD, "sip.example.com")
    assert dict(inbound.headers) == {"X-Env": "test"}
    assert dict(inbound.headers_to_attributes) == {"X-Customer-Id": "customer.id"}
    assert dict(inbound.attributes_to_headers) == {"crm.ticket": "X-Ticket"}
    assert inbound.include_headers == lkapi.SIPHeaderOptions.SIP_X_HEADERS
    assert inbound.ringing_timeout.seconds == 30 and inbound.max_call_duration.seconds == 3600
    assert inbound.krisp_enabled is True
    assert inbound.media_encryption == lkapi.SIPMediaEncryption.SIP_MEDIA_ENCRYPT_ALLOW

    [outbound] = oracle.outbound_trunks()
    assert outbound.sip_trunk_id == outbound_id
    assert (outbound.address, outbound.transport, outbound.destination_country, outbound.from_host) == (
        "sip.carrier.example.com", lkapi.SIPTransport.SIP_TRANSPORT_TCP, "US", "calls.example.com")
    assert list(outbound.numbers) == ["+15550199"]
    assert (outbound.auth_username, outbound.auth_password) == ("support-out", OUTBOUND_PASSWORD)
    assert dict(outbound.headers) == {"X-Org": "acme"}

    rules = by_id(oracle.rules(), "sip_dispatch_rule_id")
    assert set(rules) == set(rule_ids.values())
    for team, number in (("sales", "+15550100"), ("billing", "+15550101")):
        rule = rules[rule_ids[team]]
        assert list(rule.trunk_ids) == [inbound_id]
        assert list(rule.numbers) == [number]
        assert rule.rule.dispatch_rule_individual.room_prefix == f"{team}-"
        [agent] = rule.room_config.agents
        assert (agent.agent_name, json.loads(agent.metadata)) == (f"{team}-agent", {"queue": team})

    stack.preview("--expect-no-changes")
    assert INBOUND_PASSWORD not in up.output and OUTBOUND_PASSWORD not in up.output
    assert_no_plaintext(stack, INBOUND_PASSWORD, OUTBOUND_PASSWORD)

    # Add a number: an in-place update of the same trunk, nothing replaced.
    stack.set_config("inboundNumbers", "+15550100,+15550101,+15550102")
    preview = stack.preview()
    assert preview.changes == {"update": 1}
    [step] = [step for step in preview.steps("update") if resource_name(step.urn) == "inbound"]
    assert (step.old.outputs["numbers"], step.new.inputs["numbers"]) == (
        ["+15550100", "+15550101"], ["+15550100", "+15550101", "+15550102"])
    update = stack.up()
    assert update.changes == {"update": 1}
    out = update.outputs
    assert (out["inbound_id"], out["outbound_id"], out["rule_ids"]) == (inbound_id, outbound_id, rule_ids)
    [inbound] = oracle.inbound_trunks()
    assert inbound.sip_trunk_id == inbound_id
    assert list(inbound.numbers) == ["+15550100", "+15550101", "+15550102"]
    assert inbound.auth_password == INBOUND_PASSWORD  # a full replace keeps every other field
    assert set(by_id(oracle.rules(), "sip_dispatch_rule_id")) == set(rule_ids.values())
    stack.preview("--expect-no-changes")
    assert_no_plaintext(stack, INBOUND_PASSWORD, OUTBOUND_PASSWORD)

    # The engine deletes the rules before the trunk they reference.
    assert stack.destroy().changes == {"delete": 5}
    assert oracle.inbound_trunks() == [] and oracle.outbound_trunks() == [] and oracle.rules() == []


def test_agents_example_routes_its_number_to_the_named_agent(pulumi_stack, oracle):
    stack = pulumi_stack(EXAMPLES / "agents")
    stack.set_config("number", "+15105550142")
    stack.set_config("agentName", "receptionist")
    stack.up()
    out = stack.outputs()
    [trunk] = oracle.inbound_trunks()
    [rule] = oracle.rules()
    assert (trunk.sip_trunk_id, list(trunk.numbers)) == (out["trunk_id"], ["+15105550142"])
    assert (rule.sip_dispatch_rule_id, list(rule.trunk_ids)) == (out["rule_id"], [trunk.sip_trunk_id])
    [agent] = rule.room_config.agents
    assert agent.agent_name == "receptionist"
    assert json.loads(agent.metadata)["line"] == "+15105550142"
    stack.destroy()
    assert oracle.inbound_trunks() == [] and oracle.rules() == []


def test_multi_env_dev_and_prod_stacks_coexist_and_destroy_only_their_own(pulumi_stack, oracle):
    for env in ("dev", "prod"):
        text = (EXAMPLES / "multi-env" / f"Pulumi.{env}.yaml").read_text()
        # No secrets and no connection in the committed stack files: those come from livekit:* or env.
        assert "secure:" not in text and "encryptionsalt" not in text
        assert not [key for key in yaml.safe_load(text)["config"] if key.startswith("livekit:")]

    dev, prod = (example_stack(pulumi_stack, EXAMPLES / "multi-env", env) for env in ("dev", "prod"))
    dev.up()
    prod.up()
    ids = {env: stack.outputs() for env, stack in (("dev", dev), ("prod", prod))}
    assert ids["dev"]["trunk_id"] != ids["prod"]["trunk_id"]

    trunks = by_id(oracle.inbound_trunks())
    rules = by_id(oracle.rules(), "sip_dispatch_rule_id")
    assert set(trunks) == {ids["dev"]["trunk_id"], ids["prod"]["trunk_id"]}
    assert set(rules) == {ids["dev"]["rule_id"], ids["prod"]["rule_id"]}
    expected = {
        "dev": (["+15550100"], "dev-call-", "support-agent-dev"),
        "prod": (["+15105550100", "+15105550101"], "call-", "support-agent"),
    }
    for env, (numbers, prefix, agent_name) in expected.items():
        trunk, rule = trunks[ids[env]["trunk_id"]], rules[ids[env]["rule_id"]]
        assert list(trunk.numbers) == numbers and trunk.name == f"support ({env})"
        assert list(rule.trunk_ids) == [trunk.sip_trunk_id]
        assert rule.rule.dispatch_rule_individual.room_prefix == prefix
        assert [a.agent_name for a in rule.room_config.agents] == [agent_name]
        assert dict(rule.attributes) == {"env": env}

    dev.destroy()
    assert set(by_id(oracle.inbound_trunks())) == {ids["prod"]["trunk_id"]}
    assert set(by_id(oracle.rules(), "sip_dispatch_rule_id")) == {ids["prod"]["rule_id"]}
    prod.preview("--expect-no-changes")  # prod never noticed


def test_out_of_band_trunk_edits_show_in_refresh_and_preview_and_up_restores_them(pulumi_stack, oracle):
    stack = pulumi_stack(TRUNKS)
    stack.up()
    out = stack.outputs()
    inbound_id, outbound_id = out["inbound_id"], out["outbound_id"]

    # Someone edits both trunks in the dashboard / with the SDK; the outbound one only in its password.
    oracle_password = "oob-R0gue-pass"
    sip(oracle, lambda s: s.update_inbound_trunk_fields(
        inbound_id, name="renamed in dashboard", numbers=lkapi.ListUpdate(add=["+15550188"])))
    sip(oracle, lambda s: s.update_outbound_trunk_fields(outbound_id, auth_password=oracle_password))

    refresh = stack.refresh()
    assert refresh.changes == {"update": 2}  # the password drift counts, unprinted
    read = {resource_name(step.urn): step for step in refresh.applied("update")}
    assert {key: read["inbound"].new.outputs[key] for key in changed_outputs(read["inbound"])} == {
        "name": "renamed in dashboard", "numbers": ["+15550100", "+15550101", "+15550188"]}
    assert changed_outputs(read["outbound"]) == set()  # its password alone, an equal "[secret]" either side
    assert oracle_password not in refresh.output
    # The password read back from the server is a secret in state too.
    assert_no_plaintext(stack, INBOUND_PASSWORD, OUTBOUND_PASSWORD, oracle_password)

    preview = stack.preview()
    # Both trunks go back: the outbound one for its password alone (shown only as [secret]).
    assert preview.changes == {"update": 2}
    [inbound] = [step for step in preview.steps("update") if resource_name(step.urn) == "inbound"]
    assert (inbound.old.outputs["name"], inbound.new.inputs["name"]) == ("renamed in dashboard", "Support line")
    assert inbound.new.inputs["numbers"] == ["+15550100", "+15550101"]
    assert oracle_password not in preview.output

    stack.up()
    [inbound], [outbound] = oracle.inbound_trunks(), oracle.outbound_trunks()
    assert (inbound.sip_trunk_id, inbound.name, list(inbound.numbers)) == (
        inbound_id, "Support line", ["+15550100", "+15550101"])
    assert (outbound.sip_trunk_id, outbound.auth_password) == (outbound_id, OUTBOUND_PASSWORD)
    stack.preview("--expect-no-changes")

    # A trunk already deleted out of band does not stop `destroy`.
    oracle.call("delete_trunk", lkapi.DeleteSIPTrunkRequest(sip_trunk_id=outbound_id))
    stack.destroy()
    assert oracle.inbound_trunks() == [] and oracle.outbound_trunks() == [] and oracle.rules() == []
    assert stack.resources("Trunk") == []


def test_conflicting_inbound_trunk_fails_with_the_server_text_naming_the_resource(pulumi_stack, oracle):
    stack = pulumi_stack(PROGRAMS / "trunk_conflict")
    up = stack.up(check=False)
    assert up.returncode != 0
    [main] = oracle.inbound_trunks()  # only the first one exists
    assert list(main.numbers) == ["+15550177"] and main.name == "Main line"

    # The diagnostic is attached to the second trunk and carries LiveKit's own explanation.
    errors = up.messages()
    block = errors["duplicate-line"]
    assert "Conflicting inbound SIP Trunks" in block, errors
    assert main.sip_trunk_id in block and '["+15550177"]' in block and "AllowedNumbers" in block, errors
    assert "main-line" not in errors

    assert [r["id"] for r in stack.resources("InboundTrunk")] == [main.sip_trunk_id]
    stack.destroy()
    assert oracle.inbound_trunks() == []


def test_from_json_trunks_from_lk_cli_specs_with_import_of_an_existing_trunk(pulumi_stack, oracle):
    program = PROGRAMS / "trunks_from_json"
    # The file is what `lk sip inbound create` takes: protojson of CreateSIPInboundTrunkRequest.
    request = json_format.Parse((program / "inbound-trunk.json").read_text(), lkapi.CreateSIPInboundTrunkRequest())
    existing = oracle.call("create_inbound_trunk", request)

    stack = pulumi_stack(program)
    stack.set_config("importInbound", existing.sip_trunk_id)
    up = stack.up()
    assert up.changes == {"import": 1, "create": 2}  # the stack + outbound
    out = up.outputs
    assert out["inbound_id"] == existing.sip_trunk_id

    [inbound] = oracle.inbound_trunks()
    assert inbound == existing  # adopted untouched
    assert inbound.include_headers == lkapi.SIPHeaderOptions.SIP_ALL_HEADERS
    assert dict(inbound.headers_to_attributes) == {"X-Account": "account.id"}
    [outbound] = oracle.outbound_trunks()
    assert outbound.sip_trunk_id == out["outbound_id"]
    assert (outbound.name, outbound.address, list(outbound.numbers)) == (
        "Demo outbound trunk", "demo.pstn.example.com:5061", ["+15105550123"])
    assert (outbound.transport, outbound.destination_country, outbound.from_host) == (
        lkapi.SIPTransport.SIP_TRANSPORT_TLS, "US", "pbx.example.com")
    assert (outbound.auth_username, outbound.auth_password) == ("demo-out", "json-0utb0und-secret")
    assert outbound.media_encryption == lkapi.SIPMediaEncryption.SIP_MEDIA_ENCRYPT_REQUIRE
    assert dict(outbound.headers) == {"X-Org": "demo"}

    stack.preview("--expect-no-changes")
    assert_no_plaintext(stack, "json-Inb0und-secret", "json-0utb0und-secret")

    stack.destroy()
    assert oracle.inbound_trunks() == [] and oracle.outbound_trunks() == []
