"""`make bench`: what managing N dispatch rules with Pulumi costs, beside two floors.

For each N (`--sizes`, default 1,10,100) and each operation (`pulumi up` creating all,
`pulumi preview` with no changes, `pulumi up` renaming all, `pulumi refresh`,
`pulumi destroy`) it times, interleaved in the same run against one local livekit-server:

- ours: benchmarks/programs/rules, N `DispatchRule`s (each with its own trunk ID);
- the engine floor: benchmarks/programs/noop, N no-op dynamic resources with the same
  inputs and lifecycle, so the engine, language host and dynamic-provider plugin do the
  same work minus LiveKit and our provider;
- the API floor: the same N creates/updates/reads/deletes sent one after the other with
  the official `livekit-api` SDK;
- our provider alone (for attribution): its check/diff/create/update/read/delete called
  in this process, one resource after the other, no engine;
- the plugin: the same N rules in a Pulumi YAML program (written with N resources) on
  `pulumi-resource-livekit`, and its floor, N no-op resources of benchmarks/programs/noop_plugin
  (a no-op provider plugin on the same SDK server) in a YAML program (`--sides` picks either part).

The first cycle of each N is a warm-up that also counts: our stack points at a
`FaultProxy` in front of the server, which counts requests per Twirp method (ours and
the plugin's); it also
yields the state size per resource (`pulumi stack export`) and whether `__provider` is
the same for every resource. The timed cycles talk to the server directly.

Output: one table on stdout and in benchmarks/results/<stamp>.md, the raw figures in
<stamp>.json, a plot in <stamp>.png, and a copy of the table in benchmarks/RESULTS.md
(`--no-results-md` leaves that alone).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from livekit import api as lkapi  # noqa: E402

import yaml  # noqa: E402
from pulumi_livekit._api.client import SIPClient  # noqa: E402
from pulumi_livekit._api.endpoint import Endpoint  # noqa: E402
from pulumi_livekit._dynamic.resources import DispatchRule  # noqa: E402
from pulumi_livekit.testing import FaultProxy, LocalLiveKit, PulumiStack, tool_path  # noqa: E402
from pulumi_livekit._model.kinds import DISPATCH_RULE

import policy_pack  # noqa: E402

OPS = ("create", "preview", "update", "refresh", "destroy")
OP_TITLES = {
    "create": "pulumi up (create all)",
    "preview": "pulumi preview (no changes)",
    "update": "pulumi up (update all)",
    "refresh": "pulumi refresh",
    "destroy": "pulumi destroy",
}
# The API calls each operation needs; a no-change preview needs none.
API_OP = {"create": "create", "preview": None, "update": "update", "refresh": "read", "destroy": "delete"}
RULE_TYPE = "DispatchRule"
PROGRAMS = HERE / "programs"
RESULTS = HERE / "results"
RATIO_TARGET = 1.5
SIDE_TARGET = 1.10  # ours within 10% of the engine floor, and the plugin within 10% of the dynamic resources
SMALL_GAP_TARGET = 0.2  # seconds: ours' preview at N=1 over the floor's
LARGE_N = 1000  # from this size on: fewer repeats, no warm-up cycle, and the create/update/destroy targets
PROVIDER_BYTES_TARGET = 2048


# ---- the three ways of doing the same work -----------------------------------------------


class PulumiSide:
    """One stack of one benchmark program; `op()` runs a Pulumi command and returns its wall time.

    A Python program (`programs/rules`, `programs/noop`) reads `count` and `timingFile` from config; a
    YAML program is generated with its N resources (`yaml_program`) and reports no timings of its own."""

    def __init__(self, label: str, program: Path, count: int, workdir: Path, parallel: Optional[int],
                 resource_type: str) -> None:
        self.label = label
        self.count = count
        self.resource_type = resource_type  # the state entries it makes end in this
        # The program's own modules (the engine floor's provider) must be importable by the
        # provider plugin too, whose working directory and sys.path are not the program's.
        self.stack = PulumiStack(program, "bench", workdir=workdir, env={"PYTHONPATH": str(workdir / "program")})
        self.timing_file = workdir / "declare.jsonl"
        if (program / "__main__.py").exists():
            self.stack.set_config("count", str(count))
            self.stack.set_config("timingFile", str(self.timing_file))
        self.extra = ["--parallel", str(parallel)] if parallel else []
        self.name = None
        self.peaks: dict[str, int] = {}
        self.role_cpu: dict[str, float] = {}
        self.threads: dict[str, int] = {}

    def set_name(self, name: str) -> None:
        if name != self.name:
            self.stack.set_config("name", name)
            self.name = name

    def op(self, op: str) -> tuple[float, float]:
        """Wall seconds of the command, and CPU seconds of it and every process it started
        (engine, language host, program, provider plugin), all of which it waits for.
        The peak memory of its plugin and program is left in `self.peaks` (KiB by role)."""
        stack = self.stack
        runs: dict[str, Callable[[], Any]] = {
            "create": lambda: stack.up(*self.extra),
            "preview": lambda: stack.preview("--expect-no-changes", *self.extra),
            "update": lambda: stack.up(*self.extra),
            "refresh": lambda: stack.refresh("--expect-no-changes", *self.extra),
            "destroy": lambda: stack.destroy(*self.extra),
        }
        cpu_before = _children_cpu()
        start = time.perf_counter()
        with PeakMemory() as memory:
            runs[op]()
        elapsed = time.perf_counter() - start
        self.peaks, self.role_cpu, self.threads = memory.peaks, memory.cpu(), memory.threads
        return elapsed, _children_cpu() - cpu_before

    def program_figures(self) -> dict[str, list[float]]:
        """What the program wrote since the last call: declare_seconds, program_cpu_seconds."""
        if not self.timing_file.exists():
            return {}
        lines = self.timing_file.read_text().splitlines()
        self.timing_file.unlink()
        figures: dict[str, list[float]] = {}
        for line in lines:
            for key, value in json.loads(line).items():
                if key.endswith("_seconds"):
                    figures.setdefault(key, []).append(value)
        return figures


# The YAML programs' resources: LiveKit's through `pulumi-resource-livekit` (the project's virtualenv holds it beside
# the Python running this script), or the YAML engine floor's no-op ones through `programs/noop_plugin`.
LIVEKIT_PLUGIN = ("livekit", "livekit:index:DispatchRule")
NOOP_PLUGIN = ("benchnoop", "benchnoop:index:Noop")
YAML_TRUNK_PREFIX = "ST_benchyaml_"


def yaml_program(folder: Path, count: int, plugin: tuple[str, str], plugin_dir: Path) -> Path:
    """A Pulumi YAML program declaring `count` rules as programs/rules does (Pulumi YAML has no loop): the
    `name` config renames all of them. Written into `folder`, which is returned."""
    package, token = plugin
    resources = {
        f"rule-{i}": {"type": token, "properties": {
            "name": f"${{name}}-{i}",
            "trunkIds": [f"{YAML_TRUNK_PREFIX}{i}"],
            "rule": {"dispatchRuleIndividual": {"roomPrefix": f"bench-yaml-{i}-"}},
        }}
        for i in range(count)
    }
    project = {
        "name": f"bench-yaml-{package}",
        "runtime": "yaml",
        "plugins": {"providers": [{"name": package, "path": str(plugin_dir)}]},
        "config": {"name": {"type": "string", "default": "bench"}},
        "resources": resources,
    }
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "Pulumi.yaml").write_text(yaml.safe_dump(project, sort_keys=False))
    return folder


def noop_plugin_dir(folder: Path) -> Path:
    """A folder holding `pulumi-resource-benchnoop`, which runs programs/noop_plugin on this Python."""
    folder.mkdir(parents=True, exist_ok=True)
    launcher = folder / "pulumi-resource-benchnoop"
    launcher.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{PROGRAMS / "noop_plugin" / "noop_plugin.py"}" "$@"\n')
    launcher.chmod(0o755)
    return folder


class PeakMemory:
    """Peak resident memory (VmHWM, KiB), CPU seconds and peak thread count of the processes a command
    starts, by role, polled from /proc.

    The provider plugin (`python -m pulumi.dynamic`, this package's `pulumi-resource-pulumi-python` or
    `pulumi-resource-livekit`, the YAML floor's `noop_plugin.py`) and the Pulumi program
    (`pulumi-language-python-exec`, or the YAML language host, which runs a YAML program itself) are found
    among this process's descendants. VmHWM only grows, so the last poll before a process exits holds its
    peak up to that poll; its CPU seconds are those of the last poll too (up to `INTERVAL` short)."""

    INTERVAL = 0.2
    ROLES = (("plugin", ("pulumi.dynamic", "pulumi-resource-pulumi-python", "pulumi-resource-livekit",
                         "noop_plugin.py")),
             ("program", ("pulumi-language-python-exec", "pulumi-language-yaml")))
    TICKS = os.sysconf("SC_CLK_TCK")

    def __init__(self) -> None:
        self.peaks: dict[str, int] = {}
        self.threads: dict[str, int] = {}
        self._cpu: dict[int, tuple[str, float]] = {}  # pid -> role, CPU seconds at its last poll
        self._roles: dict[int, Optional[str]] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def __enter__(self) -> "PeakMemory":
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _poll(self) -> None:
        while True:
            self._sample()
            if self._stop.wait(self.INTERVAL):
                return

    def _sample(self) -> None:
        for pid in _descendants(os.getpid()):
            if pid not in self._roles:
                self._roles[pid] = self._role(pid)
            role = self._roles[pid]
            if role is None:
                continue
            status = _status(pid)
            if "VmHWM" in status:
                self.peaks[role] = max(self.peaks.get(role, 0), int(status["VmHWM"].split()[0]))
                self.threads[role] = max(self.threads.get(role, 0), int(status["Threads"]))
            cpu = _cpu_seconds(pid, self.TICKS)
            if cpu is not None:
                self._cpu[pid] = (role, cpu)

    def cpu(self) -> dict[str, float]:
        """CPU seconds by role, summed over the role's processes."""
        totals: dict[str, float] = {}
        for role, seconds in self._cpu.values():
            totals[role] = totals.get(role, 0.0) + seconds
        return totals

    def _role(self, pid: int) -> Optional[str]:
        try:
            argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            return None
        words = {os.path.basename(a.decode(errors="replace")) for a in argv}
        return next((role for role, marks in self.ROLES if words & set(marks)), None)


def _descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry.name}/stat").read_text()
        except OSError:
            continue  # gone meanwhile
        parent = int(stat.rsplit(")", 1)[1].split()[1])  # the command name may hold spaces and parentheses
        children.setdefault(parent, []).append(int(entry.name))
    found, pending = [], [root]
    while pending:
        for child in children.get(pending.pop(), []):
            found.append(child)
            pending.append(child)
    return found


def _status(pid: int) -> dict[str, str]:
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return {}  # gone meanwhile
    return dict(line.split(":\t", 1) for line in lines if ":\t" in line)


def _cpu_seconds(pid: int, ticks: int) -> Optional[float]:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / ticks  # utime, stime (fields 14, 15 of proc(5))


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


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


# ---- measurements -------------------------------------------------------------------------


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


# Which sides a run has (`--sides`): the dynamic resources with their engine floor and our provider alone, the
# YAML program on the plugin with its own engine floor; the API floor always.
GROUPS = ("dynamic", "plugin")
TRUNK_PREFIXES = {"ours": "ST_bench_", "plugin": YAML_TRUNK_PREFIX, "api": "ST_benchapi_", "alone": "ST_benchalone_"}
SIDE_TITLES = {"ours": "ours", "plugin": "plugin (YAML)", "api": "api floor", "alone": "provider alone",
               policy_pack.LABEL: policy_pack.TITLE}


def make_sides(n: int, groups: tuple[str, ...], livekit: LocalLiveKit, workdir: Path,
               parallel: Optional[int], pack: Optional[str] = None) -> dict[str, Any]:
    creds = livekit.credentials
    sides: dict[str, Any] = {}
    if "dynamic" in groups:
        sides["ours"] = PulumiSide("ours", PROGRAMS / "rules", n, workdir / f"ours-{n}", parallel, RULE_TYPE)
        sides["engine"] = PulumiSide("engine", PROGRAMS / "noop", n, workdir / f"engine-{n}", parallel,
                                     "dynamic:Resource")
    if "plugin" in groups:
        sides["plugin"] = PulumiSide(
            "plugin", yaml_program(workdir / f"plugin-{n}-source", n, LIVEKIT_PLUGIN, Path(sys.executable).parent),
            n, workdir / f"plugin-{n}", parallel, RULE_TYPE)
        sides["plugin_floor"] = PulumiSide(
            "plugin_floor", yaml_program(workdir / f"plugin-floor-{n}-source", n, NOOP_PLUGIN,
                                         noop_plugin_dir(workdir / "noop-plugin")),
            n, workdir / f"plugin-floor-{n}", parallel, NOOP_PLUGIN[1])
    for label in ("ours", "plugin"):
        if label in sides:
            sides[label].stack.set_config("livekit:apiKey", creds.api_key)
            sides[label].stack.set_config("livekit:apiSecret", creds.api_secret, secret=True)
    sides["api"] = ApiFloor(creds.url, creds.api_key, creds.api_secret, n)
    if "dynamic" in groups:
        sides["alone"] = ProviderAlone(creds.url, creds.api_key, creds.api_secret, n)
        if pack:
            sides[policy_pack.LABEL] = policy_pack.PackSide(sides["ours"], pack)
    return sides


def bench_size(n: int, repeat: int, warmup: bool, ops: tuple[str, ...], livekit: LocalLiveKit, proxy: FaultProxy,
               workdir: Path, parallel: Optional[int], log: Callable[[str], None],
               groups: tuple[str, ...] = GROUPS, pack: Optional[str] = None) -> SizeResult:
    """`repeat` timed cycles of `ops` at size `n`, after a warm-up cycle through the counting proxy if `warmup`
    (without it, requests are not counted and the state figures come from the first timed cycle)."""
    creds = livekit.credentials
    result = SizeResult(n, repeat=repeat, warmup_cycle=warmup, load_average={"start": list(os.getloadavg())})
    sides = make_sides(n, groups, livekit, workdir, parallel, pack)
    stacks = [side for side in sides.values() if isinstance(side, PulumiSide)]
    counted = [label for label in ("ours", "plugin", policy_pack.LABEL) if label in sides]  # those that talk to LiveKit
    first = counted[0]
    checker = SIPClient(Endpoint(creds.url, creds.api_key, creds.api_secret))
    try:
        for cycle in range(0 if warmup else 1, repeat + 1):
            warm = cycle == 0  # the warm-up counts requests through the proxy
            for label in counted:
                sides[label].stack.set_config("livekit:url", proxy.url if warm else creds.url)
            for side in stacks:
                side.set_name("a")
            order = list(sides)
            shift = cycle % len(order)
            order = order[shift:] + order[:shift]  # a different side goes first each cycle
            for op in ops:
                if op == "update":
                    for side in stacks:
                        side.set_name("b")
                for label in order:
                    proxy.clear()
                    measured = sides[label].op(op)
                    if measured is None:
                        continue
                    seconds, cpu = measured
                    if warm:
                        result.warmup.setdefault(label, {})[op] = seconds
                        if label in counted:
                            result.requests.setdefault(label, {})[op] = dict(proxy.counts)
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
                _verify(op, n, checker, [label for label in TRUNK_PREFIXES if label in sides])
                if op == "create" and not result.state:
                    result.state = {side.label: state_figures(side.stack.export(), side.resource_type)
                                    for side in stacks}
            done = result.warmup[first] if warm else {op: result.times[first][op][-1] for op in ops}
            log(f"  N={n} {'warm-up/count' if warm else f'repeat {cycle}/{repeat}'} done ({first}): "
                + ", ".join(f"{op} {done[op]:.1f}s" for op in ops))
    finally:
        checker.close()
        for side in stacks:
            side.stack.destroy(check=False)
            side.stack.remove()
    result.load_average["end"] = list(os.getloadavg())
    return result


def _verify(op: str, n: int, client: SIPClient, labels: list[str]) -> None:
    """The benchmark measures nothing if the operations did not happen: check the server."""
    expected = 0 if op == "destroy" else n
    for label in labels:
        rules = rules_on_server(client, TRUNK_PREFIXES[label])
        if len(rules) != expected:
            raise RuntimeError(f"after {op}: {len(rules)} {SIDE_TITLES[label]} rules on the server, expected {expected}")
        stale = [r.name for r in rules if not r.name.startswith("b-")]
        if op == "update" and stale:
            raise RuntimeError(f"after update: {SIDE_TITLES[label]} rules not renamed: {stale[:3]}")


# ---- reporting ----------------------------------------------------------------------------


def med(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def ratios(r: SizeResult, op: str) -> list[float]:
    t = r.times
    if API_OP[op] is None:
        return []
    return [(o - e) / a for o, e, a in zip(*(t.get(side, {}).get(op, []) for side in ("ours", "engine", "api")))
            if a > 0]


def side_ratios(per_side: dict[str, dict[str, list[float]]], op: str, side: str = "ours",
                floor: str = "engine") -> list[float]:
    """side / floor (by default ours / engine floor), per repeat (the sides ran in the same cycle)."""
    ours, engine = per_side.get(side, {}).get(op, []), per_side.get(floor, {}).get(op, [])
    return [o / e for o, e in zip(ours, engine) if e > 0]


def fmt_ratio(values: list[float]) -> str:
    if not values:
        return "—"
    return f"{med(values):.2f}" if len(values) == 1 else f"{med(values):.2f} [{min(values):.2f}–{max(values):.2f}]"


def rss_mib(r: SizeResult, role: str, side: str, op: str) -> float:
    values = r.rss.get(role, {}).get(side, {}).get(op, [])
    return max(values) / 1024 if values else float("nan")


def ops_of(r: SizeResult, side: str = "ours") -> list[str]:
    return [op for op in OPS if r.times.get(side, {}).get(op)]


def machine_info() -> dict[str, Any]:
    cpu_model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "unknown"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass

    def version(*argv: str) -> str:
        try:
            return subprocess.run(argv, capture_output=True, text=True, timeout=30).stdout.strip().splitlines()[0]
        except Exception:  # noqa: BLE001 - informational only
            return "unknown"

    import pulumi
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu_model,
        "memory": mem,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "pulumi_cli": version(tool_path("pulumi"), "version"),
        "pulumi_python_sdk": getattr(pulumi, "__version__", None) or _dist_version("pulumi"),
        "livekit_server": version(tool_path("livekit-server"), "--version"),
        "livekit_api": _dist_version("livekit-api"),
        "load_average_start": os.getloadavg(),
    }


def _dist_version(name: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return "unknown"


def fmt_n(value: float, digits: int = 0) -> str:
    return "—" if value != value else f"{value:.{digits}f}"


def fmt_s(seconds: float) -> str:
    return "—" if seconds != seconds else (f"{seconds:.3f}" if seconds < 10 else f"{seconds:.2f}")


def fmt_requests(r: SizeResult, op: str, side: str = "ours") -> str:
    if not r.warmup_cycle:
        return "— (not counted)"
    counts = r.requests.get(side, {}).get(op, {})
    total = sum(counts.values())
    if not total:
        return "0"
    methods = ", ".join(f"{m.replace('SIPDispatchRule', '')} {c}" for m, c in sorted(counts.items()))
    return f"{total / r.n:g} ({methods})"


def render(results: list[SizeResult], info: dict[str, Any], args: argparse.Namespace,
           elapsed: float, plot_name: str) -> tuple[str, list[tuple[str, bool, str]]]:
    lines: list[str] = []
    add = lines.append
    add(f"Machine: {info['nproc']} CPUs ({info['cpu']}), {info['memory']} memory, Linux {info['kernel']}, "
        f"Python {info['python']}; pulumi CLI {info['pulumi_cli']}, Python SDK {info['pulumi_python_sdk']}; "
        f"{info['livekit_server']}; livekit-api {info['livekit_api']}.")
    add(f"Run: {info['started']}, sizes {','.join(str(r.n) for r in results)}, {args.repeat} timed repeat(s) "
        f"per size after one warm-up/counting cycle ({args.large_repeat} and no warm-up from N={LARGE_N} on), "
        f"operations {args.ops}, sides {args.sides}, engine --parallel "
        f"{args.parallel or 'default (8)'}; whole run {elapsed / 60:.1f} min; load average "
        f"{' '.join(f'{x:.2f}' for x in info['load_average_start'])} at start, "
        f"{' '.join(f'{x:.2f}' for x in info['load_average_end'])} at end (the machine is shared).")
    if any(r.load_average for r in results):
        add("Load average (1, 5, 15 min) at the start and end of each N: " + "; ".join(
            f"N={r.n} " + " → ".join(" ".join(f"{x:.2f}" for x in r.load_average[when])
                                      for when in ("start", "end") if when in r.load_average)
            for r in results if r.load_average) + ".")
    add("")
    dynamic = [r for r in results if "ours" in r.times]
    if dynamic:
        dynamic_tables(dynamic, info, add)
    plugin = [r for r in results if "plugin" in r.times]
    if plugin:
        plugin_tables(plugin, add)
    policy_pack.table(results, add)

    checks: list[tuple[str, bool, str]] = []
    for r in results:
        if not r.warmup_cycle:
            continue  # requests were counted at the smaller sizes only
        for side, per_op in r.requests.items():
            who = "" if side == "ours" else f"{SIDE_TITLES[side]}: "
            preview = sum(per_op.get("preview", {}).values())
            if "preview" in per_op:
                checks.append((f"N={r.n}: {who}preview with no changes makes 0 API requests", preview == 0,
                               f"{preview}"))
            # A create is one request: the deployment's one listing of the server's rules (for conflicts, the
            # rules are new) also tells each create which identical rules were there before; a refresh lists
            # all rules once. The update renames each rule: LiveKit's field-wise update, one request, which the
            # server applies to what it holds (fields of a newer LiveKit kept without a read).
            expected = {"create": r.n + 1, "update": r.n, "refresh": 1, "destroy": r.n}
            for op, wanted in expected.items():
                if op not in per_op:
                    continue
                counts = per_op[op]
                total = sum(counts.values())
                checks.append((f"N={r.n}: {who}{op} makes {wanted} requests", total == wanted,
                               f"{total} for {r.n} ({', '.join(f'{m} {c}' for m, c in counts.items()) or 'none'})"))
    for r in results:
        s = r.state.get("ours", {})
        if s:
            ok = s["distinct_providers"] == 1 and s["provider_bytes"] <= PROVIDER_BYTES_TARGET
            checks.append((f"N={r.n}: serialized provider identical for every resource and ≤ 2 KB", ok,
                           f"{s['distinct_providers']} distinct, {s['provider_bytes']} B"))
    largest = max(results, key=lambda r: r.n)
    for op in OPS:
        rs = ratios(largest, op)
        if rs:
            checks.append((f"N={largest.n}: {op}: (ours − engine floor) ≤ {RATIO_TARGET}× API floor",
                           med(rs) <= RATIO_TARGET, f"median ratio {med(rs):.2f} [{min(rs):.2f}–{max(rs):.2f}]"))
    checks += ratio_checks(results)
    checks += plugin_checks(results)
    checks += policy_pack.checks(results)
    add("Targets:")
    add("")
    for name, ok, detail in checks:
        add(f"- {'PASS' if ok else 'FAIL'} — {name}: {detail}")
    add("")
    add(f"Plot: benchmarks/results/{plot_name} (time against N, log-log; red ours, blue engine floor, "
        "green API floor, dashed grey engine floor + API floor, dotted orange our provider alone, purple the plugin, "
        "dashed cyan the YAML floor).")
    return "\n".join(lines), checks


def dynamic_tables(results: list[SizeResult], info: dict[str, Any], add: Callable[[str], None]) -> None:
    """The dynamic resources (ours) against the engine floor, the API floor and our provider alone."""
    add("Wall seconds, median of the timed repeats; sides interleaved operation by operation. "
        "ratio = (ours − engine floor) / API floor, median of the per-repeat ratios [min–max]. "
        "“provider alone”: our provider's check/diff/create/update/read/delete called in this process, one "
        "resource after the other (no engine, no gRPC). CPU: user+system seconds of the pulumi command and "
        "every process it started (engine, language host, program, provider plugin); program CPU: the "
        "Pulumi program's own process (refresh and destroy do not run it); the machine has "
        f"{info['nproc']} CPUs. Requests per resource: counted by a FaultProxy in front of livekit-server "
        "during the warm-up.")
    add("")
    add("| N | operation | ours | engine floor | ours − engine | API floor | ratio | provider alone | "
        "CPU ours | CPU engine | program CPU ours | program CPU engine | requests / resource |")
    add("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for r in results:
        for op in ops_of(r):
            o, e = med(r.times["ours"][op]), med(r.times["engine"][op])
            a = med(r.times["api"].get(op, []))
            rs = ratios(r, op)
            ratio = f"{med(rs):.2f} [{min(rs):.2f}–{max(rs):.2f}]" if rs else "— (no API call needed)"
            add(f"| {r.n} | {OP_TITLES[op]} | {fmt_s(o)} | {fmt_s(e)} | {fmt_s(o - e)} | {fmt_s(a)} | {ratio} | "
                f"{fmt_s(med(r.times['alone'][op]))} | {fmt_s(med(r.cpu['ours'][op]))} | "
                f"{fmt_s(med(r.cpu['engine'][op]))} | {fmt_s(med(r.program_cpu.get('ours', {}).get(op, [])))} | "
                f"{fmt_s(med(r.program_cpu.get('engine', {}).get(op, [])))} | {fmt_requests(r, op)} |")
    add("")
    add("Per resource: state bytes are one resource's entry in `pulumi stack export` (compact JSON); "
        "`__provider` is stored twice per resource (inputs and outputs). Declaration time is the program's "
        "time constructing the N resource objects (median over the program's runs: up, preview, up).")
    add("")
    add("| N | state B/resource (ours) | without `__provider` | engine floor B/resource | `__provider` "
        "| declare ms/resource (ours) | (engine floor) |")
    add("|---:|---:|---:|---:|---|---:|---:|")
    for r in results:
        s, es = r.state.get("ours", {}), r.state.get("engine", {})
        prov = (f"{s.get('provider_bytes')} B, {s.get('distinct_providers')} distinct"
                f"{', secret' if s.get('provider_is_secret') else ''}") if s else "—"
        add(f"| {r.n} | {s.get('bytes_per_resource', 0):.0f} | {s.get('bytes_per_resource_without_provider', 0):.0f} "
            f"| {es.get('bytes_per_resource', 0):.0f} | {prov} | {1000 * med(r.declare.get('ours', [])) / r.n:.2f} | "
            f"{1000 * med(r.declare.get('engine', [])) / r.n:.2f} |")
    add("")
    add("Ours against the engine floor, per N: ours / floor for each operation (median of the per-repeat ratios "
        "[min–max]) of wall time, of the CPU of the command and all it started, and of the program's CPU; a ratio "
        "that stays flat as N grows means ours grows with N as the floor does. Plugin peak RSS: the largest VmHWM "
        "of the provider plugin process over the timed repeats (polled every "
        f"{PeakMemory.INTERVAL:g} s from /proc), MiB, ours / floor.")
    add("")
    add("| N | operation | wall ours/floor | CPU ours/floor | program CPU ours/floor | program CPU ms/resource "
        "(ours, floor) | plugin peak RSS MiB (ours, floor) |")
    add("|---:|---|---:|---:|---:|---:|---:|")
    for r in results:
        for op in ops_of(r):
            program = side_ratios(r.program_cpu, op)
            per_resource = ", ".join(
                fmt_s(1000 * med(r.program_cpu.get(side, {}).get(op, [])) / r.n) for side in ("ours", "engine"))
            rss = ", ".join(f"{rss_mib(r, 'plugin', side, op):.0f}" for side in ("ours", "engine"))
            add(f"| {r.n} | {OP_TITLES[op]} | {fmt_ratio(side_ratios(r.times, op))} | "
                f"{fmt_ratio(side_ratios(r.cpu, op))} | {fmt_ratio(program)} | "
                f"{per_resource if program else '—'} | {rss} |")
    add("")
    add("State and memory per N: the whole checkpoint (`pulumi stack export`, compact JSON) after the create, and the "
        "largest peak RSS of the provider plugin and of the program over all operations. The engine rewrites the "
        "whole checkpoint after every step, so its work grows with N × checkpoint size; ours/floor shows what ours "
        "adds to that.")
    add("")
    add("| N | checkpoint KiB (ours) | (floor) | ours/floor | plugin peak RSS MiB (ours) | (floor) | ours/floor | "
        "program peak RSS MiB (ours) | (floor) |")
    add("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        ours_kib = r.state.get("ours", {}).get("checkpoint_bytes", 0) / 1024
        floor_kib = r.state.get("engine", {}).get("checkpoint_bytes", 0) / 1024
        peak = {(role, side): max((rss_mib(r, role, side, op) for op in ops_of(r)), default=float("nan"))
                for role in ("plugin", "program") for side in ("ours", "engine")}
        add(f"| {r.n} | {ours_kib:.0f} | {floor_kib:.0f} | {ours_kib / floor_kib if floor_kib else float('nan'):.2f} | "
            f"{peak['plugin', 'ours']:.0f} | {peak['plugin', 'engine']:.0f} | "
            f"{peak['plugin', 'ours'] / peak['plugin', 'engine']:.2f} | {peak['program', 'ours']:.0f} | "
            f"{peak['program', 'engine']:.0f} |")
    add("")


def plugin_tables(results: list[SizeResult], add: Callable[[str], None]) -> None:
    """The YAML program on `pulumi-resource-livekit` against the dynamic resources and both engine floors."""
    add("The plugin: the same N rules declared in a Pulumi YAML program on `pulumi-resource-livekit`, timed in the "
        "same cycles. Wall seconds, median of the timed repeats; ratios are medians of the per-repeat ratios "
        "[min–max]. YAML floor: N no-op resources of a no-op provider plugin (`programs/noop_plugin`, on the same "
        "SDK server as ours) in a YAML program; engine floor: the dynamic side's. Plugin and program CPU: seconds "
        "of the provider plugin process and of the program (the YAML language host runs a YAML program itself; "
        "for the dynamic side `pulumi-language-python-exec`), polled from /proc every "
        f"{PeakMemory.INTERVAL:g} s (each up to one poll short); threads: the plugin process's peak.")
    add("")
    add("| N | operation | plugin | YAML floor | dynamic (ours) | plugin/dynamic | plugin/YAML floor | "
        "plugin/engine floor | CPU plugin/dynamic | plugin process CPU s (plugin, dynamic) | "
        "program CPU s (YAML, Python) | plugin threads (plugin, dynamic) | requests / resource (plugin) |")
    add("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for r in results:
        for op in ops_of(r, "plugin"):
            def pair(figures: dict[str, dict[str, dict[str, list[float]]]], role: str, fmt: Callable) -> str:
                return ", ".join(fmt(med(figures.get(role, {}).get(side, {}).get(op, []))) for side in ("plugin", "ours"))

            add(f"| {r.n} | {OP_TITLES[op]} | "
                + " | ".join(fmt_s(med(r.times.get(side, {}).get(op, []))) for side in ("plugin", "plugin_floor", "ours"))
                + f" | {fmt_ratio(side_ratios(r.times, op, 'plugin', 'ours'))}"
                f" | {fmt_ratio(side_ratios(r.times, op, 'plugin', 'plugin_floor'))}"
                f" | {fmt_ratio(side_ratios(r.times, op, 'plugin', 'engine'))}"
                f" | {fmt_ratio(side_ratios(r.cpu, op, 'plugin', 'ours'))}"
                f" | {pair(r.role_cpu, 'plugin', fmt_s)} | {pair(r.role_cpu, 'program', fmt_s)}"
                f" | {pair(r.threads, 'plugin', fmt_n)}"
                f" | {fmt_requests(r, op, 'plugin')} |")
    add("")
    add("State and memory of the plugin's stack: one resource's entry in `pulumi stack export` (compact JSON) and the "
        "whole checkpoint after the create; the largest peak RSS (VmHWM) of the provider plugin and of the program "
        "over all operations.")
    add("")
    add("| N | state B/resource (plugin) | (YAML floor) | (dynamic) | checkpoint KiB (plugin) | (YAML floor) | "
        "(dynamic) | plugin peak RSS MiB (plugin) | (YAML floor) | (dynamic) | program peak RSS MiB (YAML, Python) |")
    add("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    sides = ("plugin", "plugin_floor", "ours")
    for r in results:
        state = {side: r.state.get(side, {}) for side in sides}
        peak = {(role, side): max((rss_mib(r, role, side, op) for op in ops_of(r, "plugin")), default=float("nan"))
                for role in ("plugin", "program") for side in sides}
        add(f"| {r.n} | "
            + " | ".join(fmt_n(state[side].get("bytes_per_resource", float("nan"))) for side in sides) + " | "
            + " | ".join(fmt_n(state[side].get("checkpoint_bytes", float("nan")) / 1024) for side in sides) + " | "
            + " | ".join(fmt_n(peak["plugin", side]) for side in sides)
            + f" | {fmt_n(peak['program', 'plugin'])}, {fmt_n(peak['program', 'ours'])} |")
    add("")


def ratio_checks(results: list[SizeResult]) -> list[tuple[str, bool, str]]:
    """The targets against the engine floor, as ratios of the same run."""
    checks: list[tuple[str, bool, str]] = []
    by_n = {r.n: r for r in results}
    for r in results:
        if r.n == 1 and r.times.get("ours", {}).get("preview"):
            gaps = [o - e for o, e in zip(r.times["ours"]["preview"], r.times["engine"]["preview"])]
            checks.append((f"N=1: preview wall ≤ engine floor + {SMALL_GAP_TARGET} s", med(gaps) <= SMALL_GAP_TARGET,
                           f"ours − floor {med(gaps):+.3f} s (median of {len(gaps)})"))
        if r.n >= 100:
            for what, per_side in (("wall", r.times), ("CPU", r.cpu)):
                values = side_ratios(per_side, "preview")
                if values:
                    checks.append((f"N={r.n}: preview {what} ≤ {SIDE_TARGET:g}× engine floor",
                                   med(values) <= SIDE_TARGET, f"ours/floor {fmt_ratio(values)}"))
        if r.n >= LARGE_N:
            for op in ("create", "update", "refresh", "destroy"):
                values = side_ratios(r.times, op)
                if values:
                    checks.append((f"N={r.n}: {op} wall ≤ {SIDE_TARGET:g}× engine floor",
                                   med(values) <= SIDE_TARGET, f"ours/floor {fmt_ratio(values)}"))
    # The program's CPU per resource must grow with N no faster than the floor's: its ratio to the floor's
    # at the largest N no more than at N=100 (with the same 10% allowance for noise).
    largest = max(results, key=lambda r: r.n)
    if 100 in by_n and largest.n > 100:
        for op in ("create", "update"):
            at_100, at_largest = side_ratios(by_n[100].program_cpu, op), side_ratios(largest.program_cpu, op)
            if at_100 and at_largest:
                checks.append((f"program CPU on {op}: ours/floor at N={largest.n} ≤ {SIDE_TARGET:g}× ours/floor at N=100",
                               med(at_largest) <= SIDE_TARGET * med(at_100),
                               f"{med(at_largest):.2f} at N={largest.n}, {med(at_100):.2f} at N=100"))
    return checks


def plugin_checks(results: list[SizeResult]) -> list[tuple[str, bool, str]]:
    """The plugin's target: at N ≥ 100 the plugin's wall time within 10% of the dynamic resources', per operation."""
    checks: list[tuple[str, bool, str]] = []
    for r in results:
        if r.n < 100:
            continue
        for op in OPS:
            values = side_ratios(r.times, op, "plugin", "ours")
            if values:
                checks.append((f"N={r.n}: plugin {op} wall ≤ {SIDE_TARGET:g}× dynamic resources",
                               med(values) <= SIDE_TARGET, f"plugin/dynamic {fmt_ratio(values)}"))
    return checks


def plot(results: list[SizeResult], path: Path) -> None:
    """One log-log panel per operation, wall seconds against N, the legend in the spare panel; then ours
    against the engine floor as ratios per N (wall, CPU), and state and plugin memory against N."""
    import matplotlib  # the `bench` extra, which `make bench` installs; the harness runs without it

    matplotlib.use("Agg")  # files only, no display
    from matplotlib import pyplot
    figure = pyplot.figure(figsize=(12.6, 10.2), layout="constrained")
    grid = figure.add_gridspec(3, 3)
    sizes = [r.n for r in results]
    first = None
    for index, op in enumerate(OPS):
        axis = figure.add_subplot(grid[index // 3, index % 3], sharey=first)
        first = first or axis

        def seconds(side: str) -> list[float]:
            return [med(r.times[side][op]) if r.times.get(side, {}).get(op) else float("nan") for r in results]

        axis.loglog(sizes, seconds("ours"), "o-", color="tab:red", label="ours (pulumi-livekit)")
        axis.loglog(sizes, seconds("engine"), "s-", color="tab:blue", label="engine floor (no-op dynamic resources)")
        axis.loglog(sizes, seconds("api"), "D-", color="tab:green", label="API floor (livekit-api SDK, sequential)")
        axis.loglog(sizes, [e + (a if a == a else 0.0) for e, a in zip(seconds("engine"), seconds("api"))],
                    "--", color="tab:gray", label="engine floor + API floor (no overhead of ours)")
        axis.loglog(sizes, seconds("alone"), ":", color="tab:orange", label="our provider alone (in-process, sequential)")
        axis.loglog(sizes, seconds("plugin"), "^-", color="tab:purple", label="the plugin (Pulumi YAML program)")
        axis.loglog(sizes, seconds("plugin_floor"), "v--", color="tab:cyan",
                    label="YAML floor (no-op resources of a no-op plugin)")
        axis.set_title(OP_TITLES[op], fontsize=10)
        axis.set_xlabel("N resources")
        axis.grid(True, which="both", alpha=0.3)
    first.set_ylabel("wall seconds")
    legend_slot = figure.add_subplot(grid[1, 2])
    legend_slot.axis("off")
    legend_slot.legend(*first.get_legend_handles_labels(), loc="center", fontsize=8)

    for column, (what, key) in enumerate((("wall", "times"), ("CPU", "cpu"))):
        axis = figure.add_subplot(grid[2, column])
        for op in OPS:
            axis.semilogx(sizes, [med(side_ratios(getattr(r, key), op)) for r in results], "o-", label=OP_TITLES[op])
        axis.axhline(SIDE_TARGET, color="black", linestyle=":", linewidth=1, label=f"target {SIDE_TARGET:g}")
        axis.axhline(1.0, color="tab:gray", linewidth=0.8)
        axis.set_title(f"ours / engine floor, {what}", fontsize=10)
        axis.set_xlabel("N resources")
        axis.grid(True, which="both", alpha=0.3)
        axis.legend(fontsize=7)
    axis = figure.add_subplot(grid[2, 2])
    for side, colour, marker in (("ours", "tab:red", "o"), ("engine", "tab:blue", "s")):
        axis.loglog(sizes, [r.state.get(side, {}).get("checkpoint_bytes", float("nan")) / 1024 for r in results],
                    f"{marker}-", color=colour, label=f"checkpoint KiB ({side})")
        axis.loglog(sizes, [max((rss_mib(r, "plugin", side, op) for op in ops_of(r)), default=float("nan"))
                            for r in results], f"{marker}--", color=colour, label=f"plugin peak RSS MiB ({side})")
    axis.set_title("state and plugin memory", fontsize=10)
    axis.set_xlabel("N resources")
    axis.grid(True, which="both", alpha=0.3)
    axis.legend(fontsize=7)
    figure.suptitle("pulumi-livekit against N dispatch rules: wall seconds (log-log), ratios to the engine floor, "
                    "state and memory")
    figure.savefig(path, dpi=100)
    pyplot.close(figure)


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], prog="benchmarks/run.py")
    parser.add_argument("--sizes", default=f"1,10,100,{LARGE_N}",
                        help=f"comma-separated resource counts (default 1,10,100,{LARGE_N})")
    parser.add_argument("--repeat", type=int, default=3, help="timed cycles per size after the warm-up (default 3)")
    parser.add_argument("--large-repeat", type=int, default=1,
                        help=f"timed cycles at sizes of {LARGE_N} and more, which have no warm-up (default 1)")
    parser.add_argument("--ops", default=",".join(OPS),
                        help="operations to run, in this order: " + ",".join(OPS) + " (create and destroy always run)")
    parser.add_argument("--sides", default=",".join(GROUPS),
                        help="which Pulumi sides to run, of " + ",".join(GROUPS) + " (default both): `dynamic` is "
                             "the Python program on the dynamic resources with its engine floor and our provider "
                             "alone, `plugin` the YAML program on pulumi-resource-livekit with its no-op plugin floor")
    parser.add_argument("--parallel", type=int, default=None, help="pass --parallel P to every pulumi command")
    parser.add_argument("--no-policy-pack", dest="policy_pack", action="store_false",
                        help="leave out the side that previews ours' stack with the policy pack "
                             "(benchmarks/policy_pack.py)")
    parser.add_argument("--no-results-md", action="store_true", help="do not overwrite benchmarks/RESULTS.md")
    parser.add_argument("--keep", action="store_true", help="keep the temporary stacks and server logs")
    parser.add_argument("--render", type=Path, metavar="JSON",
                        help="run nothing: report the figures of an earlier run's bench-<stamp>[.partial].json "
                             "(a long run stopped after some sizes leaves a .partial.json)")
    args = parser.parse_args(argv)
    if args.render:
        raw = json.loads(args.render.read_text())
        report(raw, [SizeResult(**r) for r in raw["results"]], argparse.Namespace(**raw["args"]),
               args.render.name.split(".")[0].removeprefix("bench-"), args.no_results_md)
        return 0
    sizes = sorted({int(s) for s in args.sizes.split(",") if s.strip()})
    if not sizes or min(sizes) < 1 or args.repeat < 1 or args.large_repeat < 1:
        parser.error("sizes must be positive integers and --repeat, --large-repeat at least 1")
    wanted = {op.strip() for op in args.ops.split(",") if op.strip()}
    if wanted - set(OPS):
        parser.error(f"unknown operations: {', '.join(sorted(wanted - set(OPS)))}; choose from {', '.join(OPS)}")
    ops = tuple(op for op in OPS if op in wanted | {"create", "destroy"})
    groups = tuple(group for group in GROUPS if group in {g.strip() for g in args.sides.split(",")})
    if not groups or set(args.sides.split(",")) - set(GROUPS):
        parser.error(f"--sides: choose from {', '.join(GROUPS)}")

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    info = machine_info()
    info["started"] = dt.datetime.now().isoformat(timespec="seconds")
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    workdir = Path(tempfile.mkdtemp(prefix="pulumi-livekit-bench-"))
    started = time.perf_counter()
    pack = policy_pack.pack_path() if args.policy_pack else None
    results: list[SizeResult] = []
    livekit = LocalLiveKit(workdir / "livekit")
    proxy: Optional[FaultProxy] = None
    try:
        log(f"starting livekit-server + Redis (workdir {workdir})")
        livekit.start()
        proxy = FaultProxy(livekit.credentials.url)
        for n in sizes:
            large = n >= LARGE_N
            repeat = args.large_repeat if large else args.repeat
            log(f"N={n}: {'no warm-up' if large else 'warm-up/counting cycle'}, then {repeat} timed cycle(s)")
            livekit.flush()
            results.append(bench_size(n, repeat, not large, ops, livekit, proxy, workdir, args.parallel, log, groups,
                                      pack))
            # The figures so far, in case a long run is stopped before the end.
            RESULTS.mkdir(exist_ok=True)
            (RESULTS / f"bench-{stamp}.partial.json").write_text(json.dumps(
                {"machine": {**info, "load_average_end": os.getloadavg()}, "args": vars(args),
                 "elapsed_seconds": time.perf_counter() - started, "results": [r.__dict__ for r in results]},
                indent=2) + "\n")
    finally:
        if proxy is not None:
            proxy.close()
        livekit.stop()
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    elapsed = time.perf_counter() - started
    info["load_average_end"] = os.getloadavg()

    RESULTS.mkdir(exist_ok=True)
    raw = {"machine": info, "args": vars(args), "elapsed_seconds": elapsed, "results": [r.__dict__ for r in results]}
    raw_path = RESULTS / f"bench-{stamp}.json"
    raw_path.write_text(json.dumps(raw, indent=2) + "\n")  # first: the figures survive whatever follows
    (RESULTS / f"bench-{stamp}.partial.json").unlink(missing_ok=True)
    report(raw, results, args, stamp, args.no_results_md)
    return 0


def report(raw: dict[str, Any], results: list[SizeResult], args: argparse.Namespace, stamp: str,
           no_results_md: bool) -> None:
    """The plot, the tables and the targets of a run's figures (`raw`, as its JSON file holds them)."""
    info, elapsed = raw["machine"], raw["elapsed_seconds"]
    raw_path = RESULTS / f"bench-{stamp}.json"
    plot_name = f"bench-{stamp}.png"
    plot(results, RESULTS / plot_name)
    shutil.copyfile(RESULTS / plot_name, RESULTS / "latest.png")
    table, checks = render(results, info, args, elapsed, plot_name)
    print(table)
    (RESULTS / f"bench-{stamp}.md").write_text(table + "\n")
    raw["checks"] = [{"target": name, "ok": ok, "detail": detail} for name, ok, detail in checks]
    raw_path.write_text(json.dumps(raw, indent=2) + "\n")
    if not no_results_md:
        (HERE / "RESULTS.md").write_text(
            "# Benchmark results\n\nThe latest `make bench` (benchmarks/run.py); regenerate with `make bench`. "
            "How to read it: benchmarks/README.md.\n\n![time against N](RESULTS.png)\n\n" + table + "\n")
        shutil.copyfile(RESULTS / plot_name, HERE / "RESULTS.png")
    print(f"results: {RESULTS / f'bench-{stamp}.md'}, {RESULTS / plot_name}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
