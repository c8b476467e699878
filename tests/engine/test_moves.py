"""A stack moved to another LiveKit project, through the real engine, between two livekit-servers, on both entrances,
by following what the tools print: its objects end on the new server, none on the old one, and the preview is clean.
A new API secret for the same key is the same project: nothing is replaced, every ID stays."""

from __future__ import annotations

import dataclasses
import json
import re
import secrets
import shlex
import subprocess

from livekit import api as lkapi

from pulumi_livekit.testing import FaultProxy

from support import PROGRAMS, Oracle, configure_for, make_stack, yaml_program

DYNAMIC_RESOURCES = [
    {"type": "InboundTrunk", "name": "line", "args": {"numbers": ["+15105550100"]}},
    {"type": "DispatchRule", "name": "calls", "trunk": "line",
     "args": {"rule": {"dispatchRuleCallee": {"roomPrefix": "number-"}}}},
    {"type": "OutboundTrunk", "name": "carrier", "args": {"address": "sip.example.com", "numbers": ["+15105550100"]}},
]


def dynamic_ids(stack) -> set[str]:
    return set(stack.outputs()["ids"].values())


def printed_commands(text: str) -> list[str]:
    """The commands a message tells to run, in its order: what it quotes in backticks that starts with a command."""
    return [quoted for quoted in re.findall(r"`([^`]+)`", text) if re.match(r"(\w+=(<[^>]*>|\S+) )*pulumi ", quoted)]


def run_printed(stack, command: str, **placeholders: str) -> None:
    """A printed command run by a shell in the program's folder, as a user pastes it (placeholders filled in)."""
    for placeholder, value in placeholders.items():
        command = command.replace(placeholder, shlex.quote(value))
    done = subprocess.run(["bash", "-c", command], cwd=stack.program_dir, env=stack.env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, (command, done.stdout[-3000:], done.stderr[-3000:])


def plugin_ids(stack) -> set[str]:
    return {r["id"] for r in stack.resources() if r["type"].startswith("livekit:index:")}


def on_server(oracle: Oracle) -> set[str]:
    return ({r.sip_dispatch_rule_id for r in oracle.rules()} | {t.sip_trunk_id for t in oracle.inbound_trunks()}
            | {t.sip_trunk_id for t in oracle.outbound_trunks()})


PLUGIN_RESOURCES = {
    "line": {"type": "livekit:index:InboundTrunk", "properties": {"numbers": ["+15105550100"]}},
    "calls": {"type": "livekit:index:DispatchRule", "properties": {
        "rule": {"dispatchRuleCallee": {"roomPrefix": "number-"}}, "trunkIds": ["${line.sipTrunkId}"]}},
    "desk": {"type": "livekit:index:DispatchRule", "properties": {
        "rule": {"dispatchRuleDirect": {"roomName": "desk"}}, "trunkIds": ["ST_moves_desk"]}},
}


def test_a_plugin_stack_moves_to_another_project_and_a_move_stopped_by_a_conflict_completes(
        tmp_path, pulumi_stack, oracle, other_project):
    there = Oracle(other_project.credentials)
    # The desk waits for the line, so a move the desk's check refuses stops after the line is made in the new project.
    desk = {**PLUGIN_RESOURCES["desk"], "options": {"dependsOn": ["${line}"]}}
    stack = pulumi_stack(yaml_program(tmp_path / "move", {**PLUGIN_RESOURCES, "desk": desk}))
    stack.up()
    old_ids = plugin_ids(stack)
    assert len(old_ids) == 3 and on_server(oracle) == old_ids
    with FaultProxy(other_project.credentials.url) as proxy:
        configure_for(stack, dataclasses.replace(other_project.credentials, url=proxy.url))
        preview = stack.preview()
        # The preview says what a move is, once, and shows each resource replaced; no internal property in a diff.
        (moving,) = preview.messages("warning").values()
        assert moving == (f"its resources move to another LiveKit project, from {oracle.credentials.url} (API key "
                          f"{oracle.credentials.api_key}) to {proxy.url} (API key {other_project.credentials.api_key}): "
                          "each is created there, then deleted here"), moving
        assert preview.changes == {"replace": 3} and "_project" not in preview.output, preview.output
        # Meanwhile a rule in the new project comes to take the desk's calls: the move stops part way.
        blocker = there.call("create_dispatch_rule", lkapi.CreateSIPDispatchRuleRequest(
            dispatch_rule=lkapi.SIPDispatchRuleInfo(
                name="in the way", trunk_ids=["ST_moves_desk"],
                rule=lkapi.SIPDispatchRule(dispatch_rule_direct=lkapi.SIPDispatchRuleDirect(room_name="theirs")))))
        up = stack.up(check=False)
        assert up.returncode != 0
        told = up.messages()["desk"]
        assert blocker.sip_dispatch_rule_id in told and "remove the other rule first" in told, told
        # Stopped part way: the line is in the new project (its replacement in the state), the desk still in the old.
        [line] = there.inbound_trunks()
        assert line.sip_trunk_id in plugin_ids(stack) and on_server(oracle)
        # What it says to do: the rule in the way removed, `pulumi up` completes the move.
        there.call("delete_dispatch_rule", lkapi.DeleteSIPDispatchRuleRequest(
            sip_dispatch_rule_id=blocker.sip_dispatch_rule_id))
        stack.up()
        stack.preview("--expect-no-changes")
        sent = [request for method in proxy.counts for request in proxy.requests(method)]
        assert not any(old_id in json.dumps(request) for request in sent for old_id in old_ids)
    assert on_server(oracle) == set()
    assert on_server(there) == plugin_ids(stack) and len(plugin_ids(stack)) == 3 and not plugin_ids(stack) & old_ids


def test_a_stack_whose_config_moves_to_another_project_moves_by_the_commands_its_refusal_prints(
        pulumi_stack, oracle, other_project):
    there = Oracle(other_project.credentials)
    stack = pulumi_stack(PROGRAMS / "declared")
    stack.set_config("resources", json.dumps(DYNAMIC_RESOURCES))
    stack.up()
    old_ids = dynamic_ids(stack)
    assert len(old_ids) == 3 and on_server(oracle) == old_ids
    with FaultProxy(other_project.credentials.url) as proxy:
        configure_for(stack, dataclasses.replace(other_project.credentials, url=proxy.url))
        refused = stack.preview(check=False)
        assert refused.returncode != 0
        told = "\n".join(refused.messages().values())
        assert "nothing was sent there with its ID" in told and proxy.url in told, told
        destroy, up = printed_commands(told)[:2]
        assert (destroy, up) == ("pulumi destroy --yes --target '**pulumi-python:dynamic/livekit:**'", "pulumi up"), told
        assert not any(old_id.encode() in body for body in proxy.bodies() for old_id in old_ids)
        run_printed(stack, destroy)
        assert on_server(oracle) == set()  # deleted where they were, reached with the settings recorded
        stack.up()
        assert on_server(there) == dynamic_ids(stack) and len(dynamic_ids(stack)) == 3
        assert not old_ids & dynamic_ids(stack) and on_server(oracle) == set()
        stack.preview("--expect-no-changes")


def test_a_stack_whose_environment_moves_to_another_project_moves_by_the_commands_its_refusal_prints(
        tmp_path, livekit, oracle, other_project):
    there = Oracle(other_project.credentials)
    stack = make_stack(tmp_path, PROGRAMS / "declared", livekit, config={"resources": DYNAMIC_RESOURCES})
    stack.up()
    old_ids = dynamic_ids(stack)
    stack.env = {**stack.env, **other_project.credentials.env()}
    refused = stack.preview(check=False)
    told = "\n".join(refused.messages().values())
    assert refused.returncode != 0 and "LIVEKIT_URL and LIVEKIT_API_KEY name the new project" in told, told
    destroy, up = printed_commands(told)[:2]
    assert up == "pulumi up", told
    # A plain destroy would reach the new project too: refused the same way, nothing sent there.
    with FaultProxy(other_project.credentials.url) as proxy:
        stack.env = {**stack.env, "LIVEKIT_URL": proxy.url}
        assert stack.destroy(check=False).returncode != 0
        assert not proxy.counts
    stack.env = {**stack.env, **other_project.credentials.env()}
    # The settings of the project the objects are in, which only the user knows: the placeholders filled in.
    run_printed(stack, destroy, **{f"<{variable} of the project they are in>": value
                                   for variable, value in livekit.credentials.env().items()})
    assert on_server(oracle) == set()
    stack.up()
    assert on_server(there) == dynamic_ids(stack) and len(dynamic_ids(stack)) == 3 and not old_ids & dynamic_ids(stack)
    stack.preview("--expect-no-changes")


def test_a_stack_moved_elsewhere_can_leave_its_objects_where_they_are_by_a_refresh_that_runs_the_program(
        pulumi_stack, oracle, other_project):
    """docs/resources.md: `pulumi refresh --run-program --yes` forgets what the new project does not hold (a plain
    refresh reads with the settings the stack recorded, in the old project), then `pulumi up` makes it there."""
    stack = pulumi_stack(PROGRAMS / "declared")
    stack.set_config("resources", json.dumps(DYNAMIC_RESOURCES[:2]))
    stack.up()
    old_ids = dynamic_ids(stack)
    with FaultProxy(other_project.credentials.url) as proxy:
        configure_for(stack, dataclasses.replace(other_project.credentials, url=proxy.url))
        stack.run("refresh", "--run-program", "--yes")
        assert stack.resources("InboundTrunk") == [] and stack.resources("DispatchRule") == []
        stack.up()
        assert on_server(Oracle(other_project.credentials)) == dynamic_ids(stack)
        assert not [method for method in proxy.counts if method.startswith(("Update", "Delete"))]
        assert not any(old_id.encode() in body for body in proxy.bodies() for old_id in old_ids)
        stack.preview("--expect-no-changes")
    assert on_server(oracle) == old_ids  # left where they were


def rotated(server) -> None:
    """The server restarted with a new secret for the same API key (its Redis, and every object, kept)."""
    server.stop_server()
    server.credentials = dataclasses.replace(server.credentials, api_secret=secrets.token_urlsafe(36))
    server.start_server()


def test_a_new_secret_for_the_same_key_replaces_nothing_on_either_entrance(tmp_path, pulumi_stack, other_project):
    there = Oracle(other_project.credentials)
    dynamic = pulumi_stack(PROGRAMS / "declared", "dynamic")
    configure_for(dynamic, other_project.credentials)
    dynamic.set_config("resources", json.dumps(DYNAMIC_RESOURCES))
    plugin = pulumi_stack(yaml_program(tmp_path / "rotate", {
        "desk": PLUGIN_RESOURCES["desk"], "out": {"type": "livekit:index:OutboundTrunk", "properties": {
            "address": "sip.example.com", "numbers": ["+15105550199"]}}}), "plugin")
    configure_for(plugin, other_project.credentials)
    dynamic.up()
    plugin.up()
    before = on_server(there)
    assert before == dynamic_ids(dynamic) | plugin_ids(plugin) and len(before) == 5

    rotated(other_project)
    for stack in (dynamic, plugin):
        stack.set_config("livekit:apiSecret", other_project.credentials.api_secret, secret=True)
        # Nothing to do: every resource the same, so a preview (the same checks and diffs of the same inputs and
        # state, no output unknown) lists no replace either; no move told; every object on the server as it was.
        up = stack.up()
        assert up.changes == {} and not up.steps("replace"), up.changes
        assert "move" not in "\n".join(up.messages("warning").values()), up.messages("warning")
    assert on_server(Oracle(other_project.credentials)) == before == dynamic_ids(dynamic) | plugin_ids(plugin)
