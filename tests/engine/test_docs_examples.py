"""Every JSON example of LiveKit's dispatch-rule page (kept verbatim in examples/from-json/rules)
through `DispatchRule.from_json`, and every example program, through the real engine against the
real server (the root stack, the quick start's, runs as `make demo` runs it: tests/engine/test_demo.py)."""

from __future__ import annotations

import json
import re

import pytest
from google.protobuf import json_format
from livekit import api as lkapi

from support import EXAMPLES

# The JSON of every example on LiveKit's dispatch-rule page, copied verbatim (trailing commas and
# all) when the examples were written: the fixture, so that a clone needs nothing beside it.
RULES = sorted((EXAMPLES / "from-json" / "rules").glob("*.json"))


def lenient_json(text: str):
    return json.loads(re.sub(r",\s*([}\]])", r"\1", text))


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

