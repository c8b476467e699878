"""Every kind of input given as a Pulumi Output, typed objects inside Outputs included."""

import pulumi

import pulumi_livekit as livekit

room = pulumi.Output.from_input("output-room")
pin = pulumi.Output.secret("2580")

rule = livekit.DispatchRule(
    "outputs",
    rule=pulumi.Output.all(room, pin).apply(lambda v: livekit.DispatchRuleDirect(room_name=v[0], pin=v[1])),
    name=room.apply(lambda r: f"rule for {r}"),
    trunk_ids=[pulumi.Output.from_input("ST_outputs")],
    attributes={"room": room},
    room_config=room.apply(lambda r: livekit.RoomConfiguration(
        agents=[livekit.RoomAgentDispatch(agent_name="agent", metadata=r)])),
)
pulumi.export("rule_id", rule.id)
pulumi.export("rule", rule.rule)
