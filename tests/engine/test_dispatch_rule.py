"""DispatchRule acceptance: the real Pulumi engine against a real livekit-server, with the
official livekit-api SDK as the independent reader of server state."""

from __future__ import annotations

import copy
import json
import uuid
from dataclasses import dataclass

import pytest
import yaml
from google.protobuf import json_format
from livekit import api as lkapi
from pulumi.dynamic.dynamic import serialize_provider

from pulumi_livekit import DispatchRule
from pulumi_livekit._core.dispatch_rule import DispatchRuleProvider
from pulumi_livekit._core.sdk import serialized_provider
from pulumi_livekit.testing import FaultProxy, PulumiStack, resource_name

from support import DISPATCH_RULE_BAD_INPUTS, PROGRAMS, VENV, Oracle, configure_for, server_state

KIND_FIELDS = {"individual": "dispatch_rule_individual", "direct": "dispatch_rule_direct",
               "callee": "dispatch_rule_callee"}

INITIAL_RULES = {
    "individual": {"room_prefix": "call-"},
    "direct": {"room_name": "open-room"},
    "callee": {"room_prefix": "number-", "randomize": True},
}


def expected_state(spec: dict) -> dict:
    """What the program declares, in the same shape (falsy values are unset in protobuf)."""
    spec = copy.deepcopy(spec)
    kind = spec.pop("kind")
    state = {"rule": {KIND_FIELDS[kind]: {k: v for k, v in spec.pop("rule").items() if v}}}
    state.update({k: v for k, v in spec.items() if v not in (None, False, [], {}, "")})
    return state


def unique_trunk() -> str:
    return f"ST_{uuid.uuid4().hex[:12]}"


def declare(stack, spec: dict, *, secret: bool = False) -> None:
    # Stack config lands in state (as the dynamic provider's inputs): a PIN in it must be --secret.
    stack.set_config("spec", json.dumps(spec), secret=secret)


def test_rule_lifecycle_of_every_kind(pulumi_stack, oracle):
    """A rule of each kind through create, each kind of update, a switch of kind, drift, deletion outside
    Pulumi and destroy: the three side by side in one stack (each with its own trunk), so every step is
    one engine run for all of them."""
    stack = pulumi_stack(PROGRAMS / "rule")
    specs = {kind: {"kind": kind, "rule": dict(INITIAL_RULES[kind]), "name": f"lifecycle {kind}",
                    "trunk_ids": [unique_trunk()]} for kind in KIND_FIELDS}

    def declare_all() -> None:
        stack.set_config("specs", json.dumps(specs))

    def assert_server_has_the_specs(rule_ids: dict) -> None:
        on_server = {rule.sip_dispatch_rule_id: rule for rule in oracle.rules()}
        assert len(on_server) == len(specs)
        for kind, spec in specs.items():
            assert server_state(on_server[rule_ids[kind]]) == expected_state(spec), kind

    declare_all()
    rule_ids = stack.up().outputs["rule_ids"]
    assert_server_has_the_specs(rule_ids)
    stack.preview("--expect-no-changes")

    changes = [
        lambda spec: {"name": f"renamed {spec['kind']}", "metadata": json.dumps({"is_internal": True})},
        lambda spec: {"attributes": {"team": "support", "tier": "gold"}, "hide_phone_number": True,
                      "room_config": {"agents": [{"agent_name": "inbound-agent", "metadata": "job dispatch metadata"}]}},
        lambda spec: {"trunk_ids": [*spec["trunk_ids"], unique_trunk()], "rule": {**spec["rule"], "pin": "4321"}},
        lambda spec: {"room_config": {"agents": [{"agent_name": "second-agent"}]}, "rule": {**spec["rule"], "pin": "98765"}},
    ]
    for change in changes:
        for spec in specs.values():
            spec.update(change(spec))
        declare_all()
        update = stack.up()
        assert update.changes == {"update": len(specs)}
        assert update.outputs["rule_ids"] == rule_ids
        assert_server_has_the_specs(rule_ids)

    for kind, spec in specs.items():
        other_kind = {"individual": "direct", "direct": "callee", "callee": "individual"}[kind]
        spec.update(kind=other_kind, rule={**INITIAL_RULES[other_kind], "pin": "2468"})
    declare_all()
    assert stack.up().outputs["rule_ids"] == rule_ids, "switching the rule kind must keep the rule"
    assert_server_has_the_specs(rule_ids)
    stack.preview("--expect-no-changes")

    # Drift made outside Pulumi (the dashboard, `lk`): `up --refresh` reads it, plans an update of each rule from
    # what was read to what is declared, and reverts it.
    for kind, rule_id in rule_ids.items():
        oracle.call("update_dispatch_rule_fields", rule_id, name=f"edited in dashboard {kind}", metadata="oob")
    reverted = stack.up("--refresh")
    assert reverted.changes == {"update": len(specs)}
    steps = {resource_name(step.urn): step for step in reverted.steps("update")}
    assert sorted(steps) == sorted(specs)
    for kind, step in steps.items():
        assert (step.old.outputs["name"], step.old.outputs["metadata"]) == (f"edited in dashboard {kind}", "oob")
        assert (step.new.inputs["name"], step.new.inputs["metadata"]) == (specs[kind]["name"], specs[kind]["metadata"])
    assert_server_has_the_specs(rule_ids)

    # Deleted outside Pulumi: refresh drops them from state, up creates them again.
    for rule_id in rule_ids.values():
        oracle.call("delete_dispatch_rule", lkapi.DeleteSIPDispatchRuleRequest(sip_dispatch_rule_id=rule_id))
    assert stack.refresh().changes == {"delete": len(specs)}
    new_ids = stack.up().outputs["rule_ids"]
    assert not set(new_ids.values()) & set(rule_ids.values())
    assert_server_has_the_specs(new_ids)

    stack.destroy()
    assert oracle.rules() == []


def test_pin_and_api_secret_never_in_state_and_provider_is_small(pulumi_stack, oracle, livekit):
    stack = pulumi_stack(PROGRAMS / "rule")
    declare(stack, {"kind": "direct", "rule": {"room_name": "safe-room", "pin": "80417"},
                    "trunk_ids": [unique_trunk()]}, secret=True)
    stack.up()
    exported = json.dumps(stack.export())
    assert "80417" not in exported
    assert livekit.credentials.api_secret not in exported
    assert stack.outputs()["rule_id"].startswith("SDR_")
    assert oracle.rule(stack.outputs()["rule_id"]).rule.dispatch_rule_direct.pin == "80417"

    [resource] = stack.resources("DispatchRule")
    assert resource["outputs"]["pin"]["4dabf18193072939515e22adb298388d"] == "1b47061264138c4ac30d75fd1eb44270"
    assert "pin" not in resource["outputs"]["rule"]["dispatch_rule_direct"]
    provider = resource["outputs"]["__provider"]
    assert isinstance(provider, str) and len(provider) <= 2048
    assert resource["inputs"]["__provider"] == provider
    assert resource["additionalSecretOutputs"] == ["pin"]  # the secrets it has, and no connection of its own
    # The position the engine shows for the resource is the program's line that declared it, not this package.
    program_lines = (PROGRAMS / "rule" / "__main__.py").read_text().splitlines()
    assert resource["sourcePosition"] == f"project:///__main__.py#{program_lines.index('    return livekit.DispatchRule(') + 1}"


def test_a_stack_written_by_an_earlier_version_previews_without_changes(pulumi_stack, oracle):
    """Earlier versions stored `__provider` as a pickled instance of the provider class; now it names the
    provider object itself. A stack from before upgrades with no change to its rules."""
    stack = pulumi_stack(PROGRAMS / "rule")
    declare(stack, {"kind": "individual", "rule": {"room_prefix": "upgrade-"}, "trunk_ids": [unique_trunk()]})
    rule_id = stack.up().outputs["rule_id"]
    earlier = serialize_provider(DispatchRuleProvider())  # an instance no module holds: pickled as its class
    exported = stack.export()
    [resource] = [r for r in exported["deployment"]["resources"] if r["type"].endswith("DispatchRule")]
    assert resource["inputs"]["__provider"] != earlier
    for part in ("inputs", "outputs"):
        resource[part]["__provider"] = earlier
    stack.import_state(exported)

    stack.preview("--expect-no-changes")
    assert stack.up("--refresh", "--expect-no-changes").outputs["rule_id"] == rule_id
    [resource] = stack.resources("DispatchRule")
    assert resource["inputs"]["__provider"] == serialized_provider(DispatchRule._provider)
    assert [rule.sip_dispatch_rule_id for rule in oracle.rules()] == [rule_id]


def test_import_adopts_an_existing_rule_without_changes(pulumi_stack, oracle):
    trunk = unique_trunk()
    spec = {"kind": "individual", "rule": {"room_prefix": "call-"}, "name": "made by hand", "trunk_ids": [trunk],
            "room_config": {"agents": [{"agent_name": "inbound-agent"}]}}
    made = oracle.call("create_dispatch_rule", lkapi.CreateSIPDispatchRuleRequest(
        dispatch_rule=json_format.ParseDict(expected_state(spec), lkapi.SIPDispatchRuleInfo())))

    stack = pulumi_stack(PROGRAMS / "rule")
    declare(stack, spec)
    stack.set_config("importId", made.sip_dispatch_rule_id)
    imported = stack.up()
    assert imported.changes == {"create": 1, "import": 1}  # the stack, and the rule
    assert "warning" not in imported.output.lower(), imported.output  # the plugins entry is quiet
    assert imported.outputs["rule_id"] == made.sip_dispatch_rule_id
    assert server_state(oracle.rule(made.sip_dispatch_rule_id)) == server_state(made)
    stack.preview("--expect-no-changes")

    spec["name"] = "managed by pulumi"
    declare(stack, spec)
    stack.up()
    assert oracle.rule(made.sip_dispatch_rule_id).name == "managed by pulumi"
    assert len(oracle.rules()) == 1


def test_import_without_the_plugins_entry_names_the_entry_to_add_and_sends_nothing(pulumi_stack, oracle, livekit):
    made = oracle.call("create_dispatch_rule", lkapi.CreateSIPDispatchRuleRequest(
        dispatch_rule=lkapi.SIPDispatchRuleInfo(trunk_ids=[unique_trunk()], rule=lkapi.SIPDispatchRule(
            dispatch_rule_direct=lkapi.SIPDispatchRuleDirect(room_name="a")))))
    with FaultProxy(livekit.credentials.url) as proxy:
        stack = pulumi_stack(PROGRAMS / "rule")
        project_file = stack.program_dir / "Pulumi.yaml"
        project = yaml.safe_load(project_file.read_text())
        del project["plugins"]  # a stock project: Pulumi's own host would fail with KeyError: '__provider'
        project_file.write_text(yaml.safe_dump(project))
        stack.set_config("livekit:url", proxy.url)
        declare(stack, {"kind": "direct", "rule": {"room_name": "a"}, "trunk_ids": list(made.trunk_ids)})
        stack.set_config("importId", made.sip_dispatch_rule_id)
        result = stack.up(check=False)
        assert proxy.count() == 0, proxy.counts
    assert result.returncode != 0
    diagnostic = [line.strip() for line in result.messages()[""].splitlines()]  # the program's own error
    entry = diagnostic.index("plugins:")
    assert diagnostic[entry:entry + 4] == ["plugins:", "providers:", "- name: pulumi-python",
                                           f"path: {VENV / 'bin'}"], result.messages()
    assert "KeyError" not in result.output and "Traceback" not in result.output
    assert stack.resources("DispatchRule") == []


def test_import_with_a_different_declaration_previews_the_difference(pulumi_stack, oracle):
    made = oracle.call("create_dispatch_rule", lkapi.CreateSIPDispatchRuleRequest(
        dispatch_rule=lkapi.SIPDispatchRuleInfo(
            name="made by hand", trunk_ids=[unique_trunk()],
            rule=lkapi.SIPDispatchRule(dispatch_rule_direct=lkapi.SIPDispatchRuleDirect(room_name="a")))))
    stack = pulumi_stack(PROGRAMS / "rule")
    declare(stack, {"kind": "direct", "rule": {"room_name": "b"}, "name": "made by hand",
                    "trunk_ids": list(made.trunk_ids)})
    stack.set_config("importId", made.sip_dispatch_rule_id)
    result = stack.preview()
    assert result.changes == {"create": 1, "import": 1, "update": 1}  # the stack; the rule imported, then updated
    assert [resource_name(step.urn) for step in result.steps("import")] == ["rule"]
    [step] = result.steps("update")  # what the import read, and what the program declares
    assert step.old.outputs["rule"] == {"dispatch_rule_direct": {"room_name": "a"}}
    assert step.new.inputs["rule"] == {"dispatch_rule_direct": {"room_name": "b"}}
    assert server_state(oracle.rule(made.sip_dispatch_rule_id)) == server_state(made)


# What a bad-input case's declaration holds besides its bad property: a valid rule of no property of its own.
FILLER = {"kind": "individual", "rule": {}}


def own_entries(spec: dict) -> dict:
    """What a bad-input case declares besides the filler."""
    return {key: value for key, value in spec.items() if FILLER.get(key, object()) != value}


def bad_properties(spec: dict) -> set[str]:
    """The DispatchRule properties a bad-input case sets besides the filler (`kind` goes with `rule`; the program
    passes `room_config_raw` as `room_config`)."""
    return {{"kind": "rule", "room_config_raw": "room_config"}.get(key, key) for key in own_entries(spec)}


def packed_bad_inputs() -> list[list[int]]:
    """The cases of DISPATCH_RULE_BAD_INPUTS (by index) packed into as few declarations as hold them: cases that
    set different properties share one. The check validates every property of a resource on its own and reports
    every failing one at once, so each case's property fails in the shared declaration as it does alone."""
    packs: list[list[int]] = []
    for index, (spec, _, _) in enumerate(DISPATCH_RULE_BAD_INPUTS):
        taken = bad_properties(spec)
        pack = next((p for p in packs if not taken & set().union(
            *(bad_properties(DISPATCH_RULE_BAD_INPUTS[i][0]) for i in p))), None)
        if pack is None:
            packs.append(pack := [])
        pack.append(index)
    return packs


@dataclass(frozen=True)
class Checked:
    """What one shared declaration's `pulumi up` did."""
    spec: dict
    returncode: int
    errors: dict[str, str]  # diagnostics by resource name
    requests: dict[str, int]  # by RPC, as the proxy in front of LiveKit counted them
    on_server: list  # the server's dispatch rules afterwards


@pytest.fixture(scope="module")
def checked_runs(livekit_server, tmp_path_factory) -> dict[int, Checked]:
    """Each bad-input case's outcome: the `pulumi up` of its shared declaration, in one stack behind a proxy that
    counts requests. (The engine stops at the first resource whose check fails: one run takes one bad resource.)"""
    livekit_server.flush()
    oracle = Oracle(livekit_server.credentials)
    outcomes: dict[int, Checked] = {}
    with FaultProxy(livekit_server.credentials.url) as proxy:
        stack = PulumiStack(PROGRAMS / "rule", workdir=tmp_path_factory.mktemp("checked"), defer_config=True)
        configure_for(stack, livekit_server.credentials)
        stack.set_config("livekit:url", proxy.url)
        for pack in packed_bad_inputs():
            spec = copy.deepcopy(FILLER)
            for index in pack:
                spec.update(own_entries(DISPATCH_RULE_BAD_INPUTS[index][0]))
            proxy.clear()
            declare(stack, spec)
            result = stack.up(check=False)
            checked = Checked(spec, result.returncode, result.messages(), dict(proxy.counts), oracle.rules())
            outcomes.update(dict.fromkeys(pack, checked))
    return outcomes


@pytest.mark.parametrize("case", range(len(DISPATCH_RULE_BAD_INPUTS)),
                         ids=[b[1] + ":" + b[2] for b in DISPATCH_RULE_BAD_INPUTS])
def test_bad_input_fails_at_check_before_any_request(case, checked_runs, figures):
    """The case's property, bad in a declaration it shares with cases of other properties: the `pulumi up`
    fails with a problem naming its path and what is wrong, before any request, and nothing is created."""
    _, path, problem = DISPATCH_RULE_BAD_INPUTS[case]
    checked = checked_runs[case]
    assert checked.returncode != 0
    message = checked.errors["rule"]
    assert any(path in line and problem in line for line in message.splitlines()), (checked.spec, message)
    assert checked.requests == {}, checked.requests
    assert checked.on_server == []
    figures["bad inputs tried"] += 1


def test_a_rule_that_conflicts_with_one_on_the_server_is_refused_at_check_naming_both(pulumi_stack, oracle):
    trunk = unique_trunk()
    there = oracle.call("create_dispatch_rule", lkapi.CreateSIPDispatchRuleRequest(dispatch_rule=lkapi.SIPDispatchRuleInfo(
        name="already there", trunk_ids=[trunk],
        rule=lkapi.SIPDispatchRule(dispatch_rule_direct=lkapi.SIPDispatchRuleDirect(room_name="a")))))
    stack = pulumi_stack(PROGRAMS / "rule")
    declare(stack, {"kind": "direct", "rule": {"room_name": "b"}, "trunk_ids": [trunk]})
    result = stack.up(check=False)
    assert result.returncode != 0
    errors = result.messages()
    assert set(errors) - {"", "rule-test"} == {"rule"}, errors  # the run and the stack may sum up
    assert (f"DispatchRule resource 'rule' has a problem: conflicts with dispatch rule {there.sip_dispatch_rule_id} "
            f'"already there" on the LiveKit server: both take calls on trunk {trunk}') in errors["rule"], errors
    assert oracle.rules() == [there]


def test_every_input_accepts_outputs(pulumi_stack, oracle):
    stack = pulumi_stack(PROGRAMS / "outputs")
    stack.up()
    outputs = stack.outputs()
    stored = oracle.rule(outputs["rule_id"])
    assert server_state(stored) == {
        "rule": {"dispatch_rule_direct": {"room_name": "output-room", "pin": "2580"}},
        "name": "rule for output-room",
        "trunk_ids": ["ST_outputs"],
        "attributes": {"room": "output-room"},
        "room_config": {"agents": [{"agent_name": "agent", "metadata": "output-room"}]},
    }
    # The PIN was a secret going in, so the whole rule output is too; it never reaches state in plaintext.
    assert "2580" not in json.dumps(stack.export())
    stack.preview("--expect-no-changes")


SECRET_SIG = "4dabf18193072939515e22adb298388d"  # how Pulumi's state marks a secret value


def test_rules_unknown_at_preview_go_up_at_the_first_try_and_secrets_the_user_marked_stay_secret(
        pulumi_stack, oracle):
    stack = pulumi_stack(PROGRAMS / "chained")
    stack.set_config("trunks", json.dumps([unique_trunk() for _ in range(3)]))
    # The preview, where `chained`'s rule is not known yet, then the update.
    assert stack.preview().changes == {"create": 4}  # the stack and the three rules
    first_up = stack.up()
    assert first_up.changes == {"create": 4}
    ids = first_up.outputs["ids"]
    chained = oracle.rule(ids["chained"]).rule.dispatch_rule_direct
    assert (chained.room_name, chained.pin) == (ids["first"], "43219876012")
    assert oracle.rule(ids["sealed"]).rule.dispatch_rule_direct.room_name == "sealed-room"

    state = {r["urn"].rsplit("::", 1)[1]: r for r in stack.resources("DispatchRule")}
    for section in ("inputs", "outputs"):
        assert SECRET_SIG in state["sealed"][section]["rule"], section  # the user marked it secret
        # Only its PIN was a secret: the rest of the rule stays readable for reviews.
        assert state["chained"][section]["rule"] == {"dispatch_rule_direct": {"room_name": ids["first"]}}
    exported = json.dumps(stack.export())
    assert "sealed-room" not in exported and "43219876012" not in exported
    stack.preview("--expect-no-changes")


def test_a_rule_moved_to_another_project_is_made_there_and_removed_here(pulumi_stack, oracle, other_project):
    """Changing `connection` to another LiveKit project replaces the rule (create there, delete here),
    and refresh and destroy reach it where it now lives."""
    stack = pulumi_stack(PROGRAMS / "declared")
    elsewhere, other_oracle = other_project.credentials, Oracle(other_project.credentials)
    rule = {"type": "DispatchRule", "name": "moving",
            "args": {"rule": {"dispatchRuleDirect": {"roomName": "moving"}}, "trunk_ids": [unique_trunk()]}}
    stack.set_config("resources", json.dumps([rule]))
    stack.up()
    [here] = oracle.rules()

    moved = {**rule, "connection": {"url": elsewhere.url, "api_key": elsewhere.api_key,
                                    "api_secret": elsewhere.api_secret}}
    stack.set_config("resources", json.dumps([moved]), secret=True)
    moving = stack.up()
    assert moving.changes == {"replace": 1}
    [there] = other_oracle.rules()
    assert oracle.rules() == []
    assert there.sip_dispatch_rule_id != here.sip_dispatch_rule_id
    assert moving.outputs["ids"] == {"moving": there.sip_dispatch_rule_id}

    other_oracle.call("update_dispatch_rule_fields", there.sip_dispatch_rule_id, name="renamed over there")
    stack.refresh()
    [resource] = stack.resources("DispatchRule")
    assert resource["outputs"]["name"] == "renamed over there"
    stack.destroy()
    assert other_oracle.rules() == [] and oracle.rules() == []


def test_import_reads_from_the_project_the_resource_connection_names(pulumi_stack, oracle, other_project):
    elsewhere, other_oracle = other_project.credentials, Oracle(other_project.credentials)
    trunk = unique_trunk()
    made = other_oracle.call("create_dispatch_rule", lkapi.CreateSIPDispatchRuleRequest(
        dispatch_rule=lkapi.SIPDispatchRuleInfo(name="made over there", trunk_ids=[trunk], rule=lkapi.SIPDispatchRule(
            dispatch_rule_direct=lkapi.SIPDispatchRuleDirect(room_name="there", pin="86420135792")))))
    stack = pulumi_stack(PROGRAMS / "declared")  # its livekit:* config names the first project
    stack.set_config("resources", json.dumps([{
        "type": "DispatchRule", "name": "adopted", "import": made.sip_dispatch_rule_id,
        "args": {"name": "made over there", "trunk_ids": [trunk],
                 "rule": {"dispatchRuleDirect": {"roomName": "there", "pin": "86420135792"}}},
        "connection": {"url": elsewhere.url, "api_key": elsewhere.api_key, "api_secret": elsewhere.api_secret},
    }]), secret=True)
    imported = stack.up()
    assert imported.changes == {"create": 1, "import": 1}  # the stack, and the rule
    assert imported.outputs["ids"] == {"adopted": made.sip_dispatch_rule_id}
    stack.preview("--expect-no-changes")
    exported = json.dumps(stack.export())
    assert elsewhere.api_secret not in exported and "86420135792" not in exported
    assert oracle.rules() == [] and len(other_oracle.rules()) == 1


def test_a_refresh_lists_each_kind_once_per_provider_process_and_never_reads_stale_state(pulumi_stack, livekit, oracle):
    rules = [{"type": "DispatchRule", "name": f"rule-{i}",
              "args": {"name": f"rule {i}", "rule": {"dispatchRuleDirect": {"roomName": f"room-{i}"}},
                       "trunk_ids": [unique_trunk()]}} for i in range(5)]
    trunks = [{"type": "InboundTrunk", "name": f"in-{i}", "args": {"numbers": [f"+1555010{i}"]}} for i in range(2)]
    trunks += [{"type": "OutboundTrunk", "name": f"out-{i}", "args": {"address": "sip.example.com",
                                                                      "numbers": [f"+1555020{i}"]}} for i in range(2)]
    with FaultProxy(livekit.credentials.url) as proxy:
        stack = pulumi_stack(PROGRAMS / "declared")
        stack.set_config("livekit:url", proxy.url)
        stack.set_config("resources", json.dumps(rules + trunks))
        stack.up()
        rule_id = stack.outputs()["ids"]["rule-0"]

        proxy.clear()
        stack.refresh()
        assert dict(proxy.counts) == {"ListSIPDispatchRule": 1, "ListSIPInboundTrunk": 1, "ListSIPOutboundTrunk": 1}
        # Changed out of band between two refreshes: the second one sees it.
        oracle.call("update_dispatch_rule_fields", rule_id, name="renamed in the dashboard")
        # Without --skip-preview the refresh runs the provider twice, its preview first: each lists once.
        proxy.clear()
        stack.run("refresh", "--yes")
        assert dict(proxy.counts) == {"ListSIPDispatchRule": 2, "ListSIPInboundTrunk": 2, "ListSIPOutboundTrunk": 2}
        [refreshed] = [r for r in stack.resources("DispatchRule") if r["id"] == rule_id]
        assert refreshed["outputs"]["name"] == "renamed in the dashboard"
        # So does `up`: a new rule's check lists the server's rules at the preview and again at the update (which
        # also sets the renamed rule back as declared).
        rules.append({"type": "DispatchRule", "name": "rule-new", "args": {
            "rule": {"dispatchRuleDirect": {"roomName": "room-new"}}, "trunk_ids": [unique_trunk()]}})
        stack.set_config("resources", json.dumps(rules + trunks))
        proxy.clear()
        stack.run("up", "--yes")
        assert dict(proxy.counts) == {"ListSIPDispatchRule": 2, "CreateSIPDispatchRule": 1, "UpdateSIPDispatchRule": 1}
        assert oracle.rule(rule_id).name == "rule 0"

        # `up --refresh` refreshes, then updates: the server ends as declared, and a fresh look agrees.
        oracle.call("update_dispatch_rule_fields", rule_id, name="renamed again")
        stack.up("--refresh")
        assert oracle.rule(rule_id).name == "rule 0"
        stack.preview("--refresh", "--expect-no-changes")
