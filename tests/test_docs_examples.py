"""Every JSON example of LiveKit's dispatch-rule page, verbatim, through `DispatchRule.from_json`,
and every example program, through the real engine against the real server."""

from __future__ import annotations

import json
import re

import pytest
from google.protobuf import json_format
from livekit import api as lkapi

from conftest import EXAMPLES, REPO

DOCS_PAGE = REPO.parent / "shared" / "reference" / "livekit-sip-dispatch-rule-docs.txt"
RULES = sorted((EXAMPLES / "from-json" / "rules").glob("*.json"))


def json_objects(text: str) -> list[str]:
    """Every top-level `{"...}` span of the page, braces balanced outside strings."""
    spans, start = [], text.find('{"')
    while start >= 0:
        depth, in_string, escaped = 0, False, False
        for end in range(start, len(text)):
            char = text[end]
            if in_string:
                escaped, in_string = (False, True) if escaped else (char == "\\", char != '"')
            elif char == '"':
                in_string = True
            elif char in "{}":
                depth += 1 if char == "{" else -1
                if depth == 0:
                    break
        spans.append(text[start:end + 1])
        start = text.find('{"', end + 1)
    return spans


def lenient_json(text: str):
    return json.loads(re.sub(r",\s*([}\]])", r"\1", text))


def is_rule_spec(candidate: str) -> bool:
    try:
        data = lenient_json(candidate)
    except ValueError:
        return False
    return isinstance(data, dict) and ("rule" in data or "dispatch_rule" in data)


def test_the_examples_are_the_pages_json_verbatim():
    page = DOCS_PAGE.read_text()
    documented = [span for span in json_objects(page) if is_rule_spec(span)]
    committed = [path.read_text().rstrip("\n") for path in RULES]
    assert committed == documented


@pytest.mark.parametrize("path", RULES, ids=[p.name for p in RULES])
def test_json_example_creates_exactly_the_rule_it_describes(path, pulumi_stack, oracle):
    stack = pulumi_stack(EXAMPLES / "from-json")
    stack.set_config("example", path.name)
    stack.up()
    rule_id = stack.outputs()["rule_id"]

    spec = lenient_json(path.read_text())
    wanted = json_format.ParseDict(spec.get("dispatch_rule", spec), lkapi.SIPDispatchRuleInfo())
    stored = oracle.rule(rule_id)
    stored.ClearField("sip_dispatch_rule_id")
    if stored.media == lkapi.SIPMediaConfig():
        stored.ClearField("media")  # the server adds an empty media config to every rule
    assert stored == wanted
    stack.preview("--expect-no-changes")
    stack.destroy()
    assert oracle.rules() == []


SCENARIOS = ["direct", "pin-protected", "callee", "custom-attributes", "custom-metadata", "update-and-replace"]


@pytest.mark.parametrize("name", SCENARIOS)
def test_example_program_goes_up_and_down(name, pulumi_stack, oracle):
    stack = pulumi_stack(EXAMPLES / name)
    stack.up()
    rule_id = stack.outputs()["rule_id"]
    assert oracle.rule(rule_id) is not None
    stack.preview("--expect-no-changes")
    if name == "update-and-replace":
        before = oracle.rule(rule_id)
        stack.set_config("variant", "replaced")
        stack.up()
        after = oracle.rule(rule_id)
        assert stack.outputs()["rule_id"] == rule_id
        assert before.rule.WhichOneof("rule") == "dispatch_rule_callee"
        assert after.rule.dispatch_rule_direct.room_name == "caller-room" and after.hide_phone_number
    stack.destroy()
    assert oracle.rules() == []


def test_quickstart_root_stack(pulumi_stack, oracle):
    stack = pulumi_stack(REPO)
    stack.up()
    rule = oracle.rule(stack.outputs()["rule_id"])
    assert rule.rule.dispatch_rule_individual.room_prefix == "call-"
    assert [a.agent_name for a in rule.room_config.agents] == ["inbound-agent"]
    stack.preview("--expect-no-changes")
