"""The telephony team's stack: the trunks of one environment, and nothing that routes calls.

The carrier's inbound trunk (its numbers, the addresses it calls from) and the outbound trunk calls leave
by. Application teams route the trunk's calls from stacks of their own (`../rules`), which find it by the
number they serve. The trunk IDs are exported too, for a team that would rather take them from this stack
(a StackReference: see README.md).
"""

import pulumi

import pulumi_livekit as livekit

config = pulumi.Config()
env = pulumi.get_stack()

inbound = livekit.InboundTrunk(
    "carrier-in",
    name=f"Carrier ({env})",
    numbers=config.require_object("numbers"),
    allowed_addresses=config.require_object("carrierAddresses"),
    metadata=f'{{"env": "{env}", "owner": "telephony"}}',
)
outbound = livekit.OutboundTrunk(
    "carrier-out",
    name=f"Carrier out ({env})",
    address=config.require("carrierHost"),
    numbers=config.require_object("numbers"),
)

pulumi.export("inbound_trunk_id", inbound.id)
pulumi.export("outbound_trunk_id", outbound.id)
pulumi.export("numbers", inbound.numbers)
