"""An application team's stack: the dispatch rule for its number and agent, on a trunk it does not manage.

The telephony team's stack (`../trunks`) owns the trunks. This one finds the inbound trunk serving its number
with a lookup, at preview too, and never changes or deletes it: `pulumi destroy` here removes the rule alone.
With `trunksStack` set (`organization/livekit-teams-trunks/dev`), it takes the trunk's ID from that stack's
outputs instead (a StackReference: see README.md).
"""

import json

import pulumi

import pulumi_livekit as livekit

config = pulumi.Config()
env = pulumi.get_stack()
number = config.require("number")

trunks_stack = config.get("trunksStack")
if trunks_stack:
    trunk_id = pulumi.StackReference(trunks_stack).require_output("inbound_trunk_id")
else:
    trunk_id = livekit.get_inbound_trunk(number=number).id

support = livekit.DispatchRule(
    "support",
    name=f"Support ({env})",
    trunk_ids=[trunk_id],
    numbers=[number],
    rule=livekit.DispatchRuleIndividual(room_prefix=config.require("roomPrefix")),
    room_config=livekit.RoomConfiguration(
        agents=[livekit.RoomAgentDispatch(agent_name=config.require("agentName"),
                                          metadata=json.dumps({"env": env, "line": number}))],
    ),
)

pulumi.export("trunk_id", trunk_id)
pulumi.export("rule_id", support.id)
