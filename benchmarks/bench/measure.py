"""The measuring loop: every side of one size through warm-up and timed cycles, checked on the server after
each operation, and the figures it collects (`SizeResult`, which a run's JSON file holds)."""

from __future__ import annotations

import json
import os
import statistics
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Optional

from pulumi_livekit._api.client import SIPClient
from pulumi_livekit._api.endpoint import Endpoint
from pulumi_livekit._model.kinds import DISPATCH_RULE
from pulumi_livekit.testing import FaultProxy, LocalLiveKit

from bench import policy_pack
from bench.sides import GROUPS, SIDE_TITLES, TRUNK_PREFIXES, PulumiSide, make_sides, server_side


@dataclass
class SizeResult:
    n: int
    times: dict[str, dict[str, list[float]]] = field(default_factory=dict)  # side -> op -> seconds per repeat
    cpu: dict[str, dict[str, list[float]]] = field(default_factory=dict)  # side -> op -> CPU seconds per repeat
    warmup: dict[str, dict[str, float]] = field(default_factory=dict)
    requests: dict[str, dict[str, dict[str, int]]] = field(default_factory=dict)  # side -> op -> method -> count
    declare: dict[str, list[float]] = field(default_factory=dict)  # side -> seconds per program run
    program_cpu: dict[str, dict[str, list[float]]] = field(default_factory=dict)  # side -> op -> CPU seconds
    # role ("plugin", "program") -> side -> op -> peak resident KiB per timed repeat
    rss: dict[str, dict[str, dict[str, list[int]]]] = field(default_factory=dict)
    # role -> side -> op -> per timed repeat: CPU seconds polled from /proc, and the peak thread count
    role_cpu: dict[str, dict[str, dict[str, list[float]]]] = field(default_factory=dict)
    threads: dict[str, dict[str, dict[str, list[int]]]] = field(default_factory=dict)
    state: dict[str, Any] = field(default_factory=dict)
    load_average: dict[str, list[float]] = field(default_factory=dict)  # "start", "end" of this size: 1, 5, 15 min
    repeat: int = 0
    warmup_cycle: bool = True


def state_figures(export: dict[str, Any], type_suffix: str) -> dict[str, Any]:
    resources = [r for r in export.get("deployment", {}).get("resources") or []
                 if r.get("type", "").endswith(type_suffix)]
    if not resources:
        return {}
    with_provider, without_provider, providers = [], [], set()
    for entry in resources:
        with_provider.append(len(json.dumps(entry, separators=(",", ":")).encode()))
        stripped = json.loads(json.dumps(entry))
        for section in ("inputs", "outputs"):
            value = (stripped.get(section) or {}).pop("__provider", None)
            if value is not None:
                providers.add(json.dumps(value))
        without_provider.append(len(json.dumps(stripped, separators=(",", ":")).encode()))
    provider_values = [json.loads(v) for v in providers]
    return {
        "resources": len(resources),
        "checkpoint_bytes": len(json.dumps(export, separators=(",", ":")).encode()),
        "bytes_per_resource": statistics.mean(with_provider),
        "bytes_per_resource_without_provider": statistics.mean(without_provider),
        "distinct_providers": len(providers),
        "provider_bytes": max((len(v) if isinstance(v, str) else len(json.dumps(v)) for v in provider_values),
                              default=0),
        "provider_is_secret": any(isinstance(v, dict) for v in provider_values),
    }


def rules_on_server(client: SIPClient, prefix: str) -> list:
    return [r for r in client.list(DISPATCH_RULE) if any(t.startswith(prefix) for t in r.trunk_ids)]


def bench_size(n: int, repeat: int, warmup: bool, ops: tuple[str, ...], servers: Mapping[str, LocalLiveKit],
               proxies: Mapping[str, FaultProxy], workdir: Path, parallel: Optional[int], log: Callable[[str], None],
               groups: tuple[str, ...] = GROUPS, pack: Optional[str] = None) -> SizeResult:
    """`repeat` timed cycles of `ops` at size `n`, after a warm-up cycle through the counting proxies if `warmup`
    (without it, requests are not counted and the state figures come from the first timed cycle). `servers`: the
    LiveKit server of each side that talks to it (`livekit_sides`); `proxies`: the one in front of the server of
    each Pulumi side among them, ours and the plugin; `pack`: the policy pack, if its side runs."""
    result = SizeResult(n, repeat=repeat, warmup_cycle=warmup, load_average={"start": list(os.getloadavg())})
    sides = make_sides(n, groups, servers, workdir, parallel, pack)
    stacks = [side for side in sides.values() if isinstance(side, PulumiSide)]
    # The Pulumi sides that talk to LiveKit, each through its server's proxy in the warm-up (`server_side`).
    counted = [label for label in ("ours", "plugin", policy_pack.LABEL) if label in sides]
    first = counted[0]
    checkers = {label: checker_of(servers[label]) for label in TRUNK_PREFIXES if label in sides}
    emptied = False  # the last operation run was a destroy of every stack, checked on the servers
    try:
        for cycle in range(0 if warmup else 1, repeat + 1):
            warm = cycle == 0  # the warm-up counts requests through the proxies
            for label in counted:
                home = server_side(label)
                url = proxies[home].url if warm else servers[home].credentials.url
                sides[label].stack.set_config("livekit:url", url)
            for side in stacks:
                side.set_name("a")
            order = list(sides)
            shift = cycle % len(order)
            order = order[shift:] + order[:shift]  # a different side goes first each cycle
            for op in ops:
                emptied = False
                if op == "update":
                    for side in stacks:
                        side.set_name("b")
                for label in order:
                    for proxy in proxies.values():
                        proxy.clear()
                    measured = sides[label].op(op)
                    if measured is None:
                        continue
                    seconds, cpu = measured
                    if warm:
                        result.warmup.setdefault(label, {})[op] = seconds
                        if label in counted:
                            result.requests.setdefault(label, {})[op] = dict(proxies[server_side(label)].counts)
                        continue
                    result.times.setdefault(label, {}).setdefault(op, []).append(seconds)
                    result.cpu.setdefault(label, {}).setdefault(op, []).append(cpu)
                    side = sides[label]
                    if isinstance(side, PulumiSide):
                        for per_role, figures in ((result.rss, side.peaks), (result.role_cpu, side.role_cpu),
                                                  (result.threads, side.threads)):
                            for role, value in figures.items():
                                per_role.setdefault(role, {}).setdefault(label, {}).setdefault(op, []).append(value)
                for side in stacks:
                    figures = side.program_figures()
                    result.declare.setdefault(side.label, []).extend(figures.get("declare_seconds", []))
                    if not warm and "program_cpu_seconds" in figures:
                        result.program_cpu.setdefault(side.label, {}).setdefault(op, []).extend(
                            figures["program_cpu_seconds"])
                verify(op, n, checkers)
                emptied = op == "destroy"
                if op == "create" and not result.state:
                    result.state = {side.label: state_figures(side.stack.export(), side.resource_type)
                                    for side in stacks}
            done = result.warmup[first] if warm else {op: result.times[first][op][-1] for op in ops}
            log(f"  N={n} {'warm-up/count' if warm else f'repeat {cycle}/{repeat}'} done ({first}): "
                + ", ".join(f"{op} {done[op]:.1f}s" for op in ops))
    finally:
        tear_down(stacks, checkers, destroy=not emptied)
    result.load_average["end"] = list(os.getloadavg())
    return result


def tear_down(stacks: list[PulumiSide], checkers: Mapping[str, SIPClient], *, destroy: bool = True) -> None:
    """The stacks destroyed (unless `destroy` is false: a run that ended with their destroy) and removed, the
    checkers closed: whatever a size left, after it ran or failed."""
    for checker in checkers.values():
        checker.close()
    for side in stacks:
        if destroy:
            side.stack.destroy(check=False)
        side.stack.remove()


def checker_of(server: LocalLiveKit) -> SIPClient:
    """A client of `server`, for `verify`."""
    creds = server.credentials
    return SIPClient(Endpoint(creds.url, creds.api_key, creds.api_secret))


def verify(op: str, n: int, checkers: Mapping[str, SIPClient]) -> None:
    """The benchmark measures nothing if the operations did not happen: check each side's server (`checkers`, by
    the label of the side whose rules it holds)."""
    expected = 0 if op == "destroy" else n
    for label, client in checkers.items():
        rules = rules_on_server(client, TRUNK_PREFIXES[label])
        if len(rules) != expected:
            raise RuntimeError(f"after {op}: {len(rules)} {SIDE_TITLES[label]} rules on the server, expected {expected}")
        stale = [r.name for r in rules if not r.name.startswith("b-")]
        if op == "update" and stale:
            raise RuntimeError(f"after update: {SIDE_TITLES[label]} rules not renamed: {stale[:3]}")
