"""The policy pack through the real engine, on both entrances: `pulumi preview --policy-pack "$(livekit-policy path)"`
names each finding on its resource, with no secret in any output; a mandatory configuration fails `up` before
anything is written; a configuration the schemas refuse fails the preview; a value unknown at preview is noted,
never a crash; and `livekit-policy check` finds the same on objects made out of band."""

from __future__ import annotations

import json

from livekit import api as lkapi

from pulumi_livekit.routing import WARNING_CODES

from support import (PROGRAMS, create_inbound, create_rule, livekit_policy, policy_findings, policy_pack,
                     warnings_of, yaml_program)

PIN = "90210733415"  # 11 digits: short of the 12 the configuration below asks
LONG_PIN = "551230087764"
PASSWORD = "Silent-Pa55word-7310"
SECRETS = (PIN, LONG_PIN, PASSWORD)
AGENT = {"agents": [{"agentName": "support"}]}

# Every policy has a violation here, and a resource that passes it.
PYTHON_RESOURCES = [
    {"type": "InboundTrunk", "name": "main", "args": {"name": "main", "numbers": ["+15550100"]}},
    {"type": "InboundTrunk", "name": "silent", "args": {"name": "silent", "numbers": ["+15550200"],
                                                        "auth_username": "pbx", "auth_password": PASSWORD}},
    {"type": "DispatchRule", "name": "catch-all", "trunk": "main",
     "args": {"name": "catch-all", "rule": {"dispatchRuleIndividual": {"roomPrefix": "call-"}}, "room_config": AGENT}},
    {"type": "DispatchRule", "name": "shadowed",
     "args": {"name": "shadowed", "rule": {"dispatchRuleDirect": {"roomName": "lobby"}}, "numbers": ["+15550100"]}},
    {"type": "DispatchRule", "name": "unserved", "trunk": "main",
     "args": {"name": "unserved", "rule": {"dispatchRuleDirect": {"roomName": "sales", "pin": PIN}},
              "numbers": ["+15550999"], "room_config": AGENT}},
    {"type": "DispatchRule", "name": "formatted", "trunk": "main",
     "args": {"name": "formatted", "rule": {"dispatchRuleDirect": {"roomName": "vip", "pin": LONG_PIN}},
              "inbound_numbers": ["+1 555-0300"], "room_config": AGENT}},
]
# What the pack finds at preview, before anything exists.
EXPECTED = {
    "catch-all": {"open-rule", "pin-required"},
    "shadowed": {"unreachable-rule", "open-rule", "pin-required", "agent-required"},
    "unserved": {"unserved-number", "pin-required"},
    "formatted": {"number-format", "e164-numbers"},
    "silent": {"trunk-without-rule"},
    "main": {"unrestricted-trunk"},
}
# The four findings only a view of the whole stack gives: what the plugin cannot give on its own.
WHOLE_STACK = {"shadowed": "unreachable-rule", "unserved": "unserved-number", "silent": "trunk-without-rule"}
ADVISORY = {"all": "advisory", "pin-required": {"minLength": 12}}
# Takes the same calls as catch-all: LiveKit refuses the second. The provider's own check cannot tell at preview
# (the trunk's ID is not known yet); the pack reads it through the engine's property dependencies.
TWIN = {"type": "DispatchRule", "name": "twin", "trunk": "main",
        "args": {"name": "twin", "rule": {"dispatchRuleIndividual": {"roomPrefix": "twin-"}}, "room_config": AGENT}}
# Its callers are another resource's ID: not known until that trunk exists, and no trunk_ids to explain it.
LATER = {"type": "DispatchRule", "name": "later", "trunk": "main", "ids_in": {"inbound_numbers": "main"},
         "args": {"name": "later", "rule": {"dispatchRuleDirect": {"roomName": "later", "pin": LONG_PIN}},
                  "room_config": AGENT}}


def write(tmp_path, name: str, config: dict) -> str:
    path = tmp_path / name
    path.write_text(json.dumps(config))
    return str(path)


def assert_no_secret(*texts: str) -> None:
    for text in texts:
        for secret in SECRETS:
            assert secret not in text


def up_blocked_before_any_write(stack, tmp_path, proxy, oracle) -> None:
    """`pulumi up` (its preview first) with every policy mandatory fails, and sends no request that writes."""
    proxy.clear()
    blocked = stack.run("up", "--yes", "--policy-pack", policy_pack(), "--policy-pack-config",
                        write(tmp_path, "all.json", {"all": "mandatory"}), check=False)
    assert blocked.returncode != 0 and "mandatory" in blocked.output
    assert {method for method in proxy.counts if proxy.counts[method] and not method.startswith("List")} == set()
    assert oracle.rules() == [] and oracle.inbound_trunks() == []
    assert_no_secret(blocked.stdout, blocked.stderr)


def routing_of(found: dict[str, set[str]]) -> dict[str, set[str]]:
    """The findings of the policies named after the routing warnings."""
    routing = {name: policies & set(WARNING_CODES) for name, policies in found.items()}
    return {name: codes for name, codes in routing.items() if codes}


def events_text(result) -> str:
    return json.dumps([{k: str(v) for k, v in vars(e).items()} for e in result.events])


def policy_messages(result) -> dict[tuple[str, str], str]:
    return {(e.policy_event.resource_urn.rsplit("::", 1)[-1], e.policy_event.policy_name): e.policy_event.message
            for e in result.events if e.policy_event}


def test_python_program_every_policy_mandatory_up_config_errors_and_the_same_on_the_server(
        pulumi_stack, livekit, oracle, proxy, tmp_path):
    stack = pulumi_stack(PROGRAMS / "declared")
    stack.set_config("livekit:url", proxy.url)
    stack.set_config("resources", json.dumps(PYTHON_RESOURCES + [TWIN]), secret=True)
    pack = ("--policy-pack", policy_pack())

    preview = stack.preview(*pack, "--policy-pack-config", write(tmp_path, "advisory.json", ADVISORY))
    found = policy_findings(preview)
    assert {name: policies for name, policies in found.items() if name != "twin"} == EXPECTED
    # The pack sees what LiveKit would refuse at create (and that catch-all takes the twin's calls).
    assert found["twin"] == {"conflict", "open-rule", "unreachable-rule", "pin-required"}
    assert "twin cannot be stored beside rule catch-all" in policy_messages(preview)["twin", "conflict"]
    # The Python preview's own warnings and the pack's routing findings agree.
    assert warnings_of(preview) == routing_of(found)
    messages = policy_messages(preview)
    assert messages["unserved", "unserved-number"].splitlines()[1:] == [
        "rule unserved (unserved) has number +15550999, which no trunk serves",
        "field: numbers; number: +15550999",
        "fix: add the number to a trunk's numbers, or remove it from the rule",
        'silence: policy config {"unserved-number": {"ignore": ["unserved"]}}, or livekit:ignoreRoutingWarnings: '
        "unserved-number:unserved"]
    assert_no_secret(preview.stdout, preview.stderr, events_text(preview))

    # The stack's livekit:ignoreRoutingWarnings and the pack's `ignore` silence the same findings. `later`'s callers
    # are unknown at preview: each policy that reads them says so, as an advisory note, and the preview passes;
    # without knowing where its calls go, the findings about the whole stack are not given (nor by the Python
    # preview's review).
    stack.set_config("resources", json.dumps(PYTHON_RESOURCES + [TWIN, LATER]), secret=True)
    stack.set_config("livekit:ignoreRoutingWarnings", json.dumps(["open-rule", "unreachable-rule:shadowed"]))
    quiet = stack.preview(*pack, "--policy-pack-config",
                          write(tmp_path, "quiet.json", {**ADVISORY, "pin-required": {"ignore": ["catch-all"]}}))
    quieter = policy_findings(quiet)
    assert "catch-all" not in quieter and "later" not in quieter
    assert quieter["shadowed"] == {"pin-required", "agent-required"}
    assert warnings_of(quiet) == routing_of(quieter) == {"formatted": {"number-format"}}
    assert policy_findings(quiet, notes=True) == {
        "": {"unreachable-rule", "open-rule", "unserved-number", "trunk-without-rule", "number-format", "conflict"},
        "later": {"e164-numbers"}}
    assert "rule later: inbound_numbers not known until the change is applied" in quiet.output

    refused = stack.preview(*pack, "--policy-pack-config",
                            write(tmp_path, "bad.json", {"open-rule": {"ignore": "catch-all"}}), check=False)
    assert refused.returncode != 0
    assert "open-rule: ignore: Invalid type. Expected: array, given: string" in refused.output

    up_blocked_before_any_write(stack, tmp_path, proxy, oracle)

    # The same objects made out of band, as a dashboard user would: the live check names the same findings.
    trunks = {t["name"]: create_inbound(oracle, **t["args"]).sip_trunk_id
              for t in PYTHON_RESOURCES if t["type"] == "InboundTrunk"}
    for item in PYTHON_RESOURCES:
        if item["type"] == "DispatchRule":
            made_out_of_band(oracle, item, trunks)
    checked = livekit_policy("check", "--json", "--config", write(tmp_path, "live.json", ADVISORY),
                             env=livekit.credentials.env())
    assert checked.returncode == 0, checked.stderr
    report = json.loads(checked.stdout)
    names = {**{t.sip_trunk_id: t.name for t in oracle.inbound_trunks()},
             **{r.sip_dispatch_rule_id: r.name for r in oracle.rules()}}
    live: dict[str, set[str]] = {}
    for finding in report["findings"]:
        live.setdefault(names[finding["id"]], set()).add(finding["policy"])
    assert live == EXPECTED, checked.stdout
    blocking = livekit_policy("check", "--markdown", "--config", write(tmp_path, "m.json", {"all": "mandatory"}),
                              env=livekit.credentials.env())
    assert blocking.returncode == 1 and "the change is blocked" in blocking.stdout
    assert_no_secret(checked.stdout, checked.stderr, blocking.stdout, blocking.stderr)


def made_out_of_band(oracle, item: dict, trunks: dict[str, str]) -> None:
    args = item["args"]
    [(kind, body)] = args["rule"].items()
    kind = {"dispatchRuleIndividual": "individual", "dispatchRuleDirect": "direct"}[kind]
    body = {"room_prefix" if key == "roomPrefix" else "room_name" if key == "roomName" else key: value
            for key, value in body.items()}
    extra = {key: args[key] for key in ("numbers", "inbound_numbers", "name") if key in args}
    if "room_config" in args:
        extra["room_config"] = lkapi.RoomConfiguration(agents=[lkapi.RoomAgentDispatch(agent_name="support")])
    create_rule(oracle, kind, body, trunk_ids=[trunks[item["trunk"]]] if "trunk" in item else [], **extra)


# The same project in Pulumi YAML, on the provider plugin: camelCase, the PIN inside the rule.
YAML_RESOURCES = {
    "main": {"type": "livekit:index:InboundTrunk", "properties": {"name": "main", "numbers": ["+15550100"]}},
    "silent": {"type": "livekit:index:InboundTrunk",
               "properties": {"name": "silent", "numbers": ["+15550200"], "authUsername": "pbx",
                              "authPassword": PASSWORD}},
    "catch-all": {"type": "livekit:index:DispatchRule",
                  "properties": {"rule": {"dispatchRuleIndividual": {"roomPrefix": "call-"}}, "roomConfig": AGENT,
                                 "trunkIds": ["${main.sipTrunkId}"]}},
    "shadowed": {"type": "livekit:index:DispatchRule",
                 "properties": {"rule": {"dispatchRuleDirect": {"roomName": "lobby"}}, "numbers": ["+15550100"]}},
    "unserved": {"type": "livekit:index:DispatchRule",
                 "properties": {"rule": {"dispatchRuleDirect": {"roomName": "sales", "pin": PIN}},
                                "numbers": ["+15550999"], "roomConfig": AGENT, "trunkIds": ["${main.sipTrunkId}"]}},
    "formatted": {"type": "livekit:index:DispatchRule",
                  "properties": {"rule": {"dispatchRuleDirect": {"roomName": "vip", "pin": LONG_PIN}},
                                 "inboundNumbers": ["+1 555-0300"], "roomConfig": AGENT,
                                 "trunkIds": ["${main.sipTrunkId}"]}},
}


def program(folder, resources: dict):
    # Written without YAML anchors for the values the resources share: Pulumi YAML refuses them.
    return yaml_program(folder, json.loads(json.dumps(resources)))


def test_yaml_program_the_same_findings_mandatory_up_and_up_skip_preview(pulumi_stack, livekit, oracle, proxy,
                                                                         tmp_path):
    later = {"type": "livekit:index:DispatchRule",
             "properties": {"rule": {"dispatchRuleDirect": {"roomName": "later", "pin": LONG_PIN}}, "roomConfig": AGENT,
                            "trunkIds": ["${main.sipTrunkId}"], "inboundNumbers": ["${main.sipTrunkId}"]}}
    stack = pulumi_stack(program(tmp_path / "yaml", YAML_RESOURCES))
    stack.set_config("livekit:url", proxy.url)
    pack = ("--policy-pack", policy_pack())

    preview = stack.preview(*pack, "--policy-pack-config", write(tmp_path, "advisory.json", ADVISORY))
    found = policy_findings(preview)
    assert found == EXPECTED, preview.output
    assert {name: policy for name, policy in WHOLE_STACK.items() if policy in found[name]} == WHOLE_STACK
    assert_no_secret(preview.stdout, preview.stderr, events_text(preview))

    # A rule whose callers are unknown at preview: each policy that reads them notes it, and the preview passes.
    program(stack.program_dir, {**YAML_RESOURCES, "later": later})
    noted = stack.preview(*pack, "--policy-pack-config", write(tmp_path, "advisory.json", ADVISORY))
    assert policy_findings(noted, notes=True) == {
        "": {"unreachable-rule", "open-rule", "unserved-number", "trunk-without-rule", "number-format", "conflict"},
        "later": {"e164-numbers"}}
    assert "rule later: inbound_numbers not known until the change is applied" in noted.output

    # The mandatory findings fail `up` at its preview, before any request that writes.
    up_blocked_before_any_write(stack, tmp_path, proxy, oracle)

    # Without the preview, only resource policies stop a step: a stack policy runs once every step is applied, so
    # the engine writes the change, then fails. (docs/change-review.md: the preview is the gate.)
    program(stack.program_dir, YAML_RESOURCES)
    applied = stack.up(*pack, "--policy-pack-config",
                       write(tmp_path, "stack-only.json", {"trunk-without-rule": "mandatory"}), check=False)
    assert applied.returncode != 0
    assert policy_findings(applied) == {"catch-all": {"open-rule"}, "shadowed": {"unreachable-rule", "open-rule"},
                                        "unserved": {"unserved-number"}, "formatted": {"number-format"},
                                        "silent": {"trunk-without-rule"}}
    assert len(oracle.rules()) == 4 and len(oracle.inbound_trunks()) == 2
    assert_no_secret(applied.stdout, applied.stderr, events_text(applied))

    # The stack's state, read by `livekit-policy check`: the same findings, but a PIN there is encrypted, so its
    # length is not checked (and it says so).
    exported = tmp_path / "export.json"
    exported.write_text(json.dumps(stack.export()))
    checked = livekit_policy("check", "--stack-export", str(exported), "--json", "--config",
                             write(tmp_path, "advisory.json", ADVISORY))
    assert checked.returncode == 0, checked.stderr
    report = json.loads(checked.stdout)
    in_state: dict[str, set[str]] = {}
    for finding in report["findings"]:
        in_state.setdefault(finding["resource"], set()).add(finding["policy"])
    assert in_state == {**EXPECTED, "unserved": {"unserved-number"}}
    assert {"policy": "pin-required", "reason": "rule unserved: its PIN is hidden here, so its length is not checked"} \
        in report["notChecked"]
    assert_no_secret(checked.stdout, checked.stderr)
