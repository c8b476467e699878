"""The Pulumi-program side shared by every SIP resource."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any, Callable, ClassVar, Mapping, Optional, TypeVar

import pulumi
from pulumi.dynamic import Resource

from .._core.provider import CONNECTION, IMPORT_CONNECTION_TOKEN, PROVIDER_KEY, STACK_KEY, SIPResourceProvider
from .._core.sdk import register_resource, serialized_provider
from .._model import validation
from .._model.descriptors import is_map, is_repeated
from .._model.kinds import PIN
from .._model.paths import top_of
from .._model.secrets import credentials_in, holding_credentials, pin_of, without_pin
from .._model.spec import load_spec
from .._model.stored import OUTPUT_ONLY
from .conversion import as_input, holds_outputs
from .import_host import require_import_host
from .routing_review import declare_for_review

if TYPE_CHECKING:
    from .inputs import Connection

R = TypeVar("R", bound="SIPResource")


class SIPResource(Resource):
    """A `pulumi.dynamic.Resource` whose subclasses register through `_declare`, not `Resource.__init__`
    (see `_core.sdk.register_resource`)."""

    _provider: ClassVar[SIPResourceProvider]

    def _declare(
        self,
        resource_name: str,
        inputs: Mapping[str, Any],
        connection: Optional[Connection],
        opts: Optional[pulumi.ResourceOptions],
    ) -> None:
        """What a subclass's `__init__` calls in place of `super().__init__`."""
        importing = opts.import_ if opts is not None else None
        if importing:
            require_import_host()
        provider = self._provider
        if PIN in provider.kind.split_keys:
            inputs = _pin_apart(inputs)
        # Only the ID, the fields given and those whose server value outlives the program (ignore_changes)
        # are registered: the Python SDK pays per registered property and resource, on every preview.
        # The other fields' outputs are made on first use (__getattr__).
        props: dict[str, Any] = {provider.kind.id_field: None, **dict.fromkeys(_ignored_fields(opts, provider))}
        props.update({key: _declared(provider, key, value) for key, value in inputs.items() if value is not None})
        # Secret as a whole: the engine marks only whole properties of a dynamic resource secret, and from a secret
        # input it marks the output of the same name.
        holders = provider.credential_holders(props)
        for key in (*provider.kind.secret_keys, *holders):
            if props.get(key) is not None:
                props[key] = pulumi.Output.secret(props[key])
        for key in _may_hold_credentials(provider):
            if key not in holders and holds_outputs(props.get(key)):  # a credential the Outputs may resolve to
                props[key] = _secret_once_known(provider, key, props[key])
        if connection is not None:
            props[CONNECTION] = _secret_connection(connection)
            if importing:
                props[CONNECTION] = _announced_for_import(importing, props[CONNECTION])
        # Named only where the resource has them: the engine stores the list in every resource's state.
        secret_outputs = [key for key in (*provider.kind.secret_keys, *holders, CONNECTION) if key in props]
        if secret_outputs:
            # Merging copies every option: paid per resource, so only where there is something to add.
            secret_options = pulumi.ResourceOptions(additional_secret_outputs=secret_outputs)
            opts = secret_options if opts is None else pulumi.ResourceOptions.merge(opts, secret_options)
        props[PROVIDER_KEY] = serialized_provider(provider)
        props[STACK_KEY] = _deployed_stack()
        register_resource(self, type(self)._type_token(), resource_name, props, opts)
        declare_for_review(resource_name, self, provider.kind, inputs, props.get(CONNECTION))

    @classmethod
    def get(cls: type[R], resource_name: str, id: pulumi.Input[str], opts: Optional[pulumi.ResourceOptions] = None,
            *, connection: Optional[Connection] = None) -> R:
        """The object with this ID, read from LiveKit, never changed or deleted by this stack (Pulumi's `get`).

        Its outputs are what LiveKit holds, at preview too; `pulumi refresh` shows what changed since. Reached as
        the resources are: through `connection`, else stack config `livekit:*`, else `LIVEKIT_*`. The preview
        fails, naming the ID, when LiveKit holds no such object."""
        resource = cls.__new__(cls)
        resource._read(resource_name, id, connection, opts)
        return resource

    def _read(self, resource_name: str, object_id: pulumi.Input[str], connection: Optional[Connection],
              opts: Optional[pulumi.ResourceOptions]) -> None:
        provider = type(self)._provider
        kind = provider.kind
        # Every output registered as nothing (the SDK sends no None): the read fills in what LiveKit holds. The
        # ID is not sent either, which is how the provider tells a `get` from a refresh of what it read before.
        outputs = _lazy_fields(provider) - {CONNECTION}
        props: dict[str, Any] = dict.fromkeys((kind.id_field, *outputs))
        if connection is not None:
            props[CONNECTION] = _secret_connection(connection)
        props[PROVIDER_KEY] = serialized_provider(provider)
        read = pulumi.ResourceOptions(id=object_id, additional_secret_outputs=[*kind.secret_keys, CONNECTION])
        register_resource(self, type(self)._type_token(), resource_name, props,
                          read if opts is None else pulumi.ResourceOptions.merge(opts, read))
        declare_for_review(resource_name, self, kind, {key: getattr(self, key) for key in outputs},
                           props.get(CONNECTION), managed=False)

    @classmethod
    def _type_token(cls) -> str:
        """The engine's name for the resource type, as Pulumi's dynamic Resource spells it."""
        return cls._provider.kind.dynamic_token

    # Hidden from type checkers: they go by the outputs each class declares, every field of its message, so a
    # misspelt one fails a type check too (tests/unit/test_typing.py).
    if not TYPE_CHECKING:

        def __getattr__(self, name: str) -> pulumi.Output:
            """An output field this resource did not register: the program did not set it, so the server
            holds none once the resource is up to date. Resolves with the resource (its ID) and depends on it."""
            if name not in _lazy_fields(type(self)._provider):
                raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
            output = getattr(self, type(self)._provider.kind.id_field).apply(lambda _id: None)
            self.__dict__[name] = output
            return output

    @classmethod
    def from_json(
        cls: type[R],
        resource_name: str,
        spec: Any,
        opts: Optional[pulumi.ResourceOptions] = None,
        *,
        connection: Optional[Connection] = None,
    ) -> R:
        """Declare the resource from what `lk sip ... create` and the dashboard's JSON editor take.

        `spec` is a path, a JSON string or a dict, with or without the outer envelope key.
        Malformed specs fail here, naming the field, before anything reaches LiveKit.
        """
        fields = load_spec(spec, cls._provider.kind.message, envelope=cls._provider.kind.envelope)
        return cls(resource_name, connection=connection, opts=opts, **fields)


def _pin_apart(inputs: Mapping[str, Any]) -> dict[str, Any]:
    """A rule's inputs with its PIN, whichever rule kind holds it, out of `rule` and in `pin` (see
    `_model.secrets.without_pin`), so that `rule` stays readable in previews."""
    rule = as_input(inputs["rule"])
    if holds_outputs(rule):  # split once its values are known
        return {**inputs, "rule": pulumi.Output.from_input(without_pin(rule, _inside_outputs)),
                "pin": pulumi.Output.from_input(rule).apply(pin_of)}
    # The usual case, and cheaper: no Outputs to create per resource.
    return {**inputs, "rule": without_pin(rule), "pin": pin_of(rule)}


def _inside_outputs(value: Any, function: Callable[[Any], Any]) -> Any:
    """`function` applied to `value`, inside its apply if it is an Output."""
    return value.apply(function) if isinstance(value, pulumi.Output) else function(value)


@functools.lru_cache(maxsize=None)
def _deployed_stack() -> str:
    """The stack this program deploys, fully qualified: what a check reads the stack's checkpoint by."""
    return f"{pulumi.get_organization()}/{pulumi.get_project()}/{pulumi.get_stack()}"


@functools.lru_cache(maxsize=None)
def _lazy_fields(provider: SIPResourceProvider) -> frozenset[str]:
    """The outputs a resource has whether registered or not: every field but the server-stamped ones."""
    fields = {f.name for f in provider.kind.message.DESCRIPTOR.fields if f.name not in OUTPUT_ONLY}
    return frozenset({*fields, *provider.kind.secret_keys, CONNECTION})


@functools.lru_cache(maxsize=None)
def _may_hold_credentials(provider: SIPResourceProvider) -> tuple[str, ...]:
    """The message fields that can hold a credential nested in them, besides those the provider splits out."""
    return holding_credentials(provider.kind.message.DESCRIPTOR, provider.kind.split_keys)


def _secret_once_known(provider: SIPResourceProvider, key: str, value: Any) -> pulumi.Output:
    """`value`, secret if it holds a credential once its Outputs are known."""
    descriptor = provider.kind.message.DESCRIPTOR

    def secret_if_holding(known: Any) -> Any:
        return pulumi.Output.secret(known) if credentials_in(descriptor, {key: known}) else known

    return pulumi.Output.from_input(value).apply(secret_if_holding)


def _ignored_fields(opts: Optional[pulumi.ResourceOptions], provider: SIPResourceProvider) -> list[str]:
    """The top-level fields `ignore_changes` names (any spelling): their value is the server's, not the program's."""
    paths = (opts.ignore_changes if opts is not None else None) or []
    tops = (validation.field_name(provider.kind.message.DESCRIPTOR, top_of(path)) for path in paths)
    return [top for top in tops if top in _lazy_fields(provider)]


def _declared(provider: SIPResourceProvider, key: str, value: Any) -> Any:
    """An input as registered. A single Output given for a list field (`trunk_ids=trunk.id`) stands for a list
    of that one value: a preview cannot tell a string from a list while the Output is unknown, and a list
    field refused only once the value is known would fail midway through `up`."""
    converted = as_input(value)
    if isinstance(converted, pulumi.Output) and key in _list_fields(provider):
        return converted.apply(lambda known: [known] if isinstance(known, str) else known)
    return converted


@functools.lru_cache(maxsize=None)
def _list_fields(provider: SIPResourceProvider) -> frozenset[str]:
    return frozenset(f.name for f in provider.kind.message.DESCRIPTOR.fields
                     if is_repeated(f) and not is_map(f))


def declared_inputs(arguments: Mapping[str, Any]) -> dict[str, Any]:
    """A resource constructor's keyword arguments (its `locals()`) that are resource inputs."""
    return {k: v for k, v in arguments.items() if k not in ("self", "resource_name", "connection", "opts", "__class__")}


def _secret_connection(connection: Optional[Connection]) -> Optional[dict]:
    if connection is None:
        return None
    values = dict(as_input(connection))  # a Connection, or a dict of its fields
    if values.get("api_secret") is not None:
        values["api_secret"] = pulumi.Output.secret(values["api_secret"])
    return values


def _announced_for_import(import_id: str, connection: dict) -> pulumi.Output:
    """The connection, once this package's provider host knows it for `import_id`.

    The engine's Read on import carries only the resource's URN and ID, not its inputs, so the host
    could not tell which LiveKit project to read from. Registering the resource waits for this
    Output, so the host has the connection before the engine asks it to read."""
    receipt = pulumi.runtime.invoke_output(IMPORT_CONNECTION_TOKEN, {"id": import_id, "connection": connection})
    return pulumi.Output.all(receipt, connection).apply(lambda both: both[1])
