"""One DispatchRule; every name in config `fields` is read as `rule.<name>` and exported as JSON text
(`field_<name>`), so an unset field reads as "null". Config `ignore` lists fields the rule ignores changes to."""

import json

import pulumi

import pulumi_livekit as livekit

config = pulumi.Config()
rule = livekit.DispatchRule(
    "fields",
    rule=livekit.DispatchRuleDirect(room_name="fields-room", pin="73519"),
    name="fields",
    trunk_ids=[config.require("trunk")],
    opts=pulumi.ResourceOptions(ignore_changes=json.loads(config.get("ignore") or "[]")),
)
for field in json.loads(config.require("fields")):
    pulumi.export(f"field_{field}", getattr(rule, field).apply(json.dumps))
pulumi.export("has_no_such_field", hasattr(rule, "no_such_field"))
