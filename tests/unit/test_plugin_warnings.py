"""The routing warnings the provider plugin gives at check (pure part): those about a rule alone, which no
other trunk or rule makes false, each once, as `livekit:ignoreRoutingWarnings` silences them. The engine
carries them in tests/engine/test_plugin_warnings.py."""

from __future__ import annotations

import itertools
import json

import pytest

from pulumi_livekit._model import canonical as _canonical
from pulumi_livekit._core.silencing import silenced
from pulumi_livekit.plugin._routing_warnings import RoutingWarnings
from pulumi_livekit.routing import routing_table, rule_alone_warnings, rule_conflicts

URN = "urn:pulumi:dev::p::livekit:index:DispatchRule::{}"
OPEN = {"dispatch_rule_individual": {"room_prefix": "call-"}}

TRUNKS = [
    {"sip_trunk_id": "ST_main", "numbers": ["+15550100"]},
    {"sip_trunk_id": "ST_any"},
    {"sip_trunk_id": "ST_filtered", "numbers": ["+15550300"], "allowed_numbers": ["+15551234"]},
]
RULES = [
    {"sip_dispatch_rule_id": "SDR_open", "rule": OPEN},
    {"sip_dispatch_rule_id": "SDR_open_number", "rule": OPEN, "numbers": ["+15550100"]},
    {"sip_dispatch_rule_id": "SDR_formatted", "rule": {"dispatch_rule_direct": {"room_name": "vip", "pin": "1234"}},
     "numbers": ["+1 555-0300"], "inbound_numbers": ["(555) 0400"]},
    {"sip_dispatch_rule_id": "SDR_on_main", "rule": OPEN, "trunk_ids": ["ST_main"]},
    {"sip_dispatch_rule_id": "SDR_spelled", "rule": OPEN, "trunk_ids": ["ST_main"], "numbers": ["15550100"]},
    {"sip_dispatch_rule_id": "SDR_catch_all", "rule": {"dispatch_rule_callee": {"room_prefix": "n-"}},
     "trunk_ids": ["ST_filtered"]},
]


def subsets(items):
    return itertools.chain.from_iterable(itertools.combinations(items, n) for n in range(len(items) + 1))


@pytest.mark.parametrize("rule", RULES, ids=[r["sip_dispatch_rule_id"] for r in RULES])
def test_a_warning_about_a_rule_alone_is_given_in_every_project_that_holds_the_rule(rule):
    alone = {(w.code, w.text) for w in rule_alone_warnings(rule)}
    for trunks, others in itertools.product(subsets(TRUNKS), subsets([r for r in RULES if r is not rule])):
        table = routing_table(trunks, [rule, *others])
        given = {(w.code, w.text) for w in table.warnings if w.about == rule["sip_dispatch_rule_id"]}
        assert alone <= given, (trunks, others)


def test_the_warnings_about_a_rule_alone():
    codes = {r["sip_dispatch_rule_id"]: sorted(w.code for w in rule_alone_warnings(r)) for r in RULES}
    assert codes == {
        "SDR_open": ["open-rule"], "SDR_open_number": ["open-rule"], "SDR_formatted": ["number-format"] * 2,
        # Open or not, spelled as the trunk's number or not: that is the trunk's to tell.
        "SDR_on_main": [], "SDR_spelled": [], "SDR_catch_all": [],
    }


def rule_inputs(**fields):
    """A rule's checked inputs as the core gives them: snake_case, the PIN split out."""
    return {"rule": OPEN, **fields}


def test_the_plugin_names_a_rule_by_its_resource_and_gives_each_warning_once():
    warnings = RoutingWarnings()
    assert warnings.of_rule(URN.format("lobby"), rule_inputs(name="Lobby line")) == [
        "rule lobby (Lobby line) accepts calls from any source without a PIN "
        "[silence with livekit:ignoreRoutingWarnings: open-rule:lobby]"]
    assert warnings.of_rule(URN.format("lobby"), rule_inputs(name="Lobby line")) == []  # checked again
    assert len(warnings.of_rule(URN.format("other"), rule_inputs())) == 1


def test_what_cannot_be_told_at_preview_gives_no_warning():
    warnings = RoutingWarnings()
    # A PIN from another resource's output: open or not is unknown.
    assert warnings.of_rule(URN.format("a"), rule_inputs(pin=_canonical.UNKNOWN)) == []
    # A trunk of the program not created yet: the rule names a trunk, so it is not open for any trunk; its
    # badly written number is its own.
    scoped = warnings.of_rule(URN.format("b"), rule_inputs(trunk_ids=[_canonical.UNKNOWN], numbers=["+1 555 0100"]))
    assert [text.rsplit(": ", 1)[1] for text in scoped] == ["number-format:b]"]
    assert warnings.of_rule(URN.format("c"), rule_inputs(trunk_ids=_canonical.UNKNOWN)) == []
    # An explicit provider's setting from another resource's output: any warning may be silenced.
    assert warnings.configure(["open-rule", _canonical.UNKNOWN]) == []
    assert warnings.of_rule(URN.format("d"), rule_inputs()) == []


@pytest.mark.parametrize("setting, given", [
    (None, {"open", "formatted"}),
    (["open-rule"], {"formatted"}),
    (json.dumps(["open-rule:open"]), {"formatted"}),  # stack config, as the engine hands it over
    ("number-format", {"open"}),
    ('["*"]', set()),
])
def test_ignore_routing_warnings_silences_a_code_a_resource_or_everything(setting, given):
    warnings = RoutingWarnings()
    assert warnings.configure(setting) == []
    found = set()
    for name, inputs in (("open", rule_inputs()), ("formatted", {"rule": {"dispatch_rule_direct": {
            "room_name": "vip"}}, "pin": "1234", "inbound_numbers": ["555-0400"]})):
        if warnings.of_rule(URN.format(name), inputs):
            found.add(name)
    assert found == given


def test_an_entry_naming_no_warning_is_told_once():
    warnings = RoutingWarnings()
    (problem,) = warnings.configure(["open-rule", "open-rules:lobby"])
    assert "'open-rules:lobby' names no routing warning" in problem and "unreachable-rule" in problem
    assert warnings.configure(["open-rule", "open-rules:lobby"]) == []
    assert silenced(["open-rules:lobby"])[0].covers("open-rule", "lobby") is False
    assert len(silenced("5")[1]) == 1  # `pulumi config set livekit:ignoreRoutingWarnings 5`


def test_a_rule_naming_a_trunk_is_shadowed_only_by_a_rule_it_conflicts_with():
    """Why the plugin gives no `unreachable-rule` for rules checked before: those it would be are refused."""
    trunk = {"sip_trunk_id": "ST_main"}  # without numbers: it takes every call, every rule naming it is tried
    variants = [{"rule": {f"dispatch_rule_{kind}": {"room_prefix": "r-"} if kind != "direct" else {"room_name": "r"}}}
                for kind in ("direct", "individual", "callee")]
    variants = [{**v, **extra} for v in variants for extra in (
        {}, {"numbers": ["+15550100"]}, {"inbound_numbers": ["+15551234"]})]
    variants += [{**v, "rule": {k: {**body, "pin": "1234"}}} for v in variants for k, body in v["rule"].items()]
    shadowed = 0
    for first, second in itertools.permutations(variants, 2):
        rules = [{"sip_dispatch_rule_id": "SDR_a", "trunk_ids": ["ST_main"], **first},
                 {"sip_dispatch_rule_id": "SDR_b", "trunk_ids": ["ST_main"], **second}]
        if any(w.code == "unreachable-rule" for w in routing_table([trunk], rules).warnings):
            shadowed += 1
            assert rule_conflicts(rules), rules
    assert shadowed  # the table does find such pairs: each one a conflict
