"""The dynamic-provider plugin (`pulumi-resource-pulumi-python`): Pulumi's own host, plus import.

Pulumi's Python SDK serves dynamic providers from `pulumi.dynamic.__main__`, which finds
the provider to call in the `__provider` property of the request. On `import_` (and
`pulumi import`) the engine sends a Read with neither state nor inputs, so the stock host
fails with `KeyError: '__provider'`. This host runs the stock one unchanged, except that
such a Read for a pulumi_livekit type gets that type's provider, which it can name from the
resource's URN, and that our own errors (already actionable and redacted) reach the user
as their message instead of a Python traceback.

The stock module calls `main()` at import time, so it is loaded without that last call
and started from here. Installed as the console script `pulumi-resource-pulumi-python`:
with the virtualenv on PATH, the engine prefers it to the bundled launcher.
"""

from __future__ import annotations

import ast
import importlib.util
import io
import sys
import traceback
from typing import Any, Callable

import grpc
from pulumi.dynamic.dynamic import PROVIDER_KEY, serialize_provider

from ._exceptions import LiveKitError
from ._redact import redact


def _load_stock_host() -> dict[str, Any]:
    spec = importlib.util.find_spec("pulumi.dynamic.__main__")
    assert spec is not None and spec.loader is not None and spec.origin is not None
    tree = ast.parse(spec.loader.get_source(spec.name), spec.origin)
    tree.body = [node for node in tree.body if not (_is_bare_main_call(node) or _defines(node, "_abort_with_traceback"))]
    namespace: dict[str, Any] = {"__name__": "pulumi.dynamic.__host__", "__package__": "pulumi.dynamic",
                                 "__file__": spec.origin, "_abort_with_traceback": _abort_with_traceback}
    exec(compile(tree, spec.origin, "exec"), namespace)
    return namespace


def _abort_with_traceback(method: Callable) -> Callable:
    """Replaces the stock decorator of the same name: our errors without the traceback."""

    def wrapper(self, request, context):
        try:
            return method(self, request, context)
        except LiveKitError as error:
            context.abort(grpc.StatusCode.UNKNOWN, redact(str(error)))
        except Exception:  # noqa: BLE001 - the stock host reports everything the same way
            context.abort(grpc.StatusCode.UNKNOWN, redact(traceback.format_exc()))

    return wrapper


def _defines(node: ast.stmt, name: str) -> bool:
    return isinstance(node, ast.FunctionDef) and node.name == name


def _is_bare_main_call(node: ast.stmt) -> bool:
    return (isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)
            and isinstance(node.value.func, ast.Name) and node.value.func.id == "main")


def _serialized_providers() -> dict[str, str]:
    """Resource type token -> the `__provider` value the program stores for it."""
    from . import DispatchRule, InboundTrunk, OutboundTrunk

    return {f"pulumi-python:{cls._resource_type_name}": serialize_provider(cls._provider)
            for cls in (DispatchRule, InboundTrunk, OutboundTrunk)}


def _type_of(urn: str) -> str:
    # urn:pulumi:<stack>::<project>::<parent types $ ...>$<type>::<name>
    parts = urn.split("::")
    return parts[2].rsplit("$", 1)[-1] if len(parts) >= 4 else ""


def main() -> None:
    # The engine reads the port from our first stdout line; the stock launcher gets that
    # unbuffered from `python -u`, a console script does not.
    sys.stdout = io.TextIOWrapper(open(sys.stdout.fileno(), "wb", buffering=0, closefd=False), write_through=True)
    host = _load_stock_host()
    stock_servicer = host["DynamicResourceProviderServicer"]
    providers = _serialized_providers()

    class Servicer(stock_servicer):  # type: ignore[misc, valid-type]
        def Read(self, request, context):
            provider = providers.get(_type_of(request.urn))
            if (provider is not None and PROVIDER_KEY not in request.properties.fields
                    and PROVIDER_KEY not in request.inputs.fields):
                request.inputs.fields[PROVIDER_KEY].string_value = provider
            return super().Read(request, context)

    host["DynamicResourceProviderServicer"] = Servicer
    host["main"]()


if __name__ == "__main__":
    main()
