"""One program, one stack per environment.

`Pulumi.dev.yaml` and `Pulumi.prod.yaml` hold what differs between environments — the
numbers, the room prefix, the agent name — as plain stack config; the program holds
what stays the same. See README.md in this folder.
"""

import json

import pulumi

import pulumi_livekit as livekit

config = pulumi.Config()
env = pulumi.get_stack()
numbers = config.require_object("numbers")
room_prefix = config.require("roomPrefix")
agent_name = config.require("agentName")

trunk = livekit.InboundTrunk(
    "inbound",
    name=f"support ({env})",
    numbers=numbers,
    metadata=json.dumps({"env": env}),
)

rule = livekit.DispatchRule(
    "support",
    name=f"support ({env})",
    trunk_ids=[trunk.id],
    rule=livekit.DispatchRuleIndividual(room_prefix=room_prefix),
    room_config=livekit.RoomConfiguration(
        agents=[livekit.RoomAgentDispatch(agent_name=agent_name, metadata=json.dumps({"env": env}))],
    ),
    attributes={"env": env},
)

pulumi.export("trunk_id", trunk.id)
pulumi.export("rule_id", rule.id)
pulumi.export("numbers", trunk.numbers)
