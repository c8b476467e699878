"""The policies without the engine: either entrance's properties read into the same findings, unknowns skipped
with a note, secrets never in what a finding says, the configuration read and validated as the engine does."""

from __future__ import annotations

import json

import pytest
from livekit.protocol import sip as sip_pb

from pulumi_livekit._core.silencing import silenced as stack_setting
from pulumi_livekit._model.canonical import UNKNOWN
from pulumi_livekit._model.kinds import kind_named
from pulumi_livekit.policy._report import as_json, as_markdown, as_text, review
from pulumi_livekit.policy._settings import PolicyConfigError, read_config
from pulumi_livekit.policy._subjects import Resource, subjects_of_objects, subjects_of_resources

PIN = "90210733415"
PASSWORD = "Trunk-Pa55word-0101"
URN = "urn:pulumi:dev::telephony::{type}::{name}"


def dynamic(name: str, kind: str, props: dict, deps: dict | None = None) -> Resource:
    token = kind_named(kind).dynamic_token
    return Resource(token, name, URN.format(type=token, name=name), props, dependencies=deps or {})


def plugin(name: str, kind: str, props: dict, deps: dict | None = None) -> Resource:
    token = kind_named(kind).plugin_token
    return Resource(token, name, URN.format(type=token, name=name), props, dependencies=deps or {})


MAIN = URN.format(type=kind_named("InboundTrunk").dynamic_token, name="main")
# tests/engine/test_preview_warnings.py's project, as a policy pack sees it at preview: nothing created yet, a rule's
# trunk known only through its dependency.
PYTHON_PREVIEW = [
    dynamic("main", "InboundTrunk", {"numbers": ["+15550100"], "auth_password": PASSWORD}),
    dynamic("silent", "InboundTrunk", {"numbers": ["+15550200"], "allowed_numbers": ["+15551234"]}),
    dynamic("catch-all", "DispatchRule", {"trunk_ids": [UNKNOWN], "rule": {"dispatch_rule_individual": {
        "room_prefix": "call-"}}}, {"trunk_ids": [MAIN]}),
    dynamic("shadowed", "DispatchRule", {"rule": {"dispatch_rule_direct": {"room_name": "lobby"}},
                                         "numbers": ["+15550100"]}),
    dynamic("unserved", "DispatchRule", {"trunk_ids": [UNKNOWN], "rule": {"dispatch_rule_direct": {
        "room_name": "sales"}}, "pin": PIN, "numbers": ["+15550999"]}, {"trunk_ids": [MAIN]}),
    dynamic("formatted", "DispatchRule", {"trunk_ids": [UNKNOWN], "rule": {"dispatch_rule_direct": {
        "room_name": "vip"}}, "pin": PIN, "inbound_numbers": ["+1 555-0300"]}, {"trunk_ids": [MAIN]}),
]
MAIN_PLUGIN = URN.format(type=kind_named("InboundTrunk").plugin_token, name="main")
YAML_PREVIEW = [
    plugin("main", "InboundTrunk", {"numbers": ["+15550100"], "authPassword": PASSWORD, "sipTrunkId": UNKNOWN}),
    plugin("silent", "InboundTrunk", {"numbers": ["+15550200"], "allowedNumbers": ["+15551234"]}),
    plugin("catch-all", "DispatchRule", {"trunkIds": [UNKNOWN], "sipDispatchRuleId": UNKNOWN, "rule": {
        "dispatchRuleIndividual": {"roomPrefix": "call-"}}}, {"trunkIds": [MAIN_PLUGIN]}),
    plugin("shadowed", "DispatchRule", {"rule": {"dispatchRuleDirect": {"roomName": "lobby"}},
                                        "numbers": ["+15550100"]}),
    plugin("unserved", "DispatchRule", {"trunkIds": [UNKNOWN], "rule": {"dispatchRuleDirect": {
        "roomName": "sales", "pin": PIN}}, "numbers": ["+15550999"]}, {"trunkIds": [MAIN_PLUGIN]}),
    plugin("formatted", "DispatchRule", {"trunkIds": [UNKNOWN], "rule": {"dispatchRuleDirect": {
        "roomName": "vip", "pin": PIN}}, "inboundNumbers": ["+1 555-0300"]}, {"trunkIds": [MAIN_PLUGIN]}),
]
EXPECTED = {  # the Python preview's routing warnings (tests/engine/test_preview_warnings.py)
    "catch-all": {"open-rule"},
    "shadowed": {"unreachable-rule", "open-rule"},
    "unserved": {"unserved-number"},
    "formatted": {"number-format"},
    "silent": {"trunk-without-rule"},
}


def found(report) -> dict[str, set[str]]:
    by_resource: dict[str, set[str]] = {}
    for reported in report.findings:
        by_resource.setdefault(reported.finding.subject.name, set()).add(reported.finding.policy)
    return by_resource


def settings(config: dict | None = None):
    return read_config(json.dumps(config or {}))[0]


@pytest.mark.parametrize("resources", [PYTHON_PREVIEW, YAML_PREVIEW], ids=["python", "yaml"])
def test_either_entrance_gives_the_python_previews_warnings_on_the_same_resources(resources):
    report = review(subjects_of_resources(resources), settings())
    assert found(report) == EXPECTED
    assert report.skipped == [] and not report.blocked
    shadowed = next(r.finding for r in report.findings if r.finding.policy == "unreachable-rule")
    assert dict(shadowed.details) == {"taken by": "catch-all"}
    unserved = next(r.finding for r in report.findings if r.finding.policy == "unserved-number")
    assert dict(unserved.details) == {"field": "numbers", "number": "+15550999"}
    text = as_text(report, "the stack") + json.dumps(as_json(report)) + as_markdown(report, "dev")
    assert PIN not in text and PASSWORD not in text
    assert "livekit:ignoreRoutingWarnings: open-rule:catch-all" in text


def test_every_policy_on_with_mandatory_enforcement_and_each_silenced():
    config = {"all": "mandatory", "pin-required": {"minLength": 12}, "agent-required": {"agents": ["support"]}}
    report = review(subjects_of_resources(PYTHON_PREVIEW), settings(config))
    assert report.blocked
    assert found(report) == {
        "catch-all": {"open-rule", "pin-required", "agent-required"},
        "shadowed": {"unreachable-rule", "open-rule", "pin-required", "agent-required"},
        "unserved": {"unserved-number", "pin-required", "agent-required"},  # an 11-digit PIN
        "formatted": {"number-format", "pin-required", "agent-required", "e164-numbers"},
        "silent": {"trunk-without-rule", "unrestricted-trunk"},  # caller IDs alone do not restrict it
    }
    quiet = {**config, "open-rule": {"ignore": ["catch-all"]}, "unrestricted-trunk": {"callerNumbersSuffice": True}}
    quieter = found(review(subjects_of_resources(PYTHON_PREVIEW), settings(quiet),
                           stack_setting(["unreachable-rule:shadowed", "trunk-without-rule"])[0]))
    assert quieter["catch-all"] == {"pin-required", "agent-required"}
    assert quieter["shadowed"] == {"open-rule", "pin-required", "agent-required"}
    assert "silent" not in quieter
    # A policy may refuse the stack setting: a team's gate is not the stack's to silence.
    unheeded = {**config, "trunk-without-rule": {"honorIgnoreRoutingWarnings": False}}
    assert "trunk-without-rule" in found(review(subjects_of_resources(PYTHON_PREVIEW), settings(unheeded),
                                                stack_setting(["*"])[0]))["silent"]


def test_a_value_unknown_at_preview_is_skipped_with_a_note():
    resources = [
        dynamic("main", "InboundTrunk", {"numbers": ["+15550100"]}),
        # Its numbers come from another resource's output: the routing table cannot place it.
        dynamic("later", "DispatchRule", {"rule": {"dispatch_rule_direct": {"room_name": "r"}}, "numbers": [UNKNOWN],
                                          "pin": UNKNOWN}),
    ]
    report = review(subjects_of_resources(resources), settings({"all": "mandatory"}))
    # What reads only known fields is checked; no guess about the trunk's calls.
    assert found(report) == {"main": {"unrestricted-trunk"}, "later": {"agent-required"}}
    reasons = {missed.policy: missed.reason for missed in report.skipped}
    assert reasons["pin-required"] == "rule later: rule not known until the change is applied"
    assert "numbers" in reasons["unserved-number"] and "rule later" in reasons["trunk-without-rule"]


def test_rules_naming_trunks_managed_elsewhere_get_only_the_findings_about_themselves():
    resources = [dynamic("elsewhere", "DispatchRule", {"rule": {"dispatch_rule_individual": {"room_prefix": "c"}},
                                                      "trunk_ids": ["ST_managed_elsewhere"], "numbers": ["+1 555"]})]
    report = review(subjects_of_resources(resources), settings())
    assert found(report) == {"elsewhere": {"number-format"}}
    assert {missed.policy for missed in report.skipped} == {"unreachable-rule", "unserved-number", "trunk-without-rule"}


def test_conflicts_compare_pins_without_holding_them():
    def rule(name: str, pin: str) -> Resource:
        return plugin(name, "DispatchRule", {"rule": {"dispatchRuleDirect": {"roomName": name, "pin": pin}},
                                             "trunkIds": ["ST_1"], "numbers": ["+15550100"]})

    trunk = plugin("line", "InboundTrunk", {"numbers": ["+15550100"], "sipTrunkId": "ST_1"})
    same = review(subjects_of_resources([trunk, rule("a", PIN), rule("b", PIN)]), settings())
    [conflict] = [r.finding for r in same.findings if r.finding.policy == "conflict"]
    assert conflict.subject.name == "b" and dict(conflict.details) == {"conflicts with": "a"}
    assert "with the same PIN" in conflict.text and PIN not in conflict.text
    other = review(subjects_of_resources([trunk, rule("a", PIN), rule("b", "1234")]), settings())
    assert not [r for r in other.findings if r.finding.policy == "conflict"]
    assert all(PIN not in str(subject.message) for project in subjects_of_resources([rule("a", PIN)])
               for subject in project.subjects)


def test_two_inbound_trunks_serving_the_same_number_for_anyone_conflict():
    first = plugin("first", "InboundTrunk", {"numbers": ["+15550100"], "sipTrunkId": "ST_1"})
    second = plugin("second", "InboundTrunk", {"numbers": ["+1 555 0100"]})
    apart = plugin("apart", "InboundTrunk", {"numbers": ["+15550100"], "allowedNumbers": ["+15551234"]})
    report = review(subjects_of_resources([first, second, apart]), settings())
    [conflict] = [r.finding for r in report.findings if r.finding.policy == "conflict"]
    assert (conflict.subject.name, conflict.text) == (
        "second", "trunk second cannot be stored beside trunk first: both serve number +15550100 for calls from "
                  "anyone (no allowed_numbers)")


def test_a_projects_objects_are_reviewed_by_their_ids():
    trunk = sip_pb.SIPInboundTrunkInfo(sip_trunk_id="ST_a", numbers=["+15550100"], auth_username="pbx",
                                       auth_password=PASSWORD)
    rule = sip_pb.SIPDispatchRuleInfo(sip_dispatch_rule_id="SDR_a", trunk_ids=["ST_a"], rule=sip_pb.SIPDispatchRule(
        dispatch_rule_direct=sip_pb.SIPDispatchRuleDirect(room_name="r", pin="1234")))
    report = review([subjects_of_objects([trunk], [rule])], settings({"all": "mandatory",
                                                                      "pin-required": {"minLength": 6}}))
    assert found(report) == {"SDR_a": {"pin-required", "agent-required"}}
    assert trunk.auth_password == PASSWORD and rule.rule.dispatch_rule_direct.pin == "1234"  # the caller's untouched
    assert "livekit:ignoreRoutingWarnings" not in as_text(report, "the project")  # no stack to set it in


def test_the_configuration_is_read_as_the_engine_reads_it():
    configured, notices = read_config('{"all": "mandatory", "open-rule": "advisory", '
                                      '"pin-required": {"minLength": 6, "minLenght": 8}, "open-rules": "disabled"}')
    assert configured["open-rule"].enforcement == "advisory"
    assert configured["conflict"].enforcement == "mandatory" and configured["conflict"].blocks
    assert configured["pin-required"].parameters == {"ignore": [], "minLength": 6, "minLenght": 8}
    assert any("'open-rules' names no policy" in notice for notice in notices)
    assert any("minLenght: no such parameter" in notice for notice in notices)
    assert read_config('{"version": 2, "policies": {"conflict": "disabled"}}')[0]["conflict"].enforcement == "disabled"
    with pytest.raises(PolicyConfigError) as refused:
        read_config('{"open-rule": {"ignore": "lobby"}, "pin-required": {"minLength": -1}, "conflict": "strict"}')
    assert refused.value.problems == [
        'conflict: "strict" is not a valid enforcement level; one of advisory, mandatory, remediate, disabled',
        "open-rule: ignore: 'lobby' is not of type 'array'",
        "pin-required: minLength: -1 is less than the minimum of 0",
    ]


def test_a_trunk_the_change_updates_is_known_by_the_id_its_rules_were_given():
    # At preview the engine hands an updated trunk's ID as unknown; the rule naming it through its ID holds it.
    trunk = dynamic("inbound", "InboundTrunk", {"numbers": ["+15550100", "+15550101"], "sip_trunk_id": UNKNOWN})
    rule = dynamic("support", "DispatchRule", {"trunk_ids": ["ST_kept"], "sip_dispatch_rule_id": "SDR_kept",
                                               "rule": {"dispatch_rule_individual": {"room_prefix": "call-"}}},
                   {"trunk_ids": [trunk.urn]})
    [project] = subjects_of_resources([trunk, rule])
    assert project.complete and found(review([project], settings())) == {"support": {"open-rule"}}


def test_a_yaml_preview_resolves_a_rules_trunk_created_by_the_same_change():
    """`livekit-routes diff` and `livekit-policy check --preview` read a plugin preview's `trunkIds` as a Python
    one's `trunk_ids`: an unknown there is the trunk the engine says the value came from."""
    from pulumi_livekit.cli._preview import from_preview_json, read_preview, states_after

    trunk_urn, rule_urn = MAIN_PLUGIN, URN.format(type=kind_named("DispatchRule").plugin_token, name="support")
    steps = [
        {"op": "create", "urn": trunk_urn, "newState": {"type": kind_named("InboundTrunk").dynamic_token,
                                                        "inputs": {"numbers": ["+15550100"]}}},
        {"op": "create", "urn": rule_urn, "newState": {
            "type": kind_named("DispatchRule").plugin_token, "propertyDependencies": {"trunkIds": [trunk_urn]},
            "inputs": {"trunkIds": [UNKNOWN], "rule": {"dispatchRuleDirect": {"roomName": "r", "pin": "[secret]"}}}}},
    ]
    text = json.dumps({"steps": steps, "changeSummary": {"create": 2}})
    [trunk], [rule] = from_preview_json(text).after
    assert list(rule.trunk_ids) == [trunk.sip_trunk_id] == ["~new:main"]
    assert rule.rule.dispatch_rule_direct.pin == "[secret]"  # there is one, its value unknown here
    [project] = subjects_of_resources([Resource(s.type, s.urn.rsplit("::", 1)[-1], s.urn, s.inputs,
                                                dependencies=s.dependencies) for s in states_after(read_preview(text))])
    assert project.complete and found(review([project], settings())) == {}
