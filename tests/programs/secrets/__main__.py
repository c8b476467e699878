"""Every kind of secret the provider handles, each from `--secret` stack config.

`pin` and `calleePin` protect two dispatch rules on an inbound trunk whose digest password is
`inboundPassword`; an outbound trunk has `outboundPassword`; the API secret is `livekit:apiSecret`.
`generation` (a number) renames things, for an update. `conflict: true` adds `pin-twin`, a rule with
the same trunk, number and PIN as `pin-direct`, which the provider's check refuses (as LiveKit would):
an error message to audit.
`malformed: true` adds `pin-malformed`, whose rule sets two kinds, each with the PIN: it fails `check`.
"""

import pulumi

import pulumi_livekit as livekit

config = pulumi.Config()
generation = config.get_int("generation") or 1

inbound = livekit.InboundTrunk(
    "inbound",
    name=f"audited inbound g{generation}",
    numbers=["+15550142"],
    auth_username="audited-pbx",
    auth_password=config.require_secret("inboundPassword"),
)
outbound = livekit.OutboundTrunk(
    "outbound",
    name=f"audited outbound g{generation}",
    address="sip.audited.example.com",
    numbers=["+15550143"],
    auth_username="audited-out",
    auth_password=config.require_secret("outboundPassword"),
)
direct = livekit.DispatchRule(
    "pin-direct",
    name=f"audited direct g{generation}",
    rule=livekit.DispatchRuleDirect(room_name="vault", pin=config.require_secret("pin")),
    trunk_ids=[inbound.id],
    numbers=["+15550142"],
)
callee = livekit.DispatchRule(
    "pin-callee",
    name=f"audited callee g{generation}",
    rule=livekit.DispatchRuleCallee(room_prefix="vault-", pin=config.require_secret("calleePin"), randomize=True),
    trunk_ids=[inbound.id],
)
if config.get_bool("conflict"):
    livekit.DispatchRule(
        "pin-twin",
        name="audited twin",
        rule=livekit.DispatchRuleDirect(room_name="twin", pin=config.require_secret("pin")),
        trunk_ids=[inbound.id],
        numbers=["+15550142"],
        opts=pulumi.ResourceOptions(depends_on=[direct]),
    )

if config.get_bool("malformed"):
    pin = config.require_secret("pin")
    livekit.DispatchRule(
        "pin-malformed",
        rule={"dispatchRuleDirect": {"roomName": "x", "pin": pin}, "dispatchRuleCallee": {"pin": pin}},
        trunk_ids=[inbound.id],
    )

pulumi.export("ids", {"inbound": inbound.id, "outbound": outbound.id, "direct": direct.id, "callee": callee.id})
