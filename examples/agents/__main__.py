"""Route an inbound phone number to a named agent, with job metadata.

A caller dialing `number` reaches LiveKit through the inbound trunk; the dispatch rule
puts each caller in a fresh room (`call-<caller>-<random>`) and LiveKit dispatches the
agent `agentName` to it. The agent receives `metadata` as its job metadata
(`ctx.job.metadata` in the Agents SDK) — here JSON telling it which line was called.

Stack config (all optional):

    pulumi config set number +15105550100          # the number your SIP provider sends here
    pulumi config set agentName inbound-agent      # must match the agent's `agent_name`
    pulumi config set allowedAddresses 203.0.113.0/24,198.51.100.10   # your provider's IPs

The LiveKit connection comes from `livekit:url` / `livekit:apiKey` / `livekit:apiSecret`
(stack config) or LIVEKIT_URL / LIVEKIT_API_KEY / LIVEKIT_API_SECRET.
"""

import json

import pulumi

import pulumi_livekit as livekit

config = pulumi.Config()
number = config.get("number") or "+15105550100"
agent_name = config.get("agentName") or "inbound-agent"
allowed_addresses = [a for a in (config.get("allowedAddresses") or "").split(",") if a]

trunk = livekit.InboundTrunk(
    "inbound",
    name=f"Inbound {number}",
    numbers=[number],
    # Only accept calls from your SIP provider's addresses when you know them.
    allowed_addresses=allowed_addresses or None,
    krisp_enabled=True,
)

rule = livekit.DispatchRule(
    "to-agent",
    name=f"{number} to {agent_name}",
    trunk_ids=[trunk.id],  # the engine creates the trunk first and deletes it last
    rule=livekit.DispatchRuleIndividual(room_prefix="call-"),
    room_config=livekit.RoomConfiguration(
        agents=[
            livekit.RoomAgentDispatch(
                agent_name=agent_name,
                metadata=json.dumps({"line": number, "greeting": "Thanks for calling. How can I help?"}),
            )
        ],
    ),
)

pulumi.export("trunk_id", trunk.id)
pulumi.export("rule_id", rule.id)
pulumi.export("number", number)
pulumi.export("agent_name", agent_name)
