"""Update and replace (LiveKit docs: "Update dispatch rule" / "Replace dispatch rule").

With Pulumi there is one gesture for both: edit the declaration and `pulumi up`. The
provider sends the whole desired rule (UpdateSIPDispatchRule with `replace`), so any field
changes in place, the rule kind included, and the rule ID stays. Try:

    pulumi up                                   # the docs' "update" state
    pulumi config set variant replaced && pulumi up   # the docs' "replace" state, same ID
"""

import json

import pulumi

import pulumi_livekit as livekit

config = pulumi.Config()
trunk_ids = config.get_object("trunkIds") or []

if config.get("variant") == "replaced":
    rule = livekit.DispatchRule(
        "rule",
        rule=livekit.DispatchRuleDirect(room_name="caller-room", pin="1212"),
        name="My replaced dispatch rule",
        trunk_ids=trunk_ids,
        hide_phone_number=True,
        metadata=json.dumps({"is_internal": False}),
        attributes={"<replaced_key_name1>": "<replaced_value1>", "<replaced_key_name2>": "<replaced_value2>"},
    )
else:
    rule = livekit.DispatchRule(
        "rule",
        rule=livekit.DispatchRuleCallee(room_prefix="number-", randomize=False, pin="1234"),
        name="My updated dispatch rule",
        trunk_ids=trunk_ids,
    )
pulumi.export("rule_id", rule.id)
