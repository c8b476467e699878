"""The command line (benchmarks/run.py): the arguments, the run over every size, and the files it writes."""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Iterator, Optional

from pulumi_livekit.testing import FaultProxy, LocalLiveKit, tool_path

import bench
from bench import policy_pack, servicers
from bench.measure import SizeResult, bench_size
from bench.operations import BENCHMARKS, LARGE_N, OPS, RESULTS
from bench.plot import plot
from bench.profile import profile_size, summarize
from bench.report import render
from bench.sides import GROUPS, livekit_sides


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=bench.__doc__.split("\n\n")[0], prog="benchmarks/run.py")
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
                             "(benchmarks/bench/policy_pack.py)")
    parser.add_argument("--no-results-md", action="store_true", help="do not overwrite benchmarks/RESULTS.md")
    parser.add_argument("--keep", action="store_true", help="keep the temporary stacks and server logs")
    parser.add_argument("--profile", type=Path, metavar="DIR",
                        help="measure nothing: run each operation of each Pulumi side once per size under py-spy "
                             "(on PATH) and write the raw profiles and their summary.md into DIR")
    parser.add_argument("--servicers", action="store_true",
                        help="measure nothing else: call each YAML side's provider plugin servicer in this process "
                             "(no engine, no gRPC) for the N rules of each size, --repeat rounds, and print what each "
                             "operation costs the plugin per rule (bench/servicers.py)")
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

    if args.servicers:  # ours' calls reach one livekit-server; the floor's reach nothing
        with tempfile.TemporaryDirectory(prefix="pulumi-livekit-servicers-") as workdir, \
                LocalLiveKit(Path(workdir) / "livekit") as server:
            print(servicers.run_sizes(sizes, args.repeat, server.credentials))
        return 0
    if args.profile:
        with _test_bed(groups, args.keep, log) as (servers, workdir):
            for n in sizes:
                log(f"N={n}: each operation of each Pulumi side once, under py-spy")
                for server in servers.values():
                    server.flush()
                profile_size(n, groups, ops, servers, workdir / f"profile-{n}", args.profile, log)
        summary = summarize(args.profile)
        (args.profile / "summary.md").write_text(summary)
        print(summary)
        return 0
    info = machine_info()
    info["started"] = dt.datetime.now().isoformat(timespec="seconds")
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    started = time.perf_counter()
    pack = policy_pack.pack_path() if args.policy_pack else None
    results: list[SizeResult] = []
    with _test_bed(groups, args.keep, log) as (servers, workdir), contextlib.ExitStack() as proxies_open:
        proxies = {label: proxies_open.enter_context(FaultProxy(servers[label].credentials.url))
                   for label in ("ours", "plugin") if label in servers}
        for n in sizes:
            large = n >= LARGE_N
            repeat = args.large_repeat if large else args.repeat
            log(f"N={n}: {'no warm-up' if large else 'warm-up/counting cycle'}, then {repeat} timed cycle(s)")
            for server in servers.values():
                server.flush()
            results.append(bench_size(n, repeat, not large, ops, servers, proxies, workdir, args.parallel, log,
                                      groups, pack))
            # The figures so far, in case a long run is stopped before the end.
            RESULTS.mkdir(exist_ok=True)
            (RESULTS / f"bench-{stamp}.partial.json").write_text(json.dumps(
                {"machine": {**info, "load_average_end": os.getloadavg()}, "args": vars(args),
                 "elapsed_seconds": time.perf_counter() - started, "results": [r.__dict__ for r in results]},
                indent=2) + "\n")
    elapsed = time.perf_counter() - started
    info["load_average_end"] = os.getloadavg()

    RESULTS.mkdir(exist_ok=True)
    raw = {"machine": info, "args": vars(args), "elapsed_seconds": elapsed, "results": [r.__dict__ for r in results]}
    raw_path = RESULTS / f"bench-{stamp}.json"
    raw_path.write_text(json.dumps(raw, indent=2) + "\n")  # first: the figures survive whatever follows
    (RESULTS / f"bench-{stamp}.partial.json").unlink(missing_ok=True)
    report(raw, results, args, stamp, args.no_results_md)
    return 0


@contextlib.contextmanager
def _test_bed(groups: tuple[str, ...], keep: bool, log: Callable[[str], None]
              ) -> Iterator[tuple[dict[str, LocalLiveKit], Path]]:
    """A livekit-server + Redis for each side of `groups` that talks to LiveKit (`livekit_sides`), and a work folder
    for the stacks, all removed at the end (the folder unless `keep`)."""
    workdir = Path(tempfile.mkdtemp(prefix="pulumi-livekit-bench-"))
    with contextlib.ExitStack() as cleanup:
        if not keep:
            cleanup.callback(shutil.rmtree, workdir, ignore_errors=True)  # last: after every server stopped
        log(f"starting a livekit-server + Redis for each of {', '.join(livekit_sides(groups))} (workdir {workdir})")
        servers: dict[str, LocalLiveKit] = {}
        for label in livekit_sides(groups):
            server = servers[label] = LocalLiveKit(workdir / f"livekit-{label}")
            cleanup.callback(server.stop)  # before starting: a server that fails to start may have started Redis
            server.start()
        yield servers, workdir


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
        (BENCHMARKS / "RESULTS.md").write_text(
            "# Benchmark results\n\nThe latest `make bench` (benchmarks/run.py); regenerate with `make bench`. "
            "How to read it: benchmarks/README.md.\n\n![time against N](RESULTS.png)\n\n" + table + "\n")
        shutil.copyfile(RESULTS / plot_name, BENCHMARKS / "RESULTS.png")
    print(f"results: {RESULTS / f'bench-{stamp}.md'}, {RESULTS / plot_name}", file=sys.stderr)


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
