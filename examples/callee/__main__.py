"""Callers to the same number share a room `number-<called number>` (LiveKit docs: "Callee dispatch rule")."""

import pulumi

import pulumi_livekit as livekit

rule = livekit.DispatchRule(
    "by-called-number",
    rule=livekit.DispatchRuleCallee(room_prefix="number-", randomize=False),
    name="My dispatch rule",
)
pulumi.export("rule_id", rule.id)
