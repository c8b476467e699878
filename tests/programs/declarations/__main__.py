"""The objects config `declarations` describes: {resource name: {"kind": "DispatchRule" | "InboundTrunk" |
"OutboundTrunk", "declaration": {...LiveKit's JSON of the object}, "import": optional ID}}. Each is declared with
its class, the declaration's top-level fields as keyword arguments, nested values as LiveKit's JSON has them.
Exports their IDs as `ids`."""

import json
import re

import pulumi

import pulumi_livekit as livekit


def keyword(json_name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", json_name).lower()


ids = {}
for name, spec in json.loads(pulumi.Config().require("declarations")).items():
    kind = getattr(livekit, spec["kind"])
    options = pulumi.ResourceOptions(import_=spec["import"]) if spec.get("import") else None
    ids[name] = kind(name, opts=options, **{keyword(k): v for k, v in spec["declaration"].items()}).id
pulumi.export("ids", ids)
