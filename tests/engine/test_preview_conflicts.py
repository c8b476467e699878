"""Conflicting dispatch rules fail `pulumi preview`, through the real engine, before anything is written:
rules declared side by side, and a rule against one on the server outside the stack."""

from __future__ import annotations

import json
import re

import pytest
import yaml
from livekit import api as lkapi


from support import PROGRAMS

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
                      r"on trunk ST_preview_twins from anyone to \+15550190 with the same PIN",
                      "\n".join(preview.messages().values()))
    assert found and found.group(1) != found.group(2), preview.messages()
    assert PIN not in preview.output
    # Nothing written: the one request is the listing the first twin's check looks for conflicts on the server in.
    assert proxy.count() == proxy.count("ListSIPDispatchRule") == 1

    # In `up` the same check refuses the second twin before its create; the other rules go ahead.
    up = stack.up(check=False)
    assert up.returncode != 0 and "conflicts with" in "\n".join(up.messages().values())
    created = sorted(r.name for r in oracle.rules())
    # Whichever twin the engine checked first; the bystander too, unless the refused check came before it.
    assert created in (["", "twin a"], ["", "twin b"], ["twin a"], ["twin b"]), created
    assert proxy.count("CreateSIPDispatchRule") == len(created)


def test_rules_that_do_not_conflict_pass_and_a_no_change_preview_makes_one_request(pulumi_stack, proxy, oracle):
    stack = stack_through(pulumi_stack, proxy, stock_host=False)
    distinct = [RULES[0], RULES[1], {**RULES[2], "args": {**RULES[2]["args"], "numbers": ["+15550191"]}}]
    stack.set_config("resources", json.dumps(distinct), secret=True)
    # `up` with its preview: each rule is checked twice in a deployment, and never conflicts with itself.
    stack.run("up", "--yes")
    assert len(oracle.rules()) == 3
    proxy.clear()
    stack.preview("--expect-no-changes")
    assert dict(proxy.counts) == {"ListSIPDispatchRule": 1}  # the connection's check, whatever the number of rules


OUTSIDE_TRUNK = "ST_preview_outside"


def test_a_rule_that_conflicts_with_one_outside_the_stack_fails_the_preview_after_one_listing(
        pulumi_stack, proxy, oracle):
    outside = oracle.call("create_dispatch_rule", lkapi.CreateSIPDispatchRuleRequest(
        dispatch_rule=lkapi.SIPDispatchRuleInfo(
            name="made outside", trunk_ids=[OUTSIDE_TRUNK],
            rule=lkapi.SIPDispatchRule(dispatch_rule_direct=lkapi.SIPDispatchRuleDirect(room_name="theirs")))))
    stack = stack_through(pulumi_stack, proxy, stock_host=False)
    collider = {"type": "DispatchRule", "name": "collider",
                "args": {"rule": {"dispatchRuleIndividual": {"roomPrefix": "mine-"}}, "trunk_ids": [OUTSIDE_TRUNK]}}
    newcomers = [{"type": "DispatchRule", "name": f"newcomer-{i}",
                  "args": {"rule": {"dispatchRuleIndividual": {"roomPrefix": f"n{i}-"}},
                           "trunk_ids": [f"ST_preview_new_{i}"]}} for i in range(3)]
    stack.set_config("resources", json.dumps([*newcomers, collider]))
    preview = stack.preview(check=False)
    assert preview.returncode != 0, preview.output
    assert (f"DispatchRule resource 'collider' has a problem: conflicts with dispatch rule "
            f'{outside.sip_dispatch_rule_id} "made outside" on the LiveKit server: both take calls on trunk '
            f"{OUTSIDE_TRUNK} from anyone to any number without a PIN") in preview.messages().get("collider", ""), \
        preview.messages()
    # Four rules to create, one listing of the server's rules for all their checks, and nothing written.
    assert (proxy.count(), proxy.count("ListSIPDispatchRule")) == (1, 1)
    assert oracle.rules() == [outside]
    # `up` without a preview: the check refuses the collider before its create. The engine starts no step after
    # a failed one, so how many newcomers go ahead varies; all are checked against the process's one listing.
    proxy.clear()
    up = stack.up(check=False)
    assert up.returncode != 0 and "conflicts with dispatch rule" in up.messages().get("collider", "")
    created = proxy.count("CreateSIPDispatchRule")
    # The creates take what was there before from the same listing: no List of their own.
    assert proxy.count("ListSIPDispatchRule") == 1
    assert "mine-" not in str(oracle.rules()) and len(oracle.rules()) == 1 + created
    stack.set_config("resources", json.dumps(newcomers))
    stack.up()
    assert len(oracle.rules()) == 1 + len(newcomers)

    # A change that leaves every rule's calls alone (a rename) needs no more than the connection's check; one that
    # moves a rule onto the outside rule's calls is refused at preview, as a new rule is, from the same listing.
    renamed = [{**r, "args": {**r["args"], "name": "renamed"}} for r in newcomers]
    stack.set_config("resources", json.dumps(renamed))
    proxy.clear()
    stack.preview()
    assert dict(proxy.counts) == {"ListSIPDispatchRule": 1}
    moved = [*renamed[:2], {**renamed[2], "args": {**renamed[2]["args"], "trunk_ids": [OUTSIDE_TRUNK]}}]
    stack.set_config("resources", json.dumps(moved))
    proxy.clear()
    preview = stack.preview(check=False)
    assert preview.returncode != 0
    assert (f"DispatchRule resource 'newcomer-2' has a problem: conflicts with dispatch rule "
            f"{outside.sip_dispatch_rule_id}") in preview.messages().get("newcomer-2", ""), preview.messages()
    assert proxy.count() == 1
    stack.destroy()
    assert oracle.rules() == [outside]
