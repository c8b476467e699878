"""The package as a type checker sees it: `mypy --strict` accepts the examples and refuses misspelt fields; the
typed inputs and the resources' arguments and outputs are those of the messages; the names the lazily loading
`__init__`s offer are the ones they load."""

from __future__ import annotations

import ast
import dataclasses
import inspect
import subprocess
import sys
import typing
from collections.abc import Mapping, Sequence
from types import ModuleType
from typing import Any, Optional, Union

import pulumi
import pytest
from google.protobuf.descriptor import Descriptor, FieldDescriptor

from pulumi_livekit import routing
from pulumi_livekit._dynamic import inputs, resources
from pulumi_livekit._dynamic.classes import RESOURCE_CLASSES
from pulumi_livekit._dynamic.resource import _lazy_fields
from pulumi_livekit._model.descriptors import is_map, is_repeated
from pulumi_livekit._model.kinds import DISPATCH_RULE, KINDS
from pulumi_livekit._model.stored import OUTPUT_ONLY

from support import EXAMPLES, REPO


def checked_imports(module: ModuleType) -> dict[str, dict[str, str | None]]:
    """What a module imports for type checkers only (`if TYPE_CHECKING:`): module -> name -> the name bound."""
    imports: dict[str, dict[str, str | None]] = {}
    for node in ast.parse(inspect.getsource(module)).body:
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            for statement in node.body:
                assert isinstance(statement, ast.ImportFrom), ast.dump(statement)
                imports.setdefault(statement.module or "", {}).update(
                    (alias.name, alias.asname) for alias in statement.names)
    return imports


def test_routing_offers_type_checkers_the_names_it_loads_at_run_time():
    imports = checked_imports(routing)
    assert {module: set(names) for module, names in imports.items()} == {
        module: set(names) for module, names in routing._HOMES.items()}
    # Re-exported as a type checker honours under --strict (no implicit re-export): `name as name`.
    assert all(bound == name for names in imports.values() for name, bound in names.items())


# ---- the typed surface against the descriptors --------------------------------------------------------------------

RULE = DISPATCH_RULE.message.DESCRIPTOR.fields_by_name["rule"].message_type  # the oneof the rule kinds stand for
DURATION = "google.protobuf.Duration"


def held_messages() -> list[Descriptor]:
    """Every LiveKit message a resource's fields hold, at any depth."""
    found: dict[str, Descriptor] = {}
    pending = [kind.message.DESCRIPTOR for kind in KINDS]
    while pending:
        for field in pending.pop().fields:
            held = field.message_type
            if held is not None and not is_map(field) and held.full_name.startswith("livekit."):
                if held.full_name not in found:
                    found[held.full_name] = held
                    pending.append(held)
    return sorted(found.values(), key=lambda message: message.full_name)


def typed_input(message: Descriptor) -> type:
    """The dataclass a message is declared with: a rule kind's by its field of the rule's oneof, others by name."""
    kinds = {field.message_type.full_name: field.name for field in RULE.fields}
    if message.full_name in kinds:
        [cls] = [value for value in vars(inputs).values() if getattr(value, "kind", None) == kinds[message.full_name]]
        return cls
    return getattr(inputs, message.name)


def _single(field: FieldDescriptor, output: bool) -> Any:
    if field.message_type is not None:
        if field.message_type.full_name == DURATION:
            return str if output else Union[str, float]
        if output:
            return dict[str, Any]
        if field.message_type is RULE:
            return Union[(*(typed_input(kind.message_type) for kind in RULE.fields), inputs.SIPDispatchRuleDict)]
        cls = typed_input(field.message_type)
        return Union[cls, getattr(inputs, f"{cls.__name__}Dict")]
    if field.enum_type is not None:
        return getattr(inputs, field.enum_type.name)
    scalars = {FieldDescriptor.TYPE_STRING: str, FieldDescriptor.TYPE_BOOL: bool,
               FieldDescriptor.TYPE_DOUBLE: float, FieldDescriptor.TYPE_FLOAT: float}
    return scalars.get(field.type, float if output else int)  # the engine hands back every number as a float


def input_type(field: FieldDescriptor) -> Any:
    if is_map(field):
        return pulumi.Input[Mapping[str, pulumi.Input[_single(field.message_type.fields_by_name["value"], False)]]]
    if is_repeated(field):
        return pulumi.Input[Sequence[pulumi.Input[_single(field, False)]]]
    return pulumi.Input[_single(field, False)]


def output_type(field: FieldDescriptor) -> Any:
    if is_map(field):
        return pulumi.Output[Optional[dict[str, _single(field.message_type.fields_by_name["value"], True)]]]
    if is_repeated(field):
        return pulumi.Output[Optional[list[_single(field, True)]]]
    return pulumi.Output[Optional[_single(field, True)]]


def evaluated(annotations: Mapping[str, Any], module: ModuleType) -> dict[str, Any]:
    """Annotations as written (strings, or a TypedDict's forward references), evaluated where they were written.
    Not `typing.get_type_hints`: `pulumi.Input` holds a forward reference it cannot resolve."""
    return {name: eval(getattr(text, "__forward_arg__", text), vars(module))  # noqa: S307 - our own source
            for name, text in annotations.items()}


@pytest.mark.parametrize("message", [m for m in held_messages() if m is not RULE], ids=lambda m: m.full_name)
def test_each_message_a_field_holds_is_a_dataclass_and_a_typed_dict_of_its_fields(message):
    cls = typed_input(message)
    dict_type = getattr(inputs, f"{cls.__name__}Dict")
    # The message's order: a dataclass's fields may be given by position.
    assert [field.name for field in dataclasses.fields(cls)] == [field.name for field in message.fields]
    assert evaluated({field.name: field.type for field in dataclasses.fields(cls)}, inputs) == {
        field.name: Optional[input_type(field)] for field in message.fields}
    assert dict_type.__total__ is False and evaluated(dict_type.__annotations__, inputs) == {
        field.name: input_type(field) for field in message.fields}
    assert cls.__doc__ and dict_type.__doc__


def test_a_rule_is_a_rule_kind_or_a_typed_dict_of_the_oneof_and_each_enum_a_literal_of_its_names():
    assert evaluated(inputs.SIPDispatchRuleDict.__annotations__, inputs) == {
        field.name: input_type(field) for field in RULE.fields}
    enums = {field.enum_type.full_name: field.enum_type for message in [*held_messages(), *(k.message.DESCRIPTOR for k in KINDS)]
             for field in message.fields if field.enum_type is not None}
    for enum in enums.values():
        assert typing.get_args(getattr(inputs, enum.name)) == tuple(value.name for value in enum.values), enum.name
    assert typing.get_args(inputs.SIPTransport) == ("SIP_TRANSPORT_AUTO", "SIP_TRANSPORT_UDP", "SIP_TRANSPORT_TCP",
                                                    "SIP_TRANSPORT_TLS")


def annotated_outputs(cls: type) -> dict[str, Any]:
    """The outputs a resource class declares for type checkers only (`if TYPE_CHECKING:` in its body), evaluated."""
    [node] = [node for node in ast.parse(inspect.getsource(cls)).body if isinstance(node, ast.ClassDef)]
    [checked] = [item for item in node.body if isinstance(item, ast.If) and ast.unparse(item.test) == "TYPE_CHECKING"]
    return evaluated({item.target.id: ast.unparse(item.annotation) for item in checked.body
                      if isinstance(item, ast.AnnAssign)}, sys.modules[cls.__module__])


@pytest.mark.parametrize("kind", KINDS, ids=lambda kind: kind.name)
def test_each_resource_takes_every_input_field_and_declares_every_output_it_has(kind):
    cls = RESOURCE_CLASSES[kind]
    descriptor = kind.message.DESCRIPTOR
    fields = [field for field in descriptor.fields if field.name not in OUTPUT_ONLY]
    parameters = evaluated({name: parameter.annotation
                            for name, parameter in inspect.signature(cls.__init__).parameters.items()
                            if name != "self"}, resources)
    rule = descriptor.fields_by_name.get("rule")
    assert {field.name: parameters[field.name] for field in fields} == {
        field.name: input_type(field) if field is rule else Optional[input_type(field)] for field in fields}
    assert parameters["connection"] == Optional[inputs.Connection]

    outputs = annotated_outputs(cls)
    # Exactly the outputs a resource has at run time, the ones it did not register included (`SIPResource.__getattr__`).
    assert set(outputs) == {kind.id_field, *_lazy_fields(cls._provider)}
    assert outputs[kind.id_field] == pulumi.Output[str]
    assert {field.name: outputs[field.name] for field in fields} == {field.name: output_type(field) for field in fields}
    assert all(outputs[key] == pulumi.Output[Optional[str]] for key in kind.split_keys)



# ---- mypy --strict, as a user's CI runs it ------------------------------------------------------------------------

TYPED_PROGRAM = '''\
"""Every form of input the resources take, and outputs read as a program reads them."""
import pulumi

import pulumi_livekit as livekit

trunk = livekit.InboundTrunk(
    "line", numbers=["+15105550100"], include_headers="SIP_X_HEADERS", ringing_timeout="30s", max_call_duration=3600,
    media=livekit.SIPMediaConfig(codecs=[livekit.SIPCodec(name="PCMU")], encryption="SIP_MEDIA_ENCRYPT_ALLOW"),
)
rule = livekit.DispatchRule(
    "support",
    rule={"dispatch_rule_direct": {"room_name": "support", "pin": pulumi.Output.secret("1234")}},
    trunk_ids=[trunk.id],
    room_config={"agents": [{"agent_name": "support-agent", "restart_policy": "JRP_NEVER"}],
                 "egress": {"room": {"file_outputs": [livekit.EncodedFileOutput(filepath="{room_name}.mp4",
                                                                                s3={"bucket": "calls"})]}}},
    media={"encryption": "SIP_MEDIA_ENCRYPT_REQUIRE"},
)
carrier = livekit.OutboundTrunk("carrier", address="sip.example.com", numbers=["+15105550199"],
                                transport="SIP_TRANSPORT_TLS")
adopted = livekit.DispatchRule.from_json("adopted", {"rule": {"dispatchRuleIndividual": {"roomPrefix": "call-"}}})

numbers: pulumi.Output[list[str] | None] = rule.numbers
transport: pulumi.Output[livekit.SIPTransport | None] = carrier.transport
pulumi.export("numbers", numbers)
pulumi.export("agents", rule.room_config.apply(lambda config: (config or {}).get("agents")))
pulumi.export("adopted", adopted.sip_dispatch_rule_id)
pulumi.export("pin", rule.pin)
'''

# Each misspelling, and what mypy says of it.
MISSPELT_PROGRAM = '''\
import pulumi_livekit as livekit

trunk = livekit.InboundTrunk("line", numbrs=["+15105550100"])
rule = livekit.DispatchRule("rule", rule=livekit.DispatchRuleIndividual(room_prefx="call-"))
livekit.DispatchRule("dict", rule={"dispatch_rule_direct": {"room_nme": "support"}})
livekit.OutboundTrunk("carrier", address="sip.example.com", transport="SIP_TRANSPORT_UPD")
print(rule.numbrs)
print(livekit.DispatchRul)
livekit.get_inbound_trunk(numbr="+15105550100")
'''
REFUSALS = [
    (3, 'Unexpected keyword argument "numbrs" for "InboundTrunk"; did you mean "numbers"?'),
    (4, 'Unexpected keyword argument "room_prefx" for "DispatchRuleIndividual"'),
    # A dict where a union of types is expected: refused whole, without naming the key.
    (5, 'Argument "rule" to "DispatchRule" has incompatible type "dict[str, dict[str, str]]"'),
    (6, 'Argument "transport" to "OutboundTrunk" has incompatible type "Literal[\'SIP_TRANSPORT_UPD\']"'),
    (7, '"DispatchRule" has no attribute "numbrs"'),
    (8, 'Module has no attribute "DispatchRul"'),
    (9, 'Unexpected keyword argument "numbr" for "__call__" of "GetOne"; did you mean "number"?'),
]


def test_mypy_strict_accepts_the_examples_and_refuses_each_misspelt_field(tmp_path):
    programs = {f"example_{path.parent.name.replace('-', '_')}.py": path.read_text()
                for path in sorted(EXAMPLES.glob("**/__main__.py"))}
    programs.update({"quick_start.py": (REPO / "__main__.py").read_text(), "typed.py": TYPED_PROGRAM,
                     "misspelt.py": MISSPELT_PROGRAM})
    for name, text in programs.items():
        (tmp_path / name).write_text(text)
    # One run for all (the cold start is most of its cost), from a folder with no mypy settings of its own.
    checked = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(tmp_path / "cache"),
                              "--no-error-summary", "--show-error-end", *programs],
                             cwd=tmp_path, capture_output=True, text=True, timeout=300)
    errors = [line for line in checked.stdout.splitlines() if ": error:" in line]
    assert len(programs) > 10 and all(line.startswith("misspelt.py:") for line in errors), checked.stdout
    for line, message in REFUSALS:
        assert any(error.startswith(f"misspelt.py:{line}:") and message in error for error in errors), (message,
                                                                                                      checked.stdout)
    assert len(errors) == len(REFUSALS), checked.stdout
