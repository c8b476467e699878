"""Trunks and a rule another team manages (made out of band by the test), found by every kind of lookup and read
with `get`; two rules this stack manages, on the trunk a lookup found. `mode` set to `none` or `several` makes
a lookup that finds no trunk, or two."""

import pulumi

import pulumi_livekit as livekit

config = pulumi.Config()
mode = config.get("mode")

if mode == "none":
    livekit.get_inbound_trunk(name="Backup line")
elif mode == "several":
    livekit.get_inbound_trunk(name="Twin line")
else:
    trunk_id = config.require("trunkId")
    by_id = livekit.get_inbound_trunk(id=trunk_id)
    by_name = livekit.get_inbound_trunk(name="Main line")
    again = livekit.get_inbound_trunk(name="Main line")  # the same lookup again: no request of its own
    by_number = livekit.get_inbound_trunk(number="+1 555 0100")  # as LiveKit compares numbers
    twins = livekit.get_inbound_trunks(name="Twin line")
    # Through an explicit connection whose API secret is a secret: what it finds is no more secret for that.
    carrier = livekit.get_outbound_trunk(
        number="+15550200", connection=livekit.Connection(api_secret=pulumi.Config("livekit").require_secret("apiSecret")))
    lobby = livekit.get_dispatch_rule(name="Lobby")
    every_rule = livekit.get_dispatch_rules()

    # Read, not managed: this stack never changes or deletes them.
    main = livekit.InboundTrunk.get("main", trunk_id)
    lobby_read = livekit.DispatchRule.get("lobby", config.require("ruleId"))

    support = livekit.DispatchRule(
        "support",
        trunk_ids=[by_number.id],
        rule=livekit.DispatchRuleIndividual(room_prefix="support-"),
        room_config=livekit.RoomConfiguration(agents=[livekit.RoomAgentDispatch(agent_name="support-agent")]),
    )
    # A number the looked-up trunk does not serve: the routing review knows the trunk's numbers.
    stray = livekit.DispatchRule(
        "stray",
        trunk_ids=[by_number.sip_trunk_id],
        numbers=["+15559999"],
        rule=livekit.DispatchRuleDirect(room_name="stray"),
    )

    pulumi.export("ids", [by_id.id, by_name.id, again.sip_trunk_id, by_number.id])
    pulumi.export("main_password", by_id.auth_password)
    pulumi.export("twin_ids", twins.apply(lambda found: sorted(trunk.id for trunk in found)))
    pulumi.export("carrier", {"id": carrier.id, "address": carrier.address, "password": carrier.auth_password})
    pulumi.export("lobby", {"id": lobby.id, "room": lobby.rule.apply(lambda rule: rule["dispatch_rule_direct"]),
                            "pin": lobby.pin})
    pulumi.export("rule_count", every_rule.apply(len))
    pulumi.export("read", {"name": main.name, "numbers": main.numbers, "password": main.auth_password,
                           "lobby_name": lobby_read.name, "lobby_pin": lobby_read.pin})
    pulumi.export("support_id", support.id)
