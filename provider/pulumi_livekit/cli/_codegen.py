"""From LiveKit objects to the Pulumi program a person would have written to manage them.

Each object becomes one resource: its fields in the provider's canonical form (the form an
import is compared against) as keyword arguments in the order of the resource's constructor,
nested messages as the typed classes that mirror them, the IDs of adopted trunks as references,
PINs, trunk passwords and egress credentials read from secret stack config, `import_` set to the
object's ID, and `protect` set unless asked not to.
"""

from __future__ import annotations

import ast
import dataclasses
import inspect
import json
import keyword
import re
import shlex
import unicodedata
from dataclasses import dataclass
from typing import Any, Callable, Collection, Iterable, Mapping, Optional, Sequence

import yaml
from google.protobuf import json_format
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message

from .. import _canonical
from .._descriptors import is_map, is_repeated
from .._dispatch_rule import DispatchRule
from .._exceptions import AdoptError
from .._inputs import (
    DispatchRuleCallee,
    DispatchRuleDirect,
    DispatchRuleIndividual,
    RoomAgentDispatch,
    RoomConfiguration,
    SIPMediaConfig,
)
from .._provider import SIPResourceProvider
from .._stored import PLUGIN_TYPE_TOKENS, replace_credentials, without_media_copy
from .._trunks import InboundTrunk, OutboundTrunk
from ._yaml import dump as yaml_text

WIDTH = 100
INDENT = "    "


@dataclass(frozen=True)
class Kind:
    option: str  # the `--kind` value
    resource: type
    noun: str

    @property
    def provider(self) -> SIPResourceProvider:
        return self.resource._provider


INBOUND_TRUNK = Kind("inbound-trunk", InboundTrunk, "inbound trunk")
OUTBOUND_TRUNK = Kind("outbound-trunk", OutboundTrunk, "outbound trunk")
DISPATCH_RULE = Kind("dispatch-rule", DispatchRule, "dispatch rule")
# Also the order of resources in a program: the rules refer to the trunks.
KINDS = (INBOUND_TRUNK, OUTBOUND_TRUNK, DISPATCH_RULE)


@dataclass(frozen=True)
class LiveKitObject:
    kind: Kind
    message: Message

    @property
    def id(self) -> str:
        return getattr(self.message, self.kind.provider.id_field)

    @property
    def name(self) -> str:
        return self.message.name

    @property
    def trunk_ids(self) -> tuple[str, ...]:
        return tuple(getattr(self.message, "trunk_ids", ()))


@dataclass(frozen=True)
class Adopted:
    source: LiveKitObject
    resource_name: str
    variable: str


@dataclass(frozen=True)
class SecretSetting:
    key: str
    value: str
    path: bool = False  # `key` is a path into an object (`pulumi config set --path`)


@dataclass(frozen=True)
class Program:
    source: str
    adopted: tuple[Adopted, ...]
    secrets: tuple[SecretSetting, ...]


# The stack config key of a secret is the resource name plus this suffix.
_SECRET_SUFFIXES = {"pin": "pin", "auth_password": "password"}
# Each typed input class mirrors the LiveKit message of the same name.
_TYPED = {cls.__name__: cls for cls in (RoomConfiguration, RoomAgentDispatch, SIPMediaConfig)}
_RULE_KINDS = {cls.kind: cls for cls in (DispatchRuleIndividual, DispatchRuleDirect, DispatchRuleCallee)}
# Names the program itself uses.
_TAKEN_VARIABLES = frozenset({"pulumi", "livekit", "config"})


class Code(str):
    """Python source emitted as it is (a reference, a call), not as a string literal."""


@dataclass(frozen=True)
class CallExpression:
    """`function(arguments...)` in the generated program (not an inbound call: see routing.Call)."""

    function: str
    arguments: tuple[tuple[Optional[str], Any], ...]  # (keyword, or None for a positional argument; value)


# ---- names ------------------------------------------------------------------------------


def slug(text: str) -> str:
    """Lowercase ASCII letters and digits, `-` between words: `Main line (EU)` -> `main-line-eu`."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def _unique(base: str, taken: set[str], separator: str) -> str:
    candidate, number = base, 1
    while candidate in taken:
        number += 1
        candidate = f"{base}{separator}{number}"
    taken.add(candidate)
    return candidate


def name_resources(objects: Iterable[LiveKitObject]) -> list[Adopted]:
    """Resource and variable names from the objects' names (their IDs when unnamed), unique, in program order.

    The order (kind, then name, then ID) does not depend on the order LiveKit lists objects in, so the
    same objects always get the same names."""
    ordered = sorted(objects, key=lambda o: (KINDS.index(o.kind), o.name.casefold(), o.name, o.id))
    names: set[str] = set()
    variables: set[str] = set(_TAKEN_VARIABLES)
    adopted = []
    for item in ordered:
        resource_name = _unique(slug(item.name) or slug(item.id), names, "-")
        variable = resource_name.replace("-", "_")
        if variable[0].isdigit() or keyword.iskeyword(variable) or variable in _TAKEN_VARIABLES:
            variable = f"{item.kind.noun.replace(' ', '_')}_{variable}"
        adopted.append(Adopted(item, resource_name, _unique(variable, variables, "_")))
    return adopted


# ---- the program ------------------------------------------------------------------------

_HEADER = '''"""LiveKit SIP trunks and dispatch rules, adopted with livekit-adopt.

Each resource names the object it adopts (`import_`), so the first `pulumi up` imports them all
unchanged; `livekit-adopt --finish` then drops `import_` (the stack holds them from then on).
PINs, trunk passwords and egress credentials are read from secret stack config.
"""

import pulumi

import pulumi_livekit as livekit
'''


def generate(objects: Iterable[LiveKitObject], *, protect: bool = True) -> Program:
    """The program; with `protect`, `pulumi destroy` refuses to delete what was adopted."""
    adopted = tuple(name_resources(objects))
    trunk_references = {item.source.id: Code(f"{item.variable}.id")
                        for item in adopted if item.source.kind is not DISPATCH_RULE}
    secrets: list[SecretSetting] = []
    statements = []
    for item in adopted:
        call, item_secrets = _declaration(item, trunk_references, protect)
        secrets += item_secrets
        statements.append(f"{item.variable} = {_broken(call, '')}\n")
    preamble = [_HEADER] + (["\nconfig = pulumi.Config()\n"] if secrets else [])
    source = "".join(preamble) + "".join(f"\n{statement}" for statement in statements)
    return Program(source, adopted, tuple(secrets))


def _fields(item: Adopted, trunk_references: Mapping[str, Any],
            secret_reference: Callable[[str], Any]) -> tuple[dict[str, Any], list[SecretSetting]]:
    """The object's fields as declared (snake_case): secrets as references to their config keys, adopted
    trunks as references to their resources."""
    kind, message = item.source.kind, item.source.message
    provider = kind.provider
    fields = provider.split_secrets(_canonical.canonical_from_message(message))
    secrets = []

    def reference(key: str, credential: str) -> Any:
        setting = SecretSetting(key, credential)
        secrets.append(setting)
        return secret_reference(setting.key)

    for key in provider.secret_keys:
        if fields.get(key):
            fields[key] = reference(f"{item.resource_name}-{_SECRET_SUFFIXES[key]}", fields[key])
    # Credentials nested in a field (an egress's upload keys in `room_config`): a config key named by their path.
    nested = {key: value for key, value in fields.items() if key not in provider.secret_keys}
    fields.update(replace_credentials(message.DESCRIPTOR, nested, lambda path, credential: reference(
        f"{item.resource_name}-{slug(path)}", credential)))
    fields = provider.join_secrets(fields)
    fields = without_media_copy(fields)
    if "trunk_ids" in fields:
        fields["trunk_ids"] = [trunk_references.get(trunk_id, trunk_id) for trunk_id in fields["trunk_ids"]]
    return fields, secrets


def _declaration(item: Adopted, trunk_references: Mapping[str, Code],
                 protect: bool) -> tuple[CallExpression, list[SecretSetting]]:
    kind, message = item.source.kind, item.source.message
    fields, secrets = _fields(item, trunk_references,
                              lambda key: Code(f"config.require_secret({_literal(key)})"))

    parameters = [name for name in inspect.signature(kind.resource.__init__).parameters
                  if name not in ("self", "resource_name", "connection", "opts")]
    undeclarable = sorted(set(fields) - set(parameters))
    if undeclarable:
        raise AdoptError(f"{kind.noun} {item.source.id} sets {', '.join(undeclarable)}, which this version of "
                         f"pulumi-livekit cannot declare: upgrade pulumi-livekit, or leave it out with --name/--kind")
    descriptor = message.DESCRIPTOR
    arguments: list[tuple[Optional[str], Any]] = [(None, item.resource_name)]
    arguments += [(name, _value(descriptor.fields_by_name[name], fields[name])) for name in parameters if name in fields]
    options: tuple[tuple[Optional[str], Any], ...] = (("import_", item.source.id),)
    if protect:
        options += (("protect", Code("True")),)
    arguments.append(("opts", CallExpression("pulumi.ResourceOptions", options)))
    return CallExpression(f"livekit.{kind.resource.__name__}", tuple(arguments)), secrets


def _value(field: FieldDescriptor, value: Any) -> Any:
    message_type = field.message_type
    if message_type is None or is_map(field) or message_type.full_name.startswith("google.protobuf."):
        return value  # scalars, string maps, durations: as they are
    if is_repeated(field):
        return [_message(message_type, item) for item in value]
    return _message(message_type, value)


def _message(descriptor: Descriptor, value: Mapping[str, Any]) -> Any:
    if descriptor.full_name == "livekit.SIPDispatchRule" and len(value) == 1:
        [(kind, body)] = value.items()
        return _typed(_RULE_KINDS[kind], descriptor.fields_by_name[kind].message_type, body)
    cls = _TYPED.get(descriptor.name)
    if cls is not None:
        return _typed(cls, descriptor, value)
    return {key: _value(descriptor.fields_by_name[key], item) for key, item in value.items()}


def _typed(cls: type, descriptor: Descriptor, value: Mapping[str, Any]) -> Any:
    fields = {key: _value(descriptor.fields_by_name[key], item) for key, item in value.items()}
    order = [f.name for f in dataclasses.fields(cls)]
    if not set(fields) <= set(order):
        return fields  # a field the class lacks (a newer LiveKit): the dict form takes every field
    return CallExpression(f"livekit.{cls.__name__}", tuple((name, fields[name]) for name in order if name in fields))


# ---- a Pulumi YAML program, for the provider plugin -------------------------------------------


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
        fields, item_secrets = _fields(item, trunk_references, lambda key: f"${{{YAML_SECRETS}.{key}}}")
        secrets += [SecretSetting(f"{YAML_SECRETS}.{s.key}", s.value, path=True) for s in item_secrets]
        declared = _canonical.to_message(item.source.kind.provider.message_type, fields)
        resources[item.resource_name] = {
            "type": PLUGIN_TYPE_TOKENS[item.source.kind.resource.__name__],
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


# ---- the emitter ------------------------------------------------------------------------


def _literal(value: Any) -> str:
    if isinstance(value, str):
        text = json.dumps(value, ensure_ascii=False)  # JSON's escapes are Python's too
        if '\\"' in text and "'" not in value:  # JSON in metadata reads better without escaped quotes
            text = "'" + text[1:-1].replace('\\"', '"') + "'"
        return text
    if isinstance(value, (bool, int, float)):
        return repr(value)
    raise TypeError(f"cannot write {type(value).__name__} as a Python literal")


def _argument(keyword_name: Optional[str]) -> str:
    return f"{keyword_name}=" if keyword_name else ""


def _flat(value: Any) -> str:
    if isinstance(value, Code):
        return str(value)
    if isinstance(value, CallExpression):
        return f"{value.function}({', '.join(_argument(k) + _flat(v) for k, v in value.arguments)})"
    if isinstance(value, list):
        return f"[{', '.join(_flat(item) for item in value)}]"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{_literal(k)}: {_flat(v)}" for k, v in _sorted_items(value)) + "}"
    return _literal(value)


def _sorted_items(mapping: Mapping[str, Any]) -> list[tuple[str, Any]]:
    # LiveKit hands maps (attributes, headers) back in no particular order.
    return sorted(mapping.items(), key=lambda item: item[0])


def _render(value: Any, indent: str, taken: int) -> str:
    """`value` starting `taken` characters into a line indented by `indent`: on that line when it fits,
    otherwise one item per line."""
    flat = _flat(value)
    if len(indent) + taken + len(flat) <= WIDTH or not isinstance(value, (CallExpression, list, Mapping)):
        return flat
    return _broken(value, indent)


def _broken(value: Any, indent: str) -> str:
    if isinstance(value, CallExpression):
        opening, closing = f"{value.function}(", ")"
        items = [(_argument(k), v) for k, v in value.arguments]
    elif isinstance(value, list):
        opening, closing, items = "[", "]", [("", item) for item in value]
    else:
        opening, closing = "{", "}"
        items = [(f"{_literal(k)}: ", v) for k, v in _sorted_items(value)]
    inner = indent + INDENT
    lines = [f"{inner}{prefix}{_render(item, inner, len(prefix) + 1)}," for prefix, item in items]
    return "\n".join([opening, *lines, f"{indent}{closing}"])


# ---- after the import ---------------------------------------------------------------------


def drop_imports(source: str, held: Collection[str]) -> tuple[str, list[str], list[str]]:
    """The program without the `import_="<ID>"` options whose IDs the stack holds; those IDs, and the
    IDs still to import.

    Once state holds a resource, `import_` only stands in the way: should the object be deleted outside
    Pulumi, the next `up` would import it again and fail, instead of creating it."""
    encoded = source.encode("utf-8")  # the AST's columns count UTF-8 bytes
    line_starts = [0]
    for line in encoded.splitlines(keepends=True):
        line_starts.append(line_starts[-1] + len(line))

    def start(node: ast.AST) -> int:
        return line_starts[node.lineno - 1] + node.col_offset

    def end(node: ast.AST) -> int:
        return line_starts[node.end_lineno - 1] + node.end_col_offset

    spans, dropped, pending = [], [], []
    for call in ast.walk(ast.parse(source)):
        if not isinstance(call, ast.Call):
            continue
        siblings: list[ast.AST] = sorted([*call.args, *call.keywords], key=lambda n: (n.lineno, n.col_offset))
        for index, option in enumerate(siblings):
            if not (isinstance(option, ast.keyword) and option.arg == "import_"
                    and isinstance(option.value, ast.Constant) and isinstance(option.value.value, str)):
                continue
            if option.value.value not in held:
                pending.append(option.value.value)
                continue
            dropped.append(option.value.value)
            if index + 1 < len(siblings):  # up to the next argument, with the comma and the space between
                spans.append((start(option), start(siblings[index + 1])))
            elif index:  # the last one: from the end of the one before
                spans.append((end(siblings[index - 1]), end(option)))
            else:
                spans.append((start(option), end(call) - 1))
    for first, last in sorted(spans, reverse=True):
        encoded = encoded[:first] + encoded[last:]
    return encoded.decode("utf-8"), dropped, pending


# ---- the project files ------------------------------------------------------------------


# Where Pulumi.yaml's plugin entry points: a folder that is part of the program, so the entry is valid in a
# fresh clone before `pulumi install` has made the virtualenv.
PLUGIN_FOLDER = "plugins"
HOST_LAUNCHER = f"{PLUGIN_FOLDER}/pulumi-resource-pulumi-python"


def _yaml_scalar(text: str) -> str:
    return text if re.fullmatch(r"[A-Za-z0-9_./-]+", text) else json.dumps(text)


def pulumi_yaml(project: str, virtualenv: str) -> str:
    """What `pulumi new python` writes, plus the project plugin entry import needs."""
    return f"""name: {_yaml_scalar(project)}
description: LiveKit SIP trunks and dispatch rules, adopted with livekit-adopt
runtime:
  name: python
  options:
    toolchain: pip
    virtualenv: {_yaml_scalar(virtualenv)}
# Importing dynamic resources needs this package's dynamic-provider host, which pip installs into the
# virtualenv; Pulumi's bundled one cannot. {HOST_LAUNCHER} starts it from there.
plugins:
  providers:
    - name: pulumi-python
      path: {PLUGIN_FOLDER}
"""


def host_launcher(virtualenv: str) -> str:
    """The shell script Pulumi starts as the `pulumi-python` plugin: the virtualenv's provider host."""
    venv = virtualenv.rstrip("/")
    where = shlex.quote(venv) if venv.startswith("/") else f'"$(dirname "$0")/.."/{shlex.quote(venv)}'
    return f"""#!/bin/sh
# Pulumi starts this for the program's dynamic resources (Pulumi.yaml, plugins): the provider host that
# `pulumi install` puts into the program's virtualenv, which can import; Pulumi's bundled one cannot.
host={where}/bin/pulumi-resource-pulumi-python
if [ ! -x "$host" ]; then
  echo "$host is missing: run \\`pulumi install\\` in the program's folder first" >&2
  exit 1
fi
exec "$host" "$@"
"""


def gitignore(virtualenv: str) -> str:
    return f"*.pyc\n/{virtualenv.strip('/')}/\n" if not virtualenv.startswith("/") else "*.pyc\n"


def requirements(lines: Sequence[str]) -> str:
    """requirements.txt: where pip gets this package (and anything else the user names), one line each."""
    return "".join(f"{line}\n" for line in lines)
