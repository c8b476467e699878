"""Callers type 12345# to enter `safe-room` (LiveKit docs: "Pin-protected room").

The PIN comes from stack config so it never sits in the repo:
    pulumi config set --secret safeRoomPin 12345
It is a secret in state either way: the `pin` output is always encrypted.
"""

import pulumi

import pulumi_livekit as livekit

pin = pulumi.Config().get_secret("safeRoomPin") or "12345"

rule = livekit.DispatchRule(
    "safe-room",
    rule=livekit.DispatchRuleDirect(room_name="safe-room", pin=pin),
    name="My dispatch rule",
    trunk_ids=[],
)
pulumi.export("rule_id", rule.id)
pulumi.export("pin", rule.pin)  # shown as [secret]
