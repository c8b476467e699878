"""Every place this package leans on the Pulumi Python SDK's internals, and why.

pyproject.toml admits `pulumi>=3.200.0,<4`; the versions tested are listed there under
[tool.pulumi-livekit] (tests/engine/test_dynamic_host.py starts the host on each, and on the
engine's own SDK). Each workaround below says what it relies on; the host's, which can tell a
changed SDK, falls back to the stock behaviour instead of breaking (import alone is lost). A new
tested version starts here.
"""

from __future__ import annotations

import ast
import asyncio
import functools
import importlib.util
import sys
from collections.abc import Mapping
from typing import Any, Callable, Optional

import pulumi
from pulumi.runtime import rpc
from pulumi.runtime import settings as runtime_settings
from pulumi.runtime.proto import engine_pb2

from .._model.canonical import UNKNOWN

try:
    from pulumi.output import Unknown as _Unknown
except ImportError:  # SDKs before `Unknown` pass unknowns as the sentinel string only
    _Unknown = ()

STOCK_HOST = "pulumi.dynamic.__main__"


# ---- the dynamic-provider host -----------------------------------------------------------------


class UnexpectedHostShape(Exception):
    """The installed Pulumi SDK's dynamic-provider host is not laid out as this module expects."""


def load_stock_host(abort_with_traceback: Callable) -> dict[str, Any]:
    """The namespace of Pulumi's dynamic-provider host (`pulumi.dynamic.__main__`), loaded without
    its trailing `main()` call and with `abort_with_traceback` in place of its error decorator.

    Relies on (3.200-3.272): the module ends in one bare `main()` call, defines
    `DynamicResourceProviderServicer` with a `Read` and `main`, and (newer SDKs) decorates the
    servicer's methods with a module-level `_abort_with_traceback`. Raises `UnexpectedHostShape`
    otherwise, for the caller to run the stock host unchanged."""
    spec = importlib.util.find_spec(STOCK_HOST)
    source = spec.loader.get_source(spec.name) if spec and spec.loader and spec.origin else None
    if source is None:
        raise UnexpectedHostShape(f"{STOCK_HOST} has no source")
    tree = ast.parse(source, spec.origin)
    main_calls = [node for node in tree.body if _is_bare_main_call(node)]
    if len(main_calls) != 1:
        raise UnexpectedHostShape(f"{STOCK_HOST} has {len(main_calls)} main() calls, expected one")
    # Older SDKs have no error decorator to replace: their errors keep Pulumi's own form.
    tree.body = [node for node in tree.body if node not in main_calls and not _defines(node, "_abort_with_traceback")]
    namespace: dict[str, Any] = {"__name__": "pulumi.dynamic.__host__", "__package__": "pulumi.dynamic",
                                 "__file__": spec.origin, "_abort_with_traceback": abort_with_traceback}
    exec(compile(tree, spec.origin, "exec"), namespace)
    for name in ("DynamicResourceProviderServicer", "main"):
        if not callable(namespace.get(name)):
            raise UnexpectedHostShape(f"{STOCK_HOST} defines no {name}")
    if not callable(getattr(namespace["DynamicResourceProviderServicer"], "Read", None)):
        raise UnexpectedHostShape(f"{STOCK_HOST}'s servicer has no Read")
    return namespace


def _defines(node: ast.stmt, name: str) -> bool:
    return isinstance(node, ast.FunctionDef) and node.name == name


def _is_bare_main_call(node: ast.stmt) -> bool:
    return (isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)
            and isinstance(node.value.func, ast.Name) and node.value.func.id == "main")


def unwrap_secret(value: Any) -> Any:
    """A value as the host's RPC layer hands it, without its secret wrapper (`rpc.unwrap_rpc_secret`)."""
    return rpc.unwrap_rpc_secret(value)


def deserialize_properties(struct: Any) -> Any:
    """A request's properties as Python values (`rpc.deserialize_properties`)."""
    return rpc.deserialize_properties(struct)


def secret_value(value: Any) -> Any:
    """An output value the engine stores as a secret (`rpc.wrap_rpc_secret`): a dynamic provider's Read
    has no other way to mark one."""
    return rpc.wrap_rpc_secret(value)


# ---- the program side ---------------------------------------------------------------------------


def register_resource(resource: pulumi.CustomResource, type_token: str, name: str, props: dict[str, Any],
                      opts: Optional[pulumi.ResourceOptions]) -> None:
    """Register a `pulumi.dynamic.Resource` subclass without `pulumi.dynamic.Resource.__init__`.

    That `__init__` pickles the provider anew for every resource (ours is a module-level object,
    pickled once per type: `serialized_provider`), and the SDK takes a resource's source position
    from the caller of the third `__init__` up the stack: with it in between, every resource's
    position was this package, not the line of the program. Relies on (3.200-3.272): the dynamic
    `Resource.__init__` does nothing but pickle the provider into `__provider` and call
    `CustomResource.__init__` with the type token `pulumi-python:<module>`."""
    pulumi.CustomResource.__init__(resource, type_token, name, props, opts)


@functools.lru_cache(maxsize=None)
def serialized_provider(provider: Any) -> str:
    """`__provider`: the provider pickled as Pulumi's dynamic-provider host reads it back
    (`pulumi.dynamic.dynamic.serialize_provider`, dill: imported here, as only programs pickle).
    Once per provider: ours are module-level objects, pickled by name (`pickled_by_name`)."""
    from pulumi.dynamic.dynamic import serialize_provider

    return serialize_provider(provider)


def pickled_by_name(obj: Any) -> Optional[str]:
    """The module-level name `obj` is reachable by, for `__reduce_ex__`: pickle (and dill, which the SDK
    uses) then stores the name alone, and unpickles it as that very object. None if it has none."""
    module = sys.modules.get(type(obj).__module__)
    for name, value in (vars(module).items() if module is not None else ()):
        if value is obj:
            return name
    return None


def is_unknown(value: Any) -> bool:
    """An unknown as newer SDKs hand it to dynamic providers: a `pulumi.output.Unknown` (a fresh one
    each time, equal to nothing), where older ones pass the sentinel string `rpc.UNKNOWN`."""
    return isinstance(value, _Unknown)


def normalize_unknowns(value: Any) -> Any:
    """Spell every unknown as the `UNKNOWN` sentinel string (see `is_unknown`): what the checks
    here compare against, and what serializes back to the engine as unknown."""
    if isinstance(value, Mapping):
        return {k: normalize_unknowns(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [normalize_unknowns(v) for v in value]
    if is_unknown(value):
        return UNKNOWN
    return value


def output_awaiting(awaitable: Any) -> pulumi.Output:
    """An Output that resolves when `awaitable` does: the program does not end before it.
    Relies on (3.200-3.272): the `Output(resources, future, is_known)` constructor."""
    return pulumi.Output(set(), asyncio.ensure_future(awaitable), _known())


async def _known() -> bool:
    return True


async def known_value(output: pulumi.Output) -> tuple[bool, Any]:
    """(whether `output` is known, its value with unknowns inside it left as they are).
    Relies on (3.200-3.272): `Output.is_known()` and `Output.future(with_unknowns=True)`."""
    if not await output.is_known():
        return False, None
    return True, await output.future(with_unknowns=True)


def warn_now(resource: pulumi.Resource, urn: str, text: str) -> None:
    """A warning on `resource`, sent to the engine at once (as `pulumi.log.warn` does from a task of its
    own, which the program may outlive). Relies on (3.200-3.272): `settings.get_engine()` and its `Log`."""
    engine = runtime_settings.get_engine()
    if engine is None:
        pulumi.log.warn(text, resource)
        return
    engine.Log(engine_pb2.LogRequest(severity=engine_pb2.WARNING, message=text, urn=urn or ""))
