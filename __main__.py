"""Quickstart: LiveKit's first dispatch-rule example, as code.

Each caller gets a room of their own, prefixed `call-`, and the agent `inbound-agent`
joins it. Connection settings come from stack config (`livekit:url`, `livekit:apiKey`,
`livekit:apiSecret`) or from LIVEKIT_URL / LIVEKIT_API_KEY / LIVEKIT_API_SECRET.
"""

import pulumi

import pulumi_livekit as livekit

rule = livekit.DispatchRule(
    "inbound",
    rule=livekit.DispatchRuleIndividual(room_prefix="call-"),
    name="My dispatch rule",
    room_config=livekit.RoomConfiguration(
        agents=[livekit.RoomAgentDispatch(agent_name="inbound-agent", metadata="job dispatch metadata")],
    ),
)

pulumi.export("rule_id", rule.id)
pulumi.export("rule", rule.rule)
