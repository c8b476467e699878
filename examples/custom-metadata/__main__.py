"""Every SIP participant the rule creates inherits this metadata
(LiveKit docs: "Setting custom metadata on inbound SIP participants")."""

import json

import pulumi

import pulumi_livekit as livekit

rule = livekit.DispatchRule(
    "with-metadata",
    rule=livekit.DispatchRuleIndividual(room_prefix="call-"),
    name="My dispatch rule",
    metadata=json.dumps({"is_internal": True}),
)
pulumi.export("rule_id", rule.id)
