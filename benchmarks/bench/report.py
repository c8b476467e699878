"""The report's text: the machine and the run, the tables of each entrance, and the targets."""

from __future__ import annotations

import argparse
from typing import Any, Callable

from bench import policy_pack, targets
from bench.figures import fmt_n, fmt_ratio, fmt_requests, fmt_s, med, ops_of, ratios, rss_mib, side_ratios
from bench.measure import SizeResult
from bench.operations import LARGE_N, OP_TITLES
from bench.sampling import PeakMemory
from bench.sides import SIDE_TITLES


def render(results: list[SizeResult], info: dict[str, Any], args: argparse.Namespace,
           elapsed: float, plot_name: str) -> tuple[str, list[targets.Check]]:
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
    counted = [r for r in results if r.warmup_cycle and any("update" in per_op for per_op in r.requests.values())]
    if counted:
        add("Requests per update (every rule renamed; per rule, counted in the warm-up): " + "; ".join(
            f"N={r.n} " + ", ".join(f"{SIDE_TITLES[side]} {fmt_requests(r, 'update', side)}"
                                    for side, per_op in r.requests.items() if "update" in per_op)
            for r in counted) + ".")
        add("")

    checks = targets.checks(results)
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
