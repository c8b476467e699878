"""Every SIP participant the rule creates inherits these attributes
(LiveKit docs: "Setting custom attributes on inbound SIP participants")."""

import pulumi

import pulumi_livekit as livekit

rule = livekit.DispatchRule(
    "with-attributes",
    rule=livekit.DispatchRuleIndividual(room_prefix="call-"),
    name="My dispatch rule",
    attributes={"<key_name1>": "<value1>", "<key_name2>": "<value2>"},
)
pulumi.export("rule_id", rule.id)
