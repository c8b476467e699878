"""`--servicers`: what each YAML side's provider plugin spends per rule by itself, without the engine or gRPC.

The plugin's servicer (the SDK server's, as `pulumi-resource-livekit` serves ours) and the floor's are called in this
process with the protobuf requests the engine sends for the YAML program's N rules: a create (check, then create),
a no-change preview (check, then diff) and a refresh (read, then diff), up to 8 rules at a time as the engine's
default `--parallel` sends them. What it prints, CPU and wall microseconds per rule, is the plugin process's own
cost of each operation; the difference between ours and the floor's is our code's (and LiveKit's, for the calls
that send it a request)."""

from __future__ import annotations

import asyncio
import statistics
import time
from typing import Any, Awaitable, Callable

from google.protobuf import struct_pb2
from pulumi.provider.experimental import server
from pulumi.runtime.proto import provider_pb2 as proto

from pulumi_livekit.plugin._provider import LiveKitProvider
from pulumi_livekit.plugin._server import _TellingServicer
from pulumi_livekit.testing import Credentials

from bench.sides import LIVEKIT_PLUGIN, NOOP_PLUGIN, rule_properties
from programs.noop_plugin import noop_plugin

CALLS = {"create": "check, create", "preview": "check, diff", "refresh": "read, diff"}
PARALLEL = 8  # the engine's default


def _struct(values: dict[str, Any]) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    struct.update(values)
    return struct


class Servicer:
    """One plugin's servicer and its N rules, as the engine holds them after each call."""

    def __init__(self, servicer: server.ProviderServicer, resource_type: str, count: int) -> None:
        self.servicer = servicer
        self.resource_type = resource_type
        self.count = count
        # Each rule's checked inputs, ID and outputs, by its index.
        self.inputs: dict[int, struct_pb2.Struct] = {}
        self.ids: dict[int, str] = {}
        self.outputs: dict[int, struct_pb2.Struct] = {}

    def _urn(self, i: int) -> str:
        return f"urn:pulumi:bench::bench-servicers::{self.resource_type}::rule-{i}"

    async def _check(self, i: int, olds: struct_pb2.Struct) -> struct_pb2.Struct:
        checked = await self.servicer.Check(proto.CheckRequest(
            urn=self._urn(i), olds=olds, news=_struct(rule_properties(i, f"bench-{i}"))), None)
        assert not checked.failures, checked.failures
        return checked.inputs

    async def _diff(self, i: int, olds: struct_pb2.Struct, news: struct_pb2.Struct) -> None:
        diffed = await self.servicer.Diff(proto.DiffRequest(urn=self._urn(i), id=self.ids[i], olds=olds, news=news),
                                          None)
        assert diffed.changes == proto.DiffResponse.DIFF_NONE, diffed

    async def create(self, i: int) -> None:
        checked = await self._check(i, _struct({}))
        created = await self.servicer.Create(proto.CreateRequest(urn=self._urn(i), properties=checked), None)
        self.inputs[i], self.ids[i], self.outputs[i] = checked, created.id, created.properties

    async def preview(self, i: int) -> None:
        await self._diff(i, self.outputs[i], await self._check(i, self.inputs[i]))

    async def refresh(self, i: int) -> None:
        read = await self.servicer.Read(proto.ReadRequest(
            urn=self._urn(i), id=self.ids[i], properties=self.outputs[i], inputs=self.inputs[i]), None)
        assert read.id == self.ids[i], read
        await self._diff(i, read.properties, read.inputs)

    async def delete_all(self) -> None:
        await _parallel([lambda i=i: self.servicer.Delete(proto.DeleteRequest(
            urn=self._urn(i), id=self.ids[i], properties=self.outputs[i]), None) for i in self.ids])
        self.inputs, self.ids, self.outputs = {}, {}, {}

    async def run(self, operation: str) -> tuple[float, float]:
        """CPU and wall microseconds per rule of one operation over the N rules."""
        call: Callable[[int], Awaitable[None]] = getattr(self, operation)
        cpu, wall = time.process_time(), time.perf_counter()
        await _parallel([lambda i=i: call(i) for i in range(self.count)])
        return ((time.process_time() - cpu) / self.count * 1e6, (time.perf_counter() - wall) / self.count * 1e6)


async def _parallel(calls: list[Callable[[], Awaitable[Any]]]) -> None:
    slots = asyncio.Semaphore(PARALLEL)

    async def one(call: Callable[[], Awaitable[Any]]) -> None:
        async with slots:
            await call()

    await asyncio.gather(*(one(call) for call in calls))


async def _configured(servicer: server.ProviderServicer, settings: dict[str, str]) -> server.ProviderServicer:
    await servicer.Configure(proto.ConfigureRequest(args=_struct(settings), acceptSecrets=True), None)
    return servicer


async def measure(count: int, repeat: int, credentials: Credentials) -> dict[str, dict[str, list[tuple[float, float]]]]:
    """Per side ("plugin", "plugin_floor") and operation: (CPU, wall) µs per rule, for each of `repeat` rounds. Every
    round creates the N rules on the server for ours (and deletes them after), previews and refreshes them."""
    ours = _TellingServicer([], LIVEKIT_PLUGIN.version, LiveKitProvider(), "")
    ours._provider.engine_log = None  # no engine to tell its routing warnings to
    sides = {
        "plugin": Servicer(await _configured(ours, {
            "url": credentials.url, "apiKey": credentials.api_key, "apiSecret": credentials.api_secret}),
            LIVEKIT_PLUGIN.resource_type, count),
        "plugin_floor": Servicer(await _configured(server.ProviderServicer(
            [], NOOP_PLUGIN.version, noop_plugin.NoopProvider(), ""), {}), NOOP_PLUGIN.resource_type, count),
    }
    figures: dict[str, dict[str, list[tuple[float, float]]]] = {side: {} for side in sides}
    for _ in range(repeat):
        for operation in CALLS:
            for side, servicer in sides.items():  # interleaved, so that the machine's load falls on both alike
                figures[side].setdefault(operation, []).append(await servicer.run(operation))
        for servicer in sides.values():
            await servicer.delete_all()
    return figures


def table(results: dict[int, dict[str, dict[str, list[tuple[float, float]]]]]) -> str:
    """The figures of each size (`measure`'s), medians over the rounds, as a Markdown table."""
    lines = ["| N | operation (calls per rule) | ours CPU µs/rule | floor CPU µs/rule | ours − floor | "
             "ours wall µs/rule | floor wall µs/rule |", "|---:|---|---:|---:|---:|---:|---:|"]
    for n, figures in results.items():
        for operation, calls in CALLS.items():
            (cpu, wall), (floor_cpu, floor_wall) = (
                (statistics.median(f[0] for f in figures[side][operation]),
                 statistics.median(f[1] for f in figures[side][operation])) for side in ("plugin", "plugin_floor"))
            lines.append(f"| {n} | {operation} ({calls}) | {cpu:.0f} | {floor_cpu:.0f} | {cpu - floor_cpu:.0f} | "
                         f"{wall:.0f} | {floor_wall:.0f} |")
    return "\n".join(lines) + "\n"


def run_sizes(sizes: list[int], repeat: int, credentials: Credentials) -> str:
    return table({n: asyncio.run(measure(n, repeat, credentials)) for n in sizes})
