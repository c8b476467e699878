"""Resources declared from the JSON list in stack config `resources` (a secret when it holds secrets).

Each item: {"type": "DispatchRule" | "InboundTrunk" | "OutboundTrunk", "name": ..., and one of
  "args": keyword arguments, JSON-shaped (a rule is LiveKit's JSON, e.g. {"dispatchRuleDirect": {...}}),
  "from_json": a spec for `from_json` (a dict, a JSON string, or "file:<path relative to this program>"),
optionally "trunk": the name of a trunk declared earlier in the list, whose ID becomes the rule's
`trunk_ids`; "ids_in": {argument: name}, the ID of a resource declared earlier as that list argument (a value
unknown at preview that no trunk_ids explains); "depends_on": names declared earlier; "connection": Connection(...) keyword arguments, or "connection_raw": a dict passed as is;
"import": the ID of an existing object to adopt}.
Exports `ids`: resource name -> ID.
"""

import json
from pathlib import Path

import pulumi

import pulumi_livekit as livekit

config = pulumi.Config()
declared = {}
for item in json.loads(config.require("resources")):
    cls = getattr(livekit, item["type"])
    opts = pulumi.ResourceOptions(depends_on=[declared[name] for name in item.get("depends_on", [])],
                                  import_=item.get("import"))
    extra = {}
    if "connection" in item:
        extra["connection"] = livekit.Connection(**item["connection"])
    if "connection_raw" in item:  # a plain dict, passed as is (also how unknown keys get through)
        extra["connection"] = item["connection_raw"]
    if "from_json" in item:
        spec = item["from_json"]
        if isinstance(spec, str) and spec.startswith("file:"):
            spec = Path(__file__).parent / spec[len("file:"):]
        resource = cls.from_json(item["name"], spec, opts=opts, **extra)
    else:
        args = dict(item.get("args", {}))
        if "trunk" in item:
            args["trunk_ids"] = [declared[item["trunk"]].id]
        for argument, name in item.get("ids_in", {}).items():
            args[argument] = [declared[name].id]
        resource = cls(item["name"], opts=opts, **args, **extra)
    declared[item["name"]] = resource

pulumi.export("ids", {name: resource.id for name, resource in declared.items()})
