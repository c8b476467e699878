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


def described(path) -> lkapi.SIPDispatchRuleInfo:
    """The rule an example describes, as LiveKit's own JSON parsing reads it."""
    spec = lenient_json(path.read_text())
    return json_format.ParseDict(spec.get("dispatch_rule", spec), lkapi.SIPDispatchRuleInfo())


def rule_step(result):
    """The engine's finished step of the one rule: its operation and the inputs and outputs it left in the state."""
    [step] = [s for s in result.applied() if s.type.endswith("DispatchRule")]
    return step


def test_each_json_example_lands_exactly_as_it_describes(pulumi_stack, oracle):
    # As the program says to use it: one stack, `pulumi config set example NAME` and `pulumi up` for each example.
    # Each `up` after the first updates the one rule in place into the next example, which stores what a create
    # of that example would (the update rule, docs/resources.md).
    # And each example's declaration leaves nothing to change on the state its `up` left: a clean preview. An
    # example the page prints twice (the `lk` file and the dashboard's JSON of one rule) proves that with the
    # twin's `up` instead: the engine diffs the twin's declaration against the state the first left, the
    # twin's checked inputs are the first's (so that diff is the first's preview), it changes nothing and the
    # state is as the first left it (so it is the twin's preview too).
    stack = pulumi_stack(EXAMPLES / "from-json")
    wanted = [described(path) for path in RULES]
    rule_ids = set()
    for index, path in enumerate(RULES):
        stack.set_config("example", path.name)
        step = rule_step(stack.up())
        twin_of_previous = index > 0 and wanted[index] == wanted[index - 1]
        if twin_of_previous:
            assert step.op == "same" and step.new.inputs == previous.new.inputs, path.name
        rule_id = stack.outputs()["rule_id"]
        rule_ids.add(rule_id)
        stored = oracle.rule(rule_id)
        stored.ClearField("sip_dispatch_rule_id")
        if stored.media == lkapi.SIPMediaConfig():
            stored.ClearField("media")  # the server adds an empty media config to every rule
        assert stored == wanted[index], path.name
        twin_next = index + 1 < len(RULES) and wanted[index + 1] == wanted[index]
        if not (twin_of_previous or twin_next):
            assert stack.preview().changes == {}, path.name
        previous = step
    assert len(rule_ids) == 1  # every example after the first an update in place, never a replacement
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

