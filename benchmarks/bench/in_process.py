"""The sides run in this process, one resource after the other: the API floor (the official SDK) and our
provider alone (its methods called as the dynamic-provider plugin calls them, without the engine)."""

from __future__ import annotations

import asyncio
import time
from typing import Any, Optional

from livekit import api as lkapi

from pulumi_livekit._dynamic.resources import DispatchRule

from bench.operations import API_OP


def _floor_rule(i: int, name: str) -> lkapi.SIPDispatchRuleInfo:
    return lkapi.SIPDispatchRuleInfo(
        rule=lkapi.SIPDispatchRule(
            dispatch_rule_individual=lkapi.SIPDispatchRuleIndividual(room_prefix=f"bench-api-{i}-")),
        name=f"{name}-{i}",
        trunk_ids=[f"ST_benchapi_{i}"],
    )


class ApiFloor:
    """The same N operations, sequentially, with the official SDK (one client per phase)."""

    def __init__(self, url: str, api_key: str, api_secret: str, count: int) -> None:
        self.args = (url, api_key, api_secret)
        self.count = count
        self.ids: list[str] = []

    def op(self, op: str) -> Optional[tuple[float, float]]:
        kind = API_OP[op]
        return None if kind is None else asyncio.run(self._run(kind))

    async def _run(self, kind: str) -> tuple[float, float]:
        async with lkapi.LiveKitAPI(*self.args) as client:
            sip = client.sip
            cpu = time.process_time()
            start = time.perf_counter()
            if kind == "create":
                self.ids = []
                for i in range(self.count):
                    created = await sip.create_dispatch_rule(
                        lkapi.CreateSIPDispatchRuleRequest(dispatch_rule=_floor_rule(i, "a")))
                    self.ids.append(created.sip_dispatch_rule_id)
            elif kind == "update":
                for i, rule_id in enumerate(self.ids):
                    await sip.update_dispatch_rule(rule_id, _floor_rule(i, "b"))
            elif kind == "read":
                for rule_id in self.ids:
                    found = await sip.list_dispatch_rule(lkapi.ListSIPDispatchRuleRequest(dispatch_rule_ids=[rule_id]))
                    assert [r.sip_dispatch_rule_id for r in found.items] == [rule_id]
            elif kind == "delete":
                for rule_id in self.ids:
                    await sip.delete_dispatch_rule(lkapi.DeleteSIPDispatchRuleRequest(sip_dispatch_rule_id=rule_id))
                self.ids = []
            return time.perf_counter() - start, time.process_time() - cpu


class _StackConfig:
    def __init__(self, values: dict[str, str]) -> None:
        self.values = values

    def get(self, key: str) -> Optional[str]:
        return self.values.get(key)


class ProviderAlone:
    """Our provider's methods called in this process, one resource after the other, as the
    dynamic-provider plugin calls them: check (+ diff) for every resource, then the API call."""

    def __init__(self, url: str, api_key: str, api_secret: str, count: int) -> None:
        self.provider = type(DispatchRule._provider)()
        self.provider._stack_config = _StackConfig(
            {"livekit:url": url, "livekit:apiKey": api_key, "livekit:apiSecret": api_secret})
        self.count = count
        self.outputs: list[dict[str, Any]] = []
        self.inputs: list[dict[str, Any]] = []  # the last checked inputs, which the engine hands check as olds
        self.provider_value = "x" * 96  # the serialized provider: opaque to our code
        fields = [f.name for f in self.provider.kind.message.DESCRIPTOR.fields
                  if f.name not in ("created_at", "updated_at")]
        self.blank = {name: None for name in fields}

    def _news(self, i: int, name: str) -> dict[str, Any]:
        return {**self.blank, "rule": {"dispatch_rule_individual": {"room_prefix": f"bench-alone-{i}-"}},
                "name": f"{name}-{i}", "trunk_ids": [f"ST_benchalone_{i}"], "pin": None, "connection": None,
                "__provider": self.provider_value}

    def op(self, op: str) -> tuple[float, float]:
        p = self.provider
        cpu = time.process_time()
        start = time.perf_counter()
        if op == "create":
            self.inputs, self.outputs = [], []
            for i in range(self.count):
                checked = p.check({}, self._news(i, "a")).inputs
                self.inputs.append(checked)
                self.outputs.append(p.create(checked).outs)
        elif op in ("preview", "update"):
            name = "a" if op == "preview" else "b"
            for i, olds in enumerate(self.outputs):
                # As the engine calls them: check gets the last checked inputs, diff and update the outputs.
                checked = p.check(self.inputs[i], self._news(i, name)).inputs
                changed = p.diff(olds[p.kind.id_field], olds, checked).changes
                if op == "update":
                    assert changed
                    self.inputs[i], self.outputs[i] = checked, p.update(olds[p.kind.id_field], olds, checked).outs
                else:
                    assert not changed
        elif op == "refresh":
            for i, olds in enumerate(self.outputs):
                self.outputs[i] = p.read(olds[p.kind.id_field], olds).outs
        elif op == "destroy":
            for olds in self.outputs:
                p.delete(olds[p.kind.id_field], olds)
            self.inputs, self.outputs = [], []
        return time.perf_counter() - start, time.process_time() - cpu
