"""`make bench`'s YAML side (the `bench` package of benchmarks/) at N=2: the plugin's Pulumi YAML program and its no-op
plugin floor, driven through every operation by the real engine against the real server, counted and
reported as a full run reports them."""

from __future__ import annotations

import argparse
import asyncio

from bench import servicers
from bench.cli import machine_info
from bench.in_process import ProviderAlone
from bench.measure import bench_size, rules_on_server
from bench.operations import OPS
from bench.report import render
from bench.sides import YAML_TRUNK_PREFIX
from pulumi_livekit._api.client import SIPClient
from pulumi_livekit._api.endpoint import Endpoint
from pulumi_livekit._model.kinds import DISPATCH_RULE


def test_yaml_side_of_the_bench_at_two_rules(livekit, other_project_server, proxy, tmp_path):
    log: list[str] = []
    # Each side on a server of its own, as a run has them: the harness checks each side's rules on its own server
    # after every operation, so a side sent to the other's server would fail the run.
    servers = {"plugin": livekit, "api": other_project_server}
    result = bench_size(2, 1, True, OPS, servers, {"plugin": proxy}, tmp_path, None, log.append, groups=("plugin",))

    for side in ("plugin", "plugin_floor"):
        assert set(result.times[side]) == set(OPS), side
        assert all(len(seconds) == 1 and seconds[0] > 0 for seconds in result.times[side].values())
        # Each side's own provider plugin and YAML language host were found and measured.
        assert all(result.rss["plugin"][side][op][0] > 10 * 1024 for op in OPS), result.rss
        assert result.rss["program"][side]["create"][0] > 0
        assert result.role_cpu["plugin"][side]["create"][0] > 0
    # The program declared what the server then held (checked after every operation by the harness too).
    assert result.state["plugin"]["resources"] == 2 and result.state["plugin_floor"]["resources"] == 2
    assert result.state["plugin"]["checkpoint_bytes"] > 0
    assert "ours" not in result.times  # --sides plugin: the dynamic stacks were not run
    totals = {op: sum(counts.values()) for op, counts in result.requests["plugin"].items()}
    # A no-change preview verifies the connection (one listing); the update renames each rule: the listing, then one
    # field-wise update each.
    assert totals == {"create": 3, "preview": 1, "update": 3, "refresh": 1, "destroy": 2}, result.requests
    creds = livekit.credentials
    with SIPClient(Endpoint(creds.url, creds.api_key, creds.api_secret)) as client:
        assert rules_on_server(client, YAML_TRUNK_PREFIX) == []  # destroyed, and the stacks removed

    args = argparse.Namespace(repeat=1, large_repeat=1, ops=",".join(OPS), sides="plugin", parallel=None)
    info = {**machine_info(), "started": "now", "load_average_end": (0.0, 0.0, 0.0)}
    table, checks = render([result], info, args, 60.0, "plot.png")
    assert "| 2 | pulumi up (create all) |" in table and "The plugin: the same N rules" in table
    assert "Load average (1, 5, 15 min) at the start and end of each N: N=2 " in table
    assert f"Requests per update (every rule renamed; per rule, counted in the warm-up): N=2 plugin (YAML) " \
           f"{totals['update'] / 2:g} (" in table
    failed = [name for name, ok, _ in checks if not ok]
    assert checks and not failed, failed


def test_provider_alone_runs_every_operation_as_the_engine_calls_the_provider(livekit):
    creds = livekit.credentials
    alone = ProviderAlone(creds.url, creds.api_key, creds.api_secret, 2)
    for op in OPS:
        wall, cpu = alone.op(op)
        assert wall > 0 and cpu >= 0, op
        with SIPClient(Endpoint(creds.url, creds.api_key, creds.api_secret)) as client:
            names = sorted(rule.name for rule in client.list(DISPATCH_RULE))
        assert names == ([] if op == "destroy" else ["b-0", "b-1"] if op in ("update", "refresh") else ["a-0", "a-1"])


def test_servicers_make_each_plugin_answer_as_the_engine_asks(livekit):
    figures = asyncio.run(servicers.measure(2, 1, livekit.credentials))

    # Each call was answered as the engine needs (checked by the harness on every call): no check failure, a
    # no-change diff for the preview and after the refresh's read, and the read found each rule ours created.
    for side in ("plugin", "plugin_floor"):
        assert set(figures[side]) == set(servicers.CALLS), side
        assert all(len(rounds) == 1 and rounds[0][0] > 0 and rounds[0][1] > 0 for rounds in figures[side].values())
    creds = livekit.credentials
    with SIPClient(Endpoint(creds.url, creds.api_key, creds.api_secret)) as client:
        assert rules_on_server(client, YAML_TRUNK_PREFIX) == []  # deleted after the round
    text = servicers.table({2: figures})
    assert "| 2 | preview (check, diff) |" in text and "| 2 | refresh (read, diff) |" in text
