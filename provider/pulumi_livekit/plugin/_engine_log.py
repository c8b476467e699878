"""The engine's log, as a provider plugin reaches it: the engine starts the plugin with the address of its
Engine service, whose `Log` shows a message in `pulumi preview` and `up`, under the resource whose URN it
carries (or under the run itself)."""

from __future__ import annotations

from typing import Optional

import grpc
from pulumi.runtime.proto import engine_pb2, engine_pb2_grpc


class EngineLog:
    def __init__(self, address: str) -> None:
        self._address = address
        self._engine: Optional[engine_pb2_grpc.EngineStub] = None

    async def warn(self, text: str, urn: str = "") -> None:
        if self._engine is None:  # made here, on the server's event loop, as grpc.aio channels must be
            # grpc's default options: a warning is far below its message size limit.
            self._engine = engine_pb2_grpc.EngineStub(grpc.aio.insecure_channel(self._address))
        try:
            await self._engine.Log(engine_pb2.LogRequest(severity=engine_pb2.WARNING, message=text, urn=urn))
        except grpc.aio.AioRpcError:
            pass  # a warning lost with an engine that is going away: nothing the request served depends on it
