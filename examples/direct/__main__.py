"""All calls are connected to the room `open-room` (LiveKit docs: "Direct dispatch rule")."""

import pulumi

import pulumi_livekit as livekit

rule = livekit.DispatchRule(
    "open-room",
    rule=livekit.DispatchRuleDirect(room_name="open-room"),
    name="My dispatch rule",
)
pulumi.export("rule_id", rule.id)
