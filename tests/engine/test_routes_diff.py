"""`livekit-routes` on a real stack: `diff` over the real engine's `pulumi preview --json --show-sames` (what a
change does to calls, compared with what the real server answers for the same calls before and after `up`),
and `table` from the stack's state."""

from __future__ import annotations

import json
import re

from pulumi_livekit.routing import ANY_OTHER_NUMBER, ANYONE, CALLER, CALLER_LAST_4, RANDOM, Call

from support import PROGRAMS
from support import livekit_routes as routes

MAIN_1, MAIN_2, MAIN_3, NIGHT, WEEKEND, FALLBACK = (
    "+15550100", "+15550101", "+15550102", "+15550199", "+15550198", "+15550177")
VIP_CALLER = "+15550001111"
PIN = "8842"
TABLE_PIN = "40571"  # five digits: less likely than four to turn up in an ID by chance
# What the server is asked for the calls the diff writes as "anyone" and "any other number".
CONCRETE = {ANYONE: "+15557770000", ANY_OTHER_NUMBER: "+15557770001"}

BEFORE = [
    {"type": "InboundTrunk", "name": "main", "args": {"name": "main line", "numbers": [MAIN_1, MAIN_2]}},
    {"type": "DispatchRule", "name": "support", "trunk": "main",
     "args": {"rule": {"dispatchRuleIndividual": {"roomPrefix": "call-"}},
              "room_config": {"agents": [{"agent_name": "inbound-agent"}]}}},
    {"type": "DispatchRule", "name": "vip", "trunk": "main",
     "args": {"rule": {"dispatchRuleDirect": {"roomName": "vip"}}, "inbound_numbers": [VIP_CALLER]}},
]
AFTER = [
    {"type": "InboundTrunk", "name": "main", "args": {"name": "main line", "numbers": [MAIN_1, MAIN_2, MAIN_3]}},
    # Two trunks created by the change: each rule's unknown trunk ID must resolve to its own trunk.
    {"type": "InboundTrunk", "name": "night-line", "args": {"numbers": [NIGHT]}},
    {"type": "InboundTrunk", "name": "weekend-line", "args": {"numbers": [WEEKEND]}},
    {"type": "DispatchRule", "name": "support", "trunk": "main",
     "args": {"rule": {"dispatchRuleDirect": {"roomName": "support", "pin": PIN}},
              "room_config": {"agents": [{"agent_name": "triage"}]}}},
    {"type": "DispatchRule", "name": "night", "trunk": "night-line",
     "args": {"rule": {"dispatchRuleCallee": {"roomPrefix": "night", "randomize": True}}}},
    {"type": "DispatchRule", "name": "weekend", "trunk": "weekend-line",
     "args": {"rule": {"dispatchRuleDirect": {"roomName": "weekend"}}}},
    {"type": "DispatchRule", "name": "fallback", "args": {"rule": {"dispatchRuleIndividual": {"roomPrefix": "fb"}},
                                                          "numbers": [FALLBACK]}},
]


def preview_json(stack) -> str:
    return stack.run("preview", "--json", "--show-sames").stdout


def concrete(number: str) -> str:
    return CONCRETE.get(number, number)


def expected_id(side: dict, what: str, ids: dict[str, str]) -> str:
    """The ID the server should answer: known to the diff, or (created by the change) known after `up`."""
    return side[f"{what}Id"] or (ids[side[what]] if side[what] else "")


def assert_matches_server(side: dict, answer: dict, call: dict, ids: dict[str, str]) -> None:
    if side["result"] == "REFUSED":
        assert "error" in answer, (call, side, answer)
        return
    response = answer["response"]
    assert response["result"] == side["result"], (call, side, response)
    assert response.get("sipTrunkId", "") == expected_id(side, "trunk", ids), (call, side, response)
    assert response.get("sipDispatchRuleId", "") == expected_id(side, "rule", ids), (call, side, response)
    if side["result"] == "ACCEPT":
        caller = concrete(call["from"])
        room = (side["room"].replace(CALLER, caller).replace(CALLER_LAST_4, caller[-4:])
                .replace(ANY_OTHER_NUMBER, concrete(call["to"])))
        pattern = re.escape(room).replace(re.escape(RANDOM), "[0-9A-Za-z]{12}")
        assert re.fullmatch(pattern, response["roomName"]), (call, side, response)
        agents = [a.get("agentName", "(default agent)") for a in (response.get("roomConfig") or {}).get("agents", [])]
        assert agents == side["agents"], (call, side, response)


def shown_changes(text: str) -> set[tuple[str, str]]:
    """The calls the text marks as changing route (`~` lines, a caller on anyone's line included), as
    (from, to) in the spelling of --json."""
    shown = set()
    for to, callers in re.findall(r"^~ to (.+?) from (.+)$", text, re.MULTILINE):
        first, _, also = callers.partition(" (also from ")
        for caller in [first, *filter(None, also.rstrip(")").split(", "))]:
            shown.add((ANYONE if caller == "anyone" else caller, ANY_OTHER_NUMBER if to == "any other number" else to))
    return shown


def ask_server(oracle, calls: list[dict]) -> list[dict]:
    return oracle.evaluate([Call(from_number=concrete(c["from"]), to_number=concrete(c["to"])) for c in calls])


def test_the_routing_diff_of_a_change_is_what_the_server_answers_before_and_after_up(pulumi_stack, routing_oracle):
    stack = pulumi_stack(PROGRAMS / "declared")
    stack.set_config("resources", json.dumps(BEFORE), secret=True)
    stack.up()
    before_ids = stack.outputs()["ids"]

    unchanged = routes("diff", "--fail-on-change", stdin=preview_json(stack))
    assert unchanged.returncode == 0, unchanged.stderr
    assert unchanged.stdout.startswith("0 of "), unchanged.stdout

    stack.set_config("resources", json.dumps(AFTER), secret=True)
    preview = preview_json(stack)
    assert '"op": "create"' in preview and "04da6b54-80e4-46f7-96ec-b56ff0331ba9" in preview  # new trunk IDs unknown
    diff = json.loads(routes("diff", "--json", stdin=preview).stdout)["calls"]
    text = routes("diff", "--fail-on-change", stdin=preview)
    assert text.returncode == 1, text.stderr  # routes change
    assert PIN not in preview + text.stdout + json.dumps(diff)
    changed = {(c["from"], c["to"]) for c in diff if c["changed"]}
    assert text.stdout.startswith(f"{len(changed)} of {len(diff)} calls change route:"), text.stdout
    assert shown_changes(text.stdout) == changed, text.stdout  # every one the count counts, as --json lists them

    by_call = {(c["from"], c["to"]): c for c in diff}
    probed_numbers = {c["to"] for c in diff}
    assert probed_numbers == {MAIN_1, MAIN_2, MAIN_3, NIGHT, WEEKEND, FALLBACK, ANY_OTHER_NUMBER}
    assert {c["from"] for c in diff} == {ANYONE, VIP_CALLER}
    moved = by_call[(ANYONE, MAIN_1)]
    assert moved["changed"] and moved["before"]["room"] == "call-_{caller}_{random}"
    assert (moved["after"]["room"], moved["after"]["agents"], moved["after"]["pinRequired"]) == (
        "support", ["triage"], True)
    # Each rule the change creates names the trunk the same change creates for it.
    assert (by_call[(ANYONE, NIGHT)]["after"]["trunk"], by_call[(ANYONE, NIGHT)]["after"]["rule"]) == ("night-line", "night")
    assert (by_call[(ANYONE, WEEKEND)]["after"]["trunk"], by_call[(ANYONE, WEEKEND)]["after"]["rule"]) == (
        "weekend-line", "weekend")
    assert by_call[(ANYONE, ANY_OTHER_NUMBER)]["changed"] is False
    assert re.search(r'~ to \+15550100 from anyone\n'
                     r'    before: trunk "main" -> rule "support": room call-_\{caller\}_\{random\}, agent inbound-agent\n'
                     r'    after:  trunk "main" -> rule "support": room support, agent triage, PIN required\n',
                     text.stdout), text.stdout
    assert re.search(r'    after:  trunk "night-line" \(new\) -> rule "night" \(new\): room night_\+15550199_\{random\}',
                     text.stdout), text.stdout

    with routing_oracle:
        for call, answer in zip(diff, ask_server(routing_oracle, diff)):
            assert_matches_server(call["before"], answer, call, before_ids)
        stack.up()
        after_ids = stack.outputs()["ids"]
        for call, answer in zip(diff, ask_server(routing_oracle, diff)):
            assert_matches_server(call["after"], answer, call, after_ids)
    assert before_ids["support"] == after_ids["support"]  # updated in place: the diff's known ID held


def test_a_preview_without_the_unchanged_resources_or_a_failed_one_is_refused_clearly(tmp_path):
    partial = {"steps": [{"op": "same", "urn": "urn:pulumi:s::p::pulumi:pulumi:Stack::p-s"}],
               "changeSummary": {"same": 2, "update": 1}}
    refused = routes("diff", stdin=json.dumps(partial))
    assert refused.returncode == 3 and "pulumi preview --json --show-sames" in refused.stderr
    failed = routes("diff", stdin=json.dumps({"diagnostics": [{"severity": "error", "message": "boom\n"}]}))
    assert failed.returncode == 3 and "the preview failed:\n  boom" in failed.stderr
    garbage = routes("diff", "--preview", str(tmp_path / "missing.json"), stdin="")
    assert garbage.returncode == 3 and "missing.json" in garbage.stderr and "Traceback" not in garbage.stderr


def test_table_from_a_stack_never_shows_the_pin(pulumi_stack, tmp_path):
    stack = pulumi_stack(PROGRAMS / "declared")
    stack.set_config("resources", json.dumps([
        {"type": "InboundTrunk", "name": "line", "args": {"numbers": [MAIN_1], "allowed_numbers": [VIP_CALLER]}},
        {"type": "DispatchRule", "name": "vip", "trunk": "line",
         "args": {"rule": {"dispatchRuleDirect": {"roomName": "vip", "pin": TABLE_PIN}}}},
        {"type": "DispatchRule", "name": "open", "trunk": "line",
         "args": {"rule": {"dispatchRuleIndividual": {"roomPrefix": "call-"}},
                  "room_config": {"agents": [{"agent_name": "inbound-agent"}]}}},
    ]), secret=True)
    stack.up()
    ids = stack.outputs()["ids"]
    export = tmp_path / "state.json"
    export.write_text(json.dumps(stack.export()))
    from_file = routes("table", "--stack-export", str(export))
    from_stdin = routes("table", "--stack-export", "-", stdin=export.read_text())
    by_name = routes("table", "--stack", stack.stack, env=stack.env, cwd=stack.program_dir)
    for shown in (from_file, from_stdin, by_name):
        assert shown.returncode == 0, shown.stderr + shown.stdout  # nothing to warn about
        assert TABLE_PIN not in shown.stdout
        rows = [l for l in shown.stdout.splitlines() if ids["vip"] in l or ids["open"] in l]
        assert ids["vip"] in rows[0] and re.search(r"\byes\b", rows[0])  # PIN required, shown first
        assert "call-_{caller}_{random}" in rows[1] and "inbound-agent" in rows[1]
