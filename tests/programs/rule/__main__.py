"""One DispatchRule declared with the typed API from a JSON description in stack config.

`spec` config: {"kind": "individual"|"direct"|"callee", "rule": {...kwargs of that class},
"room_config": {"agents": [...]}, ...other DispatchRule kwargs}; kind "raw" passes `rule`
as a JSON-shaped dict, and `room_config_raw` does the same for room_config. Optional `importId`
adopts an existing rule; optional `proxyUrl` routes this resource through another URL.
"""

import json

import pulumi

import pulumi_livekit as livekit

KINDS = {
    "individual": livekit.DispatchRuleIndividual,
    "direct": livekit.DispatchRuleDirect,
    "callee": livekit.DispatchRuleCallee,
}

config = pulumi.Config()
spec = json.loads(config.require("spec"))
kind = spec.pop("kind")
rule_input = KINDS[kind](**spec.pop("rule")) if kind in KINDS else spec.pop("rule")  # "raw": a JSON-shaped dict
room_config = spec.pop("room_config", None)
if room_config is not None:
    room_config = livekit.RoomConfiguration(
        **{**room_config, "agents": [livekit.RoomAgentDispatch(**a) for a in room_config.get("agents", [])]}
    )
room_config = spec.pop("room_config_raw", room_config)  # a JSON-shaped dict, as is
import_id = config.get("importId")

rule = livekit.DispatchRule(
    "rule",
    rule=rule_input,
    room_config=room_config,
    opts=pulumi.ResourceOptions(import_=import_id) if import_id else None,
    **spec,
)
pulumi.export("rule_id", rule.id)
