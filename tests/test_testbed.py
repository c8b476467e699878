"""The test bed itself: a real livekit-server answering the SIP API, and the real Pulumi engine."""

from livekit import api as lkapi

from pulumi_livekit.testing import PulumiStack

from conftest import PROGRAMS


def test_official_sdk_creates_lists_and_deletes_a_dispatch_rule(oracle):
    rule = lkapi.SIPDispatchRuleInfo(
        name="testbed",
        trunk_ids=["ST_testbed"],
        rule=lkapi.SIPDispatchRule(dispatch_rule_direct=lkapi.SIPDispatchRuleDirect(room_name="testbed-room")),
    )
    created = oracle.call("create_dispatch_rule", lkapi.CreateSIPDispatchRuleRequest(dispatch_rule=rule))
    assert created.sip_dispatch_rule_id.startswith("SDR_")

    listed = {r.sip_dispatch_rule_id: r for r in oracle.rules()}
    assert listed[created.sip_dispatch_rule_id].rule.dispatch_rule_direct.room_name == "testbed-room"

    oracle.call("delete_dispatch_rule", lkapi.DeleteSIPDispatchRuleRequest(
        sip_dispatch_rule_id=created.sip_dispatch_rule_id))
    assert oracle.rules() == []


def test_pulumi_up_and_destroy_a_dynamic_resource_through_the_built_engine(tmp_path):
    stack = PulumiStack(PROGRAMS / "noop", workdir=tmp_path)
    version = stack.run("version").stdout.strip()
    assert version.startswith("v3.")

    stack.set_config("count", "2")
    up = stack.up()
    assert "+ 3 created" in up.stdout  # the stack and two dynamic resources
    assert stack.outputs() == {"labels": ["label-0", "label-1"]}
    assert len(stack.resources("dynamic:Resource")) == 2

    stack.preview("--expect-no-changes")
    stack.destroy()
    assert stack.resources("dynamic:Resource") == []
