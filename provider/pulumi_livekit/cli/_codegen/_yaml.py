"""A Pulumi YAML program of the provider plugin's resources, from the objects it adopts; and the same program without
the `import` options it no longer needs."""

from __future__ import annotations

from typing import Any, Collection, Iterable

import yaml
from google.protobuf import json_format

from ..._exceptions import AdoptError
from ..._model import canonical
from ..._model.kinds import DISPATCH_RULE
from ._adopted import LiveKitObject, Program, SecretSetting, declared_fields, name_resources
from ._python import WIDTH
from ._yaml_text import dump as yaml_text

# The stack config object a Pulumi YAML program's secrets are keys of: a value of its own would reach the program
# as a number when it is digits (a trunk password of digits, its leading '+' gone), one inside an object as
# written (docs/plugin.md, "Numbers in config").
YAML_SECRETS = "livekit-secrets"


def generate_yaml(objects: Iterable[LiveKitObject], project: str, *, protect: bool = True) -> Program:
    """Pulumi.yaml declaring the objects as the plugin's `livekit:index:*` resources (docs/plugin.md): the
    fields in LiveKit's JSON spelling (the schema's), secrets from secret config, `import` and `protect` options.

    No `plugins:` entry: the plugin is installed into Pulumi's plugin cache (the steps printed), so that the
    program holds no path of this machine and a clone of it works wherever the plugin is installed."""
    adopted = tuple(name_resources(objects))
    # The Python program's resource names (the URNs' names) and config keys: Pulumi YAML takes them as they are.
    trunk_references = {item.source.id: f"${{{item.resource_name}.sipTrunkId}}"
                        for item in adopted if item.source.kind is not DISPATCH_RULE}
    secrets: list[SecretSetting] = []
    resources = {}
    for item in adopted:
        fields, item_secrets = declared_fields(item, trunk_references, lambda key: f"${{{YAML_SECRETS}.{key}}}")
        secrets += [SecretSetting(f"{YAML_SECRETS}.{s.key}", s.value, path=True) for s in item_secrets]
        declared = canonical.to_message(item.source.kind.message, fields)
        resources[item.resource_name] = {
            "type": item.source.kind.plugin_token,
            "properties": json_format.MessageToDict(declared),
            "options": {"import": item.source.id, **({"protect": True} if protect else {})},
        }
    document = {
        "name": project,
        "description": "LiveKit SIP trunks and dispatch rules, adopted with livekit-adopt",
        "runtime": "yaml",
        **({"config": {YAML_SECRETS: {"type": "object", "secret": True}}} if secrets else {}),
        "resources": resources,
    }
    source = yaml_text(document, sort_keys=False, allow_unicode=True, width=WIDTH)
    return Program(source, adopted, tuple(secrets))


def drop_yaml_imports(source: str, held: Collection[str]) -> tuple[str, list[str], list[str]]:
    """`drop_imports` for a Pulumi YAML program: the lines of each `import: <ID>` option whose ID the stack
    holds removed (and an `options:` left empty with it), every other line as it was, comments included."""
    doomed: list[range] = []
    dropped, pending = [], []
    for _, resource in _entries(_entries(yaml.compose(source)).get("resources", (None, None))[1]).values():
        options_key, options = _entries(resource).get("options", (None, None))
        if "import" not in _entries(options):
            continue
        key, value = _entries(options)["import"]
        if value.value not in held:
            pending.append(value.value)
            continue
        if options.flow_style:
            raise AdoptError(f"Pulumi.yaml line {key.start_mark.line + 1}: write the `options` of {value.value} as a "
                             f"block for --finish, or delete its `import` yourself")
        dropped.append(value.value)
        first = options_key.start_mark.line if len(options.value) == 1 else key.start_mark.line
        doomed.append(range(first, value.end_mark.line + 1))
    lines = source.splitlines(keepends=True)
    kept = [line for number, line in enumerate(lines) if not any(number in span for span in doomed)]
    return "".join(kept), dropped, pending


def _entries(node: Any) -> dict[str, tuple[yaml.Node, yaml.Node]]:
    """A YAML mapping's entries by key, as (key node, value node); none for anything else."""
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {key.value: (key, value) for key, value in node.value}
