"""DispatchRules declared with the typed API from JSON descriptions in stack config.

`spec` config: one rule, resource name "rule", exported as `rule_id`: {"kind": "individual"|
"direct"|"callee", "rule": {...kwargs of that class}, "room_config": {"agents": [...]}, ...other
DispatchRule kwargs}; kind "raw" passes `rule` as a JSON-shaped dict, and `room_config_raw` does
the same for room_config. Optional `importId` adopts an existing rule.
`specs` config instead: {resource name: spec}, several rules side by side, exported as `rule_ids`.
"""

import json

import pulumi

import pulumi_livekit as livekit

KINDS = {
    "individual": livekit.DispatchRuleIndividual,
    "direct": livekit.DispatchRuleDirect,
    "callee": livekit.DispatchRuleCallee,
}


def declare(resource_name: str, spec: dict, import_id=None) -> livekit.DispatchRule:
    kind = spec.pop("kind")
    rule_input = KINDS[kind](**spec.pop("rule")) if kind in KINDS else spec.pop("rule")  # "raw": JSON-shaped
    room_config = spec.pop("room_config", None)
    if room_config is not None:
        room_config = livekit.RoomConfiguration(
            **{**room_config, "agents": [livekit.RoomAgentDispatch(**a) for a in room_config.get("agents", [])]}
        )
    room_config = spec.pop("room_config_raw", room_config)  # a JSON-shaped dict, as is
    return livekit.DispatchRule(
        resource_name,
        rule=rule_input,
        room_config=room_config,
        opts=pulumi.ResourceOptions(import_=import_id) if import_id else None,
        **spec,
    )


config = pulumi.Config()
specs = config.get("specs")
if specs:
    pulumi.export("rule_ids", {name: declare(name, spec).id for name, spec in json.loads(specs).items()})
else:
    pulumi.export("rule_id", declare("rule", json.loads(config.require("spec")), config.get("importId")).id)
