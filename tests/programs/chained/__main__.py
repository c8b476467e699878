"""Rules whose `rule` is not known at preview, and a rule the user marked secret.

`first` is a plain rule; `chained` takes its room name and its PIN from `first`'s ID, so both are
unknown until `first` exists; `sealed` is passed to the resource as a secret. Config `trunks`:
three trunk IDs, one per rule, so that the rules never conflict.
"""

import pulumi

import pulumi_livekit as livekit

first_trunk, chained_trunk, sealed_trunk = pulumi.Config().require_object("trunks")

first = livekit.DispatchRule("first", rule=livekit.DispatchRuleIndividual(room_prefix="first-"),
                             trunk_ids=[first_trunk])
chained = livekit.DispatchRule(
    "chained",
    rule=livekit.DispatchRuleDirect(room_name=first.id, pin=first.id.apply(lambda _: "43219876012")),
    trunk_ids=[chained_trunk],
)
sealed = livekit.DispatchRule("sealed", rule=pulumi.Output.secret(livekit.DispatchRuleDirect(room_name="sealed-room")),
                              trunk_ids=[sealed_trunk])
pulumi.export("ids", {"first": first.id, "chained": chained.id, "sealed": sealed.id})
