"""Routing warnings from the provider plugin, through the engine, for a Pulumi YAML program: those about a rule
alone (an open rule, a badly written number), each once and on its resource, silenced by the default
provider's `livekit:ignoreRoutingWarnings` and by an explicit provider's `ignoreRoutingWarnings`."""

from __future__ import annotations

import json

from support import SILENCE_WITH, warnings_of, yaml_program

PIN = "48213377"
CONFIG = {"projectUrl": {"type": "string"}, "projectKey": {"type": "string"},
          "projectSecret": {"type": "string", "secret": True}}
RULES = {
    # No trunk, no number, no PIN: takes every call that reaches the project.
    "open": {"type": "livekit:index:DispatchRule",
             "properties": {"rule": {"dispatchRuleIndividual": {"roomPrefix": "call-"}}}},
    "formatted": {"type": "livekit:index:DispatchRule",
                  "properties": {"rule": {"dispatchRuleDirect": {"roomName": "vip", "pin": PIN}},
                                 "numbers": ["+1 555-0300"]}},
    # Open too, for calls to one number; silenced by name below.
    "lobby": {"type": "livekit:index:DispatchRule",
              "properties": {"rule": {"dispatchRuleDirect": {"roomName": "lobby"}}, "numbers": ["+15550400"]}},
    # Its own provider, which silences number-format.
    "quiet": {"type": "livekit:index:DispatchRule",
              "properties": {"rule": {"dispatchRuleDirect": {"roomName": "quiet", "pin": PIN}},
                             "inboundNumbers": ["(555) 0500"]},
              "options": {"provider": "${hushed}"}},
    "hushed": {"type": "pulumi:providers:livekit",
               "properties": {"url": "${projectUrl}", "apiKey": "${projectKey}", "apiSecret": "${projectSecret}",
                              "ignoreRoutingWarnings": ["number-format"]}},
}


def routing_warnings(result) -> list[tuple[str, str]]:
    return [(d.resource, d.message) for d in result.diagnostics if SILENCE_WITH in d.message]


def test_a_yaml_program_previews_with_the_warnings_about_each_rule_alone(tmp_path, pulumi_stack, livekit):
    stack = pulumi_stack(yaml_program(tmp_path / "warned", RULES, config=CONFIG))
    stack.set_config("projectUrl", livekit.credentials.url)
    stack.set_config("projectKey", livekit.credentials.api_key)
    stack.set_config("projectSecret", livekit.credentials.api_secret, secret=True)
    stack.set_config("livekit:ignoreRoutingWarnings", json.dumps(["open-rule:lobby", "open-rules"]))
    preview = stack.preview()
    assert warnings_of(preview) == {"open": {"open-rule"}, "formatted": {"number-format"}}, preview.output
    assert "'open-rules' names no routing warning" in preview.messages("warning")[""]
    shown = routing_warnings(preview)
    assert len(shown) == 2, shown  # each once, though the engine checks a resource more than once
    assert ("open", "rule open accepts calls from any source without a PIN "
                    "[silence with livekit:ignoreRoutingWarnings: open-rule:open]") in shown
    assert ("formatted", "rule formatted has +1 555-0300 in numbers, which no call matches: rules compare numbers as "
                         "written, and calls carry none with spaces, dashes or parentheses (write it as +15550300) "
                         "[silence with livekit:ignoreRoutingWarnings: number-format:formatted]") in shown
    assert PIN not in preview.output

    stack.set_config("livekit:ignoreRoutingWarnings", json.dumps(["open-rule", "number-format:formatted"]))
    assert warnings_of(stack.preview()) == {}


def test_a_yaml_program_that_routes_well_previews_without_routing_warnings(tmp_path, pulumi_stack):
    stack = pulumi_stack(yaml_program(tmp_path / "clean", {
        "line": {"type": "livekit:index:InboundTrunk",
                 "properties": {"numbers": ["+15550100"], "allowedNumbers": ["+15551234"]}},
        "support": {"type": "livekit:index:DispatchRule",
                    "properties": {"rule": {"dispatchRuleDirect": {"roomName": "support", "pin": PIN}},
                                   "trunkIds": ["${line.sipTrunkId}"]}},
        "everyoneElse": {"type": "livekit:index:DispatchRule",
                         "properties": {"rule": {"dispatchRuleIndividual": {"roomPrefix": "call-"}},
                                        "trunkIds": ["${line.sipTrunkId}"], "numbers": ["+15550100"]}},
    }))
    preview = stack.preview()
    assert routing_warnings(preview) == [], preview.output
    stack.up()
    assert routing_warnings(stack.preview()) == []
