"""Conflicts in one update, through the real Pulumi engine against a real livekit-server: two declared
rules that take the same calls, and a rule that collides with one made outside Pulumi. Each fails the
preview and the `up` naming the resource, before any write; everything else in the update is created,
once, and nothing made outside Pulumi is touched."""

from __future__ import annotations

import json

from livekit import api as lkapi

from support import PROGRAMS, duplicates, make_stack, state_ids, write_config

DECLARED = PROGRAMS / "declared"

BYSTANDERS = ["bystander-trunk", "bystander-rule"]


def test_conflicts_fail_the_preview_name_the_resource_and_lose_nothing_else(livekit, oracle, tmp_path, figures):
    outside = oracle.call("create_dispatch_rule", lkapi.CreateSIPDispatchRuleRequest(
        dispatch_rule=lkapi.SIPDispatchRuleInfo(
            name="made outside", trunk_ids=["ST_conflict_outside"],
            rule=lkapi.SIPDispatchRule(dispatch_rule_direct=lkapi.SIPDispatchRuleDirect(room_name="theirs")))))
    twin_rule = {"dispatchRuleDirect": {"roomName": "twin", "pin": "7355608"}}
    twin_args = {"trunk_ids": ["ST_conflict_twins"], "numbers": ["+15550190"]}
    stack = make_stack(tmp_path, DECLARED, livekit, config={"resources": [
        {"type": "InboundTrunk", "name": "bystander-trunk", "args": {"numbers": ["+15550191"]}},
        {"type": "DispatchRule", "name": "bystander-rule", "trunk": "bystander-trunk",
         "args": {"rule": {"dispatchRuleIndividual": {"roomPrefix": "by-"}}}},
        # Same trunk, number and PIN: whichever is checked second is refused. (The engine starts no new step
        # once one failed, so the twins wait for the bystanders.)
        {"type": "DispatchRule", "name": "twin-a", "depends_on": BYSTANDERS,
         "args": {"rule": twin_rule, "name": "twin a", **twin_args}},
        {"type": "DispatchRule", "name": "twin-b", "depends_on": BYSTANDERS,
         "args": {"rule": twin_rule, "name": "twin b", **twin_args}},
        # Collides with the rule made outside Pulumi; checked after the twins, so each preview meets one conflict.
        {"type": "DispatchRule", "name": "collider", "depends_on": [*BYSTANDERS, "twin-a", "twin-b"],
         "args": {"rule": {"dispatchRuleIndividual": {"roomPrefix": "mine-"}}, "trunk_ids": ["ST_conflict_outside"]}},
    ]})

    preview = stack.preview(check=False)  # the declared twins fail the preview already
    assert preview.returncode != 0
    assert set(preview.messages()) - {"", "declared-test"} in ({"twin-a"}, {"twin-b"}), preview.messages()
    assert oracle.rules() == [outside]

    up = stack.up(check=False)
    assert up.returncode != 0
    errors = up.messages()
    refused_twin = "twin-b" if "twin-b" in errors else "twin-a"
    kept_twin = {"twin-a": "twin-b", "twin-b": "twin-a"}[refused_twin]
    # Two declared twins: the provider's check refuses the second before any request, naming the first. A
    # failed check ends the program's registrations, so the collider is not reached in this `up`.
    assert set(errors) - {"", "declared-test"} == {refused_twin}, errors  # the run and the stack may sum up
    assert f'conflicts with resource "{kept_twin}" of this program: both take calls on trunk ST_conflict_twins ' \
           "from anyone to +15550190 with the same PIN" in errors[refused_twin], errors[refused_twin]
    assert "7355608" not in up.output + preview.output  # the PIN of the refused twin stays a secret

    # Without the refused twin, the preview reaches the collider, refused for the rule made outside Pulumi, still
    # before anything is created; so is the `up`, where the collider's check refuses it before its create.
    kept = [r for r in json.loads(stack.run("config", "get", "resources").stdout) if r["name"] != refused_twin]
    for resource in kept:
        resource["depends_on"] = [name for name in resource.get("depends_on", []) if name != refused_twin]
    write_config(stack, {"resources": kept})
    before = oracle.rules()
    preview = stack.preview(check=False)
    assert preview.returncode != 0
    assert set(preview.messages()) - {"", "declared-test"} == {"collider"}, preview.messages()
    assert "conflicts with dispatch rule " in preview.messages()["collider"]
    assert oracle.rules() == before
    up = stack.up(check=False)
    assert up.returncode != 0
    errors = up.messages()
    assert set(errors) - {"", "declared-test"} == {"collider"}, errors
    assert (f'conflicts with dispatch rule {outside.sip_dispatch_rule_id} "made outside" on the LiveKit server: both '
            f"take calls on trunk ST_conflict_outside from anyone to any number without a PIN") in errors["collider"], \
        errors["collider"]

    in_state = state_ids(stack, "DispatchRule")
    assert set(in_state) == {"bystander-rule", kept_twin}

    # Everything else in the same update was created and recorded, exactly once.
    trunks = state_ids(stack, "InboundTrunk")
    assert list(trunks) == ["bystander-trunk"]
    assert [t.sip_trunk_id for t in oracle.inbound_trunks()] == [trunks["bystander-trunk"]]
    on_server = {r.sip_dispatch_rule_id: r for r in oracle.rules()}
    assert set(on_server) == {outside.sip_dispatch_rule_id, *in_state.values()}
    assert list(on_server[in_state["bystander-rule"]].trunk_ids) == [trunks["bystander-trunk"]]
    figures["duplicates found"] += duplicates(tuple(r.trunk_ids) + tuple(r.numbers) for r in on_server.values())

    stack.destroy()
    assert [r.sip_dispatch_rule_id for r in oracle.rules()] == [outside.sip_dispatch_rule_id]
    assert oracle.inbound_trunks() == []
