"""The sides run through `pulumi`: one stack per benchmark program (ours, the engine floor, the plugin's YAML
program and its floor), and `make_sides`, which sets up every side of one size."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping, Optional

import yaml

from pulumi_livekit.plugin import VERSION
from pulumi_livekit.testing import LocalLiveKit, PulumiStack

from bench import policy_pack
from bench.in_process import ApiFloor, ProviderAlone
from bench.operations import PROGRAMS, USER_VENV
from bench.sampling import PeakMemory, children_cpu
from programs.noop_plugin.noop_plugin import VERSION as NOOP_VERSION

RULE_TYPE = "DispatchRule"


@dataclass(frozen=True)
class Plugin:
    """A provider plugin a YAML side's program runs on, installed into its stack's plugin directory."""

    package: str
    version: str
    resource_type: str  # the token of the resource its program declares N of

    def install(self, stack: PulumiStack, executable: Path) -> None:
        """As `livekit-plugin install` does (docs/plugin.md), with the plugin's command alone: a plugin of a version,
        whose schema Pulumi then reads once and keeps beside it, as for a user's installed plugin."""
        stack.run("plugin", "install", "resource", self.package, self.version, "--file", str(executable))


# The YAML programs' resources: LiveKit's through `pulumi-resource-livekit` (from the user's virtualenv), or the YAML
# engine floor's no-op ones through `programs/noop_plugin` (on the same virtualenv's Python).
LIVEKIT_PLUGIN = Plugin("livekit", VERSION, "livekit:index:DispatchRule")
NOOP_PLUGIN = Plugin("benchnoop", NOOP_VERSION, "benchnoop:index:Noop")
YAML_TRUNK_PREFIX = "ST_benchyaml_"
# Which sides a run has (`--sides`): the dynamic resources with their engine floor and our provider alone, the
# YAML program on the plugin with its own engine floor; the API floor always.
GROUPS = ("dynamic", "plugin")
TRUNK_PREFIXES = {"ours": "ST_bench_", "plugin": YAML_TRUNK_PREFIX, "api": "ST_benchapi_", "alone": "ST_benchalone_"}
SIDE_TITLES = {"ours": "ours", "plugin": "plugin (YAML)", "api": "api floor", "alone": "provider alone",
               policy_pack.LABEL: policy_pack.TITLE}


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
        cpu_before = children_cpu()
        start = time.perf_counter()
        with PeakMemory() as memory:
            runs[op]()
        elapsed = time.perf_counter() - start
        self.peaks, self.role_cpu, self.threads = memory.peaks, memory.cpu(), memory.threads
        return elapsed, children_cpu() - cpu_before

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


def rule_properties(i: int, name: str) -> dict[str, Any]:
    """The properties of the YAML programs' rule `i`, named `name`."""
    return {
        "name": name,
        "trunkIds": [f"{YAML_TRUNK_PREFIX}{i}"],
        "rule": {"dispatchRuleIndividual": {"roomPrefix": f"bench-yaml-{i}-"}},
    }


def yaml_program(folder: Path, count: int, plugin: Plugin) -> Path:
    """A Pulumi YAML program declaring `count` rules as programs/rules does (Pulumi YAML has no loop): the
    `name` config renames all of them. Written into `folder`, which is returned."""
    resources = {f"rule-{i}": {"type": plugin.resource_type, "properties": rule_properties(i, f"${{name}}-{i}")}
                 for i in range(count)}
    project = {
        "name": f"bench-yaml-{plugin.package}",
        "runtime": "yaml",
        "config": {"name": {"type": "string", "default": "bench"}},
        "resources": resources,
    }
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "Pulumi.yaml").write_text(yaml.safe_dump(project, sort_keys=False))
    return folder


def noop_plugin_command(folder: Path) -> Path:
    """`pulumi-resource-benchnoop` in `folder`: it runs programs/noop_plugin on the user's virtualenv."""
    folder.mkdir(parents=True, exist_ok=True)
    launcher = folder / "pulumi-resource-benchnoop"
    python, program = USER_VENV / "bin" / "python", PROGRAMS / "noop_plugin" / "noop_plugin.py"
    launcher.write_text(f'#!/bin/sh\nexec "{python}" "{program}" "$@"\n')
    launcher.chmod(0o755)
    return launcher


def livekit_sides(groups: tuple[str, ...]) -> tuple[str, ...]:
    """The sides of a run that store rules in LiveKit, each on a server of its own: LiveKit checks every new or
    changed rule against all it holds (a create took 2.3 ms on an empty server and 16 ms beside 3,000 other
    rules), so on a shared server each side would pay for the rules of the sides before it."""
    return (*(("ours", "alone") if "dynamic" in groups else ()), *(("plugin",) if "plugin" in groups else ()), "api")


def server_side(label: str) -> str:
    """The side whose LiveKit server, and counting proxy, the side `label` talks to: the policy pack's side
    previews ours' stack."""
    return "ours" if label == policy_pack.LABEL else label


def make_sides(n: int, groups: tuple[str, ...], servers: Mapping[str, LocalLiveKit], workdir: Path,
               parallel: Optional[int], pack: Optional[str] = None) -> dict[str, Any]:
    """Every side of size `n`; those that talk to LiveKit to the server `servers` has for them (`livekit_sides`).
    `pack`: the policy pack (`livekit-policy path`) the pack's side previews ours' stack with, if any."""
    sides: dict[str, Any] = {}
    if "dynamic" in groups:
        sides["ours"] = PulumiSide("ours", PROGRAMS / "rules", n, workdir / f"ours-{n}", parallel, RULE_TYPE)
        sides["engine"] = PulumiSide("engine", PROGRAMS / "noop", n, workdir / f"engine-{n}", parallel,
                                     "dynamic:Resource")
    if "plugin" in groups:
        for label, plugin, executable in (
                ("plugin", LIVEKIT_PLUGIN, USER_VENV / "bin" / "pulumi-resource-livekit"),
                ("plugin_floor", NOOP_PLUGIN, noop_plugin_command(workdir / "noop-plugin"))):
            folder = label.replace("_", "-")
            side = sides[label] = PulumiSide(label, yaml_program(workdir / f"{folder}-{n}-source", n, plugin), n,
                                             workdir / f"{folder}-{n}", parallel, plugin.resource_type)
            plugin.install(side.stack, executable)
    for label in ("ours", "plugin"):
        if label in sides:
            creds = servers[label].credentials
            sides[label].stack.set_config("livekit:url", creds.url)  # the measuring loop's warm-up points it elsewhere
            sides[label].stack.set_config("livekit:apiKey", creds.api_key)
            sides[label].stack.set_config("livekit:apiSecret", creds.api_secret, secret=True)
    creds = servers["api"].credentials
    sides["api"] = ApiFloor(creds.url, creds.api_key, creds.api_secret, n)
    if "dynamic" in groups:
        creds = servers["alone"].credentials
        sides["alone"] = ProviderAlone(creds.url, creds.api_key, creds.api_secret, n)
        if pack:
            sides[policy_pack.LABEL] = policy_pack.PackSide(sides["ours"], pack)
    return sides
