"""Routing warnings in `pulumi preview`, through the real engine: each one attached to its resource, each
silenced by its entry in `livekit:ignoreRoutingWarnings`, none sent for a project that routes well."""

from __future__ import annotations

import json
import re

from support import PROGRAMS, REPO, warnings_of

PIN = "90210733415"
OPEN = {"dispatchRuleIndividual": {"roomPrefix": "call-"}}
RESOURCES = [
    {"type": "InboundTrunk", "name": "main", "args": {"numbers": ["+15550100"]}},
    {"type": "InboundTrunk", "name": "silent", "args": {"numbers": ["+15550200"], "allowed_numbers": ["+15551234"]}},
    # Takes every call on "main", from anyone, without a PIN. Rules for any trunk come after the trunk's own, and
    # every call to +15550100 comes through "main" (open to any caller): "shadowed" is never reached.
    {"type": "DispatchRule", "name": "catch-all", "trunk": "main", "args": {"rule": OPEN}},
    {"type": "DispatchRule", "name": "shadowed",
     "args": {"rule": {"dispatchRuleDirect": {"roomName": "lobby"}}, "numbers": ["+15550100"]}},
    {"type": "DispatchRule", "name": "unserved", "trunk": "main",
     "args": {"rule": {"dispatchRuleDirect": {"roomName": "sales", "pin": PIN}}, "numbers": ["+15550999"]}},
    {"type": "DispatchRule", "name": "formatted", "trunk": "main",
     "args": {"rule": {"dispatchRuleDirect": {"roomName": "vip", "pin": PIN}}, "inbound_numbers": ["+1 555-0300"]}},
]
EXPECTED = {  # resource -> the warnings about it
    "catch-all": {"open-rule"},
    "shadowed": {"unreachable-rule", "open-rule"},
    "unserved": {"unserved-number"},
    "formatted": {"number-format"},
    "silent": {"trunk-without-rule"},
}


def documented_warnings() -> set[str]:
    """The warnings docs/change-review.md shows from `pulumi preview --diff` of this file's project."""
    page = (REPO / "docs" / "change-review.md").read_text()
    quoted = page.split("`tests/engine/test_preview_warnings.py`'s project", 1)[1]
    block = re.search(r"```\n(.*?)```", quoted, re.S).group(1)
    return set(block.splitlines())


def test_each_routing_warning_reaches_the_preview_on_its_resource_and_each_can_be_silenced(pulumi_stack, oracle):
    stack = pulumi_stack(PROGRAMS / "declared")
    stack.set_config("resources", json.dumps(RESOURCES), secret=True)
    preview = stack.preview()
    assert warnings_of(preview) == EXPECTED  # before anything exists: the trunks' IDs are unknown
    human = preview.output  # what a reviewer reads
    assert "has no rule: its calls are dropped [silence with livekit:ignoreRoutingWarnings: " \
           "trunk-without-rule:silent]" in human, human
    assert "has +1 555-0300 in inbound_numbers, which no call matches" in human
    assert PIN not in human
    # docs/change-review.md quotes this preview's warnings.
    shown = {line.strip() for line in human.splitlines() if line.strip().startswith("warning: ")}
    assert documented_warnings() == shown

    stack.up()  # the same review once everything exists, under the server's IDs
    assert warnings_of(stack.preview()) == EXPECTED
    assert len(oracle.rules()) == 4

    # One code everywhere, one code for one resource.
    stack.set_config("livekit:ignoreRoutingWarnings", json.dumps(["open-rule", "unreachable-rule:shadowed"]))
    assert warnings_of(stack.preview()) == {
        "unserved": {"unserved-number"}, "formatted": {"number-format"}, "silent": {"trunk-without-rule"}}
    stack.set_config("livekit:ignoreRoutingWarnings", '["*"]')
    assert warnings_of(stack.preview()) == {}
    stack.destroy()


def test_a_project_that_routes_well_previews_without_routing_warnings(pulumi_stack):
    stack = pulumi_stack(PROGRAMS / "declared")
    stack.set_config("resources", json.dumps([
        {"type": "InboundTrunk", "name": "main", "args": {"numbers": ["+15550100"], "allowed_numbers": ["+15551234"]}},
        {"type": "DispatchRule", "name": "support", "trunk": "main",
         "args": {"rule": {"dispatchRuleDirect": {"roomName": "support", "pin": PIN}}}},
        {"type": "DispatchRule", "name": "everyone-else", "trunk": "main", "args": {"rule": OPEN}},
        # Names a trunk managed elsewhere: only what can be told of the rule alone is reviewed.
        {"type": "DispatchRule", "name": "elsewhere", "args": {"rule": OPEN, "trunk_ids": ["ST_managed_elsewhere"]}},
    ]))
    assert warnings_of(stack.preview()) == {}
