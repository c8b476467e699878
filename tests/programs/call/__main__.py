"""The program of tests/engine/test_call.py: one inbound trunk, and a rule per called number naming an agent.

Stack config: `agent` (the agent a test worker serves), `pin` (secret). Numbers:
  +15557770001  sales: a room per caller, the team's attributes, the agent with job metadata
  +15557770002  private: the same, with the caller's number hidden
  +15557770003  ghost: an agent no worker serves
  +15557770004  vip: one room behind a PIN, the agent
  +15557770005  served by the trunk, taken by no rule
"""

import pulumi

import pulumi_livekit as livekit

config = pulumi.Config()
agent = config.require("agent")

line = livekit.InboundTrunk("line", name="test line",
                            numbers=["+15557770001", "+15557770002", "+15557770003", "+15557770004", "+15557770005"])


def rule(name: str, number: str, kind, *, agent_name: str, metadata: str, **fields) -> tuple:
    return name, livekit.DispatchRule(
        name, name=name, rule=kind, trunk_ids=[line.id], numbers=[number],
        room_config=livekit.RoomConfiguration(
            agents=[livekit.RoomAgentDispatch(agent_name=agent_name, metadata=metadata)],
            empty_timeout=120, metadata=f'{{"line": "{name}"}}', tags={"line": name}),
        **fields)


rules = dict([
    rule("sales", "+15557770001", livekit.DispatchRuleIndividual(room_prefix="sales"), agent_name=agent,
         metadata='{"queue": "sales"}', attributes={"team": "sales"}),
    rule("private", "+15557770002", livekit.DispatchRuleIndividual(room_prefix="private"), agent_name=agent,
         metadata='{"queue": "private"}', attributes={"team": "private"}, hide_phone_number=True),
    rule("ghost", "+15557770003", livekit.DispatchRuleIndividual(room_prefix="ghost"), agent_name="ghost-agent",
         metadata='{"queue": "ghost"}'),
    rule("vip", "+15557770004", livekit.DispatchRuleDirect(room_name="vip", pin=config.require_secret("pin")),
         agent_name=agent, metadata='{"queue": "vip"}'),
])

pulumi.export("trunk_id", line.id)
pulumi.export("rule_ids", {name: r.id for name, r in rules.items()})
