"""The test bed: its livekit-server answers the SIP API as the official SDK expects, nothing it starts
listens beyond loopback, and the demo's local LiveKit keeps its rules from `make down` to the next start."""

import collections
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Callable

from livekit import api as lkapi

from pulumi_livekit.testing import (AgentWorker, Credentials, FaultProxy, LocalLiveKitCluster, free_port,
                                    listening_sockets)

from support import REPO, Oracle


def test_official_sdk_creates_lists_and_deletes_a_dispatch_rule(oracle):
    rule = lkapi.SIPDispatchRuleInfo(
        name="testbed",
        trunk_ids=["ST_testbed"],
        rule=lkapi.SIPDispatchRule(dispatch_rule_direct=lkapi.SIPDispatchRuleDirect(room_name="testbed-room")),
    )
    created = oracle.call("create_dispatch_rule", lkapi.CreateSIPDispatchRuleRequest(dispatch_rule=rule))
    assert created.sip_dispatch_rule_id.startswith("SDR_")

    listed = {r.sip_dispatch_rule_id: r for r in oracle.rules()}
    assert listed[created.sip_dispatch_rule_id].rule.dispatch_rule_direct.room_name == "testbed-room"

    oracle.call("delete_dispatch_rule", lkapi.DeleteSIPDispatchRuleRequest(
        sip_dispatch_rule_id=created.sip_dispatch_rule_id))
    assert oracle.rules() == []


def demo_livekit(state: Path) -> Callable[[str], str]:
    """`scripts/local_livekit.py COMMAND` (what `make demo` and `make down` run) on free ports, its state in
    `state`; returns what the command printed."""
    env = {**os.environ, "DEMO_STATE_DIR": str(state), "DEMO_LIVEKIT_PORT": str(free_port()),
           "DEMO_REDIS_PORT": str(free_port())}

    def local_livekit(command: str) -> str:
        done = subprocess.run([sys.executable, str(REPO / "scripts" / "local_livekit.py"), command], env=env,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return done.stdout
    return local_livekit


def test_every_server_the_test_bed_starts_listens_on_loopback_only(livekit, routing_oracle, tls_endpoints, tmp_path):
    """What the tests, `make demo` and `make bench` start: livekit-server (its API, and WebRTC over UDP; WebRTC
    over TCP off) with Redis, a cluster's nodes, balancer and slow Redis link, the fault proxy, the TLS
    endpoints, the test agent worker, the routing oracle, and the demo's local LiveKit, read from /proc."""
    demo_state = tmp_path / "demo"
    local_livekit = demo_livekit(demo_state)
    local_livekit("up")
    try:
        demo_pids = json.loads((demo_state / "livekit" / "settings.json").read_text())["pids"]
        with LocalLiveKitCluster(tmp_path / "cluster", redis_latency=0.01), FaultProxy(livekit.credentials.url), \
                AgentWorker(livekit.credentials, "loopback-check", tmp_path / "agent"), routing_oracle:
            listeners = listening_sockets([os.getpid(), *demo_pids])
    finally:
        local_livekit("down")
    # The check sees what it must judge: every kind of server, TCP and UDP alike.
    assert {(l.command, l.protocol) for l in listeners} >= {
        ("livekit-server", "tcp"), ("livekit-server", "udp"), ("redis-server", "tcp")}, listeners
    servers = {l.command for l in listeners if l.command not in ("livekit-server", "redis-server")}
    assert servers, listeners  # the proxies and balancers in this process, the agent worker's health port
    assert [str(l) for l in listeners if not l.loopback] == []
    # WebRTC over TCP is off: each livekit-server listens on TCP for its API alone.
    api_ports = collections.Counter(l.pid for l in listeners if l.command == "livekit-server" and l.protocol == "tcp")
    assert set(api_ports.values()) == {1}, listeners


def test_the_demos_local_livekit_keeps_its_rules_across_make_down(tmp_path):
    """The README: `make demo`'s LiveKit keeps the rules across restarts (`make down`, then the next demo)."""
    local_livekit = demo_livekit(tmp_path)
    local_livekit("up")
    try:
        settings = dict(line.removeprefix("export ").split("=", 1) for line in local_livekit("env").splitlines())
        demo = Oracle(Credentials(*(settings[f"LIVEKIT_{name}"] for name in ("URL", "API_KEY", "API_SECRET"))))
        rule = lkapi.SIPDispatchRule(dispatch_rule_direct=lkapi.SIPDispatchRuleDirect(room_name="kept"))
        made = demo.call("create_dispatch_rule", lkapi.CreateSIPDispatchRuleRequest(
            dispatch_rule=lkapi.SIPDispatchRuleInfo(name="kept", rule=rule)))
        local_livekit("down")
        local_livekit("up")
        assert [rule.sip_dispatch_rule_id for rule in demo.rules()] == [made.sip_dispatch_rule_id]
    finally:
        local_livekit("down")
