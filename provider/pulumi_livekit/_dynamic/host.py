"""The dynamic-provider plugin (`pulumi-resource-pulumi-python`): Pulumi's own host, plus import.

Pulumi's Python SDK serves dynamic providers from `pulumi.dynamic.__main__`, which finds
the provider to call in the `__provider` property of the request. On `import_` (and
`pulumi import`) the engine sends a Read with neither state nor inputs, so the stock host
fails with `KeyError: '__provider'`. This host runs the stock one unchanged, except that
such a Read for a pulumi_livekit type gets that type's provider, which it can name from the
resource's URN, that our own errors (already actionable and redacted) reach the user
as their message instead of a Python traceback, and that a Check tells the provider the URN
it checks (declared rules are told apart by it, see `_core.declared`).

The stock module calls `main()` at import time, so it is loaded without that last call
and started from here (`_core.sdk.load_stock_host`). Should a Pulumi SDK outside the tested range
change that module's shape, the stock host runs unchanged (everything but import keeps
working) and says so once.
Installed as the console script `pulumi-resource-pulumi-python`; a project points the engine
at it with a `plugins:` entry in Pulumi.yaml (see the README, "Importing existing objects").
"""

from __future__ import annotations

import io
import runpy
import sys
import traceback
from typing import Any, Callable, Optional

import grpc
from pulumi.runtime.proto import provider_pb2

from .._core import sdk
from .._core.declared import checking
from .._core.provider import CONNECTION, IMPORT_CONNECTION_TOKEN, PROVIDER_KEY, SIPResourceProvider
from .._core.providers import PROVIDERS
from .._core.sdk import deserialize_properties, load_stock_host, serialized_provider, unwrap_secret
from .._core.state import redact
from .._core.urns import resource_type
from .._exceptions import LiveKitError


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


def _not_there(provider: SIPResourceProvider, object_id: str, connection: dict) -> str:
    """Why an import found nothing, and what to do about it."""
    try:
        where = f" at {provider._endpoint(connection).url}"
    except LiveKitError:
        where = ""
    name = provider.kind.name
    return (f"cannot import {name} {object_id}: the LiveKit project{where} has no {name} with that ID. "
            f"If this stack imported it before and it was deleted outside Pulumi, drop `import_` from the resource "
            f"(`livekit-adopt --finish` does) and `pulumi up` creates it again; otherwise correct the ID")


def _host_with_import() -> Optional[dict[str, Any]]:
    try:
        host = load_stock_host(_abort_with_traceback)
    except Exception as problem:  # noqa: BLE001 - any surprise in the stock module: run it untouched
        print(f"pulumi_livekit: running Pulumi's dynamic-provider host unchanged, without import support for "
              f"pulumi_livekit resources: {problem}. Use a pulumi version that pulumi-livekit supports "
              f"(see its pyproject.toml).", file=sys.stderr)
        return None
    stock_servicer = host["DynamicResourceProviderServicer"]
    by_token = {kind.dynamic_token: provider for kind, provider in PROVIDERS.items()}
    serialized = {token: serialized_provider(provider) for token, provider in by_token.items()}
    import_connections: dict[str, dict] = {}  # import ID -> the connection its program declared

    class Servicer(stock_servicer):  # type: ignore[misc, valid-type]
        def Invoke(self, request, context):
            if request.tok != IMPORT_CONNECTION_TOKEN:
                return super().Invoke(request, context)
            args = deserialize_properties(request.args)
            import_connections[args["id"]] = {k: unwrap_secret(v) for k, v in args["connection"].items()}
            return provider_pb2.InvokeResponse()

        def Check(self, request, context):
            with checking(request.urn):
                return super().Check(request, context)

        def Read(self, request, context):
            provider = serialized.get(resource_type(request.urn))
            importing = (provider is not None and PROVIDER_KEY not in request.properties.fields
                         and PROVIDER_KEY not in request.inputs.fields)
            if importing:
                request.inputs.fields[PROVIDER_KEY].string_value = provider
                # The ID, as a refresh hands it: an object that is not there then comes back as nothing, and the
                # import says below what to do about it (the provider's read would say it as for a `get`).
                request.inputs.fields[by_token[resource_type(request.urn)].kind.id_field].string_value = request.id
                if request.id in import_connections:
                    request.inputs.fields[CONNECTION].struct_value.update(import_connections[request.id])
            response = super().Read(request, context)
            if importing and not response.id:
                # Else the engine, finding outputs but no inputs, blames the plugin's version.
                context.abort(grpc.StatusCode.NOT_FOUND, redact(_not_there(
                    by_token[resource_type(request.urn)], request.id, import_connections.get(request.id) or {})))
            return response

    host["DynamicResourceProviderServicer"] = Servicer
    return host


def main() -> None:
    # The engine reads the port from our first stdout line; the stock launcher gets that
    # unbuffered from `python -u`, a console script does not.
    sys.stdout = io.TextIOWrapper(open(sys.stdout.fileno(), "wb", buffering=0, closefd=False), write_through=True)
    host = _host_with_import()
    if host is None:
        runpy.run_module(sdk.STOCK_HOST, run_name="__main__")
    else:
        host["main"]()


if __name__ == "__main__":
    main()
