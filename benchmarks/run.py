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
  in this process, one resource after the other, no engine.

The first cycle of each N is a warm-up that also counts: our stack points at a
`FaultProxy` in front of the server, which counts requests per Twirp method; it also
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
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from livekit import api as lkapi  # noqa: E402

import matplotlib  # noqa: E402

matplotlib.use("Agg")  # files only, no display
from matplotlib import pyplot  # noqa: E402
from pulumi_livekit._client import SIPClient  # noqa: E402
from pulumi_livekit._config import Endpoint  # noqa: E402
from pulumi_livekit._dispatch_rule import DispatchRule  # noqa: E402
from pulumi_livekit.testing import FaultProxy, LocalLiveKit, PulumiStack, tool_path  # noqa: E402

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
PROVIDER_BYTES_TARGET = 2048


# ---- the three ways of doing the same work -----------------------------------------------


class PulumiSide:
    """One stack of one benchmark program; `op()` runs a Pulumi command and returns its wall time."""

    def __init__(self, label: str, program: str, count: int, workdir: Path, parallel: Optional[int]) -> None:
        self.label = label
        self.count = count
        # The program's own modules (the engine floor's provider) must be importable by the
        # provider plugin too, whose working directory and sys.path are not the program's.
        self.stack = PulumiStack(PROGRAMS / program, "bench", workdir=workdir,
                                 env={"PYTHONPATH": str(workdir / "program")})
        self.timing_file = workdir / "declare.jsonl"
        self.stack.set_config("count", str(count))
        self.stack.set_config("timingFile", str(self.timing_file))
        self.extra = ["--parallel", str(parallel)] if parallel else []
        self.name = None

    def set_name(self, name: str) -> None:
        if name != self.name:
            self.stack.set_config("name", name)
            self.name = name

    def op(self, op: str) -> tuple[float, float]:
        """Wall seconds of the command, and CPU seconds of it and every process it started
        (engine, language host, program, provider plugin), all of which it waits for."""
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
        runs[op]()
        return time.perf_counter() - start, _children_cpu() - cpu_before

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
        self.provider_value = "x" * 96  # the serialized provider: opaque to our code
        fields = [f.name for f in self.provider.message_type.DESCRIPTOR.fields
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
            self.outputs = []
            for i in range(self.count):
                checked = p.check({}, self._news(i, "a")).inputs
                self.outputs.append(p.create(checked).outs)
        elif op in ("preview", "update"):
            name = "a" if op == "preview" else "b"
            for i, olds in enumerate(self.outputs):
                checked = p.check(olds, self._news(i, name)).inputs
                changed = p.diff(olds[p.id_field], olds, checked).changes
                if op == "update":
                    assert changed
                    self.outputs[i] = p.update(olds[p.id_field], olds, checked).outs
                else:
                    assert not changed
        elif op == "refresh":
            for i, olds in enumerate(self.outputs):
                self.outputs[i] = p.read(olds[p.id_field], olds).outs
        elif op == "destroy":
            for olds in self.outputs:
                p.delete(olds[p.id_field], olds)
            self.outputs = []
        return time.perf_counter() - start, time.process_time() - cpu


# ---- measurements -------------------------------------------------------------------------


@dataclass
class SizeResult:
    n: int
    times: dict[str, dict[str, list[float]]] = field(default_factory=dict)  # side -> op -> seconds per repeat
    cpu: dict[str, dict[str, list[float]]] = field(default_factory=dict)  # side -> op -> CPU seconds per repeat
    warmup: dict[str, dict[str, float]] = field(default_factory=dict)
    requests: dict[str, dict[str, int]] = field(default_factory=dict)  # op -> method -> count
    declare: dict[str, list[float]] = field(default_factory=dict)  # side -> seconds per program run
    program_cpu: dict[str, dict[str, list[float]]] = field(default_factory=dict)  # side -> op -> CPU seconds
    state: dict[str, Any] = field(default_factory=dict)


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
        "bytes_per_resource": statistics.mean(with_provider),
        "bytes_per_resource_without_provider": statistics.mean(without_provider),
        "distinct_providers": len(providers),
        "provider_bytes": max((len(v) if isinstance(v, str) else len(json.dumps(v)) for v in provider_values),
                              default=0),
        "provider_is_secret": any(isinstance(v, dict) for v in provider_values),
    }


def rules_on_server(client: SIPClient, prefix: str) -> list:
    return [r for r in client.list_dispatch_rules() if any(t.startswith(prefix) for t in r.trunk_ids)]


def bench_size(n: int, repeat: int, livekit: LocalLiveKit, proxy: FaultProxy, workdir: Path,
               parallel: Optional[int], log: Callable[[str], None]) -> SizeResult:
    creds = livekit.credentials
    result = SizeResult(n)
    ours = PulumiSide("ours", "rules", n, workdir / f"ours-{n}", parallel)
    engine = PulumiSide("engine", "noop", n, workdir / f"engine-{n}", parallel)
    ours.stack.set_config("livekit:apiKey", creds.api_key)
    ours.stack.set_config("livekit:apiSecret", creds.api_secret, secret=True)
    api = ApiFloor(creds.url, creds.api_key, creds.api_secret, n)
    alone = ProviderAlone(creds.url, creds.api_key, creds.api_secret, n)
    checker = SIPClient(Endpoint(creds.url, creds.api_key, creds.api_secret))
    sides: dict[str, Any] = {"ours": ours, "engine": engine, "api": api, "alone": alone}
    try:
        for cycle in range(repeat + 1):
            warm = cycle == 0  # the warm-up counts requests through the proxy
            ours.stack.set_config("livekit:url", proxy.url if warm else creds.url)
            for side in (ours, engine):
                side.set_name("a")
            order = list(sides)
            shift = cycle % len(order)
            order = order[shift:] + order[:shift]  # a different side goes first each cycle
            for op in OPS:
                if op == "update":
                    for side in (ours, engine):
                        side.set_name("b")
                for label in order:
                    proxy.clear()
                    measured = sides[label].op(op)
                    if measured is None:
                        continue
                    seconds, cpu = measured
                    if warm:
                        result.warmup.setdefault(label, {})[op] = seconds
                        if label == "ours":
                            result.requests[op] = dict(proxy.counts)
                    else:
                        result.times.setdefault(label, {}).setdefault(op, []).append(seconds)
                        result.cpu.setdefault(label, {}).setdefault(op, []).append(cpu)
                for side in (ours, engine):
                    figures = side.program_figures()
                    result.declare.setdefault(side.label, []).extend(figures.get("declare_seconds", []))
                    if not warm:
                        result.program_cpu.setdefault(side.label, {}).setdefault(op, []).extend(
                            figures.get("program_cpu_seconds", []))
                _verify(op, n, checker)
                if warm and op == "create":
                    result.state["ours"] = state_figures(ours.stack.export(), RULE_TYPE)
                    result.state["engine"] = state_figures(engine.stack.export(), "dynamic:Resource")
            log(f"  N={n} {'warm-up/count' if warm else f'repeat {cycle}/{repeat}'} done: "
                + ", ".join(f"{op} {result.warmup['ours'][op] if warm else result.times['ours'][op][-1]:.1f}s"
                            for op in OPS))
    finally:
        checker.close()
        for side in (ours, engine):
            side.stack.destroy(check=False)
            side.stack.remove()
    return result


def _verify(op: str, n: int, client: SIPClient) -> None:
    """The benchmark measures nothing if the operations did not happen: check the server."""
    ours, api, alone = (rules_on_server(client, p) for p in ("ST_bench_", "ST_benchapi_", "ST_benchalone_"))
    expected = 0 if op == "destroy" else n
    for label, rules in (("ours", ours), ("api floor", api), ("provider alone", alone)):
        if len(rules) != expected:
            raise RuntimeError(f"after {op}: {len(rules)} {label} rules on the server, expected {expected}")
    if op == "update":
        for label, rules in (("ours", ours), ("api floor", api), ("provider alone", alone)):
            stale = [r.name for r in rules if not r.name.startswith("b-")]
            if stale:
                raise RuntimeError(f"after update: {label} rules not renamed: {stale[:3]}")


# ---- reporting ----------------------------------------------------------------------------


def med(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def ratios(r: SizeResult, op: str) -> list[float]:
    t = r.times
    if API_OP[op] is None:
        return []
    return [(o - e) / a for o, e, a in zip(t["ours"][op], t["engine"][op], t["api"][op]) if a > 0]


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


def fmt_s(seconds: float) -> str:
    return "—" if seconds != seconds else (f"{seconds:.3f}" if seconds < 10 else f"{seconds:.2f}")


def fmt_requests(r: SizeResult, op: str) -> str:
    counts = r.requests.get(op, {})
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
        f"per size after one warm-up/counting cycle, engine --parallel "
        f"{args.parallel or 'default (8)'}; whole run {elapsed / 60:.1f} min; load average "
        f"{' '.join(f'{x:.2f}' for x in info['load_average_start'])} at start, "
        f"{' '.join(f'{x:.2f}' for x in info['load_average_end'])} at end (the machine is shared).")
    add("")
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
        for op in OPS:
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

    checks: list[tuple[str, bool, str]] = []
    for r in results:
        preview = sum(r.requests.get("preview", {}).values())
        checks.append((f"N={r.n}: preview with no changes makes 0 API requests", preview == 0, f"{preview}"))
        # A create first lists the identical rules already there; a refresh lists all rules once.
        expected = {"create": 2 * r.n, "update": r.n, "refresh": 1, "destroy": r.n}
        for op, wanted in expected.items():
            counts = r.requests.get(op, {})
            total = sum(counts.values())
            checks.append((f"N={r.n}: {op} makes {wanted} requests", total == wanted,
                           f"{total} for {r.n} ({', '.join(f'{m} {c}' for m, c in counts.items()) or 'none'})"))
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
    add("Targets:")
    add("")
    for name, ok, detail in checks:
        add(f"- {'PASS' if ok else 'FAIL'} — {name}: {detail}")
    add("")
    add(f"Plot: benchmarks/results/{plot_name} (time against N, log-log; red ours, blue engine floor, "
        "green API floor, dashed grey engine floor + API floor, dotted orange our provider alone).")
    return "\n".join(lines), checks


def plot(results: list[SizeResult], path: Path) -> None:
    """One log-log panel per operation, wall seconds against N; the legend in the spare panel."""
    columns = 3
    rows = -(-(len(OPS) + 1) // columns)
    figure, axes = pyplot.subplots(rows, columns, figsize=(4.2 * columns, 3.4 * rows), sharey=True,
                                   layout="constrained")
    sizes = [r.n for r in results]
    for axis, op in zip(axes.flat, OPS):
        def seconds(side: str) -> list[float]:
            return [med(r.times[side][op]) if r.times[side].get(op) else float("nan") for r in results]

        axis.loglog(sizes, seconds("ours"), "o-", color="tab:red", label="ours (pulumi-livekit)")
        axis.loglog(sizes, seconds("engine"), "s-", color="tab:blue", label="engine floor (no-op dynamic resources)")
        axis.loglog(sizes, seconds("api"), "D-", color="tab:green", label="API floor (livekit-api SDK, sequential)")
        axis.loglog(sizes, [med(r.times["engine"][op]) + med(r.times["api"].get(op, [0.0])) for r in results],
                    "--", color="tab:gray", label="engine floor + API floor (no overhead of ours)")
        axis.loglog(sizes, seconds("alone"), ":", color="tab:orange", label="our provider alone (in-process, sequential)")
        axis.set_title(OP_TITLES[op], fontsize=10)
        axis.set_xlabel("N resources")
        axis.grid(True, which="both", alpha=0.3)
    legend_slot = axes.flat[len(OPS)]
    legend_slot.axis("off")
    legend_slot.legend(*axes.flat[0].get_legend_handles_labels(), loc="center", fontsize=8)
    for unused in list(axes.flat)[len(OPS) + 1:]:
        unused.axis("off")
    axes.flat[0].set_ylabel("wall seconds")
    figure.suptitle("pulumi-livekit: wall seconds against N dispatch rules (log-log)")
    figure.savefig(path, dpi=100)
    pyplot.close(figure)


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], prog="benchmarks/run.py")
    parser.add_argument("--sizes", default="1,10,100", help="comma-separated resource counts (default 1,10,100)")
    parser.add_argument("--repeat", type=int, default=3, help="timed cycles per size after the warm-up (default 3)")
    parser.add_argument("--parallel", type=int, default=None, help="pass --parallel P to every pulumi command")
    parser.add_argument("--no-results-md", action="store_true", help="do not overwrite benchmarks/RESULTS.md")
    parser.add_argument("--keep", action="store_true", help="keep the temporary stacks and server logs")
    args = parser.parse_args(argv)
    sizes = sorted({int(s) for s in args.sizes.split(",") if s.strip()})
    if not sizes or min(sizes) < 1 or args.repeat < 1:
        parser.error("sizes must be positive integers and --repeat at least 1")

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    info = machine_info()
    info["started"] = dt.datetime.now().isoformat(timespec="seconds")
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    workdir = Path(tempfile.mkdtemp(prefix="pulumi-livekit-bench-"))
    started = time.perf_counter()
    results: list[SizeResult] = []
    livekit = LocalLiveKit(workdir / "livekit")
    proxy: Optional[FaultProxy] = None
    try:
        log(f"starting livekit-server + Redis (workdir {workdir})")
        livekit.start()
        proxy = FaultProxy(livekit.credentials.url)
        for n in sizes:
            log(f"N={n}: warm-up/counting cycle, then {args.repeat} timed cycle(s)")
            livekit.flush()
            results.append(bench_size(n, args.repeat, livekit, proxy, workdir, args.parallel, log))
    finally:
        if proxy is not None:
            proxy.close()
        livekit.stop()
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    elapsed = time.perf_counter() - started
    info["load_average_end"] = os.getloadavg()

    RESULTS.mkdir(exist_ok=True)
    plot_name = f"bench-{stamp}.png"
    plot(results, RESULTS / plot_name)
    shutil.copyfile(RESULTS / plot_name, RESULTS / "latest.png")
    table, checks = render(results, info, args, elapsed, plot_name)
    print(table)
    (RESULTS / f"bench-{stamp}.md").write_text(table + "\n")
    (RESULTS / f"bench-{stamp}.json").write_text(json.dumps(
        {"machine": info, "args": vars(args), "elapsed_seconds": elapsed,
         "results": [r.__dict__ for r in results],
         "checks": [{"target": name, "ok": ok, "detail": detail} for name, ok, detail in checks]}, indent=2) + "\n")
    if not args.no_results_md:
        (HERE / "RESULTS.md").write_text(
            "# Benchmark results\n\nThe latest `make bench` (benchmarks/run.py); regenerate with `make bench`. "
            "How to read it: benchmarks/README.md.\n\n![time against N](RESULTS.png)\n\n" + table + "\n")
        shutil.copyfile(RESULTS / plot_name, HERE / "RESULTS.png")
    log(f"results: {RESULTS / f'bench-{stamp}.md'}, {RESULTS / plot_name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
