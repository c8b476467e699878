"""Conflicting dispatch rules fail `pulumi preview`, through the real engine, with no request sent."""

from __future__ import annotations

import json
import re

import pytest
import yaml

from pulumi_livekit.testing import FaultProxy

from conftest import PROGRAMS

PIN = "7355608"
TWIN = {"rule": {"dispatchRuleDirect": {"roomName": "twin", "pin": PIN}},
        "trunk_ids": ["ST_preview_twins"], "numbers": ["+15550190"]}
RULES = [
    {"type": "DispatchRule", "name": "bystander",
     "args": {"rule": {"dispatchRuleIndividual": {"roomPrefix": "by-"}}, "trunk_ids": ["ST_preview_by"]}},
    {"type": "DispatchRule", "name": "twin-a", "args": {**TWIN, "name": "twin a"}},
    # The same trunk, the same PIN, and the same number as the server compares it.
    {"type": "DispatchRule", "name": "twin-b",
     "args": {**TWIN, "name": "twin b", "numbers": ["+1 555-0190"]}},
]


@pytest.fixture
def proxy(livekit):
    with FaultProxy(livekit.credentials.url) as fault_proxy:
        yield fault_proxy


def stack_through(pulumi_stack, proxy, *, stock_host: bool):
    stack = pulumi_stack(PROGRAMS / "declared")
    stack.set_config("livekit:url", proxy.url)
    if stock_host:  # Pulumi's own dynamic-provider host, which tells the provider no URN
        project_file = stack.program_dir / "Pulumi.yaml"
        project = yaml.safe_load(project_file.read_text())
        project.pop("plugins")
        project_file.write_text(yaml.safe_dump(project))
    return stack


@pytest.mark.parametrize("stock_host", [False, True], ids=["package host", "stock host"])
def test_conflicting_declared_rules_fail_the_preview_naming_both_with_no_request(
        pulumi_stack, proxy, oracle, stock_host):
    stack = stack_through(pulumi_stack, proxy, stock_host=stock_host)
    stack.set_config("resources", json.dumps(RULES), secret=True)
    preview = stack.preview(check=False)
    assert preview.returncode != 0, preview.output
    # Whichever twin the engine checks second is refused; the engine names it, the message the other.
    other = r'"twin ([ab])"' if stock_host else r'resource "twin-([ab])"'
    found = re.search(rf"DispatchRule resource 'twin-([ab])' has a problem: conflicts with {other} of this program: both take calls "
                      r"on trunk ST_preview_twins from anyone to \+15550190 with the same PIN", preview.output)
    assert found and found.group(1) != found.group(2), preview.output
    assert PIN not in preview.output
    assert proxy.count() == 0

    # In `up` the same check refuses the second twin before its create; the other rules go ahead.
    up = stack.up(check=False)
    assert up.returncode != 0 and "conflicts with" in up.output
    created = sorted(r.name for r in oracle.rules())
    assert created in (["", "twin a"], ["", "twin b"])  # whichever twin the engine checked first
    assert proxy.count("CreateSIPDispatchRule") == 2


def test_rules_that_do_not_conflict_pass_and_a_no_change_preview_makes_no_request(pulumi_stack, proxy, oracle):
    stack = stack_through(pulumi_stack, proxy, stock_host=False)
    distinct = [RULES[0], RULES[1], {**RULES[2], "args": {**RULES[2]["args"], "numbers": ["+15550191"]}}]
    stack.set_config("resources", json.dumps(distinct), secret=True)
    # `up` with its preview: each rule is checked twice in a deployment, and never conflicts with itself.
    stack.run("up", "--yes")
    assert len(oracle.rules()) == 3
    proxy.clear()
    stack.preview("--expect-no-changes")
    assert proxy.count() == 0
