"""The test bed's livekit-server answers the SIP API as the official SDK expects."""

from livekit import api as lkapi


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
