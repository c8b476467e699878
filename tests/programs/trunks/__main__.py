"""The composite program of tests/engine/test_trunks.py.

An inbound trunk (numbers from stack config `inboundNumbers`, comma-separated), an outbound trunk, and two
dispatch rules that reference the inbound trunk by `trunk.id` — one per called number,
each dispatching its own agent with job metadata. Everything is created in one `up`.
"""

import pulumi

import pulumi_livekit as livekit

config = pulumi.Config()
inbound_numbers = (config.get("inboundNumbers") or "+15550100,+15550101").split(",")

inbound = livekit.InboundTrunk(
    "inbound",
    name="Support line",
    metadata='{"team": "support"}',
    numbers=inbound_numbers,
    allowed_addresses=["203.0.113.0/24"],
    auth_username="support-in",
    auth_password="inbound-Pa55word-7731",
    auth_realm="sip.example.com",
    headers={"X-Env": "test"},
    headers_to_attributes={"X-Customer-Id": "customer.id"},
    attributes_to_headers={"crm.ticket": "X-Ticket"},
    include_headers="SIP_X_HEADERS",
    ringing_timeout="30s",
    max_call_duration=3600,
    krisp_enabled=True,
    media_encryption="SIP_MEDIA_ENCRYPT_ALLOW",
)

outbound = livekit.OutboundTrunk(
    "outbound",
    name="Carrier out",
    address="sip.carrier.example.com",
    numbers=["+15550199"],
    transport="SIP_TRANSPORT_TCP",
    destination_country="US",
    auth_username="support-out",
    auth_password="outbound-Pa55word-9917",
    headers={"X-Org": "acme"},
    include_headers="SIP_NO_HEADERS",
    from_host="calls.example.com",
)

rules = {}
for number, team in ((inbound_numbers[0], "sales"), (inbound_numbers[1], "billing")):
    rules[team] = livekit.DispatchRule(
        team,
        name=f"{team} line",
        rule=livekit.DispatchRuleIndividual(room_prefix=f"{team}-"),
        trunk_ids=[inbound.id],
        numbers=[number],
        room_config=livekit.RoomConfiguration(
            agents=[livekit.RoomAgentDispatch(agent_name=f"{team}-agent", metadata=f'{{"queue": "{team}"}}')],
        ),
    )

pulumi.export("inbound_id", inbound.id)
pulumi.export("outbound_id", outbound.id)
pulumi.export("inbound_numbers", inbound.numbers)
pulumi.export("rule_ids", {team: rule.id for team, rule in rules.items()})
