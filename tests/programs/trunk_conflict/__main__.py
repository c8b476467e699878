"""Two inbound trunks claim the same number and neither restricts callers (allowed_numbers):
LiveKit refuses the second. `depends_on` makes `duplicate-line` the second one."""

import pulumi

import pulumi_livekit as livekit

NUMBER = "+15550177"

main = livekit.InboundTrunk("main-line", name="Main line", numbers=[NUMBER])
livekit.InboundTrunk("duplicate-line", name="Duplicate line", numbers=[NUMBER],
                     opts=pulumi.ResourceOptions(depends_on=[main]))

pulumi.export("main_id", main.id)
