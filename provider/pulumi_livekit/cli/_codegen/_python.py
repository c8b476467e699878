"""A Python program of this package's dynamic resources, from the objects it adopts; and the same program without
the `import_` options it no longer needs."""

from __future__ import annotations

import ast
import dataclasses
import inspect
import json
from dataclasses import dataclass
from typing import Any, Collection, Iterable, Mapping, Optional

from google.protobuf.descriptor import Descriptor, FieldDescriptor

from ..._dynamic.classes import RESOURCE_CLASSES
from ..._dynamic.inputs import (
    DispatchRuleCallee,
    DispatchRuleDirect,
    DispatchRuleIndividual,
    RoomAgentDispatch,
    RoomConfiguration,
    SIPMediaConfig,
)
from ..._exceptions import AdoptError
from ..._model.descriptors import is_map, is_repeated
from ..._model.kinds import DISPATCH_RULE
from ._adopted import Adopted, LiveKitObject, Program, SecretSetting, declared_fields, name_resources

WIDTH = 100
INDENT = "    "

# Each typed input class mirrors the LiveKit message of the same name.
_TYPED = {cls.__name__: cls for cls in (RoomConfiguration, RoomAgentDispatch, SIPMediaConfig)}
_RULE_KINDS = {cls.kind: cls for cls in (DispatchRuleIndividual, DispatchRuleDirect, DispatchRuleCallee)}

class Code(str):
    """Python source emitted as it is (a reference, a call), not as a string literal."""


@dataclass(frozen=True)
class CallExpression:
    """`function(arguments...)` in the generated program (not an inbound call: see routing.Call)."""

    function: str
    arguments: tuple[tuple[Optional[str], Any], ...]  # (keyword, or None for a positional argument; value)



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


def _declaration(item: Adopted, trunk_references: Mapping[str, Code],
                 protect: bool) -> tuple[CallExpression, list[SecretSetting]]:
    kind, message = item.source.kind, item.source.message
    fields, secrets = declared_fields(item, trunk_references,
                              lambda key: Code(f"config.require_secret({_literal(key)})"))

    resource = RESOURCE_CLASSES[kind]
    parameters = [name for name in inspect.signature(resource.__init__).parameters
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
    return CallExpression(f"livekit.{resource.__name__}", tuple(arguments)), secrets


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


# ---- the emitter ----------------------------------------------------------------------------


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
