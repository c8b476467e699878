"""Serving the provider: Pulumi's Python provider server, with our errors told as they are.

The SDK's servicer turns every error a provider raises into a new exception whose message ends in a
Python traceback of the SDK and this package. Ours (`LiveKitError`, redacted) already say what went wrong
and what to do: the servicer here hands the engine that message alone. Anything else keeps the SDK's
traceback, which is what a bug report needs. The servicer also hands the provider the engine's address,
where its routing warnings go (`_engine_log`).
"""

from __future__ import annotations

import sys
from typing import Any, Awaitable, Callable

import grpc
from pulumi.provider.experimental import server

from .._exceptions import LiveKitError
from ._engine_log import EngineLog
from ._package import VERSION
from ._provider import LiveKitProvider

_TOLD = ("CheckConfig", "DiffConfig", "Configure", "Invoke", "Check", "Diff", "Create", "Read", "Update", "Delete")


def _telling(method: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    async def wrapper(self: Any, request: Any, context: grpc.aio.ServicerContext) -> Any:
        try:
            return await method(self, request, context)
        except Exception as error:  # noqa: BLE001 - the SDK's wrapper raised it while handling the provider's
            cause = error.__context__ if isinstance(error.__context__, LiveKitError) else error
            if not isinstance(cause, LiveKitError):
                raise
            await context.abort(grpc.StatusCode.UNKNOWN, str(cause))

    return wrapper


class _TellingServicer(server.ProviderServicer):
    def __init__(self, args: list[str], version: str, provider: LiveKitProvider, engine_address: str) -> None:
        super().__init__(args, version, provider, engine_address)
        provider.engine_log = EngineLog(engine_address)


for _name in _TOLD:
    setattr(_TellingServicer, _name, _telling(getattr(server.ProviderServicer, _name)))


def main() -> None:
    """The plugin's entry point: the engine starts it with its own address and reads the port it serves on."""
    # `server.main` builds its servicer by this module-level name, and takes no other.
    server.ProviderServicer = _TellingServicer
    server.main(sys.argv[1:], VERSION, LiveKitProvider())
